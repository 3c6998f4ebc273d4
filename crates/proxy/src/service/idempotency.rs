//! Idempotency keys: claimed in this process, checked against the request they were first used
//! for, and replayed once answered.

use super::*;
use crate::store::{IdempotencyRow, Store};

/// What claiming an idempotency key found.
pub(super) enum Claim<'a> {
    /// A key never used: now reserved for this request, which does the work.
    New(KeyGuard<'a>),
    /// A request under this key has finished: its answer, to send again.
    Answered {
        status: u16,
        body: String,
        row: IdempotencyRow,
    },
    /// A request under this key started and has not finished, here or in an earlier run.
    Started(KeyGuard<'a>, IdempotencyRow),
}

impl Service {
    /// Claims `new.key` for one request, the single way orders and top-ups begin: held in
    /// this process for as long as the returned guard lives (a second request under the key
    /// meanwhile answers `request_in_progress`), refused if the key was used for a different
    /// request, and reserved in the store if it is new.
    ///
    /// Across processes on one database the key is leased in the store too, for as long as the
    /// request runs (given back when the guard goes; a dead process's lease ends with
    /// `request_lease_secs`): a second request under the key on another instance meanwhile
    /// answers `request_in_progress` as well.
    pub(super) async fn claim(&self, new: NewIdempotency) -> AppResult<Claim<'_>> {
        let mut guard = self.claim_key(&new.owner, &new.key)?;
        let holder = format!("{}:{}", self.instance, uuid::Uuid::new_v4().simple());
        let until = now() + self.request_lease_secs();
        let in_progress = || {
            AppError::new(
                ErrorCode::RequestInProgress,
                "This request is already being processed.",
            )
        };
        if let Some(row) = self
            .prior(&new.owner, &new.key, &new.endpoint, &new.request_hash)
            .await?
        {
            if let Some((status, body)) = row.response.clone() {
                return Ok(Claim::Answered { status, body, row });
            }
            if !self
                .store
                .lease_request(
                    new.owner.clone(),
                    new.key.clone(),
                    holder.clone(),
                    now(),
                    until,
                )
                .await?
            {
                // Another instance is at work on it.
                return Err(in_progress());
            }
            guard.lease = Some((self.store.clone(), new.owner, new.key, holder));
            return Ok(Claim::Started(guard, row));
        }
        let (owner, key) = (new.owner.clone(), new.key.clone());
        if !self
            .store
            .reserve_idempotency(new, holder.clone(), now(), until)
            .await?
        {
            // Reserved by another process between the look and the reservation.
            return Err(in_progress());
        }
        guard.lease = Some((self.store.clone(), owner, key, holder));
        Ok(Claim::New(guard))
    }

    /// How long a request's lease on its key lasts at most: its own wait for the provider,
    /// the calls around it, and a margin.
    fn request_lease_secs(&self) -> i64 {
        i64::try_from(self.config.provider_timeout_secs.max(1) * 3 + 30).unwrap_or(i64::MAX)
    }

    /// Returns what an earlier request with this key left (its answer, if it finished), or
    /// `None` for a new key; a key used for a different request is refused.
    async fn prior(
        &self,
        scope: &str,
        key: &str,
        endpoint: &str,
        hash: &str,
    ) -> AppResult<Option<IdempotencyRow>> {
        let row = self
            .store
            .idempotency(scope.to_owned(), key.to_owned())
            .await?;
        if row
            .as_ref()
            .is_some_and(|r| r.endpoint != endpoint || r.request_hash != hash)
        {
            return Err(AppError::new(
                ErrorCode::IdempotencyKeyReused,
                "This Idempotency-Key was already used for a different request.",
            ));
        }
        Ok(row)
    }

    /// Marks an idempotency key as being processed in this process, or answers 409.
    fn claim_key(&self, scope: &str, key: &str) -> AppResult<KeyGuard<'_>> {
        let id = format!("{scope}\u{0}{key}");
        let mut keys = self.in_progress.lock();
        if !keys.insert(id.clone()) {
            return Err(AppError::new(
                ErrorCode::RequestInProgress,
                "This request is already being processed.",
            ));
        }
        Ok(KeyGuard {
            keys: &self.in_progress,
            id,
            lease: None,
        })
    }
}

/// Releases a claimed idempotency key when the request ends, however it ends: in this
/// process at once, and its lease in the store just after.
pub(super) struct KeyGuard<'a> {
    keys: &'a Mutex<HashSet<String>>,
    id: String,
    /// The store, the key (owner and key) and this request's lease holder.
    lease: Option<(Store, String, String, String)>,
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.keys.lock().remove(&self.id);
        if let (Some((store, owner, key, holder)), Ok(runtime)) =
            (self.lease.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(async move {
                if let Err(e) = store.release_request(owner, key, holder).await {
                    tracing::warn!(error = %e, "could not give back a request's lease; it expires");
                }
            });
        }
    }
}

/// Returns a stable hash of a request's meaningful fields.
pub(super) fn request_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}
