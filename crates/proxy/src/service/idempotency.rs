//! Idempotency keys: claimed in this process, checked against the request they were first used
//! for, and replayed once answered.

use super::*;
use crate::store::IdempotencyRow;

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
    pub(super) async fn claim(&self, new: NewIdempotency) -> AppResult<Claim<'_>> {
        let guard = self.claim_key(&new.owner, &new.key)?;
        if let Some(row) = self
            .prior(&new.owner, &new.key, &new.endpoint, &new.request_hash)
            .await?
        {
            return Ok(match row.response.clone() {
                Some((status, body)) => Claim::Answered { status, body, row },
                None => Claim::Started(guard, row),
            });
        }
        if !self.store.reserve_idempotency(new, now()).await? {
            // Reserved by another process between the look and the reservation.
            return Err(AppError::new(
                ErrorCode::RequestInProgress,
                "This request is already being processed.",
            ));
        }
        Ok(Claim::New(guard))
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
        })
    }
}

/// Releases a claimed idempotency key when the request ends, however it ends.
pub(super) struct KeyGuard<'a> {
    keys: &'a Mutex<HashSet<String>>,
    id: String,
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.keys.lock().remove(&self.id);
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
