//! The waits a provider asked for: after a `429` with `Retry-After`, what it named is not
//! asked again until the wait is over. One memory, used where a provider's answer is first
//! read (the HTTP layer, per path) and by the proxy for what it serves in the meantime (an
//! eSIM's last view, per eSIM, whichever provider it sells, the in-process sandbox included).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// The longest wait kept: a provider asking for more is asked again after an hour.
const LONGEST: Duration = Duration::from_secs(3600);

/// Waits by key (a path, an eSIM), shared by clones.
#[derive(Debug, Clone, Default)]
pub struct Cooling(Arc<Mutex<HashMap<String, Instant>>>);

impl Cooling {
    /// Returns what is left of the wait on `key`, if any; forgets the waits that are over.
    pub fn wait(&self, key: &str) -> Option<Duration> {
        let mut waits = self.0.lock();
        let now = Instant::now();
        waits.retain(|_, until| *until > now);
        waits.get(key).map(|until| *until - now)
    }

    /// Remembers that `key` may not be asked for `wait` (at most an hour).
    pub fn hold(&self, key: impl Into<String>, wait: Duration) {
        let until = Instant::now() + wait.min(LONGEST);
        self.0.lock().insert(key.into(), until);
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
        assert!(cooling.wait("/x").unwrap() <= LONGEST);
    }
}
