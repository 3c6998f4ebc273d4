//! The header deadline, apart from the idle one.
//!
//! hyper 1.12 has one timer, `header_read_timeout`, running from the moment a connection
//! waits for a request until that request's headers are in: it cannot tell a kept-alive
//! connection resting between requests (which should last `idle_timeout_secs`, longer than a
//! reverse proxy keeps its own) from a client trickling its headers (which should be cut at
//! `header_timeout_secs`). hyper's timer is set to the idle timeout here, and this wrapper
//! around the socket adds the shorter one: it starts at the connection's first byte (or at
//! accept, for a connection that has sent nothing yet) and at the first byte after each
//! answer, and stops when the request reaches the router, that is when its headers are in.
//! hyperium/hyper#3828 tracks a separate `idle_timeout` in hyper; when it lands, this goes.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// What the router tells the socket: whether a request is being answered, and how many have
/// started (each start clears the running header deadline).
#[derive(Debug, Default)]
pub struct Requests {
    in_flight: AtomicBool,
    started: AtomicU64,
}

impl Requests {
    /// A request's headers are in: it has reached the router.
    pub fn begin(&self) {
        self.started.fetch_add(1, Ordering::AcqRel);
        self.in_flight.store(true, Ordering::Release);
    }

    /// Its answer is ready: the next bytes are the next request's.
    pub fn end(&self) {
        self.in_flight.store(false, Ordering::Release);
    }
}

/// A socket that fails its reads once a request's headers have taken longer than `limit`.
pub struct HeadDeadline<T> {
    io: T,
    limit: Duration,
    requests: Arc<Requests>,
    seen: u64,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<T> HeadDeadline<T> {
    /// Wraps a just-accepted socket: its first request's headers are due within `limit`.
    pub fn new(io: T, limit: Duration, requests: Arc<Requests>) -> HeadDeadline<T> {
        HeadDeadline {
            io,
            limit,
            requests,
            seen: 0,
            deadline: Some(Box::pin(tokio::time::sleep(limit))),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HeadDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let started = this.requests.started.load(Ordering::Acquire);
        if started != this.seen {
            // A request reached the router since: its headers were in time.
            this.seen = started;
            this.deadline = None;
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if this.requests.in_flight.load(Ordering::Acquire) {
            // Reading a body, or watching for a close while answering: not a head.
            this.deadline = None;
            return read;
        }
        if this.deadline.is_none() && buf.filled().len() > before {
            this.deadline = Some(Box::pin(tokio::time::sleep(this.limit)));
        }
        if let Some(deadline) = this.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request's headers took too long",
                )));
            }
        }
        read
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HeadDeadline<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
