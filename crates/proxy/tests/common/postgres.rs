//! The PostgreSQL server tests may make databases on, shared by the store's own tests (which
//! include this file by path) and the integration tests.

/// A fresh, empty database on the PostgreSQL server `ESIM_TEST_DATABASE_URL` names (as
/// `cargo xtask test` sets it), as a URL; `None` without one.
pub async fn fresh_postgres() -> Option<String> {
    let admin = std::env::var("ESIM_TEST_DATABASE_URL").ok()?;
    let (server, _) = admin
        .rsplit_once('/')
        .expect("ESIM_TEST_DATABASE_URL ends with a database name");
    let name = format!("esim_proxy_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("ESIM_TEST_DATABASE_URL ({admin}) cannot be reached: {e}"));
    let running = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = running.await;
    Some(format!("{server}/{name}"))
}
