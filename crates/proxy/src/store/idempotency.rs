//! Idempotency keys (what a request claimed, and the answer it gave) and guests.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::{Store, StoreResult};

impl Store {
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
}
