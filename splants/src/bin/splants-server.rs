//! `splants-server`: the HTTP API of splants, configured from the environment.
//!
//! Installed by `cargo install splants --features server` (add `postgres` and `redis` to use
//! them); from a clone, `cargo run --release -p splants --features server --bin splants-server`.
//! It listens on `HOST`:`PORT` (127.0.0.1:8080). The
//! original app's variables work unchanged (`API_KEY`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`,
//! `MONTHLY_AI_BUDGET`, `DATABASE_URL`, `REDIS_URL`, `CACHE_ENABLED`, `ALLOWED_ORIGINS`,
//! `WEBHOOK_*_URL`, `LOG_LEVEL`), a `.env` file included. SIGTERM/SIGINT stop it gracefully.
//! `SPLANTS_WORKER_THREADS` sets the async worker threads (default: one per CPU), read with
//! every other setting by `Config::from_env`.

use splants::config::Config;
use splants::server::{init_logging, router, serve, shutdown_signal};
use std::process::ExitCode;

/// The server allocates through mimalloc: with glibc's allocator, `malloc`, `free` and
/// `malloc_consolidate` took about a fifth of the server's CPU under load (requests allocate on
/// one worker thread and free on another). See `docs/operations.md`, "The load driver".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("splants-server: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.server);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = config.server.worker_threads {
        builder.worker_threads(n);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("splants-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "splants-server stopped");
            eprintln!("splants-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> splants::Result<()> {
    let addr = format!("{}:{}", config.server.host, config.server.port);
    let options = config.server.clone();
    let grace = config.calls.shutdown_grace;
    // The worker starts with the engine when accounts are configured (SPLANTS_SCHEDULER).
    let engine = splants::ContentEngine::builder().config(config).build().await?;
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| splants::Error::config("HOST/PORT", format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(address = %addr, provider = engine.provider().name(), storage = engine.stores().backend.name(), "splants-server listening");
    serve(listener, router(engine.clone(), options), shutdown_signal()).await?;
    // Generations whose callers left are still being paid for: let them land first.
    engine.shutdown(grace).await;
    Ok(())
}
