//! The proxy's memory: orders, who owns which eSIM, idempotency keys and guests, in SQLite.
//!
//! An order is written, with the reference sent to the provider, *before* the provider is
//! called, in state `in_flight`; whatever happens next (an answer, an error, a crash) leaves a
//! row that is reconciled from the provider's records, and never sent again. One whose outcome
//! cannot be found out is held in `needs_review` for the merchant to settle. Calls run on tokio's
//! blocking pool so that a slow disk never stalls the async runtime.
//!
//! Rooms: `schema.rs` (migrations), `rows.rs` (what is stored, read back), `orders.rs`,
//! `esims.rs`, `idempotency.rs` (keys and guests), `payments.rs` (card payments and the Stripe
//! events acted on).

mod esims;
mod idempotency;
mod orders;
mod payments;
mod rows;
mod schema;
#[cfg(test)]
mod tests;

use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

pub use rows::{
    EsimRow, IdempotencyRow, NewIdempotency, OrderRow, OrderStatus, Payment, RefundRow,
};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The SQLite store.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, or an in-memory one for
    /// `":memory:"`, and applies pending migrations.
    pub fn open(path: &str) -> StoreResult<Store> {
        let conn = if path == ":memory:" {
            Connection::open_in_memory()?
        } else {
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError(format!("cannot create {}: {e}", parent.display())))?;
            }
            Connection::open(path)?
        };
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        schema::migrate(&conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub(super) async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock();
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError(format!("store task failed: {e}")))?
    }
}
