//! The demo's static file server: `www/` at `/`, the built bundle at `/pkg/`, precompressed
//! files when the browser accepts them. Loopback only.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Request, Response};

use crate::dist::dist_dir;
use crate::shell::root;

/// A running server on 127.0.0.1.
pub struct Server {
    port: u16,
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts serving on `port` (0 picks a free one) with a few worker threads.
    pub fn start(port: u16) -> Result<Server, String> {
        let server = tiny_http::Server::http(("127.0.0.1", port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(port);
        let server = Arc::new(server);
        let workers = (0..4)
            .map(|_| {
                let server = Arc::clone(&server);
                std::thread::spawn(move || {
                    for request in server.incoming_requests() {
                        handle(request);
                    }
                })
            })
            .collect();
        Ok(Server {
            port,
            server,
            workers,
        })
    }

    /// Returns the base URL, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Blocks until the process is stopped.
    pub fn wait(self) {
        for worker in self.workers {
            let _ = worker.join();
        }
    }

    /// Stops accepting requests.
    pub fn stop(&self) {
        self.server.unblock();
    }
}

fn handle(request: Request) {
    let path = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_owned();
    let accepts_br = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Accept-Encoding") && h.value.as_str().contains("br"));
    let response = match resolve(&path) {
        Some(file) => file_response(&file, accepts_br),
        None => Response::from_string("not found\n")
            .with_status_code(404)
            .with_header(header("Content-Type", "text/plain; charset=utf-8")),
    };
    let _ = request.respond(response);
}

/// Maps a URL path to a file: `/pkg/...` in target/dist, anything else in www/. Paths that
/// climb out with `..` are refused.
fn resolve(url_path: &str) -> Option<PathBuf> {
    let relative = url_path.trim_start_matches('/');
    let (base, rest) = match relative.strip_prefix("pkg/") {
        Some(rest) => (dist_dir(), rest),
        None => (root().join("www"), relative),
    };
    let rest = Path::new(rest);
    if rest
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = base.join(rest);
    if file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn file_response(file: &Path, accepts_br: bool) -> Response<std::io::Cursor<Vec<u8>>> {
    let compressed = PathBuf::from(format!("{}.br", file.display()));
    let (bytes, brotli) = match (accepts_br, fs::read(&compressed)) {
        (true, Ok(bytes)) => (Ok(bytes), true),
        _ => (fs::read(file), false),
    };
    let Ok(bytes) = bytes else {
        return Response::from_string("cannot read file\n").with_status_code(500);
    };
    let mut response = Response::from_data(bytes)
        .with_header(header("Content-Type", content_type(file)))
        .with_header(header("Cache-Control", "no-cache"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    if brotli {
        response = response
            .with_header(header("Content-Encoding", "br"))
            .with_header(header("Vary", "Accept-Encoding"));
    }
    response
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_are_refused() {
        assert_eq!(resolve("/../Cargo.toml"), None);
        assert_eq!(resolve("/pkg/../../Cargo.toml"), None);
        assert_eq!(resolve("/%2e%2e/Cargo.toml"), None);
    }

    #[test]
    fn the_demo_page_is_served_at_the_root() {
        assert_eq!(resolve("/"), Some(root().join("www/index.html")));
        assert_eq!(resolve("/no-such-file.html"), None);
    }

    #[test]
    fn wasm_is_served_as_wasm_for_streaming_compilation() {
        assert_eq!(content_type(Path::new("a/b_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("a/b.js")),
            "text/javascript; charset=utf-8"
        );
    }
}
