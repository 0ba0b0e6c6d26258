//! `RedisConnection`: the one Redis handle the rate limiter and the shared cache use.
//!
//! Several instances behind a load balancer share quotas and generated pieces through Redis
//! (`REDIS_URL`, the original app's variable). The handle wraps a [`ConnectionManager`], which
//! multiplexes commands over one connection and reconnects in the background after a drop; a
//! command sent while Redis is down fails (it is never queued forever), and the caller turns
//! that into [`Error::Storage`]. Every key starts with a prefix (`splants:` by default) so one
//! Redis can serve other applications, and tests can isolate themselves.
//!
//! `rediss://` URLs connect over rustls with the system's root certificates (no OpenSSL).

use crate::error::{Error, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Each connection attempt gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// A command without an answer after this long fails (Redis answers in well under a millisecond).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnection attempts per command while Redis is down (a refused connection fails fast).
const RECONNECT_RETRIES: usize = 2;

/// A cheap-to-clone Redis handle with a key prefix.
///
/// ```no_run
/// # async fn demo() -> splants::Result<()> {
/// use splants::redis_conn::RedisConnection;
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// redis.ping().await?;
/// assert_eq!(redis.prefix(), "splants:");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisConnection {
    manager: ConnectionManager,
    prefix: Arc<str>,
    /// `host:port` (never the password), for error messages.
    address: Arc<str>,
}

impl fmt::Debug for RedisConnection {
    // Not derived: the manager's own Debug prints the client, password included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection").field("address", &self.address).field("prefix", &self.prefix).finish()
    }
}

impl RedisConnection {
    /// The key prefix used unless [`RedisConnection::with_prefix`] says otherwise.
    pub const DEFAULT_PREFIX: &'static str = "splants:";

    /// Connects to `url` (`redis://[:password@]host[:port][/db]` or `rediss://...` for TLS).
    /// Fails with a config error for a URL that does not parse and a storage error naming the
    /// address when Redis does not answer; neither message contains the password.
    pub async fn connect(url: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(|e| {
            Error::config("redis_url", format!("`{}` is not a Redis URL: {e}", crate::error::redact(url)))
        })?;
        let address: Arc<str> = client.get_connection_info().addr().to_string().into();
        if url.starts_with("rediss://") {
            // rustls needs a process-wide crypto provider; install aws-lc-rs (the one reqwest and
            // sqlx use here) unless the application already chose one.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| Error::storage(format!("cannot connect to Redis at {address}: {e}")).with_source(e))?;
        let conn = RedisConnection { manager, prefix: Self::DEFAULT_PREFIX.into(), address };
        conn.ping().await?;
        Ok(conn)
    }

    /// The same connection with another key prefix (e.g. `myapp:splants:`); keys become
    /// `<prefix>rl:...` and `<prefix>cache:...`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `host:port` of the server (no credentials).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends `PING`; a storage error when Redis does not answer `PONG`.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.manager();
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.map_err(|e| self.error("PING", e))?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(Error::storage(format!("Redis at {} answered PING with `{pong}`", self.address)))
        }
    }

    /// A handle to send commands on (clones share the connection).
    pub(crate) fn manager(&self) -> ConnectionManager {
        self.manager.clone()
    }

    /// `<prefix><rest>`.
    pub(crate) fn key(&self, rest: &str) -> String {
        let mut k = String::with_capacity(self.prefix.len() + rest.len());
        k.push_str(&self.prefix);
        k.push_str(rest);
        k
    }

    /// A storage error for a failed command, naming the command and the address; the Redis
    /// error is its source.
    pub(crate) fn error(&self, what: &str, e: redis::RedisError) -> Error {
        Error::storage(format!("Redis at {} failed on {what}: {e}", self.address)).with_source(e)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Test helpers: a connection to the local Redis with a random prefix, and cleanup.

    use super::RedisConnection;

    /// The Redis the tests use (`scripts/services.sh` starts it).
    pub(crate) const TEST_URL: &str = "redis://127.0.0.1:6379";

    /// A key prefix no other test uses.
    pub(crate) fn unique_prefix() -> String {
        format!("splants-test:{:016x}:", fastrand::u64(..))
    }

    /// A new connection with a prefix no other test uses.
    pub(crate) async fn connect() -> RedisConnection {
        let conn = RedisConnection::connect(TEST_URL).await.expect("Redis on 127.0.0.1:6379 (scripts/services.sh)");
        conn.with_prefix(unique_prefix())
    }

    /// Another connection (its own socket) with the same prefix, like a second instance.
    pub(crate) async fn second(of: &RedisConnection) -> RedisConnection {
        RedisConnection::connect(TEST_URL).await.expect("Redis").with_prefix(of.prefix())
    }

    /// Every key under the connection's prefix.
    pub(crate) async fn keys(conn: &RedisConnection) -> Vec<String> {
        let mut m = conn.manager();
        let mut out = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}*", conn.prefix()))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut m)
                .await
                .expect("SCAN");
            out.extend(batch);
            if next == 0 {
                return out;
            }
            cursor = next;
        }
    }

    /// A TCP proxy to the test Redis that can be cut, to play a Redis outage.
    pub(crate) struct Proxy {
        /// `redis://127.0.0.1:<port>` of the proxy.
        pub(crate) url: String,
        accept: tokio::task::JoinHandle<()>,
        links: std::sync::Arc<parking_lot::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    }

    impl Proxy {
        /// Listens on a free port and forwards every connection to the test Redis.
        pub(crate) async fn start() -> Proxy {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let url = format!("redis://{}", listener.local_addr().expect("addr"));
            let links = std::sync::Arc::new(parking_lot::Mutex::new(Vec::new()));
            let links2 = std::sync::Arc::clone(&links);
            let accept = tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    links2.lock().push(tokio::spawn(async move {
                        if let Ok(mut out) = tokio::net::TcpStream::connect("127.0.0.1:6379").await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                        }
                    }));
                }
            });
            Proxy { url, accept, links }
        }

        /// Closes the listener and every forwarded connection, and waits until they are gone.
        pub(crate) async fn stop(self) {
            self.accept.abort();
            let _ = self.accept.await;
            let links: Vec<_> = std::mem::take(&mut *self.links.lock());
            for l in links {
                l.abort();
                let _ = l.await;
            }
        }
    }

    /// Deletes every key under the connection's prefix.
    pub(crate) async fn cleanup(conn: &RedisConnection) {
        let keys = keys(conn).await;
        if !keys.is_empty() {
            let mut m = conn.manager();
            let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut m).await.expect("DEL");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connects_pings_and_prefixes() {
        let conn = testing::connect().await;
        conn.ping().await.unwrap();
        assert_eq!(conn.address(), "127.0.0.1:6379");
        assert!(conn.key("rl:x").starts_with("splants-test:") && conn.key("rl:x").ends_with(":rl:x"));
        let dbg = format!("{:?}", RedisConnection::connect("redis://:hunter2@127.0.0.1:6379").await.err());
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }

    #[tokio::test]
    async fn unreachable_and_invalid_urls_are_clear_errors() {
        let err = RedisConnection::connect("redis://127.0.0.1:1").await.unwrap_err();
        assert!(matches!(err, Error::Storage { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot connect to Redis at 127.0.0.1:1"), "{err}");
        let err = RedisConnection::connect("redis://:hunter2@127.0.0.1:1").await.unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        // TLS against a server that hangs up: the handshake fails cleanly (a crypto provider is
        // installed even without reqwest's; no panic), naming the address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hangup = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        let err = RedisConnection::connect(&format!("rediss://{addr}")).await.unwrap_err();
        assert!(err.to_string().contains(&format!("cannot connect to Redis at {addr}")), "{err}");
        hangup.abort();
        let err = RedisConnection::connect("http://x").await.unwrap_err();
        assert!(matches!(&err, Error::Config { field, .. } if field == "redis_url"), "{err:?}");
    }
}
