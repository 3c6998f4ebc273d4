//! Running the real storefront proxy serving the demo page and the built bundle, for `cargo
//! xtask demo` and the end-to-end tests: on the sandbox (`esim-proxy --sandbox`), or on a fake
//! provider server (`esim-fake NAME`) as `esim-proxy --provider NAME` would run on the real one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::dist::dist_dir;
use crate::shell::{self, cmd, root, run, step};

/// A running `esim-proxy` child process; dropping it stops the process.
pub struct ProxyProcess {
    child: Child,
    url: String,
}

impl ProxyProcess {
    /// Builds and starts the proxy on 127.0.0.1:`port` (0 picks a free port) in sandbox mode,
    /// serving `www/` and `target/dist`, and waits until it listens.
    pub fn start(port: u16) -> Result<ProxyProcess, String> {
        ProxyProcess::start_built(port, false)
    }

    /// Starts the (already built, debug) sandbox proxy on a free port serving `www` at `/`
    /// instead of the demo page.
    pub fn start_serving(www: &std::path::Path) -> Result<ProxyProcess, String> {
        let mut command = Command::new(root().join("target").join("debug").join("esim-proxy"));
        command.arg("--sandbox");
        ProxyProcess::spawn_with(command, 0, www)
    }

    /// As [`ProxyProcess::start`], with the release build (for benchmarks).
    pub fn start_release(port: u16) -> Result<ProxyProcess, String> {
        ProxyProcess::start_built(port, true)
    }

    fn start_built(port: u16, release: bool) -> Result<ProxyProcess, String> {
        step("Building the storefront proxy (esim-proxy)");
        let mut build = cmd("cargo");
        build.args(["build", "--package", "esim-proxy"]);
        if release {
            build.arg("--release");
        }
        run(&mut build)?;
        let profile = if release { "release" } else { "debug" };
        let mut command = Command::new(root().join("target").join(profile).join("esim-proxy"));
        command.arg("--sandbox");
        ProxyProcess::spawn(command, port)
    }

    /// Starts the (already built, debug) proxy on a free port against `fake`, as
    /// `esim-proxy --provider NAME` runs against the real provider: base URL and secrets given
    /// the way a merchant gives them, test checkout, memory store.
    pub fn start_on(fake: &FakeProvider) -> Result<ProxyProcess, String> {
        let config = config_file(
            &format!("proxy-{}.toml", fake.name),
            "checkout = \"sandbox\"\ndatabase = \":memory:\"\nprovider_timeout_secs = 10\n",
        )?;
        let mut command = Command::new(root().join("target").join("debug").join("esim-proxy"));
        command.arg("--config").arg(&config).args([
            "--provider",
            fake.name,
            "--provider-url",
            &fake.url,
        ]);
        fake.secrets("ESIM_PROXY_PROVIDER", &mut command);
        ProxyProcess::spawn(command, 0)
    }

    /// Builds and starts the proxy on `port` (0: a free one) with card checkout against
    /// `stripe` (localstripe): the sandbox provider, a memory store, test keys that only the
    /// stand-in accepts.
    pub fn start_with_cards(port: u16, stripe: &Localstripe) -> Result<ProxyProcess, String> {
        step("Building the storefront proxy (esim-proxy)");
        run(cmd("cargo").args(["build", "--package", "esim-proxy"]))?;
        let config = config_file(
            "proxy-stripe.toml",
            &format!(
                "checkout = \"stripe\"\ndatabase = \":memory:\"\n[provider]\nkind = \"sandbox\"\nprovisioning_delay_secs = 2\n[payments.stripe]\npublishable_key = \"{PUBLISHABLE_TEST_KEY}\"\napi_base = \"{url}\"\njs_url = \"{url}/js.stripe.com/v3/\"\n",
                url = stripe.url()
            ),
        )?;
        let mut command = Command::new(root().join("target").join("debug").join("esim-proxy"));
        command
            .arg("--config")
            .arg(&config)
            .env("ESIM_PROXY_STRIPE_SECRET_KEY", SECRET_TEST_KEY)
            .env("ESIM_PROXY_STRIPE_WEBHOOK_SECRET", WEBHOOK_TEST_SECRET);
        ProxyProcess::spawn(command, port)
    }

    /// Starts the (already built, debug) sandbox proxy on a free port for API fuzzing: rate
    /// limits and the test balance high enough that thousands of generated orders are all
    /// answered on their merits.
    pub fn start_for_fuzzing() -> Result<ProxyProcess, String> {
        let config = config_file(
            "proxy-fuzzing.toml",
            "checkout = \"sandbox\"\ndatabase = \":memory:\"\nwrites_per_minute = 1000000\nquotes_per_minute = 1000000\n[provider]\nkind = \"sandbox\"\nbalance_cents = 100000000000\n",
        )?;
        let mut command = Command::new(root().join("target").join("debug").join("esim-proxy"));
        command.arg("--config").arg(&config);
        ProxyProcess::spawn(command, 0)
    }

    /// Places one sandbox order and returns its guest token, so that calls needing a
    /// shopper can be made as one.
    pub fn guest_token(&self) -> Result<String, String> {
        use std::io::{Read, Write};
        let address = self.url.trim_start_matches("http://");
        let body = r#"{"package_code":"JP-1GB-7D","quantity":1,"currency":"USD"}"#;
        let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
        write!(
            stream,
            "POST /v1/orders HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nIdempotency-Key: xtask-fuzzing\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .map_err(|e| e.to_string())?;
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .map_err(|e| e.to_string())?;
        let json = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v["guest_token"].as_str().map(str::to_owned))
            .ok_or_else(|| format!("the sandbox order gave no guest token: {answer}"))
    }

    fn spawn(command: Command, port: u16) -> Result<ProxyProcess, String> {
        ProxyProcess::spawn_with(command, port, &root().join("www"))
    }

    fn spawn_with(
        mut command: Command,
        port: u16,
        www: &std::path::Path,
    ) -> Result<ProxyProcess, String> {
        let port = if port == 0 { shell::free_port()? } else { port };
        let mut child = command
            .current_dir(root())
            .args(["--listen", &format!("127.0.0.1:{port}"), "--www"])
            .arg(www)
            .arg("--dist")
            .arg(dist_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start esim-proxy: {e}"))?;
        let url = format!("http://127.0.0.1:{port}");
        let listening = wait_for_line(&mut child, "esim-proxy");
        let proxy = ProxyProcess { child, url };
        listening?;
        Ok(proxy)
    }

    /// Returns the base URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Blocks until the proxy exits (Ctrl-C stops both).
    pub fn wait(mut self) -> Result<(), String> {
        self.child.wait().map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Writes a proxy configuration file `name` under target/e2e and returns its path.
fn config_file(name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let config = root().join("target").join("e2e").join(name);
    std::fs::create_dir_all(config.parent().unwrap_or(&root()))
        .and_then(|_| std::fs::write(&config, text))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    Ok(config)
}

/// Waits up to a minute for a child's "listening on URL" line; returns the URL.
fn wait_for_line(child: &mut Child, name: &str) -> Result<String, String> {
    let stdout = child
        .stdout
        .take()
        .ok_or(format!("no stdout from {name}"))?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some((_, url)) = line.split_once("listening on ") {
                let url = url
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/');
                let _ = tx.send(url.to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .map_err(|_| format!("{name} did not start within a minute"))
}

/// A fake provider server (`esim-fake NAME`) on a free port; dropping it stops the process.
pub struct FakeProvider {
    child: Child,
    pub name: &'static str,
    pub url: String,
    key: String,
}

impl FakeProvider {
    /// Builds the proxy and the fakes, once, for [`FakeProvider::start`] and
    /// [`ProxyProcess::start_on`].
    pub fn build() -> Result<(), String> {
        step("Building the proxy and the fake provider servers (esim-proxy, esim-fake)");
        run(cmd("cargo").args([
            "build",
            "--package",
            "esim-proxy",
            "--package",
            "esim-fakes",
        ]))
    }

    /// Starts the fake for `name` with credentials made up for this run; `documented_only`
    /// makes it send only the fields the provider's documentation shows.
    pub fn start(name: &'static str, documented_only: bool) -> Result<FakeProvider, String> {
        let key = format!("e2e-{name}-{}-{}", std::process::id(), shell::free_port()?);
        let mut command = Command::new(root().join("target").join("debug").join("esim-fake"));
        command.args([name, "--listen", "127.0.0.1:0"]);
        if documented_only {
            command.arg("--documented-only");
        }
        let mut fake = FakeProvider {
            child: command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .envs([
                    ("ESIM_FAKE_KEY", key.as_str()),
                    ("ESIM_FAKE_CLIENT_ID", name),
                    ("ESIM_FAKE_CLIENT_SECRET", key.as_str()),
                ])
                .spawn()
                .map_err(|e| format!("cannot start esim-fake: {e}"))?,
            name,
            url: String::new(),
            key,
        };
        fake.url = wait_for_line(&mut fake.child, "esim-fake")?;
        Ok(fake)
    }

    /// Gives `command` this fake's credentials in the variables named `PREFIX_KEY`,
    /// `PREFIX_CLIENT_ID` and `PREFIX_CLIENT_SECRET`.
    fn secrets(&self, prefix: &str, command: &mut Command) {
        command
            .env(format!("{prefix}_KEY"), &self.key)
            .env(format!("{prefix}_CLIENT_ID"), self.name)
            .env(format!("{prefix}_CLIENT_SECRET"), &self.key);
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running localstripe (Stripe's API and Stripe.js, stood in for the tests) on a free
/// loopback port; dropping it stops the process.
/// The keys the card demo and its tests give localstripe (which accepts any `sk_test_` key):
/// test values, never a merchant's.
pub const PUBLISHABLE_TEST_KEY: &str = "pk_test_esim_storefront_demo";
pub const SECRET_TEST_KEY: &str = "sk_test_esim_storefront_demo";
pub const WEBHOOK_TEST_SECRET: &str = "whsec_esim_storefront_demo";

pub struct Localstripe {
    child: Child,
    url: String,
}

impl Localstripe {
    /// Installs localstripe if needed and starts it, waiting until it accepts connections.
    pub fn start() -> Result<Localstripe, String> {
        let bin = crate::tools::localstripe()?;
        let port = shell::free_port()?;
        step(&format!("Starting localstripe on 127.0.0.1:{port}"));
        // `--from-scratch`: localstripe keeps its state in /tmp/localstripe.pickle, rewritten on
        // every change and loaded at start; one killed mid-write (every run ends so) leaves a
        // file the next start cannot read, and state from an earlier run is never wanted.
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start localstripe: {e}"))?;
        let mut stripe = Localstripe {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(stripe);
            }
            if let Ok(Some(status)) = stripe.child.try_wait() {
                return Err(format!("localstripe exited at start ({status})"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("localstripe did not listen within 30 s".into())
    }

    /// Its root, e.g. `http://127.0.0.1:41234` (the API under `/v1/`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Localstripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
