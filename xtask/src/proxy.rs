//! Running the real storefront proxy (`esim-proxy --sandbox`) serving the demo page and the
//! built bundle, for `cargo xtask demo` and the end-to-end tests.

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
        let port = if port == 0 { shell::free_port()? } else { port };
        let profile = if release { "release" } else { "debug" };
        let binary = root().join("target").join(profile).join("esim-proxy");
        let mut child = Command::new(&binary)
            .current_dir(root())
            .args([
                "--sandbox",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--www",
            ])
            .arg(root().join("www"))
            .arg("--dist")
            .arg(dist_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout from esim-proxy")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("listening on") {
                    let _ = tx.send(());
                }
            }
        });
        let url = format!("http://127.0.0.1:{port}");
        let proxy = ProxyProcess { child, url };
        rx.recv_timeout(Duration::from_secs(60))
            .map_err(|_| "esim-proxy did not start within a minute".to_owned())?;
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

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
