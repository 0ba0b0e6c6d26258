//! A Postgres schema per bench run on the local server, shared by the benches.

use sqlx::Connection;

/// The server; `SPLANTS_BENCH_POSTGRES_URL` overrides it (e.g. to try server settings).
fn pg_server() -> String {
    std::env::var("SPLANTS_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}
/// A Postgres schema for the run, dropped when this goes (also when a benchmark panics).
pub struct PgSchema {
    name: String,
    /// The schema's URL (`search_path` set).
    pub url: String,
}

impl PgSchema {
    /// Creates `splants_bench_<pid>` (dropped first if a run left it).
    #[allow(dead_code)]
    pub async fn create() -> PgSchema {
        Self::create_tagged("").await
    }

    /// Creates `splants_bench_<pid><tag>`, for a run that needs several empty databases.
    pub async fn create_tagged(tag: &str) -> PgSchema {
        let name = format!("splants_bench_{}{tag}", std::process::id());
        let server = pg_server();
        let mut c = sqlx::PgConnection::connect(&server).await.expect("PostgreSQL on 127.0.0.1:5432");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")))
            .execute(&mut c)
            .await
            .unwrap();
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options[search_path]={name}");
        PgSchema { name, url }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let server = pg_server();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}
