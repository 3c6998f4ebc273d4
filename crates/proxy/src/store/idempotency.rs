//! Idempotency keys (what a request claimed, and the answer it gave) and guests.

use super::rows::*;
use super::sql::values;
use super::{Store, StoreResult};

impl Store {
    /// Records a new guest and returns its id.
    pub async fn create_guest(&self, token_hash: String, now: i64) -> StoreResult<String> {
        let id = format!("g_{}", uuid::Uuid::new_v4().simple());
        self.exec(
            "INSERT INTO guests (id, token_hash, created_at) VALUES (?1, ?2, ?3)",
            values![&id, token_hash, now],
        )
        .await?;
        Ok(id)
    }

    /// Returns the guest id for a token hash.
    pub async fn guest_by_token_hash(&self, token_hash: String) -> StoreResult<Option<String>> {
        self.row(
            "SELECT id FROM guests WHERE token_hash = ?1",
            values![token_hash],
        )
        .await?
        .map(|r| r.text(0))
        .transpose()
    }

    /// Returns the idempotency record of `(owner, key)`.
    pub async fn idempotency(
        &self,
        owner: String,
        key: String,
    ) -> StoreResult<Option<IdempotencyRow>> {
        let Some(r) = self
            .row(
                "SELECT endpoint, request_hash, resource_id, status, response, guest_token, detail FROM idempotency WHERE owner = ?1 AND key = ?2",
                values![owner, key],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(IdempotencyRow {
            endpoint: r.text(0)?,
            request_hash: r.text(1)?,
            resource_id: r.opt_text(2)?,
            guest_token: r.opt_text(5)?,
            response: r.opt_u16(3)?.zip(r.opt_text(4)?),
            detail: r.opt_text(6)?,
        }))
    }

    /// Reserves a key for a request, leased to `holder` until `until` (see `leases.rs`);
    /// `false` if it was already taken (here or by another instance on the same database: the
    /// key is the table's primary key).
    pub async fn reserve_idempotency(
        &self,
        new: NewIdempotency,
        holder: String,
        now: i64,
        until: i64,
    ) -> StoreResult<bool> {
        let inserted = self
            .exec(
                "INSERT INTO idempotency (owner, key, endpoint, request_hash, resource_id, guest_token, created_at, lease_owner, lease_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
                values![
                    new.owner,
                    new.key,
                    new.endpoint,
                    new.request_hash,
                    new.resource_id,
                    new.guest_token,
                    now,
                    holder,
                    until
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// Stores the final answer for `(owner, key)`; later requests with the key get it back.
    pub async fn complete_idempotency(
        &self,
        owner: String,
        key: String,
        status: u16,
        response: String,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE idempotency SET status = ?3, response = ?4 WHERE owner = ?1 AND key = ?2",
            values![owner, key, status, response],
        )
        .await?;
        Ok(())
    }

    /// Stores the final answer of the order request behind `order_id`, unless it has one.
    pub async fn complete_order_idempotency(
        &self,
        order_id: String,
        status: u16,
        response: String,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE idempotency SET status = ?2, response = ?3
             WHERE resource_id = ?1 AND endpoint = 'orders' AND response IS NULL",
            values![order_id, status, response],
        )
        .await?;
        Ok(())
    }

    /// Records what a request measured before it spent (`None`: it never spent).
    pub async fn set_idempotency_detail(
        &self,
        owner: String,
        key: String,
        detail: Option<String>,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE idempotency SET detail = ?3 WHERE owner = ?1 AND key = ?2",
            values![owner, key, detail],
        )
        .await?;
        Ok(())
    }
}
