//! `[connections]`: the deadlines of each stage of a connection, and how many may be open.

use std::time::Duration;

use serde::Deserialize;

/// How long a connection may take at each stage, and how many may be open at once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Connections {
    /// Seconds from a request's first byte (a new connection's accept) until its headers
    /// have all arrived.
    pub header_timeout_secs: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    pub idle_timeout_secs: u64,
    /// Seconds a request body may take to arrive in full.
    pub body_timeout_secs: u64,
    /// Seconds after SIGTERM or Ctrl-C for requests in flight to finish before every
    /// connection still open is closed.
    pub shutdown_timeout_secs: u64,
    /// Connections served at once; beyond it a connection is answered `503 server_busy`
    /// and closed.
    pub max_connections: usize,
}

impl Default for Connections {
    fn default() -> Connections {
        Connections {
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            body_timeout_secs: 30,
            shutdown_timeout_secs: 20,
            max_connections: 1024,
        }
    }
}

impl Connections {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }

    /// Checks what serde cannot: deadlines that would cut every request, a cap of none.
    pub fn validate(&self) -> Result<(), String> {
        if self.header_timeout_secs == 0 || self.body_timeout_secs == 0 {
            return Err(
                "[connections] header_timeout_secs and body_timeout_secs must be at least 1".into(),
            );
        }
        if self.shutdown_timeout_secs > 600 {
            return Err("[connections] shutdown_timeout_secs must be at most 600".into());
        }
        if self.max_connections == 0 {
            return Err("[connections] max_connections must be at least 1".into());
        }
        Ok(())
    }
}
