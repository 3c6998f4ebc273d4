//! The proxy's caches: moka's `future::Cache`, in which many concurrent misses of one key make
//! one upstream call (`try_get_with`); the eSIMs' cache keeps each key's last value besides,
//! for what is served while a provider asks us to wait.

use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

/// Most keys a cache holds; past it, moka evicts the least useful.
const MAX_ENTRIES: u64 = 10_000;

/// A cache of `V` by `K`, each value fresh for `ttl`.
pub struct TtlCache<K, V> {
    fresh: moka::future::Cache<K, V>,
    /// Where its hits and misses are counted, under what name.
    counted: Option<(&'static str, std::sync::Arc<crate::metrics::Metrics>)>,
    /// The last value fetched or stored under each key, kept past its freshness (only in a
    /// cache made [`TtlCache::keeping_last`]).
    last: Option<moka::future::Cache<K, V>>,
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Returns an empty cache.
    pub fn new(ttl: Duration) -> TtlCache<K, V> {
        TtlCache {
            fresh: moka::future::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(MAX_ENTRIES)
                .build(),
            last: None,
            counted: None,
        }
    }

    /// The same cache, its hits and misses counted in `metrics` as `name`.
    pub fn counted(
        mut self,
        name: &'static str,
        metrics: std::sync::Arc<crate::metrics::Metrics>,
    ) -> TtlCache<K, V> {
        self.counted = Some((name, metrics));
        self
    }

    /// Returns an empty cache that also keeps each key's last value for [`TtlCache::peek`].
    pub fn keeping_last(ttl: Duration) -> TtlCache<K, V> {
        TtlCache {
            last: Some(moka::future::Cache::new(MAX_ENTRIES)),
            ..TtlCache::new(ttl)
        }
    }

    /// Returns the fresh value for `key`, or runs `fetch` once for all concurrent callers.
    /// A failed fetch is not cached: the next caller tries again.
    pub async fn get_or_fetch<E, F, Fut>(&self, key: &K, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
        E: Clone + Send + Sync + 'static,
    {
        let missed = std::sync::atomic::AtomicBool::new(false);
        let result = self
            .fresh
            .try_get_with_by_ref(key, async {
                missed.store(true, std::sync::atomic::Ordering::Relaxed);
                let value = fetch().await?;
                if let Some(last) = &self.last {
                    last.insert(key.clone(), value.clone()).await;
                }
                Ok(value)
            })
            .await
            .map_err(|e| E::clone(&e));
        if let Some((name, metrics)) = &self.counted {
            metrics.cache(name, !missed.load(std::sync::atomic::Ordering::Relaxed));
        }
        result
    }

    /// Returns the last value for `key` even if it is no longer fresh, without fetching
    /// (always `None` unless the cache keeps its last values).
    pub async fn peek(&self, key: &K) -> Option<V> {
        self.last.as_ref()?.get(key).await
    }

    /// Stores a value fetched elsewhere (the answer to a change), replacing what was cached.
    pub async fn put(&self, key: K, value: V) {
        if let Some(last) = &self.last {
            last.insert(key.clone(), value.clone()).await;
        }
        self.fresh.insert(key, value).await;
    }

    /// Forgets `key`, so the next read fetches.
    pub async fn invalidate(&self, key: &K) {
        self.fresh.invalidate(key).await;
        if let Some(last) = &self.last {
            last.invalidate(key).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

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
        let cache: TtlCache<u8, u32> = TtlCache::keeping_last(Duration::from_millis(30));
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
        assert_eq!(cache.peek(&1).await, Some(1), "peek sees the stale value");
        assert_eq!(
            cache.get_or_fetch(&1, || async { Ok::<_, &str>(3) }).await,
            Ok(3),
            "expired"
        );
        cache.invalidate(&1).await;
        assert_eq!(cache.peek(&1).await, None);
    }
}
