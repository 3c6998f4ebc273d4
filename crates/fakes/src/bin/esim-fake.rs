//! `esim-fake`: run one fake provider, for the end-to-end journey and for trying the proxy
//! against a provider without an account.

use std::net::SocketAddr;
use std::process::ExitCode;

use esim_fakes::{Fake, Kind, Secrets};

const USAGE: &str = "\
usage: esim-fake vellosim|cloudesim|veloesim|pressone [--listen ADDR] [--allocate-after N]
                 [--purchase-delay-secs N] [--documented-only]
  The secrets it accepts come from ESIM_FAKE_KEY, ESIM_FAKE_CLIENT_ID and ESIM_FAKE_CLIENT_SECRET
  (the defaults of the tests when unset).";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(kind) = args.first().and_then(|a| Kind::parse(a)) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut allocate_after = 0;
    let mut purchase_delay = 0u64;
    let documented_only = args.iter().any(|a| a == "--documented-only");
    let mut rest = args[1..].iter().filter(|a| *a != "--documented-only");
    while let Some(arg) = rest.next() {
        let value = rest.next();
        match (arg.as_str(), value.map(|v| v.parse::<SocketAddr>()), value) {
            ("--listen", Some(Ok(addr)), _) => listen = addr,
            ("--allocate-after", _, Some(v)) if v.parse::<u32>().is_ok() => {
                allocate_after = v.parse().unwrap_or(0)
            }
            ("--purchase-delay-secs", _, Some(v)) if v.parse::<u64>().is_ok() => {
                purchase_delay = v.parse().unwrap_or(0)
            }
            _ => {
                eprintln!("esim-fake: cannot read {arg:?}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut secrets = Secrets::default();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(key) = env("ESIM_FAKE_KEY") {
        secrets.key = key;
    }
    if let Some(id) = env("ESIM_FAKE_CLIENT_ID") {
        secrets.client_id = id;
    }
    if let Some(secret) = env("ESIM_FAKE_CLIENT_SECRET") {
        secrets.client_secret = secret;
    }
    let fake = match Fake::start(kind, secrets, listen).await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("esim-fake: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    fake.allocate_after(allocate_after);
    if documented_only {
        fake.documented_only();
    }
    fake.delay_purchases(std::time::Duration::from_secs(purchase_delay));
    println!("esim-fake {} listening on {}", args[0], fake.url());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
