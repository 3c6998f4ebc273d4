//! The proxy as a real process on a real socket, spoken to in raw HTTP/1.1.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A raw HTTP/1.1 exchange: enough to see exactly what goes over the wire.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// `GET path` with the `Authorization` header `auth` ("Bearer …").
pub async fn get_with(addr: &str, path: &str, auth: &str) -> std::io::Result<Reply> {
    http(addr, "GET", path, &[("Authorization", auth)], None).await
}

/// `POST /v1/orders` with `body` under the idempotency `key`.
pub async fn place(addr: &str, key: &str, body: &str) -> std::io::Result<Reply> {
    http(
        addr,
        "POST",
        "/v1/orders",
        &[("Idempotency-Key", key)],
        Some(body),
    )
    .await
}

pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        head: head.to_owned(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    })
}

/// Stops the proxy and returns everything it logged (to stderr).
pub async fn stop_and_read_log(mut child: Child) -> String {
    child.kill().await.unwrap();
    read_log(&mut child).await
}

/// Sends the proxy SIGTERM and waits up to `within` for it to exit; returns how it exited.
pub async fn terminate(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let pid = child.id().unwrap().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(sent.success(), "SIGTERM sent");
    tokio::time::timeout(within, child.wait())
        .await
        .expect("the proxy exited in time")
        .unwrap()
}

/// Returns everything a proxy that has exited logged (to stderr).
pub async fn read_log(child: &mut Child) -> String {
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .await
        .unwrap();
    log
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("esim-proxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the real binary and waits until it listens.
pub async fn start(args: &[String], env: &[(&str, &str)]) -> (Child, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_esim-proxy"));
    command
        .args(args)
        .args(["--listen", &addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("listening on") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "the proxy started");
    (child, addr)
}
