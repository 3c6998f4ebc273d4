//! The PostgreSQL engine: a pool of connections (`deadpool-postgres` over `tokio-postgres`),
//! the same statements as SQLite's (placeholders renumbered, see `sql.rs`), and the
//! migrations applied at start under an advisory lock, so that instances starting together
//! migrate once.

use std::error::Error;
use std::str::FromStr;

use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::schema;
use super::sql::{for_postgres, Row, Statement, Value};
use super::{StoreError, StoreResult};

/// Whether `database` names a PostgreSQL server rather than a SQLite file.
pub(super) fn is_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// How many connections one proxy keeps open at most.
const POOL_SIZE: usize = 16;

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        // The server's own message where there is one (`Display` says only "db error").
        match e.as_db_error() {
            Some(db) => StoreError(format!(
                "postgresql: {}: {}",
                db.code().code(),
                db.message()
            )),
            None => StoreError(format!("postgresql: {e}")),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> StoreError {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError(format!("postgresql: {other}")),
        }
    }
}

/// A PostgreSQL store's connections.
#[derive(Clone)]
pub(super) struct Postgres {
    pool: Pool,
}

impl Postgres {
    /// Reads the URL (with `password`, if given, in place of any in it), applies the pending
    /// migrations on a connection of its own, and makes the pool (whose connections open
    /// when first needed, on the runtime that asks).
    pub(super) fn open(url: &str, password: Option<&str>) -> StoreResult<Postgres> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError(format!("the database URL cannot be read: {e}")))?;
        if let Some(password) = password {
            config.password(password);
        }
        config.connect_timeout(std::time::Duration::from_secs(10));
        // Migrated on a thread and runtime of its own: `open` is called from synchronous
        // start-up code, itself perhaps on a runtime.
        let migrating = config.clone();
        std::thread::spawn(move || -> StoreResult<()> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError(format!("cannot start a runtime: {e}")))?;
            runtime.block_on(migrate(&migrating))
        })
        .join()
        .map_err(|_| StoreError("the migration thread panicked".into()))??;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError(format!("postgresql: {e}")))?;
        Ok(Postgres { pool })
    }

    pub(super) async fn exec(&self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let client = self.pool.get().await?;
        let statement = client.prepare_cached(&for_postgres(sql)).await?;
        Ok(client.execute(&statement, &refs(params)).await?)
    }

    pub(super) async fn rows(&self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        let client = self.pool.get().await?;
        let statement = client.prepare_cached(&for_postgres(sql)).await?;
        client
            .query(&statement, &refs(params))
            .await?
            .iter()
            .map(row_of)
            .collect()
    }

    pub(super) async fn transaction(&self, statements: &[Statement]) -> StoreResult<Vec<u64>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut changed = Vec::with_capacity(statements.len());
        for (sql, params) in statements {
            let statement = tx.prepare_cached(&for_postgres(sql)).await?;
            changed.push(tx.execute(&statement, &refs(params)).await?);
        }
        tx.commit().await?;
        Ok(changed)
    }
}

/// Applies the pending migrations, one transaction each, under an advisory lock held for the
/// whole run: a second instance starting at the same moment waits, then finds them applied.
async fn migrate(config: &tokio_postgres::Config) -> StoreResult<()> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let running = tokio::spawn(connection);
    let result = async {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);
                 SELECT pg_advisory_lock(7295003001)",
            )
            .await?;
        let current: i64 = client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
            .await?
            .try_get(0)?;
        let pending = schema::pending(current)?;
        for (version, sql) in pending {
            let tx = client.transaction().await?;
            tx.batch_execute(&schema::for_postgres(sql)).await?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&version],
            )
            .await?;
            tx.commit().await?;
        }
        client
            .batch_execute("SELECT pg_advisory_unlock(7295003001)")
            .await?;
        Ok::<(), StoreError>(())
    }
    .await;
    drop(client);
    let _ = running.await;
    result
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// A row as the engine-independent [`Row`].
fn row_of(row: &tokio_postgres::Row) -> StoreResult<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(i64::from(v)))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(i64::from(v)))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(i64::from(v)))
        } else if [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME].contains(ty) {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        } else {
            return Err(StoreError(format!(
                "column {}: type {ty} is not read here",
                column.name()
            )));
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

/// A value as the parameter's type asks: an integer as any integer type (or a boolean), text
/// as text, null as null.
impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}
