//! `cargo xtask`: the project's build, demo and test pipeline.
//!
//! Every command installs what it needs on a fresh machine (the wasm target, wasm-bindgen-cli,
//! Chromium, npm packages) and says what it is doing before each long step.

mod bench;
mod consumer;
mod dist;
mod exports;
mod postgres;
mod proxy;
mod shell;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dist             build the widget: wasm (size profile) -> wasm-bindgen -> wasm-opt -> target/dist
  demo [--port N] [--stripe]
                   build dist, then run the storefront proxy (sandbox provider) serving www/ and
                   the bundle on 127.0.0.1 (default port 8080); with --stripe, card checkout
                   against localstripe (installed under target/ on first use)
  bench            measure: proxy throughput against nginx (needs wrk and nginx; installs them as root)
  test             install what is missing, then run every test layer; ends with 'N passed, N failed'
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dist") => dist::run().map(|_| ExitCode::SUCCESS),
        Some("demo") => demo(&args[1..]),
        Some("test") => test::run(),
        Some("bench") => bench::run().map(|_| ExitCode::SUCCESS),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn demo(args: &[String]) -> Result<ExitCode, String> {
    let mut port = 8080;
    let mut stripe = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--stripe" => stripe = true,
            "--port" => {
                let value = rest.next().ok_or("--port needs a number")?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port needs a number, got {value:?}"))?;
            }
            _ => return Err(format!("unexpected argument {arg:?}\n\n{USAGE}")),
        }
    }
    dist::run()?;
    if stripe {
        let localstripe = proxy::Localstripe::start()?;
        let proxy = proxy::ProxyProcess::start_with_cards(port, &localstripe)?;
        println!(
            "\nDemo storefront: {}/  (sandbox provider, card payment against localstripe at {}; pay with 4242 4242 4242 4242, any future date and CVC; Ctrl-C to stop)",
            proxy.url(),
            localstripe.url()
        );
        proxy.wait()?;
        return Ok(ExitCode::SUCCESS);
    }
    let proxy = proxy::ProxyProcess::start(port)?;
    println!(
        "\nDemo storefront: {}/  (sandbox provider; Ctrl-C to stop)",
        proxy.url()
    );
    proxy.wait()?;
    Ok(ExitCode::SUCCESS)
}
