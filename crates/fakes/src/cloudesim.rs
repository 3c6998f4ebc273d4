pub(crate) fn router(_shop: crate::Shared) -> axum::Router {
    axum::Router::new()
}
