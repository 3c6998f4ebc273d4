//! The proxy's connections over a real socket: deadlines for idle, trickling and short
//! clients, the connection cap, shutdown with a stalled client, and the client's address
//! behind a trusted reverse proxy.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::process::{http, read_log, start, stop_and_read_log, temp_dir, terminate, Reply};

/// Starts the sandbox proxy with `settings` added to its configuration file.
async fn proxy(dir: &Path, settings: &str) -> (tokio::process::Child, String) {
    let file = dir.join("proxy.toml");
    std::fs::write(
        &file,
        format!(
            "checkout = \"sandbox\"\ndatabase = \":memory:\"\n{settings}\n[provider]\nkind = \"sandbox\"\n"
        ),
    )
    .unwrap();
    start(
        &["--config".to_owned(), file.display().to_string()],
        &[("RUST_LOG", "debug")],
    )
    .await
}

/// Reads until the server closes the connection; returns what it sent and when it closed,
/// or `None` if it was still open after `limit`.
async fn until_closed(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    limit: Duration,
) -> Option<(String, Instant)> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| (String::from_utf8_lossy(&got).into_owned(), Instant::now()))
}

fn status(head: &str) -> Option<u16> {
    head.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn idle_and_trickling_connections_are_closed_by_their_deadlines() {
    let dir = temp_dir("deadlines");
    let (child, addr) = proxy(
        &dir,
        "[connections]\nheader_timeout_secs = 2\nidle_timeout_secs = 5\nbody_timeout_secs = 3\n",
    )
    .await;
    let opened = Instant::now();
    let closed_within = |what: &str, at: Option<Instant>, low: f64, high: f64| {
        let at = at.unwrap_or_else(|| panic!("{what}: still open"));
        let secs = at.duration_since(opened).as_secs_f64();
        assert!(
            (low..high).contains(&secs),
            "{what}: closed after {secs:.1} s"
        );
    };

    // Never sends a byte: its first request's headers are due from the accept.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    // Kept alive after one answer, then idle: the idle timeout, longer than the header one.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // Trickles its headers, a byte every 200 ms, for ever.
    let mut slow_head = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}",
        "a".repeat(200)
    );
    // Trickles its body: 100 bytes promised, one every 200 ms.
    let mut slow_body = TcpStream::connect(&addr).await.unwrap();
    slow_body
        .write_all(
            format!(
                "POST /v1/quotes HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();

    let limit = Duration::from_secs(20);
    let (idle_end, kept_end, head_end, body_end, served) = tokio::join!(
        until_closed(&mut idle, limit),
        until_closed(&mut kept, limit),
        trickled(&mut slow_head, head.as_bytes(), limit),
        trickled(&mut slow_body, &[b' '; 100], limit),
        // Meanwhile, shoppers are served as usual.
        async {
            let mut ok = 0;
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let r = http(&addr, "GET", "/v1/packages?destination=JP", &[], None)
                    .await
                    .unwrap();
                ok += usize::from(r.status == 200);
            }
            ok
        },
    );
    assert_eq!(served, 5, "normal requests keep succeeding");
    closed_within("an idle connection", idle_end.map(|(_, at)| at), 1.9, 6.0);
    let (kept_text, kept_at) = kept_end.expect("the kept-alive connection was closed");
    assert_eq!(status(&kept_text), Some(200), "{kept_text}");
    closed_within(
        "a kept-alive connection, idle after its answer",
        Some(kept_at),
        4.9,
        10.0,
    );
    closed_within("trickled headers", head_end.map(|(_, at)| at), 1.9, 6.0);
    let (body_text, body_at) = body_end.expect("the trickled body was answered");
    closed_within("a trickled body", Some(body_at), 2.9, 8.0);
    assert_eq!(status(&body_text), Some(408), "{body_text}");
    assert!(body_text.contains("\"request_timeout\""), "{body_text}");
    stop_and_read_log(child).await;
}

/// Sends `bytes` a byte every 200 ms, then nothing, until the server closes the connection;
/// returns what it answered and when it closed, as [`until_closed`].
async fn trickled(
    stream: &mut TcpStream,
    bytes: &[u8],
    limit: Duration,
) -> Option<(String, Instant)> {
    let (mut read, mut write) = stream.split();
    let writing = async {
        for b in bytes {
            if write.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        closed = until_closed(&mut read, limit) => closed,
        () = writing => None,
    }
}

#[tokio::test]
async fn a_body_shorter_than_its_length_is_refused() {
    let dir = temp_dir("short-body");
    let (child, addr) = proxy(&dir, "").await;
    // Ends early: 10 bytes of the 50 promised, then the client closes its side.
    let mut short = TcpStream::connect(&addr).await.unwrap();
    short
        .write_all(
            format!(
                "POST /v1/quotes HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{{\"package_"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    short.shutdown().await.unwrap();
    let (text, _) = until_closed(&mut short, Duration::from_secs(10))
        .await
        .expect("answered and closed");
    assert_eq!(status(&text), Some(408), "{text}");
    assert!(text.contains("\"request_timeout\""), "{text}");

    // Promises far more than the body limit: refused at once, without waiting for it.
    let mut huge = TcpStream::connect(&addr).await.unwrap();
    huge.write_all(
        format!(
            "POST /v1/quotes HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{{}}"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let sent = Instant::now();
    let (text, at) = until_closed(&mut huge, Duration::from_secs(10))
        .await
        .expect("answered and closed");
    assert_eq!(status(&text), Some(413), "{text}");
    assert!(text.contains("\"payload_too_large\""), "{text}");
    assert!(
        at.duration_since(sent) < Duration::from_secs(5),
        "not left waiting for the body"
    );
    stop_and_read_log(child).await;
}

#[tokio::test]
async fn beyond_the_connection_cap_the_answer_is_server_busy() {
    let dir = temp_dir("cap");
    let (child, addr) = proxy(
        &dir,
        "[connections]\nmax_connections = 3\nheader_timeout_secs = 30\n",
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Give the server time to accept all three.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy: Reply = http(&addr, "GET", "/healthz", &[], None).await.unwrap();
    assert_eq!(busy.status, 503, "{}", busy.head);
    assert_eq!(busy.body["error"]["code"], "server_busy");
    assert_eq!(busy.header("retry-after").as_deref(), Some("1"));

    drop(held);
    let mut served = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if http(&addr, "GET", "/healthz", &[], None)
            .await
            .unwrap()
            .status
            == 200
        {
            served = true;
            break;
        }
    }
    assert!(
        served,
        "once the held connections close, shoppers are served again"
    );
    stop_and_read_log(child).await;
}

#[tokio::test]
async fn sigterm_with_a_stalled_client_ends_within_the_shutdown_deadline() {
    let dir = temp_dir("sigterm");
    let (mut child, addr) = proxy(
        &dir,
        "[connections]\nheader_timeout_secs = 60\nshutdown_timeout_secs = 2\n",
    )
    .await;
    // Half a request, then nothing: hyper's graceful shutdown cannot finish it.
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Half").as_bytes())
        .await
        .unwrap();
    // And one kept-alive connection, idle after its answer: closed at once.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    assert!(kept.read(&mut buf).await.unwrap() > 0, "answered");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let term = Instant::now();
    let status = terminate(&mut child, Duration::from_secs(15)).await;
    let took = term.elapsed();
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(12),
        "waited for the stalled client until the 2 s deadline, no longer: {took:?}"
    );
    let log = read_log(&mut child).await;
    assert!(
        log.contains("closing the connections still open after the shutdown deadline"),
        "{log}"
    );
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(2), kept.read(&mut buf))
            .await
            .expect("closed")
            .unwrap_or(0),
        0
    );
}

/// Three orders, each under a new key, from `headers`; returns their statuses.
async fn orders(addr: &str, headers: &[(&str, &str)], tag: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..3 {
        let key = format!("{tag}-{i}");
        let mut all = headers.to_vec();
        all.push(("Idempotency-Key", &key));
        let r = http(
            addr,
            "POST",
            "/v1/orders",
            &all,
            Some(r#"{"package_code":"JP-1GB-7D","quantity":1,"currency":"USD"}"#),
        )
        .await
        .unwrap();
        statuses.push(r.status);
    }
    statuses
}

#[tokio::test]
async fn shoppers_behind_a_trusted_proxy_are_limited_apart() {
    let dir = temp_dir("trusted");
    let (child, addr) = proxy(
        &dir,
        "trusted_proxies = [\"127.0.0.1/32\"]\nwrites_per_minute = 2\n",
    )
    .await;
    let a = [("X-Forwarded-For", "203.0.113.5")];
    let b = [("X-Forwarded-For", "198.51.100.23, 127.0.0.1")];
    assert_eq!(
        orders(&addr, &a, "a").await,
        [201, 201, 429],
        "A's own bucket"
    );
    assert_eq!(
        orders(&addr, &b, "b").await,
        [201, 201, 429],
        "B behind the same proxy: a bucket of their own"
    );
    let log = stop_and_read_log(child).await;
    assert!(
        log.contains("203.0.113.5") && log.contains("198.51.100.23"),
        "the log names the shoppers' addresses: {log}"
    );

    // The same headers from a peer that is not trusted are the client's own word.
    let dir = temp_dir("untrusted");
    let (child, addr) = proxy(
        &dir,
        "trusted_proxies = [\"10.0.0.0/8\"]\nwrites_per_minute = 2\n",
    )
    .await;
    assert_eq!(orders(&addr, &a, "a").await, [201, 201, 429]);
    assert_eq!(
        orders(&addr, &b, "b").await,
        [429, 429, 429],
        "an untrusted X-Forwarded-For is ignored: one client, one bucket"
    );
    stop_and_read_log(child).await;
}
