//! What a panel loads from the API: the last answer, loaded again when what it depends on
//! changes, or when the shopper asks.
//!
//! Leptos's `LocalResource` does this too, but brings its async machinery (async signals,
//! locks, an event listener) into the first download; this is one signal, one trigger and one
//! effect, which the widget has anyway.

use std::future::Future;

use leptos::prelude::*;

use crate::api::ApiError;

/// One thing loaded from the API. `None` until the first answer; later answers replace the
/// last one when they arrive, so a list being filtered stays on screen until the new one is in.
#[derive(Debug)]
pub(crate) struct Fetched<T: Send + Sync + 'static> {
    state: RwSignal<Option<Result<T, ApiError>>>,
    again: Trigger,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: Send + Sync + 'static> Fetched<T> {
    /// Starts loading with `fetch`, and again whenever a signal it reads (outside its future)
    /// changes. A load still on its way when the next starts, or when the view goes, is
    /// dropped, and its request aborted.
    pub(crate) fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Fetched<T>
    where
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        let state = RwSignal::new(None);
        let again = Trigger::new();
        Effect::new(move |_| {
            again.track();
            let future = fetch();
            // The task belongs to this run of the effect: the next run, or the view going,
            // cancels it. It observes nothing: only `fetch` decides what is tracked.
            untrack(|| {
                leptos::reactive::spawn_local_scoped_with_cancellation(async move {
                    let answer = future.await;
                    state.try_set(Some(answer));
                })
            });
        });
        Fetched { state, again }
    }

    /// Loads again with the same inputs (a retry button).
    pub(crate) fn refetch(&self) {
        self.again.notify();
    }

    /// Reads the last answer by reference, tracking it.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Option<Result<T, ApiError>>) -> R) -> R {
        self.state.with(f)
    }

    /// Reads the last answer by reference without tracking it.
    pub(crate) fn with_untracked<R>(&self, f: impl FnOnce(&Option<Result<T, ApiError>>) -> R) -> R {
        self.state.with_untracked(f)
    }
}

impl<T: Clone + Send + Sync + 'static> Fetched<T> {
    /// Returns a copy of the last answer, tracking it.
    pub(crate) fn get(&self) -> Option<Result<T, ApiError>> {
        self.state.get()
    }
}
