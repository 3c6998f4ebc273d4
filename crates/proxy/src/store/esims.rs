//! eSIMs: who owns which, from which order.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::{Store, StoreResult};

impl Store {
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
