//! Several processes importing the same `API_KEY` at once on one database.

use std::sync::Arc;

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_starting_together_import_api_key_once_and_all_start() {
    // Several workers (uvicorn, Node processes) start at once on one database: each may find
    // no key for API_KEY and insert one; the unique hash refuses all but the first insert, and
    // the others must use that key rather than fail to start.
    let dir = tempfile::tempdir().unwrap();
    let pool = splants::storage::PoolConfig::default();
    let clock = splants::clock::FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let secret = splants::secret::Secret::new("spl_shared_bootstrap_secret".to_owned());
    for round in 0..5 {
        let url = format!("sqlite://{}", dir.path().join(format!("keys{round}.db")).display());
        splants::storage::SqliteStorage::connect(&url, &pool).await.unwrap();
        let gate = Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (url, pool, clock, secret, gate) =
                (url.clone(), pool.clone(), clock.clone(), secret.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                let stores = splants::storage::SqliteStorage::connect(&url, &pool).await.unwrap().stores();
                let m = splants::auth::KeyManager::new(stores.keys.clone(), Arc::new(clock), "standard");
                gate.wait().await;
                (m.bootstrap(&secret).await, stores)
            }));
        }
        let mut ids = Vec::new();
        let mut stores = None;
        for t in tasks {
            let (r, s) = t.await.unwrap();
            ids.push(r.unwrap_or_else(|e| panic!("round {round}: a process failed to start: {e}")));
            stores = Some(s);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "one key for one API_KEY: {ids:?}");
        let keys = stores.unwrap().keys.list_keys().await.unwrap();
        assert_eq!(keys.len(), 1, "round {round}");
        assert_eq!(keys[0].status, splants::auth::KeyStatus::Active);
    }
}
