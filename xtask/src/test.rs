//! `cargo xtask test`: every test layer, with one closing line `N passed, N failed`.
//!
//! Layers: native unit and property tests (`cargo test --workspace`, with a throwaway
//! PostgreSQL for the store's tests on it); component tests in
//! headless Chromium (`wasm-bindgen-test`); end-to-end tests of the built bundle served by the
//! storefront proxy (`esim-proxy --sandbox`), driven by Playwright with the system Chromium
//! (`node --test`); the same against each fake provider server; and API fuzzing of the proxy's
//! OpenAPI document with schemathesis (PyPI). Each layer's output streams as it runs; the
//! counts are read from each runner's own summary lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

use crate::postgres::Postgres;
use crate::proxy::{FakeProvider, Localstripe, ProxyProcess};
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

    let mut run = Run::default();

    // One localstripe for the native layer's Stripe tests (crates/proxy/tests/stripe.rs), and
    // one PostgreSQL for the store's tests on PostgreSQL (each test makes its own database).
    let stripe = Localstripe::start();
    let postgres = Postgres::start();
    step("Native tests: cargo test --workspace");
    let mut native = cmd("cargo");
    native.args(["test", "--workspace", "--no-fail-fast"]);
    match &stripe {
        Ok(stripe) => {
            native.env("ESIM_LOCALSTRIPE_URL", stripe.url());
        }
        Err(e) => println!("    localstripe is not running ({e}): the Stripe tests will fail"),
    }
    match &postgres {
        Ok(postgres) => {
            native.env("ESIM_TEST_DATABASE_URL", postgres.url());
        }
        // Counted as failed, not skipped: the store would go untested on PostgreSQL.
        Err(e) => run.could_not_run(
            "native (PostgreSQL)",
            &format!("start PostgreSQL for the store's tests: {e}"),
        ),
    }
    run.layer("native", &mut native, cargo_counts);
    drop(stripe);
    drop(postgres);

    step("Component tests in headless Chromium: wasm-bindgen-test");
    run.layer(
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
    );

    step("End-to-end tests: the built bundle served by esim-proxy --sandbox, in Chromium");
    let name = "end-to-end";
    match dist::run().and_then(|_| ProxyProcess::start(0)) {
        Ok(proxy) => run.layer(name, &mut node_tests("tests/e2e/", &proxy), tap_counts),
        Err(e) => run.could_not_run(name, &format!("build or serve the bundle: {e}")),
    }

    // Card checkout: the same bundle with a proxy taking payment through localstripe, whose
    // own Stripe.js runs in the page (under the strict policy plus only Stripe's sources).
    step("End-to-end tests of card checkout: esim-proxy with checkout = \"stripe\" against localstripe, in Chromium");
    let name = "end-to-end (card checkout)";
    match Localstripe::start()
        .and_then(|stripe| ProxyProcess::start_with_cards(0, &stripe).map(|proxy| (stripe, proxy)))
    {
        Ok((stripe, proxy)) => run.layer(
            name,
            node_tests("tests/e2e-cards/", &proxy)
                .env("ESIM_LOCALSTRIPE_URL", stripe.url())
                .env("ESIM_STRIPE_SECRET_KEY", crate::proxy::SECRET_TEST_KEY),
            tap_counts,
        ),
        Err(e) => run.could_not_run(name, &format!("start localstripe and the card proxy: {e}")),
    }

    // The package as a developer uses it: packed, installed into a Vite app, type-checked,
    // built, and served by the proxy in that app's place.
    step("End-to-end test of the npm package in a Vite app");
    let name = "end-to-end (npm consumer)";
    match consumer::build().and_then(|app| ProxyProcess::start_serving(&app)) {
        Ok(proxy) => run.layer(
            name,
            &mut node_tests("tests/e2e-consumer/", &proxy),
            tap_counts,
        ),
        Err(e) => run.could_not_run(name, &format!("build or serve the npm consumer app: {e}")),
    }

    // The same widget against HTTP providers: each fake server behind the proxy as
    // `esim-proxy --provider NAME` runs against the real provider.
    step(
        "End-to-end tests against fake provider servers (Vellosim, CloudeSIM, VeloeSIM, PressOne)",
    );
    match FakeProvider::build() {
        Ok(()) => {
            // Each as the fakes answer today, and answering only what the provider's
            // documentation shows.
            for (provider, documented_only, name) in [
                ("vellosim", false, "end-to-end (vellosim)"),
                ("cloudesim", false, "end-to-end (cloudesim)"),
                ("veloesim", false, "end-to-end (veloesim)"),
                ("pressone", false, "end-to-end (pressone)"),
                ("vellosim", true, "end-to-end (vellosim, documented only)"),
                ("cloudesim", true, "end-to-end (cloudesim, documented only)"),
                ("veloesim", true, "end-to-end (veloesim, documented only)"),
                ("pressone", true, "end-to-end (pressone, documented only)"),
            ] {
                // The fake outlives the layer: both drop at the end of this arm.
                match FakeProvider::start(provider, documented_only)
                    .and_then(|fake| ProxyProcess::start_on(&fake).map(|proxy| (fake, proxy)))
                {
                    Ok((_fake, proxy)) => run.layer(
                        name,
                        node_tests("tests/e2e-providers/", &proxy)
                            .env("ESIM_PROVIDER", provider)
                            .env(
                                "ESIM_DOCUMENTED_ONLY",
                                if documented_only { "1" } else { "" },
                            ),
                        tap_counts,
                    ),
                    Err(e) => {
                        run.could_not_run(name, &format!("start {provider} and its proxy: {e}"))
                    }
                }
            }
        }
        Err(e) => run.could_not_run(
            "end-to-end (providers)",
            &format!("build the proxy and the fakes: {e}"),
        ),
    }

    // The storefront API as its OpenAPI document describes it: every operation with
    // generated inputs (schemathesis from PyPI), as a guest shopper.
    step("API fuzzing: schemathesis against /v1/openapi.json of esim-proxy (sandbox)");
    let name = "API fuzzing (schemathesis)";
    let fuzzing = tools::schemathesis().and_then(|st| {
        let proxy = ProxyProcess::start_for_fuzzing()?;
        let token = proxy.guest_token()?;
        Ok((st, proxy, token))
    });
    match fuzzing {
        Ok((st, proxy, token)) => run.layer(
            name,
            Command::new(st)
                .args(["run", &format!("{}/v1/openapi.json", proxy.url())])
                .args(["--url", proxy.url(), "--max-examples", "100"])
                .args(["-H", &format!("Authorization: Bearer {token}")])
                .env("NO_COLOR", "1"),
            schemathesis_counts,
        ),
        Err(e) => run.could_not_run(
            name,
            &format!("install schemathesis or start the proxy: {e}"),
        ),
    }

    Ok(run.finish())
}

/// `node --test` on the end-to-end tests in `dir`, against the storefront `proxy` serves, in
/// the system Chromium.
fn node_tests(dir: &str, proxy: &ProxyProcess) -> Command {
    let mut command = cmd("node");
    command
        .args(["--test", "--test-reporter=tap", "--test-concurrency=1", dir])
        .env("ESIM_DEMO_URL", proxy.url())
        .env("CHROMIUM", CHROMIUM);
    command
}

/// What the layers have reported so far.
#[derive(Debug, Default)]
struct Run {
    total: Counts,
    /// Layers that failed or could not finish.
    broken: Vec<&'static str>,
}

impl Run {
    /// Runs one layer, streaming its standard output while counting results with `parse`. A
    /// layer that exits non-zero without reporting a failed test (a build error, a crash)
    /// counts as one failure, so nothing broken can end in "0 failed".
    fn layer(
        &mut self,
        name: &'static str,
        command: &mut Command,
        parse: fn(&str) -> Option<Counts>,
    ) {
        println!("    $ {}", describe(command));
        let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) => {
                return self.could_not_run(name, &format!("start {}: {e}", describe(command)))
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
            self.broken.push(name);
            if counts.failed == 0 {
                counts.failed = 1;
            }
        }
        self.total += counts;
    }

    /// Records a layer that could not run at all (`why` completes "could not …") as one failure.
    fn could_not_run(&mut self, name: &'static str, why: &str) {
        eprintln!("xtask: could not {why}");
        self.broken.push(name);
        self.total.failed += 1;
    }

    /// Prints the closing lines and returns the exit code.
    fn finish(self) -> ExitCode {
        if !self.broken.is_empty() {
            println!(
                "\nLayers that failed or did not finish: {}",
                self.broken.join(", ")
            );
        }
        println!(
            "\n{} passed, {} failed",
            self.total.passed, self.total.failed
        );
        if self.total.failed == 0 && self.broken.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
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

/// Reads schemathesis' summary, `1363 generated, 1363 passed` or `589 generated, 10 found 12
/// unique failures`: the test cases that passed, and the unique failures found.
fn schemathesis_counts(line: &str) -> Option<Counts> {
    let mut words = line.trim().split([' ', ',']).filter(|w| !w.is_empty());
    let generated: u64 = words.next()?.parse().ok()?;
    if words.next()? != "generated" {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    let before = |word: &str| {
        rest.windows(2)
            .find(|w| w[1] == word)
            .and_then(|w| w[0].parse::<u64>().ok())
    };
    if before("passed").is_none() && before("found").is_none() {
        return None;
    }
    let found = before("found").unwrap_or(0);
    Some(Counts {
        passed: before("passed").unwrap_or(generated - found.min(generated)),
        failed: rest
            .windows(3)
            .find(|w| w[1] == "unique" && w[2].starts_with("failure"))
            .and_then(|w| w[0].parse().ok())
            .unwrap_or(found),
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

    fn counts(passed: u64, failed: u64) -> Option<Counts> {
        Some(Counts { passed, failed })
    }

    #[test]
    fn reads_cargo_and_wasm_bindgen_summaries() {
        assert_eq!(
            cargo_counts("test result: ok. 89 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.21s"),
            counts(89, 0)
        );
        assert_eq!(
            cargo_counts("test result: FAILED. 5 passed; 1 failed; 0 ignored; 0 filtered out; finished in 0.13s"),
            counts(5, 1)
        );
        assert_eq!(cargo_counts("test foo ... ok"), None);
        assert_eq!(cargo_counts("running 6 tests"), None);
    }

    #[test]
    fn reads_schemathesis_summaries() {
        assert_eq!(
            schemathesis_counts("  1363 generated, 1363 passed"),
            counts(1363, 0)
        );
        assert_eq!(
            schemathesis_counts("  589 generated, 10 found 12 unique failures"),
            counts(579, 12)
        );
        assert_eq!(
            schemathesis_counts("  1 generated, 1 found 1 unique failure"),
            counts(0, 1)
        );
        assert_eq!(schemathesis_counts("Seed: 1234"), None);
        assert_eq!(schemathesis_counts("  18 generated by hand"), None);
    }

    #[test]
    fn reads_node_tap_summaries() {
        assert_eq!(tap_counts("# pass 4"), counts(4, 0));
        assert_eq!(tap_counts("# fail 2"), counts(0, 2));
        assert_eq!(tap_counts("# tests 6"), None);
        assert_eq!(tap_counts("ok 1 - renders"), None);
    }
}
