//! The schema, as migrations applied in order.

use rusqlite::Connection;

use super::{StoreError, StoreResult};

/// Schema migrations, applied in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE guests (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        package_code TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        total_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        email TEXT,
        test INTEGER NOT NULL,
        state TEXT NOT NULL,
        failure TEXT,
        provider_order_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX orders_by_owner ON orders(owner);
    CREATE INDEX orders_by_state ON orders(state);
    CREATE TABLE esims (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders(id),
        owner TEXT NOT NULL,
        provider_id TEXT NOT NULL UNIQUE,
        iccid TEXT NOT NULL,
        package_code TEXT NOT NULL,
        title TEXT NOT NULL,
        destination TEXT NOT NULL,
        test INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX esims_by_owner ON esims(owner);
    CREATE TABLE idempotency (
        owner TEXT NOT NULL,
        key TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        resource_id TEXT,
        guest_token TEXT,
        status INTEGER,
        response TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (owner, key)
    );
"#,
    // What a request measured before it spent (a top-up: the eSIM's size), so that a retry
    // after a crash can tell whether it took effect.
    r#"
    ALTER TABLE idempotency ADD COLUMN detail TEXT;
    CREATE INDEX idempotency_by_resource ON idempotency(resource_id);
"#,
    // The activation code as the order's answer gave it: some providers (CloudeSIM) give it
    // nowhere else.
    r#"
    ALTER TABLE esims ADD COLUMN activation TEXT;
"#,
    // Card payment: the order's PaymentIntent and the SetupIntent its card field confirms,
    // where the payment stands, and the Stripe events already acted on.
    r#"
    ALTER TABLE orders ADD COLUMN payment TEXT;
    ALTER TABLE orders ADD COLUMN payment_intent TEXT;
    ALTER TABLE orders ADD COLUMN setup_intent TEXT;
    CREATE UNIQUE INDEX orders_by_payment_intent ON orders(payment_intent);
    CREATE INDEX orders_by_payment ON orders(payment);
    CREATE TABLE payment_events (
        id TEXT PRIMARY KEY,
        received_at INTEGER NOT NULL
    );
"#,
    // Refunds of cancelled eSIMs paid by card: written ("owed") before the provider is asked
    // to cancel, so that a cancel whose refund did not follow (a crash, Stripe out of reach)
    // is refunded by the sweep; "refunded" once Stripe made it.
    r#"
    CREATE TABLE refunds (
        esim_id TEXT PRIMARY KEY REFERENCES esims(id),
        order_id TEXT NOT NULL REFERENCES orders(id),
        amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        state TEXT NOT NULL,
        refund_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX refunds_by_state ON refunds(state);
"#,
    // Top-ups paid by card: an order that adds its package to one of our eSIMs, and that
    // eSIM's size measured just before the top-up was sent.
    r#"
    ALTER TABLE orders ADD COLUMN top_up_of TEXT;
    ALTER TABLE orders ADD COLUMN size_before TEXT;
    CREATE INDEX orders_by_top_up_of ON orders(top_up_of);
"#,
    // Leases, for several proxies on one database: which one is working on a request or an
    // order right now, and until when (then another may take it over).
    r#"
    ALTER TABLE idempotency ADD COLUMN lease_owner TEXT;
    ALTER TABLE idempotency ADD COLUMN lease_until INTEGER;
    ALTER TABLE orders ADD COLUMN lease_owner TEXT;
    ALTER TABLE orders ADD COLUMN lease_until INTEGER;
"#,
    // The provider's pacing, which every instance shares: a key held until a time (a wait the
    // provider asked for, or a claim to ask), and the answer kept under it (Unix milliseconds).
    r#"
    CREATE TABLE provider_pacing (
        key TEXT PRIMARY KEY,
        held_until INTEGER NOT NULL,
        answer TEXT,
        kept_at INTEGER
    );
"#,
];

pub(super) fn migrate(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    for (version, sql) in pending(current)? {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; INSERT INTO schema_version (version) VALUES ({version}); COMMIT;"
        ))?;
    }
    Ok(())
}

/// The schema version this binary migrates to.
pub(super) fn version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// The migrations a database at schema `current` lacks, with the version each brings; a
/// database newer than this binary is refused (an older binary must not write to it).
pub(super) fn pending(current: i64) -> StoreResult<Vec<(i64, &'static str)>> {
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if current > known {
        return Err(StoreError(format!(
            "the database is at schema version {current}, newer than this esim-proxy knows ({known}): run the newer esim-proxy"
        )));
    }
    Ok(MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
        .map(|(index, sql)| (i64::try_from(index).unwrap_or(i64::MAX) + 1, *sql))
        .collect())
}

/// A migration as PostgreSQL takes it: SQLite's `INTEGER` (64 bits there) is `BIGINT`.
pub(super) fn for_postgres(sql: &str) -> String {
    sql.replace(" INTEGER", " BIGINT")
}
