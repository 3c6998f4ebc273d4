//! The provider's pacing, kept where every instance reads it: the waits a provider asked for
//! (`Retry-After` on a path) and the answers it allows only once in a while (PressOne's package
//! history and usage), so that several proxies on one account ask no more often than one. A
//! claim is one conditional write, so two instances racing for the same key get one winner.
//! Times are Unix milliseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use esim_providers::Pacing;

use super::sql::values;
use super::{Store, StoreResult};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.min(esim_providers::LONGEST_WAIT).as_millis()).unwrap_or(i64::MAX)
}

/// Logs a pacing the database could not keep: the provider's own `429` still holds the line.
fn logged<T>(result: StoreResult<T>, what: &str) -> Option<T> {
    result
        .map_err(|e| tracing::warn!(error = %e, "provider pacing: cannot {what}"))
        .ok()
}

impl Store {
    async fn held_until(&self, key: &str) -> StoreResult<Option<i64>> {
        self.row(
            "SELECT held_until FROM provider_pacing WHERE key = ?1",
            values![key],
        )
        .await?
        .map(|r| r.int(0))
        .transpose()
    }

    async fn set_hold(&self, key: &str, until: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO provider_pacing (key, held_until) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET held_until = excluded.held_until",
            values![key, until],
        )
        .await?;
        Ok(())
    }

    async fn take_hold(&self, key: &str, now: i64, until: i64) -> StoreResult<bool> {
        let changed = self
            .exec(
                "INSERT INTO provider_pacing (key, held_until) VALUES (?1, ?3)
                 ON CONFLICT (key) DO UPDATE SET held_until = excluded.held_until
                 WHERE provider_pacing.held_until <= ?2",
                values![key, now, until],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn kept_answer(&self, key: &str) -> StoreResult<Option<(i64, String)>> {
        let Some(row) = self
            .row(
                "SELECT kept_at, answer FROM provider_pacing WHERE key = ?1 AND answer IS NOT NULL",
                values![key],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((row.int(0)?, row.text(1)?)))
    }

    async fn keep_answer(&self, key: &str, answer: String, now: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO provider_pacing (key, held_until, answer, kept_at) VALUES (?1, 0, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET answer = excluded.answer, kept_at = excluded.kept_at",
            values![key, answer, now],
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Pacing for Store {
    async fn wait(&self, key: &str) -> Option<Duration> {
        let until = logged(self.held_until(key).await, "read a wait")??;
        let left = until - now_ms();
        (left > 0).then(|| Duration::from_millis(u64::try_from(left).unwrap_or(0)))
    }

    async fn hold(&self, key: &str, wait: Duration) {
        logged(self.set_hold(key, now_ms() + ms(wait)).await, "keep a wait");
    }

    async fn claim(&self, key: &str, period: Duration) -> bool {
        let now = now_ms();
        // Unreadable, the claim is this caller's: the provider's own limit answers it.
        logged(self.take_hold(key, now, now + ms(period)).await, "claim").unwrap_or(true)
    }

    async fn recall(&self, key: &str) -> Option<(Duration, String)> {
        let (at, answer) = logged(self.kept_answer(key).await, "read a kept answer")??;
        let age = u64::try_from(now_ms() - at).unwrap_or(0);
        Some((Duration::from_millis(age), answer))
    }

    async fn keep(&self, key: &str, answer: String) {
        logged(
            self.keep_answer(key, answer, now_ms()).await,
            "keep an answer",
        );
    }
}
