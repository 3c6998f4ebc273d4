//! `cargo xtask bench`: measurements, never pass/fail tests.
//!
//! Proxy throughput: the release `esim-proxy --sandbox` answering a cached
//! `GET /v1/packages?destination=JP` under wrk, against nginx serving the very same bytes as a
//! static file, in the same run on the same machine, so the ratio is meaningful even on a
//! shared, noisy host. Results go to `target/bench/proxy.json`.
//!
//! The widget: in headless Chromium, time from script start to the first plan card and time per
//! keystroke of destination search, against a plain-JavaScript page rendering the same data in
//! the same run (`www/bench/`, driven by `tests/bench/widget.mjs`), and the bundle's brotli size.
//! Results go to `target/bench/widget.json`.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::dist;
use crate::proxy::ProxyProcess;
use crate::shell::{self, cmd, output, root, step};
use crate::tools;

/// The request measured.
const PATH: &str = "/v1/packages?destination=JP&currency=EUR";
/// wrk's load: threads, connections, seconds.
const THREADS: &str = "2";
const CONNECTIONS: &str = "64";
const SECONDS: &str = "10s";

/// One wrk measurement.
#[derive(Debug, Clone, Copy)]
struct Load {
    requests_per_second: f64,
    p99_ms: f64,
}

/// Runs every benchmark and prints a report.
pub fn run() -> Result<(), String> {
    install_tools()?;
    let out = root().join("target/bench");
    fs::create_dir_all(&out).map_err(|e| e.to_string())?;

    step("Building the proxy in release mode");
    shell::run(cmd("cargo").args(["build", "--release", "--package", "esim-proxy"]))?;
    let proxy_port = shell::free_port()?;
    let _proxy = Guard(
        Command::new(root().join("target/release/esim-proxy"))
            .args(["--sandbox", "--listen", &format!("127.0.0.1:{proxy_port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start esim-proxy: {e}"))?,
    );
    let proxy_url = format!("http://127.0.0.1:{proxy_port}{PATH}");
    let body = wait_for(&proxy_url)?;

    step("Serving the same bytes with nginx");
    let site = out.join("nginx");
    fs::create_dir_all(site.join("logs")).map_err(|e| e.to_string())?;
    fs::write(site.join("packages.json"), &body).map_err(|e| e.to_string())?;
    let nginx_port = shell::free_port()?;
    fs::write(site.join("nginx.conf"), nginx_conf(&site, nginx_port)).map_err(|e| e.to_string())?;
    let _nginx = Guard(
        Command::new("nginx")
            .args(["-p"])
            .arg(&site)
            .arg("-c")
            .arg(site.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e}"))?,
    );
    let nginx_url = format!("http://127.0.0.1:{nginx_port}/packages.json");
    let static_body = wait_for(&nginx_url)?;
    if static_body != body {
        return Err("nginx does not serve the same bytes as the proxy".into());
    }

    step(&format!(
        "Load: wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}, nginx first, then the proxy"
    ));
    let nginx = wrk(&nginx_url)?;
    let proxy = wrk(&proxy_url)?;
    let ratio = proxy.requests_per_second / nginx.requests_per_second;

    let report = json!({
        "request": format!("GET {PATH}"),
        "response_bytes": body.len(),
        "load": { "threads": THREADS, "connections": CONNECTIONS, "duration": SECONDS },
        "nginx": { "requests_per_second": nginx.requests_per_second, "p99_ms": nginx.p99_ms },
        "proxy": { "requests_per_second": proxy.requests_per_second, "p99_ms": proxy.p99_ms },
        "throughput_ratio": ratio,
        "target_ratio": 0.5,
        "bundle": bundle_size(),
    });
    fs::write(
        out.join("proxy.json"),
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .map_err(|e| e.to_string())?;

    println!(
        "\nCached {PATH} ({} bytes), wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}:",
        body.len()
    );
    println!("  {:<8} {:>12} {:>10}", "", "requests/s", "p99");
    println!(
        "  {:<8} {:>12.0} {:>8.2}ms",
        "nginx", nginx.requests_per_second, nginx.p99_ms
    );
    println!(
        "  {:<8} {:>12.0} {:>8.2}ms",
        "proxy", proxy.requests_per_second, proxy.p99_ms
    );
    println!(
        "  proxy/nginx throughput: {ratio:.2} (aim: at least 0.50) {}",
        if ratio >= 0.5 { "- met" } else { "- NOT met" }
    );
    if let Some(size) = bundle_size() {
        println!(
            "  widget bundle (brotli, from target/dist/size.json): {} bytes",
            size["total"]["brotli"]
        );
        if let Some(bytes) = size["first_visit"]["brotli"].as_u64() {
            println!("  {}", dist::first_visit_verdict(bytes));
        }
        if let Some(chunks) = size["later"].as_array() {
            let each: Vec<String> = chunks
                .iter()
                .map(|c| format!("{} {} B", c["file"].as_str().unwrap_or("?"), c["brotli"]))
                .collect();
            println!(
                "  fetched later, when a panel first shows (brotli): {}",
                each.join(", ")
            );
        }
    }
    println!("  report: target/bench/proxy.json");
    drop(_proxy);
    drop(_nginx);
    widget()
}

/// The widget against its plain-JavaScript baseline, in Chromium.
fn widget() -> Result<(), String> {
    tools::chromium()?;
    tools::npm_packages()?;
    step("Building the widget bundle");
    dist::run()?;
    let proxy = ProxyProcess::start_release(0)?;
    step("Widget against a plain-JS baseline in headless Chromium (www/bench/)");
    shell::run(
        cmd("node")
            .arg("tests/bench/widget.mjs")
            .env("ESIM_DEMO_URL", proxy.url())
            .env("CHROMIUM", tools::CHROMIUM),
    )
}

fn install_tools() -> Result<(), String> {
    let have = |tool: &str| output(cmd("which").arg(tool)).is_some();
    if have("wrk") && have("nginx") {
        return Ok(());
    }
    let is_root = output(cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err("the benchmark needs wrk and nginx: run `sudo apt-get install wrk nginx-light` and try again".into());
    }
    step("Installing wrk and nginx with apt");
    shell::run(cmd("apt-get").args(["update", "-qq"]))?;
    shell::run(
        cmd("apt-get")
            .args(["install", "-y", "-qq", "wrk", "nginx-light"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// An nginx configured like a production static server: sendfile, keep-alive, no logging.
fn nginx_conf(site: &Path, port: u16) -> String {
    format!(
        "daemon off;\nworker_processes auto;\npid {pid};\nerror_log {err} error;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n\
         default_type application/json;\n  server {{\n    listen 127.0.0.1:{port};\n    root {root};\n  }}\n}}\n",
        pid = site.join("nginx.pid").display(),
        err = site.join("logs/error.log").display(),
        root = site.display(),
    )
}

/// Fetches `url` until it answers 200 (up to 30 s) and returns the body.
fn wait_for(url: &str) -> Result<Vec<u8>, String> {
    for _ in 0..300 {
        if let Ok(out) = Command::new("curl")
            .args(["-sf", "--compressed", url])
            .stderr(Stdio::null())
            .output()
        {
            if out.status.success() {
                return Ok(out.stdout);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{url} did not answer within 30 s"))
}

fn wrk(url: &str) -> Result<Load, String> {
    let text = output(Command::new("wrk").args([
        "-t",
        THREADS,
        "-c",
        CONNECTIONS,
        "-d",
        SECONDS,
        "--latency",
        url,
    ]))
    .ok_or_else(|| format!("wrk failed on {url}"))?;
    let requests_per_second = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let p99_ms = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .and_then(|v| parse_duration_ms(v.trim()))
        .ok_or_else(|| format!("no 99% latency in wrk's output:\n{text}"))?;
    let errors = text
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"));
    if let Some(line) = errors {
        return Err(format!("wrk saw errors on {url}: {line}"));
    }
    Ok(Load {
        requests_per_second,
        p99_ms,
    })
}

/// Reads wrk's "1.23ms", "456.00us" or "1.02s".
fn parse_duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * factor)
}

fn bundle_size() -> Option<serde_json::Value> {
    let text = fs::read_to_string(dist::dist_dir().join("size.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Kills a child process when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_durations() {
        assert_eq!(parse_duration_ms("1.50ms"), Some(1.5));
        assert_eq!(parse_duration_ms("250.00us"), Some(0.25));
        assert_eq!(parse_duration_ms("1.02s"), Some(1020.0));
        assert_eq!(parse_duration_ms("fast"), None);
    }
}
