//! A time-limited cache in which many concurrent misses of one key make one upstream call.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

type Slot<V> = Arc<OnceCell<(Instant, V)>>;

/// Most keys a cache holds; past it, the oldest half of the map is not worth a scan: the map
/// is cleared, as a cache may be.
const MAX_ENTRIES: usize = 10_000;

/// A cache of `V` by `K`, each value kept for `ttl`.
pub struct TtlCache<K, V> {
    ttl: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// Returns an empty cache.
    pub fn new(ttl: Duration) -> TtlCache<K, V> {
        TtlCache {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the cached value for `key`, or runs `fetch` once for all concurrent callers.
    /// A failed fetch is not cached: the next caller tries again.
    pub async fn get_or_fetch<E, F, Fut>(&self, key: &K, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock();
            let fresh = slots
                .get(key)
                .filter(|slot| slot.get().is_none_or(|(at, _)| at.elapsed() < self.ttl));
            match fresh {
                Some(slot) => Arc::clone(slot),
                None => {
                    if slots.len() >= MAX_ENTRIES {
                        slots.clear();
                    }
                    let slot: Slot<V> = Arc::new(OnceCell::new());
                    slots.insert(key.clone(), Arc::clone(&slot));
                    slot
                }
            }
        };
        let (_, value) = slot
            .get_or_try_init(|| async { fetch().await.map(|v| (Instant::now(), v)) })
            .await?;
        Ok(value.clone())
    }

    /// Returns the cached value for `key` even if expired, without fetching.
    pub fn peek(&self, key: &K) -> Option<V> {
        let slots = self.slots.lock();
        slots
            .get(key)
            .and_then(|slot| slot.get().map(|(_, v)| v.clone()))
    }

    /// Stores a value fetched elsewhere (the answer to a change), replacing what was cached.
    pub fn put(&self, key: K, value: V) {
        let slot = Arc::new(OnceCell::new_with(Some((Instant::now(), value))));
        self.slots.lock().insert(key, slot);
    }

    /// Forgets `key`, so the next read fetches.
    pub fn invalidate(&self, key: &K) {
        self.slots.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn many_concurrent_misses_make_one_call() {
        let cache: Arc<TtlCache<String, u32>> = Arc::new(TtlCache::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
                tokio::spawn(async move {
                    cache
                        .get_or_fetch(&"JP".to_string(), || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok::<_, ()>(7)
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_values_expire() {
        let cache: TtlCache<u8, u32> = TtlCache::new(Duration::from_millis(30));
        assert_eq!(
            cache
                .get_or_fetch(&1, || async { Err::<u32, _>("down") })
                .await,
            Err("down")
        );
        assert_eq!(
            cache.get_or_fetch(&1, || async { Ok::<_, &str>(1) }).await,
            Ok(1)
        );
        assert_eq!(
            cache.get_or_fetch(&1, || async { Ok::<_, &str>(2) }).await,
            Ok(1),
            "cached"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(cache.peek(&1), Some(1), "peek sees the stale value");
        assert_eq!(
            cache.get_or_fetch(&1, || async { Ok::<_, &str>(3) }).await,
            Ok(3),
            "expired"
        );
        cache.invalidate(&1);
        assert_eq!(cache.peek(&1), None);
    }
}
