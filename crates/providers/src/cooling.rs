//! The waits a provider asked for and the answers it allows only once in a while.
//!
//! After a `429` with `Retry-After`, what it named is not asked again until the wait is over;
//! an answer a provider allows once per period (PressOne's package history, once per eSIM per
//! 15 minutes) is kept and served meanwhile. Several proxies in front of one provider account
//! must agree on both, since the provider counts per account, not per process: that memory is
//! a [`Pacing`], which the proxy keeps in its database. [`Cooling`] is the one in this
//! process's memory, the default for a single instance and for the tests, and what the proxy
//! uses for its own per-instance waits (an eSIM's last view, served meanwhile).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use parking_lot::Mutex;

/// The longest wait kept: a provider asking for more is asked again after an hour.
pub const LONGEST_WAIT: Duration = Duration::from_secs(3600);

/// Where the waits and the kept answers live, shared by every instance that speaks to the
/// provider with the same account. A key names one thing asked (a path, an eSIM's history).
/// A pacing that cannot be read (a database down) answers as if nothing were held or kept:
/// the provider's own `429` then still holds the line.
#[async_trait]
pub trait Pacing: Send + Sync + fmt::Debug {
    /// What is left of the wait on `key`, if any.
    async fn wait(&self, key: &str) -> Option<Duration>;

    /// Holds `key` for `wait` (at most [`LONGEST_WAIT`]); `Duration::ZERO` frees it.
    async fn hold(&self, key: &str, wait: Duration);

    /// Holds `key` for `period` if nothing holds it now, atomically across instances: whether
    /// this caller got it (and so is the one to ask).
    async fn claim(&self, key: &str, period: Duration) -> bool;

    /// The answer kept under `key`, and how long ago it was kept.
    async fn recall(&self, key: &str) -> Option<(Duration, String)>;

    /// Keeps `answer` under `key`.
    async fn keep(&self, key: &str, answer: String);
}

/// A shared [`Pacing`], as adapters hold it.
pub type SharedPacing = Arc<dyn Pacing>;

/// Waits and answers in this process's memory, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct Cooling(Arc<Mutex<Memory>>);

#[derive(Debug, Default)]
struct Memory {
    waits: HashMap<String, Instant>,
    kept: HashMap<String, (Instant, String)>,
}

impl Cooling {
    /// Returns what is left of the wait on `key`, if any; forgets the waits that are over.
    pub fn wait(&self, key: &str) -> Option<Duration> {
        let mut memory = self.0.lock();
        let now = Instant::now();
        memory.waits.retain(|_, until| *until > now);
        memory.waits.get(key).map(|until| *until - now)
    }

    /// Remembers that `key` may not be asked for `wait` (at most an hour).
    pub fn hold(&self, key: impl Into<String>, wait: Duration) {
        let until = Instant::now() + wait.min(LONGEST_WAIT);
        self.0.lock().waits.insert(key.into(), until);
    }
}

#[async_trait]
impl Pacing for Cooling {
    async fn wait(&self, key: &str) -> Option<Duration> {
        Cooling::wait(self, key)
    }

    async fn hold(&self, key: &str, wait: Duration) {
        Cooling::hold(self, key, wait);
    }

    async fn claim(&self, key: &str, period: Duration) -> bool {
        let mut memory = self.0.lock();
        let now = Instant::now();
        if memory.waits.get(key).is_some_and(|until| *until > now) {
            return false;
        }
        memory
            .waits
            .insert(key.to_owned(), now + period.min(LONGEST_WAIT));
        true
    }

    async fn recall(&self, key: &str) -> Option<(Duration, String)> {
        let memory = self.0.lock();
        let (at, answer) = memory.kept.get(key)?;
        Some((at.elapsed(), answer.clone()))
    }

    async fn keep(&self, key: &str, answer: String) {
        self.0
            .lock()
            .kept
            .insert(key.to_owned(), (Instant::now(), answer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_holds_its_key_only_until_it_is_over() {
        let cooling = Cooling::default();
        assert_eq!(cooling.wait("/esims/1"), None);
        cooling.hold("/esims/1", Duration::from_millis(40));
        let left = cooling.wait("/esims/1").expect("held");
        assert!(left <= Duration::from_millis(40));
        assert_eq!(cooling.wait("/esims/2"), None, "other keys are free");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(cooling.wait("/esims/1"), None, "over");
        cooling.hold("/x", Duration::from_secs(86_400));
        assert!(cooling.wait("/x").unwrap() <= LONGEST_WAIT);
    }

    #[tokio::test]
    async fn a_claim_is_one_callers_until_its_period_is_over_or_it_is_freed() {
        let pacing: SharedPacing = Arc::new(Cooling::default());
        assert!(pacing.claim("history 1", Duration::from_secs(60)).await);
        assert!(!pacing.claim("history 1", Duration::from_secs(60)).await);
        assert!(pacing.claim("history 2", Duration::from_secs(60)).await);
        pacing.hold("history 1", Duration::ZERO).await;
        assert!(
            pacing.claim("history 1", Duration::from_secs(60)).await,
            "freed"
        );
        assert_eq!(pacing.recall("history 1").await, None);
        pacing.keep("history 1", "[1]".into()).await;
        let (age, answer) = pacing.recall("history 1").await.unwrap();
        assert_eq!(answer, "[1]");
        assert!(age < Duration::from_secs(5));
    }
}
