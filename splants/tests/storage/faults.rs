//! PostgreSQL behind the fault proxy: a database that stops answering is a `storage_error`
//! within the configured acquire/statement timeouts, never a hang.

use crate::support::pg;
use splants::Error;
use splants::storage::{PoolConfig, PostgresStorage, Stores};
use splants_testkit::{FaultProxy, Mode};
use std::time::{Duration, Instant};

const ACQUIRE: Duration = Duration::from_secs(2);
const STATEMENT: Duration = Duration::from_secs(1);
/// What a timeout error names.
const TIMEOUT_SETTING: &str = "SPLANTS_DB_ACQUIRE_TIMEOUT_SECS";
/// Longer than any configured limit: reaching it means the call hung.
const HANG: Duration = Duration::from_secs(20);

fn config() -> PoolConfig {
    PoolConfig {
        // One connection kept open: the blackhole then catches a query on a live connection.
        min_connections: 1,
        max_connections: 2,
        acquire_timeout: ACQUIRE,
        statement_timeout: STATEMENT,
        ..PoolConfig::default()
    }
}

/// A fresh schema on the test server, reached through a fault proxy.
async fn behind_proxy() -> (Stores, FaultProxy, pg::Schema) {
    let schema = pg::Schema::create().await;
    let direct = schema.url();
    let target = direct.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap();
    let proxy = FaultProxy::start(tokio::net::lookup_host(target).await.unwrap().next().unwrap()).await.unwrap();
    let url = direct.replacen(target, &proxy.addr().to_string(), 1);
    let store = PostgresStorage::connect(&url, &config()).await.unwrap().stores();
    assert!(proxy.connections() >= 1, "the store connected through the proxy");
    (store, proxy, schema)
}

/// One query, then time for sqlx's ping on release: the pool then holds an idle, tested
/// connection, so the next call's statement goes out on a live connection.
async fn warm(store: &Stores) {
    assert!(store.content.get_content("missing", None).await.unwrap().is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The call fails with a storage error whose message contains `says`, within the timeouts.
async fn expect_storage_error<T: std::fmt::Debug>(
    what: &str,
    says: &str,
    call: impl Future<Output = splants::Result<T>>,
) {
    let started = Instant::now();
    let result = tokio::time::timeout(HANG, call).await.unwrap_or_else(|_| panic!("{what}: hung for {HANG:?}"));
    let took = started.elapsed();
    assert!(matches!(&result, Err(Error::Storage { message, .. }) if message.contains(says)), "{what}: {result:?}");
    assert!(took < ACQUIRE + STATEMENT + Duration::from_secs(2), "{what}: took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blackholed_connection_is_a_storage_error_within_the_timeouts() {
    let (store, proxy, _schema) = behind_proxy().await;
    warm(&store).await;
    proxy.set(Mode::Blackhole);
    // The pool's open connection now never gets an answer.
    expect_storage_error("a query on an open connection", TIMEOUT_SETTING, store.content.get_content("missing", None))
        .await;
    // A new connection is accepted but its handshake is never answered.
    proxy.reset_all().await;
    expect_storage_error(
        "a query needing a new connection",
        TIMEOUT_SETTING,
        store.content.get_content("missing", None),
    )
    .await;
    proxy.set(Mode::Pass);
    proxy.reset_all().await;
    let mut ok = false;
    for _ in 0..3 {
        ok |= store.content.get_content("missing", None).await.is_ok();
    }
    assert!(ok, "the store works again once the network does");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_connection_is_a_storage_error_and_the_pool_recovers() {
    let (store, proxy, _schema) = behind_proxy().await;
    warm(&store).await;
    proxy.reset_all().await;
    let first =
        tokio::time::timeout(HANG, store.content.get_content("missing", None)).await.expect("hung after a reset");
    if let Err(e) = &first {
        assert!(matches!(e, Error::Storage { .. }), "{e:?}");
    }
    assert!(store.content.get_content("missing", None).await.unwrap().is_none(), "a fresh connection works");
    proxy.set(Mode::Refuse);
    proxy.reset_all().await;
    expect_storage_error("a query on a connection that was reset", "", store.content.get_content("missing", None))
        .await;
    expect_storage_error("a query while connections are refused", "", store.content.get_content("missing", None)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_in_flight_when_the_network_dies_is_a_storage_error_within_the_timeouts() {
    let (store, proxy, _schema) = behind_proxy().await;
    warm(&store).await;
    proxy.set(Mode::Stall);
    let sent = proxy.bytes_up();
    let call = tokio::spawn(async move { store.content.get_content("missing", None).await });
    for _ in 0..500 {
        if proxy.bytes_up() > sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(proxy.bytes_up() > sent, "the query never left the client");
    // The query is held in the proxy; now it is lost and nothing will ever answer.
    proxy.set(Mode::Blackhole);
    expect_storage_error("a statement in flight", TIMEOUT_SETTING, async { call.await.unwrap() }).await;
}

/// The money path through a database that stalls: a settle whose answer never comes is a
/// storage error within the timeouts, is finished in the background once the network is back,
/// and the real cost lands; a reserve cut short leaves no hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settle_through_a_stalled_database_still_lands() {
    use splants::Usd;
    use splants::budget::{BudgetConfig, BudgetGuard, BudgetLedger, ReserveOptions, Scope};
    let (store, proxy, _schema) = behind_proxy().await;
    let ledger: std::sync::Arc<dyn BudgetLedger> = store.ledger;
    let guard = BudgetGuard::new(
        ledger,
        std::sync::Arc::new(splants::clock::SystemClock),
        BudgetConfig { global_limit: Some(Usd::from_dollars(1.0).unwrap()), ..BudgetConfig::default() },
        splants::events::EventSink::new(16),
    );
    let scopes = guard.scopes(None, None);
    let options = ReserveOptions { in_flight: true, wait: None };
    let r = guard.reserve_with(scopes.clone(), Usd::from_dollars(0.5).unwrap(), options).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set(Mode::Stall);
    let actual = Usd::from_dollars(0.125).unwrap();
    expect_storage_error("a settle while the database stalls", TIMEOUT_SETTING, r.settle(actual, "m")).await;
    // A reserve while it stalls fails too, and must not leave a hold once the network is back.
    expect_storage_error(
        "a reserve while the database stalls",
        TIMEOUT_SETTING,
        guard.reserve_with(scopes.clone(), Usd::from_dollars(0.25).unwrap(), options),
    )
    .await;
    proxy.set(Mode::Pass);
    assert_eq!(guard.flush(Duration::from_secs(30)).await, 0, "the background writes finished");
    let u = guard.ledger().usage(&Scope::Global, &guard.window()).await.unwrap();
    assert_eq!((u.spent, u.reserved, u.in_flight), (actual, Usd::ZERO, 0), "the real cost landed, no hold is left");
}
