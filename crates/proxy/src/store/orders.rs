//! Orders: written before the provider is called, then settled, reopened or held for review.

use super::rows::*;
use super::sql::values;
use super::{Store, StoreResult};

/// The condition [`Store::top_up_free`] names, on the row `orders` of a top-up order.
const TOP_UP_FREE: &str = "NOT EXISTS (
        SELECT 1 FROM orders other
        WHERE other.top_up_of = orders.top_up_of AND other.id <> orders.id
          AND other.size_before IS NOT NULL AND other.state IN ('in_flight', 'needs_review'))
    AND NOT EXISTS (
        SELECT 1 FROM refunds
        WHERE refunds.esim_id = orders.top_up_of AND refunds.state <> 'refunded')";

impl Store {
    /// Writes a new order in flight, before the provider is called.
    pub async fn insert_order(&self, order: OrderRow, now: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO orders (id, reference, owner, package_code, quantity, total_minor, currency, email, test,
                                 state, failure, created_at, updated_at, payment, top_up_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14)",
            values![
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
                now,
                order.payment.map(|p| p.as_str()),
                order.top_up_of
            ],
        )
        .await?;
        Ok(())
    }

    /// Puts a failed order back in flight, to be sent again with the same reference (only for
    /// an order the provider certainly never placed).
    pub async fn reopen_order(&self, id: String, now: i64) -> StoreResult<()> {
        self.exec(
            "UPDATE orders SET state = 'in_flight', failure = NULL, updated_at = ?2
             WHERE id = ?1 AND state = 'failed'",
            values![id, now],
        )
        .await?;
        Ok(())
    }

    /// Holds an order whose outcome is unknown for the merchant's review.
    pub async fn hold_for_review(&self, id: String, why: String, now: i64) -> StoreResult<()> {
        self.exec(
            "UPDATE orders SET state = 'needs_review', failure = ?2, updated_at = ?3
             WHERE id = ?1 AND state = 'in_flight'",
            values![id, why, now],
        )
        .await?;
        Ok(())
    }

    /// Records a top-up order's eSIM size, measured just before it is sent; only the first
    /// measure counts (a second run sees the first one's and never sends again), and only
    /// while its eSIM is free for it (see [`Store::top_up_free`]). Returns whether this call
    /// recorded it.
    pub async fn measure_top_up(&self, id: String, size: String, now: i64) -> StoreResult<bool> {
        // The eSIM's row locked first, in the same transaction: on PostgreSQL a second
        // instance measuring another top-up of it waits until this one is committed, and its
        // condition then sees this one (each statement reads what was committed before it
        // began). SQLite's writes are one at a time already.
        let changed = self
            .transaction(vec![
                (
                    "UPDATE esims SET created_at = created_at
                     WHERE id = (SELECT top_up_of FROM orders WHERE id = ?1)"
                        .to_owned(),
                    values![&id],
                ),
                (
                    format!(
                        "UPDATE orders SET size_before = ?2, updated_at = ?3
                         WHERE id = ?1 AND size_before IS NULL AND state = 'in_flight' AND {TOP_UP_FREE}"
                    ),
                    values![id, size, now],
                ),
            ])
            .await?;
        Ok(changed.get(1) == Some(&1))
    }

    /// Whether a top-up order's eSIM is free for it to be sent: no other top-up of it measured
    /// and unresolved (an outcome is read from the eSIM's growth, which two top-ups at once
    /// would make ambiguous), and no refund of it owed (a cancel is under way, whose refund
    /// would not cover this).
    pub async fn top_up_free(&self, id: String) -> StoreResult<bool> {
        Ok(self
            .row(
                format!("SELECT 1 FROM orders WHERE id = ?1 AND {TOP_UP_FREE}"),
                values![id],
            )
            .await?
            .is_some())
    }

    /// The top-up orders of an eSIM that may have added to it or still may: every one not
    /// failed, paid or not yet.
    pub async fn top_ups_of(&self, esim_id: String) -> StoreResult<Vec<OrderRow>> {
        self.rows(
            format!(
                "{ORDER_SELECT} WHERE top_up_of = ?1 AND state <> 'failed' ORDER BY created_at, id"
            ),
            values![esim_id],
        )
        .await?
        .iter()
        .map(order_row)
        .collect()
    }

    /// How many orders are in each state (for the metrics).
    pub async fn order_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        self.rows(
            "SELECT state, COUNT(*) FROM orders GROUP BY state ORDER BY state",
            Vec::new(),
        )
        .await?
        .iter()
        .map(|r| Ok((r.text(0)?, r.int(1)?)))
        .collect()
    }

    /// Returns one order.
    pub async fn order(&self, id: String) -> StoreResult<Option<OrderRow>> {
        self.row(format!("{ORDER_SELECT} WHERE id = ?1"), values![id])
            .await?
            .as_ref()
            .map(order_row)
            .transpose()
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

    pub(super) async fn orders_in(
        &self,
        states: &'static [&'static str],
    ) -> StoreResult<Vec<OrderRow>> {
        let list = states
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ");
        self.orders_where(format!("state IN ({list})")).await
    }

    /// The orders matching `condition` (SQL written here, never from input), oldest first.
    pub(super) async fn orders_where(&self, condition: String) -> StoreResult<Vec<OrderRow>> {
        self.rows(
            format!("{ORDER_SELECT} WHERE {condition} ORDER BY created_at, id"),
            Vec::new(),
        )
        .await?
        .iter()
        .map(order_row)
        .collect()
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
        let mut statements = vec![(
            "UPDATE orders SET state = ?2, failure = ?3, provider_order_id = COALESCE(?4, provider_order_id), updated_at = ?5
             WHERE id = ?1 AND state IN ('in_flight', 'pending', 'needs_review')"
                .to_owned(),
            values![id, status.as_str(), failure, provider_order_id, now],
        )];
        for e in esims {
            statements.push((
                "INSERT INTO esims (id, order_id, owner, provider_id, iccid, package_code, title, destination, test, created_at, activation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING"
                    .to_owned(),
                values![
                    e.id,
                    e.order_id,
                    e.owner,
                    e.provider_id,
                    e.iccid,
                    e.package_code,
                    e.title,
                    e.destination,
                    e.test,
                    e.created_at,
                    e.activation
                ],
            ));
        }
        self.transaction(statements).await?;
        Ok(())
    }
}
