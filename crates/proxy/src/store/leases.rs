//! Leases: which process is working on a request or an order right now, so that several
//! proxies on one database never work on the same one at once. A lease names its holder
//! (`{instance}:…`) and lasts until a time; one whose holder died is taken over once that time
//! has passed. Within one process, its own locks (the keys in progress, the purchases running)
//! keep order, so a lease of the same instance is taken again freely.

use super::sql::values;
use super::{Store, StoreResult};

/// The instance part of a lease holder's name.
fn instance_of(holder: &str) -> &str {
    holder
        .split_once(':')
        .map_or(holder, |(instance, _)| instance)
}

impl Store {
    /// Takes the lease of the request `(owner, key)` for `holder` until `until`: free,
    /// expired, or held by the same instance. Returns whether it was taken.
    pub async fn lease_request(
        &self,
        owner: String,
        key: String,
        holder: String,
        now: i64,
        until: i64,
    ) -> StoreResult<bool> {
        let instance = format!("{}:%", instance_of(&holder));
        let changed = self
            .exec(
                "UPDATE idempotency SET lease_owner = ?3, lease_until = ?5
                 WHERE owner = ?1 AND key = ?2
                   AND (lease_owner IS NULL OR lease_until < ?4 OR lease_owner LIKE ?6)",
                values![owner, key, holder, now, until, instance],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Gives back a request's lease, if `holder` still has it.
    pub async fn release_request(
        &self,
        owner: String,
        key: String,
        holder: String,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE idempotency SET lease_owner = NULL, lease_until = NULL
             WHERE owner = ?1 AND key = ?2 AND lease_owner = ?3",
            values![owner, key, holder],
        )
        .await?;
        Ok(())
    }

    /// Takes the lease of an order (to send it, or to find out where it stands) for the
    /// instance `instance` until `until`: free, expired, or already this instance's. Returns
    /// whether it was taken.
    pub async fn lease_order(
        &self,
        id: String,
        instance: String,
        now: i64,
        until: i64,
    ) -> StoreResult<bool> {
        let changed = self
            .exec(
                "UPDATE orders SET lease_owner = ?2, lease_until = ?4
                 WHERE id = ?1 AND (lease_owner IS NULL OR lease_until < ?3 OR lease_owner = ?2)",
                values![id, instance, now, until],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Gives back an order's lease, if `instance` still has it.
    pub async fn release_order(&self, id: String, instance: String) -> StoreResult<()> {
        self.exec(
            "UPDATE orders SET lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            values![id, instance],
        )
        .await?;
        Ok(())
    }
}
