//! The proxy's memory: orders, who owns which eSIM, idempotency keys and guests, in SQLite
//! or PostgreSQL.
//!
//! An order is written, with the reference sent to the provider, *before* the provider is
//! called, in state `in_flight`; whatever happens next (an answer, an error, a crash) leaves a
//! row that is reconciled from the provider's records, and never sent again. One whose outcome
//! cannot be found out is held in `needs_review` for the merchant to settle. SQLite calls run on
//! tokio's blocking pool so that a slow disk never stalls the async runtime; PostgreSQL's are
//! asynchronous, from a pool of connections.
//!
//! Rooms: `sql.rs` (one SQL text, its values and rows, for both engines), `postgres.rs` (that
//! engine), `schema.rs` (migrations), `rows.rs` (what is stored, read back), `orders.rs`,
//! `esims.rs`, `idempotency.rs` (keys and guests), `payments.rs` (card payments, refunds and the
//! Stripe events acted on), `leases.rs` (who works on what now), `pacing.rs` (the provider's
//! waits and paced answers, shared by every instance).

mod esims;
mod idempotency;
mod leases;
mod orders;
mod pacing;
mod payments;
mod postgres;
mod rows;
mod schema;
mod sql;
#[cfg(test)]
mod tests;

use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

pub use rows::{
    EsimRow, IdempotencyRow, NewIdempotency, OrderRow, OrderStatus, Payment, RefundRow,
};
use sql::{Row, Statement, Value};

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

/// The store: SQLite (a file, or memory) or PostgreSQL.
#[derive(Clone)]
pub struct Store {
    engine: Engine,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine())
            .finish()
    }
}

#[derive(Clone)]
enum Engine {
    Sqlite(Arc<Mutex<Connection>>),
    Postgres(postgres::Postgres),
}

impl Store {
    /// Opens the store `database` names: a PostgreSQL URL (`postgres://user@host/db`, its
    /// password from `password` when given), or else a SQLite file (created if needed) or
    /// `":memory:"`; and applies pending migrations, refusing a database newer than this
    /// binary.
    pub fn connect(database: &str, password: Option<&str>) -> StoreResult<Store> {
        if postgres::is_url(database) {
            return Ok(Store {
                engine: Engine::Postgres(postgres::Postgres::open(database, password)?),
            });
        }
        Store::open(database)
    }

    /// Opens (creating if needed) the SQLite database at `path`, or an in-memory one for
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
        // A SQLite database is one process's (several proxies share PostgreSQL, not a file):
        // leases a killed run left are its own, given back at once rather than waited out.
        conn.execute_batch(
            "UPDATE orders SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL;
             UPDATE idempotency SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL;",
        )?;
        Ok(Store {
            engine: Engine::Sqlite(Arc::new(Mutex::new(conn))),
        })
    }

    /// Whether the database answers and is at this binary's schema (for `/readyz`).
    pub async fn ready(&self) -> StoreResult<()> {
        let current = match self
            .row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                Vec::new(),
            )
            .await?
        {
            Some(row) => row.int(0)?,
            None => 0,
        };
        let known = schema::version();
        if current == known {
            Ok(())
        } else {
            Err(StoreError(format!(
                "the schema is at version {current}, this esim-proxy's is {known}"
            )))
        }
    }

    /// Which engine this is, for logs: never the URL (it may carry a password).
    pub fn engine(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgresql",
        }
    }

    /// Runs `f` on the SQLite connection, on tokio's blocking pool.
    async fn sqlite<T: Send + 'static>(
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = Arc::clone(conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock();
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError(format!("store task failed: {e}")))?
    }

    /// Runs one statement; returns how many rows it changed.
    async fn exec(&self, sql: impl Into<String>, params: Vec<Value>) -> StoreResult<u64> {
        let sql = sql.into();
        match &self.engine {
            Engine::Sqlite(conn) => {
                Store::sqlite(conn, move |c| sqlite_exec(c, &sql, &params)).await
            }
            Engine::Postgres(pg) => pg.exec(&sql, &params).await,
        }
    }

    /// Runs a query; returns its rows.
    async fn rows(&self, sql: impl Into<String>, params: Vec<Value>) -> StoreResult<Vec<Row>> {
        let sql = sql.into();
        match &self.engine {
            Engine::Sqlite(conn) => {
                Store::sqlite(conn, move |c| sqlite_rows(c, &sql, &params)).await
            }
            Engine::Postgres(pg) => pg.rows(&sql, &params).await,
        }
    }

    /// Runs a query; returns its first row, if any.
    async fn row(&self, sql: impl Into<String>, params: Vec<Value>) -> StoreResult<Option<Row>> {
        Ok(self.rows(sql, params).await?.into_iter().next())
    }

    /// Runs statements in one transaction: all of them or none. Returns how many rows each
    /// changed.
    async fn transaction(&self, statements: Vec<Statement>) -> StoreResult<Vec<u64>> {
        match &self.engine {
            Engine::Sqlite(conn) => {
                Store::sqlite(conn, move |c| {
                    let tx = c.transaction()?;
                    let mut changed = Vec::with_capacity(statements.len());
                    for (sql, params) in &statements {
                        changed.push(sqlite_exec(&tx, sql, params)?);
                    }
                    tx.commit()?;
                    Ok(changed)
                })
                .await
            }
            Engine::Postgres(pg) => pg.transaction(&statements).await,
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn sqlite_exec(c: &Connection, sql: &str, params: &[Value]) -> StoreResult<u64> {
    let changed = c
        .prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(params))?;
    Ok(changed as u64)
}

fn sqlite_rows(c: &Connection, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
    use rusqlite::types::ValueRef;
    let mut stmt = c.prepare_cached(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns);
        for i in 0..columns {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                other => {
                    return Err(StoreError(format!(
                        "column {i}: a {:?}, not a number or text",
                        other.data_type()
                    )))
                }
            });
        }
        out.push(Row(values));
    }
    Ok(out)
}
