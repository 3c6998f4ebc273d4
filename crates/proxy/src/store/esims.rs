//! eSIMs: who owns which, from which order.

use super::rows::*;
use super::sql::values;
use super::{Store, StoreResult};

impl Store {
    /// Returns an owner's eSIMs, newest first.
    pub async fn esims_of(&self, owner: String) -> StoreResult<Vec<EsimRow>> {
        self.rows(
            format!("{ESIM_SELECT} WHERE owner = ?1 ORDER BY created_at DESC, id"),
            values![owner],
        )
        .await?
        .iter()
        .map(esim_row)
        .collect()
    }

    /// Returns an order's eSIMs.
    pub async fn esims_of_order(&self, order_id: String) -> StoreResult<Vec<EsimRow>> {
        self.rows(
            format!("{ESIM_SELECT} WHERE order_id = ?1 ORDER BY id"),
            values![order_id],
        )
        .await?
        .iter()
        .map(esim_row)
        .collect()
    }

    /// Returns one eSIM.
    pub async fn esim(&self, id: String) -> StoreResult<Option<EsimRow>> {
        self.row(format!("{ESIM_SELECT} WHERE id = ?1"), values![id])
            .await?
            .as_ref()
            .map(esim_row)
            .transpose()
    }

    /// Returns every eSIM key held by an order: provider ids and ICCIDs.
    pub async fn held_esims(&self) -> StoreResult<Vec<String>> {
        let mut held = Vec::new();
        for row in self
            .rows("SELECT provider_id, iccid FROM esims", Vec::new())
            .await?
        {
            held.push(row.text(0)?);
            held.push(row.text(1)?);
        }
        Ok(held)
    }

    /// Returns how many eSIMs are stored in all (tests of exactly-once read it).
    pub async fn count_esims(&self) -> StoreResult<u64> {
        let count = match self.row("SELECT COUNT(*) FROM esims", Vec::new()).await? {
            Some(row) => row.int(0)?,
            None => 0,
        };
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
