//! The listener: every connection served by hyper's HTTP/1.1 with a deadline at each stage.
//!
//! - Headers: a request's headers must all be in within `header_timeout_secs` of its first
//!   byte (of the accept, for a new connection), or the connection is closed ([`head`]).
//! - Idle: a kept-alive connection waits `idle_timeout_secs` for its next request (hyper's
//!   `header_read_timeout`, which counts from the moment a connection waits for a request).
//! - Body: [`crate::extract::ApiJson`] reads a body within `body_timeout_secs` or answers
//!   `408 request_timeout`; a body that ends short of its `Content-Length` answers the same.
//! - Connections: at most `max_connections` are served at once (a semaphore's permits); one
//!   more is answered `503 server_busy` with `Retry-After` and closed, and beyond a few such
//!   answers at once, closed unanswered.
//! - Shutdown: on SIGTERM or Ctrl-C the listener closes, hyper's graceful shutdown finishes
//!   the requests in flight and closes idle connections, and after `shutdown_timeout_secs`
//!   every connection still open (a stalled client) is dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Response};
use axum::Router;
use esim_core::api::ErrorCode;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::add_extension::AddExtensionLayer;

mod head;
use head::{HeadDeadline, Requests};

use crate::config::Connections;
use crate::error::AppError;

/// Serves `router` on `listener` until `shutdown` completes, then shuts down gracefully
/// within the configured deadline.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    limits: &Connections,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout());
    // A connection beyond the cap gets one answer and no keep-alive: hyper's timer, from the
    // accept, is its header deadline.
    let mut busy_http = http.clone();
    busy_http
        .keep_alive(false)
        .header_read_timeout(limits.header_timeout());

    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let busy_slots = Arc::new(Semaphore::new((limits.max_connections / 16).clamp(4, 64)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or the peer gave up before the accept: wait a
                    // moment rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                let app = ServiceBuilder::new()
                    .layer(AddExtensionLayer::new(ConnectInfo(peer)))
                    .service(router.clone());
                let requests = Arc::new(Requests::default());
                let io = HeadDeadline::new(stream, limits.header_timeout(), requests.clone());
                let service = hyper::service::service_fn(move |request| {
                    let (app, requests) = (app.clone(), requests.clone());
                    async move {
                        requests.begin();
                        let response = app.oneshot(request).await;
                        requests.end();
                        response
                    }
                });
                let conn = graceful.watch(http.serve_connection(TokioIo::new(io), service));
                connections.spawn(finish(conn, peer, permit));
            }
            Err(_) => match busy_slots.clone().try_acquire_owned() {
                Ok(permit) => {
                    tracing::warn!(
                        max = limits.max_connections,
                        "connection cap reached: answering server_busy"
                    );
                    let conn = busy_http
                        .serve_connection(TokioIo::new(stream), hyper::service::service_fn(busy));
                    connections.spawn(finish(conn, peer, permit));
                }
                // Even the busy answers are at their cap: close at once.
                Err(_) => drop(stream),
            },
        }
    }

    drop(listener);
    let open = graceful.count();
    tracing::info!(open, "shutting down: finishing requests in flight");
    if tokio::time::timeout(limits.shutdown_timeout(), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            deadline_secs = limits.shutdown_timeout_secs,
            "closing the connections still open after the shutdown deadline"
        );
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Runs one connection to its end; the permit is its place under the cap.
async fn finish<E: std::fmt::Display>(
    conn: impl std::future::Future<Output = Result<(), E>>,
    peer: SocketAddr,
    permit: OwnedSemaphorePermit,
) {
    if let Err(e) = conn.await {
        // A closed deadline, a reset, a malformed request: the client's doing, not ours.
        tracing::debug!(%peer, error = %e, "connection ended");
    }
    drop(permit);
}

/// The answer on a connection beyond the cap.
async fn busy(_: hyper::Request<hyper::body::Incoming>) -> Result<Response, Infallible> {
    let mut error = AppError::new(
        ErrorCode::ServerBusy,
        "The shop is very busy right now. Please try again in a moment.",
    );
    error.retry_after = Some(1);
    Ok(error.into_response())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
