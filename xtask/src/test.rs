//! `cargo xtask test`: every test layer, with one closing line `N passed, N failed`.
//!
//! Layers: native unit and property tests (`cargo test --workspace`); component tests in
//! headless Chromium (`wasm-bindgen-test`); end-to-end tests of the built bundle served by the
//! storefront proxy (`esim-proxy --sandbox`), driven by Playwright with the system Chromium (`node --test`). Each layer's
//! output streams as it runs; the counts are read from each runner's own summary lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

use crate::proxy::{FakeProvider, ProxyProcess};
use crate::shell::{cmd, describe, step};
use crate::tools::{self, CHROMEDRIVER, CHROMIUM};
use crate::{consumer, dist};

/// Passed and failed test counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Runs every layer; the exit code is non-zero if anything failed or could not run.
pub fn run() -> Result<ExitCode, String> {
    step("Checking tools (wasm target, wasm-bindgen-cli, Chromium, npm packages)");
    tools::wasm_target()?;
    tools::wasm_bindgen()?;
    tools::chromium()?;
    tools::npm_packages()?;

    let mut total = Counts::default();
    let mut broken = Vec::new();

    step("Native tests: cargo test --workspace");
    layer(
        "native",
        cmd("cargo").args(["test", "--workspace", "--no-fail-fast"]),
        cargo_counts,
        &mut total,
        &mut broken,
    );

    step("Component tests in headless Chromium: wasm-bindgen-test");
    layer(
        "browser",
        cmd("cargo")
            .args([
                "test",
                "--no-fail-fast",
                "--package",
                "esim-storefront",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            ),
        cargo_counts,
        &mut total,
        &mut broken,
    );

    step("End-to-end tests: the built bundle served by esim-proxy --sandbox, in Chromium");
    match dist::run().and_then(|_| ProxyProcess::start(0)) {
        Ok(proxy) => {
            layer(
                "end-to-end",
                cmd("node")
                    .args([
                        "--test",
                        "--test-reporter=tap",
                        "--test-concurrency=1",
                        "tests/e2e/",
                    ])
                    .env("ESIM_DEMO_URL", proxy.url())
                    .env("CHROMIUM", CHROMIUM),
                tap_counts,
                &mut total,
                &mut broken,
            );
            drop(proxy);
        }
        Err(e) => {
            eprintln!("xtask: could not build or serve the bundle: {e}");
            broken.push("end-to-end");
            total.failed += 1;
        }
    }

    // The package as a developer uses it: packed, installed into a Vite app, type-checked,
    // built, and served by the proxy in that app's place.
    step("End-to-end test of the npm package in a Vite app");
    match consumer::build().and_then(|app| ProxyProcess::start_serving(&app)) {
        Ok(proxy) => {
            layer(
                "end-to-end (npm consumer)",
                cmd("node")
                    .args(["--test", "--test-reporter=tap", "tests/e2e-consumer/"])
                    .env("ESIM_DEMO_URL", proxy.url())
                    .env("CHROMIUM", CHROMIUM),
                tap_counts,
                &mut total,
                &mut broken,
            );
            drop(proxy);
        }
        Err(e) => {
            eprintln!("xtask: could not build or serve the npm consumer app: {e}");
            broken.push("end-to-end (npm consumer)");
            total.failed += 1;
        }
    }

    // The same widget against HTTP providers: each fake server behind the proxy as
    // `esim-proxy --provider NAME` runs against the real provider.
    step(
        "End-to-end tests against fake provider servers (Vellosim, CloudeSIM, VeloeSIM, PressOne)",
    );
    match FakeProvider::build() {
        Ok(()) => {
            for (name, label) in [
                ("vellosim", "end-to-end (vellosim)"),
                ("cloudesim", "end-to-end (cloudesim)"),
                ("veloesim", "end-to-end (veloesim)"),
                ("pressone", "end-to-end (pressone)"),
            ] {
                let started = FakeProvider::start(name)
                    .and_then(|fake| ProxyProcess::start_on(&fake).map(|proxy| (fake, proxy)));
                match started {
                    Ok((fake, proxy)) => {
                        layer(
                            label,
                            cmd("node")
                                .args(["--test", "--test-reporter=tap", "tests/e2e-providers/"])
                                .env("ESIM_DEMO_URL", proxy.url())
                                .env("ESIM_PROVIDER", name)
                                .env("CHROMIUM", CHROMIUM),
                            tap_counts,
                            &mut total,
                            &mut broken,
                        );
                        drop(proxy);
                        drop(fake);
                    }
                    Err(e) => {
                        eprintln!("xtask: could not start {name} and its proxy: {e}");
                        broken.push(label);
                        total.failed += 1;
                    }
                }
            }
        }
        Err(e) => {
            eprintln!("xtask: could not build the proxy and the fakes: {e}");
            broken.push("end-to-end (providers)");
            total.failed += 1;
        }
    }

    if !broken.is_empty() {
        println!(
            "\nLayers that failed or did not finish: {}",
            broken.join(", ")
        );
    }
    println!("\n{} passed, {} failed", total.passed, total.failed);
    Ok(if total.failed == 0 && broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs one layer, streaming its standard output while counting results with `parse`. A layer
/// that exits non-zero without reporting a failed test (a build error, a crash) counts as one
/// failure, so nothing broken can end in "0 failed".
fn layer(
    name: &'static str,
    command: &mut Command,
    parse: fn(&str) -> Option<Counts>,
    total: &mut Counts,
    broken: &mut Vec<&'static str>,
) {
    println!("    $ {}", describe(command));
    let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("xtask: cannot start {}: {e}", describe(command));
            broken.push(name);
            total.failed += 1;
            return;
        }
    };
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(c) = parse(&line) {
                counts += c;
            }
        }
    }
    let success = child.wait().is_ok_and(|s| s.success());
    println!(
        "    {name}: {} passed, {} failed",
        counts.passed, counts.failed
    );
    if !success {
        broken.push(name);
        if counts.failed == 0 {
            counts.failed = 1;
        }
    }
    *total += counts;
}

/// Reads cargo's and wasm-bindgen-test-runner's `test result: ok. 3 passed; 0 failed; ...`.
fn cargo_counts(line: &str) -> Option<Counts> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<u64> {
        rest.split(';')
            .find_map(|part| part.trim().strip_suffix(word))
            .and_then(|n| n.trim().rsplit(' ').next())
            .and_then(|n| n.parse().ok())
    };
    Some(Counts {
        passed: number_before(" passed")?,
        failed: number_before(" failed")?,
    })
}

/// Reads node's TAP summary lines `# pass 3` and `# fail 0`.
fn tap_counts(line: &str) -> Option<Counts> {
    let line = line.trim();
    if let Some(n) = line.strip_prefix("# pass ") {
        return n.parse().ok().map(|passed| Counts { passed, failed: 0 });
    }
    if let Some(n) = line.strip_prefix("# fail ") {
        return n.parse().ok().map(|failed| Counts { passed: 0, failed });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_and_wasm_bindgen_summaries() {
        assert_eq!(
            cargo_counts("test result: ok. 89 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.21s"),
            Some(Counts { passed: 89, failed: 0 })
        );
        assert_eq!(
            cargo_counts("test result: FAILED. 5 passed; 1 failed; 0 ignored; 0 filtered out; finished in 0.13s"),
            Some(Counts { passed: 5, failed: 1 })
        );
        assert_eq!(cargo_counts("test foo ... ok"), None);
        assert_eq!(cargo_counts("running 6 tests"), None);
    }

    #[test]
    fn reads_node_tap_summaries() {
        assert_eq!(
            tap_counts("# pass 4"),
            Some(Counts {
                passed: 4,
                failed: 0
            })
        );
        assert_eq!(
            tap_counts("# fail 2"),
            Some(Counts {
                passed: 0,
                failed: 2
            })
        );
        assert_eq!(tap_counts("# tests 6"), None);
        assert_eq!(tap_counts("ok 1 - renders"), None);
    }
}
