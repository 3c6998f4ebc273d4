//! The proxy's memory: orders, who owns which eSIM, idempotency keys and guests, in SQLite.
//!
//! An order is written, with the reference sent to the provider, *before* the provider is
//! called, in state `in_flight`; whatever happens next (an answer, an error, a crash) leaves a
//! row that is reconciled from the provider's records, and never sent again. One whose outcome
//! cannot be found out is held in `needs_review` for the merchant to settle. Calls run on tokio's
//! blocking pool so that a slow disk never stalls the async runtime.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, Row};

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
];

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

/// Where an order is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Written; the provider call has not answered yet (or the answer was lost).
    InFlight,
    /// The provider accepted it; eSIMs are still being issued.
    Pending,
    /// Done.
    Completed,
    /// Refused; nothing was charged.
    Failed,
    /// Sent, and its outcome could not be found out: held for the merchant, never sent again.
    NeedsReview,
}

impl OrderStatus {
    fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::InFlight => "in_flight",
            OrderStatus::Pending => "pending",
            OrderStatus::Completed => "completed",
            OrderStatus::Failed => "failed",
            OrderStatus::NeedsReview => "needs_review",
        }
    }

    fn parse(text: &str) -> OrderStatus {
        match text {
            "pending" => OrderStatus::Pending,
            "completed" => OrderStatus::Completed,
            "failed" => OrderStatus::Failed,
            "needs_review" => OrderStatus::NeedsReview,
            _ => OrderStatus::InFlight,
        }
    }
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: String,
    pub reference: String,
    pub owner: String,
    pub package_code: String,
    pub quantity: u32,
    pub total_minor: i64,
    pub currency: String,
    pub email: Option<String>,
    pub test: bool,
    pub status: OrderStatus,
    pub failure: Option<String>,
    /// The provider's order number, once it accepted the order.
    pub provider_order_id: Option<String>,
    /// When it was written, just before it was sent.
    pub created_at: i64,
}

impl OrderRow {
    /// Whether the order may still change: sent, and no final outcome known.
    pub fn unresolved(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::InFlight | OrderStatus::Pending | OrderStatus::NeedsReview
        )
    }
}

/// A stored eSIM: who owns it and how the provider knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsimRow {
    pub id: String,
    pub order_id: String,
    pub owner: String,
    pub provider_id: String,
    pub iccid: String,
    pub package_code: String,
    pub title: String,
    pub destination: String,
    pub test: bool,
    pub created_at: i64,
    /// The activation code (LPA string) the order's answer carried, if any.
    pub activation: Option<String>,
}

/// A stored idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRow {
    pub endpoint: String,
    pub request_hash: String,
    pub resource_id: Option<String>,
    /// The guest token issued to the anonymous caller of this key, so that a retry after a
    /// lost answer can still hand it over. Only the holder of the (random) key gets it.
    pub guest_token: Option<String>,
    /// The final answer, once there is one.
    pub response: Option<(u16, String)>,
    /// What the request measured before it spent, if anything.
    pub detail: Option<String>,
}

/// A key to reserve before a request that creates or spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdempotency {
    /// The caller's scope: an owner key, or "anonymous".
    pub owner: String,
    pub key: String,
    /// Which kind of request ("orders", "topup").
    pub endpoint: String,
    pub request_hash: String,
    /// The order or eSIM the request acts on.
    pub resource_id: Option<String>,
    /// The guest token issued with it, if any.
    pub guest_token: Option<String>,
}

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
        migrate(&conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError(format!("store task failed: {e}")))?
    }

    /// Records a new guest and returns its id.
    pub async fn create_guest(&self, token_hash: String, now: i64) -> StoreResult<String> {
        let id = format!("g_{}", uuid::Uuid::new_v4().simple());
        let stored = id.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO guests (id, token_hash, created_at) VALUES (?1, ?2, ?3)",
                params![stored, token_hash, now],
            )?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// Returns the guest id for a token hash.
    pub async fn guest_by_token_hash(&self, token_hash: String) -> StoreResult<Option<String>> {
        self.call(move |c| {
            Ok(c.query_row(
                "SELECT id FROM guests WHERE token_hash = ?1",
                params![token_hash],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    /// Returns the idempotency record of `(owner, key)`.
    pub async fn idempotency(
        &self,
        owner: String,
        key: String,
    ) -> StoreResult<Option<IdempotencyRow>> {
        self.call(move |c| {
            Ok(c.query_row(
                "SELECT endpoint, request_hash, resource_id, status, response, guest_token, detail FROM idempotency WHERE owner = ?1 AND key = ?2",
                params![owner, key],
                |r| {
                    let status: Option<u16> = r.get(3)?;
                    let response: Option<String> = r.get(4)?;
                    Ok(IdempotencyRow {
                        endpoint: r.get(0)?,
                        request_hash: r.get(1)?,
                        resource_id: r.get(2)?,
                        guest_token: r.get(5)?,
                        response: status.zip(response),
                        detail: r.get(6)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    /// Reserves a key for a request; `false` if it was already taken.
    pub async fn reserve_idempotency(&self, new: NewIdempotency, now: i64) -> StoreResult<bool> {
        self.call(move |c| {
            let inserted = c.execute(
                "INSERT OR IGNORE INTO idempotency (owner, key, endpoint, request_hash, resource_id, guest_token, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![new.owner, new.key, new.endpoint, new.request_hash, new.resource_id, new.guest_token, now],
            )?;
            Ok(inserted == 1)
        })
        .await
    }

    /// Stores the final answer for `(owner, key)`; later requests with the key get it back.
    pub async fn complete_idempotency(
        &self,
        owner: String,
        key: String,
        status: u16,
        response: String,
    ) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE idempotency SET status = ?3, response = ?4 WHERE owner = ?1 AND key = ?2",
                params![owner, key, status, response],
            )?;
            Ok(())
        })
        .await
    }

    /// Stores the final answer of the order request behind `order_id`, unless it has one.
    pub async fn complete_order_idempotency(
        &self,
        order_id: String,
        status: u16,
        response: String,
    ) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE idempotency SET status = ?2, response = ?3
                 WHERE resource_id = ?1 AND endpoint = 'orders' AND response IS NULL",
                params![order_id, status, response],
            )?;
            Ok(())
        })
        .await
    }

    /// Records what a request measured before it spent (`None`: it never spent).
    pub async fn set_idempotency_detail(
        &self,
        owner: String,
        key: String,
        detail: Option<String>,
    ) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE idempotency SET detail = ?3 WHERE owner = ?1 AND key = ?2",
                params![owner, key, detail],
            )?;
            Ok(())
        })
        .await
    }

    /// Writes a new order in flight, before the provider is called.
    pub async fn insert_order(&self, order: OrderRow, now: i64) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "INSERT INTO orders (id, reference, owner, package_code, quantity, total_minor, currency, email, test,
                                     state, failure, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![
                    order.id,
                    order.reference,
                    order.owner,
                    order.package_code,
                    order.quantity,
                    order.total_minor,
                    order.currency,
                    order.email,
                    order.test,
                    order.status.as_str(),
                    order.failure,
                    now
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// Puts a failed order back in flight, to be sent again with the same reference (only for
    /// an order the provider certainly never placed).
    pub async fn reopen_order(&self, id: String, now: i64) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE orders SET state = 'in_flight', failure = NULL, updated_at = ?2
                 WHERE id = ?1 AND state = 'failed'",
                params![id, now],
            )?;
            Ok(())
        })
        .await
    }

    /// Holds an order whose outcome is unknown for the merchant's review.
    pub async fn hold_for_review(&self, id: String, why: String, now: i64) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE orders SET state = 'needs_review', failure = ?2, updated_at = ?3
                 WHERE id = ?1 AND state = 'in_flight'",
                params![id, why, now],
            )?;
            Ok(())
        })
        .await
    }

    /// Returns one order.
    pub async fn order(&self, id: String) -> StoreResult<Option<OrderRow>> {
        self.call(move |c| {
            Ok(c.query_row(
                &format!("{ORDER_SELECT} WHERE id = ?1"),
                params![id],
                order_row,
            )
            .optional()?)
        })
        .await
    }

    /// Returns every order still in flight, oldest first, for reconciliation.
    pub async fn orders_in_flight(&self) -> StoreResult<Vec<OrderRow>> {
        self.orders_in(&["in_flight", "pending"]).await
    }

    /// Returns every order whose outcome is not final, oldest first: in flight, pending, or
    /// held for review.
    pub async fn orders_unresolved(&self) -> StoreResult<Vec<OrderRow>> {
        self.orders_in(&["in_flight", "pending", "needs_review"])
            .await
    }

    /// Returns the orders held for the merchant's review, oldest first.
    pub async fn orders_in_review(&self) -> StoreResult<Vec<OrderRow>> {
        self.orders_in(&["needs_review"]).await
    }

    async fn orders_in(&self, states: &'static [&'static str]) -> StoreResult<Vec<OrderRow>> {
        self.call(move |c| {
            let list = states
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = c.prepare(&format!(
                "{ORDER_SELECT} WHERE state IN ({list}) ORDER BY created_at, id"
            ))?;
            let rows = stmt
                .query_map([], order_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Records the provider's answer: the order's new state and its eSIMs, in one
    /// transaction, so an order is never completed without its eSIMs. Only an unresolved
    /// order changes state: a settled one (by its purchase, or by the merchant) keeps its state,
    /// though eSIMs a late answer brings are still recorded (a paid eSIM is never lost). eSIMs
    /// already stored are left as they are, so reconciling twice is harmless.
    pub async fn settle_order(
        &self,
        id: String,
        status: OrderStatus,
        failure: Option<String>,
        provider_order_id: Option<String>,
        esims: Vec<EsimRow>,
        now: i64,
    ) -> StoreResult<()> {
        self.call(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE orders SET state = ?2, failure = ?3, provider_order_id = COALESCE(?4, provider_order_id), updated_at = ?5
                 WHERE id = ?1 AND state IN ('in_flight', 'pending', 'needs_review')",
                params![id, status.as_str(), failure, provider_order_id, now],
            )?;
            for e in &esims {
                tx.execute(
                    "INSERT OR IGNORE INTO esims (id, order_id, owner, provider_id, iccid, package_code, title, destination, test, created_at, activation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![e.id, e.order_id, e.owner, e.provider_id, e.iccid, e.package_code, e.title, e.destination, e.test, e.created_at, e.activation],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Returns an owner's eSIMs, newest first.
    pub async fn esims_of(&self, owner: String) -> StoreResult<Vec<EsimRow>> {
        self.call(move |c| {
            let mut stmt = c.prepare(&format!(
                "{ESIM_SELECT} WHERE owner = ?1 ORDER BY created_at DESC, id"
            ))?;
            let rows = stmt
                .query_map(params![owner], esim_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Returns an order's eSIMs.
    pub async fn esims_of_order(&self, order_id: String) -> StoreResult<Vec<EsimRow>> {
        self.call(move |c| {
            let mut stmt = c.prepare(&format!("{ESIM_SELECT} WHERE order_id = ?1 ORDER BY id"))?;
            let rows = stmt
                .query_map(params![order_id], esim_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Returns one eSIM.
    pub async fn esim(&self, id: String) -> StoreResult<Option<EsimRow>> {
        self.call(move |c| {
            Ok(c.query_row(
                &format!("{ESIM_SELECT} WHERE id = ?1"),
                params![id],
                esim_row,
            )
            .optional()?)
        })
        .await
    }

    /// Returns every eSIM key held by an order: provider ids and ICCIDs.
    pub async fn held_esims(&self) -> StoreResult<Vec<String>> {
        self.call(|c| {
            let mut stmt = c.prepare("SELECT provider_id, iccid FROM esims")?;
            let rows = stmt
                .query_map([], |r| Ok([r.get::<_, String>(0)?, r.get::<_, String>(1)?]))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows.into_iter().flatten().collect())
        })
        .await
    }

    /// Returns how many eSIMs are stored in all (tests of exactly-once read it).
    pub async fn count_esims(&self) -> StoreResult<u64> {
        self.call(|c| Ok(c.query_row("SELECT COUNT(*) FROM esims", [], |r| r.get(0))?))
            .await
    }
}

const ORDER_SELECT: &str = "SELECT id, reference, owner, package_code, quantity, total_minor, currency, email, test, state,
    failure, created_at, provider_order_id FROM orders";
const ESIM_SELECT: &str =
    "SELECT id, order_id, owner, provider_id, iccid, package_code, title, destination, test, created_at, activation FROM esims";

fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    let state: String = r.get(9)?;
    Ok(OrderRow {
        id: r.get(0)?,
        reference: r.get(1)?,
        owner: r.get(2)?,
        package_code: r.get(3)?,
        quantity: r.get(4)?,
        total_minor: r.get(5)?,
        currency: r.get(6)?,
        email: r.get(7)?,
        test: r.get(8)?,
        status: OrderStatus::parse(&state),
        failure: r.get(10)?,
        created_at: r.get(11)?,
        provider_order_id: r.get(12)?,
    })
}

fn esim_row(r: &Row<'_>) -> rusqlite::Result<EsimRow> {
    Ok(EsimRow {
        id: r.get(0)?,
        order_id: r.get(1)?,
        owner: r.get(2)?,
        provider_id: r.get(3)?,
        iccid: r.get(4)?,
        package_code: r.get(5)?,
        title: r.get(6)?,
        destination: r.get(7)?,
        test: r.get(8)?,
        created_at: r.get(9)?,
        activation: r.get(10)?,
    })
}

fn migrate(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; INSERT INTO schema_version (version) VALUES ({}); COMMIT;",
            index + 1
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str) -> OrderRow {
        OrderRow {
            id: id.into(),
            reference: format!("ref-{id}"),
            owner: "guest:g1".into(),
            package_code: "JP-1GB-7D".into(),
            quantity: 1,
            total_minor: 599,
            currency: "USD".into(),
            email: None,
            test: true,
            status: OrderStatus::InFlight,
            failure: None,
            provider_order_id: None,
            created_at: 10,
        }
    }

    fn esim(id: &str, order_id: &str) -> EsimRow {
        EsimRow {
            id: id.into(),
            order_id: order_id.into(),
            owner: "guest:g1".into(),
            provider_id: format!("p-{id}"),
            iccid: "8988247000000000001".into(),
            package_code: "JP-1GB-7D".into(),
            title: "Japan 1GB".into(),
            destination: "JP".into(),
            test: true,
            created_at: 11,
            activation: None,
        }
    }

    #[tokio::test]
    async fn orders_are_written_in_flight_then_settled_with_their_esims() {
        let store = Store::open(":memory:").unwrap();
        store.insert_order(order("o1"), 10).await.unwrap();
        assert_eq!(store.orders_in_flight().await.unwrap().len(), 1);
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Completed,
                None,
                Some("P1".into()),
                vec![esim("e1", "o1")],
                12,
            )
            .await
            .unwrap();
        // Settling again (a second reconciliation) adds nothing.
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Completed,
                None,
                None,
                vec![esim("e1", "o1")],
                13,
            )
            .await
            .unwrap();
        assert_eq!(
            store.order("o1".into()).await.unwrap().unwrap().status,
            OrderStatus::Completed
        );
        assert!(store.orders_in_flight().await.unwrap().is_empty());
        assert_eq!(store.esims_of("guest:g1".into()).await.unwrap().len(), 1);
        assert!(store
            .esims_of("guest:other".into())
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.count_esims().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_settled_order_keeps_its_state_whatever_answer_comes_later() {
        let store = Store::open(":memory:").unwrap();
        store.insert_order(order("o1"), 10).await.unwrap();
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Failed,
                Some("by hand".into()),
                None,
                Vec::new(),
                11,
            )
            .await
            .unwrap();
        // A late answer, from a purchase another process was still running.
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Completed,
                None,
                Some("P1".into()),
                vec![esim("e1", "o1")],
                12,
            )
            .await
            .unwrap();
        let row = store.order("o1".into()).await.unwrap().unwrap();
        assert_eq!(row.status, OrderStatus::Failed);
        assert_eq!(row.failure.as_deref(), Some("by hand"));
        assert_eq!(
            store.count_esims().await.unwrap(),
            1,
            "the paid eSIM is not lost"
        );
        // Held for review, it may be settled.
        store.insert_order(order("o2"), 10).await.unwrap();
        store
            .hold_for_review("o2".into(), "checking".into(), 11)
            .await
            .unwrap();
        assert_eq!(store.orders_in_review().await.unwrap().len(), 1);
        store
            .settle_order(
                "o2".into(),
                OrderStatus::Completed,
                None,
                None,
                Vec::new(),
                12,
            )
            .await
            .unwrap();
        assert_eq!(
            store.order("o2".into()).await.unwrap().unwrap().status,
            OrderStatus::Completed
        );
    }

    #[tokio::test]
    async fn an_idempotency_key_is_reserved_once_and_then_answers() {
        let store = Store::open(":memory:").unwrap();
        let reserve = |key: &str| {
            let new = NewIdempotency {
                owner: "o".into(),
                key: key.into(),
                endpoint: "orders".into(),
                request_hash: "h1".into(),
                resource_id: None,
                guest_token: Some("gst_x".into()),
            };
            store.reserve_idempotency(new, 1)
        };
        assert!(reserve("k1").await.unwrap());
        assert!(!reserve("k1").await.unwrap());
        assert!(reserve("k2").await.unwrap());
        assert_eq!(
            store
                .idempotency("o".into(), "k1".into())
                .await
                .unwrap()
                .unwrap()
                .response,
            None
        );
        store
            .complete_idempotency("o".into(), "k1".into(), 201, "{}".into())
            .await
            .unwrap();
        let row = store
            .idempotency("o".into(), "k1".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.response, Some((201, "{}".into())));
        assert_eq!(row.request_hash, "h1");
        assert_eq!(row.guest_token.as_deref(), Some("gst_x"));
        assert!(
            store
                .idempotency("other".into(), "k1".into())
                .await
                .unwrap()
                .is_none(),
            "keys are per owner"
        );
    }

    #[tokio::test]
    async fn a_file_database_survives_reopening_and_migrates_once() {
        let dir =
            std::env::temp_dir().join(format!("esim-store-test-{}", uuid::Uuid::new_v4().simple()));
        let path = dir.join("db.sqlite3");
        let path = path.to_str().unwrap().to_owned();
        {
            let store = Store::open(&path).unwrap();
            store.insert_order(order("o1"), 10).await.unwrap();
            store.create_guest("hash".into(), 1).await.unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert!(store.order("o1".into()).await.unwrap().is_some());
        assert!(store
            .guest_by_token_hash("hash".into())
            .await
            .unwrap()
            .is_some());
        assert!(store
            .guest_by_token_hash("nope".into())
            .await
            .unwrap()
            .is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
