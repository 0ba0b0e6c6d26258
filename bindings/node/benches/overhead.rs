//! The Rust side of `bench/overhead.mjs`: the same engine options, the same brief (a new topic
//! each call, as the Node bench sends) and the same N sequential awaits, timed around
//! `ContentEngine::generate` alone. The binding's cost is the Node median minus this one.
//! Also timed: serializing the result, the Rust half of handing it to Node; and the same call
//! with the brief of `bindings/python/bench/overhead.py`, the Rust side of that benchmark.
//!
//!   cargo bench -p splants-node --bench overhead --target x86_64-unknown-linux-gnu [-- N]
//!
//! (`--target` as `napi build` passes it, so the release dependencies are the addon's.)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use splants::config::Config;
use splants::{ContentEngine, ContentRequest, RequestContext};
use std::hint::black_box;
use std::time::Instant;

/// The allocator the addon uses (`src/lib.rs`), so that both sides run the same engine.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5000);
    let warmup = n.min(500);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let options = json!({ "provider": "offline", "database_url": "memory://", "monthly_budget": null });
        let config = Config::from_options(options.as_object().cloned().unwrap()).unwrap();
        let engine = ContentEngine::builder().config(config).build().await.unwrap();
        let ctx = RequestContext::anonymous();
        let brief = |i: usize| {
            ContentRequest::from_value(json!({
                "content_type": "social_media",
                "topic": format!("Three ways to keep an AI budget in check #{i}"),
                "keywords": ["AI budget", "marketing"],
                "platform": "linkedin",
                "tone": "friendly",
            }))
            .unwrap()
        };

        println!("rust {}, splants (release), offline provider, memory://", env!("CARGO_PKG_VERSION"));
        for i in 0..warmup {
            black_box(engine.generate(brief(i), &ctx).await.unwrap());
        }
        let mut us = Vec::with_capacity(n);
        for i in 0..n {
            let req = brief(i);
            let t0 = Instant::now();
            black_box(engine.generate(req, &ctx).await.unwrap());
            us.push(t0.elapsed().as_secs_f64() * 1e6);
        }
        report("generate (offline, memory)", us);

        // The Rust half of handing the result to Node (serde_json text; the binding then
        // `JSON.parse`s it, timed in overhead.mjs), hot: the same piece each time.
        let content = engine.generate(brief(n), &ctx).await.unwrap();
        let mut us = Vec::with_capacity(n);
        for _ in 0..n {
            let t0 = Instant::now();
            black_box(serde_json::to_vec(&content).unwrap());
            us.push(t0.elapsed().as_secs_f64() * 1e6);
        }
        report("result to JSON (hot)", us);

        // The Rust side of bindings/python/bench/overhead.py: its brief, the same every call.
        let python = ContentRequest::from_value(json!({
            "content_type": "social_media", "topic": "Quick marketing tip of the day",
            "keywords": ["marketing", "growth"], "tone": "casual", "platform": "twitter", "length": 40,
        }))
        .unwrap();
        let mut us = Vec::with_capacity(n);
        for i in 0..warmup + n {
            let req = python.clone();
            let t0 = Instant::now();
            black_box(engine.generate(req, &ctx).await.unwrap());
            if i >= warmup {
                us.push(t0.elapsed().as_secs_f64() * 1e6);
            }
        }
        report("generate (python brief)", us);

        let mut us = Vec::with_capacity(n);
        for _ in 0..warmup {
            black_box(engine.budget_status(&ctx).await.unwrap());
        }
        for _ in 0..n {
            let t0 = Instant::now();
            black_box(engine.budget_status(&ctx).await.unwrap());
            us.push(t0.elapsed().as_secs_f64() * 1e6);
        }
        report("budgetStatus (floor)", us);
    });
}

/// Prints the line `overhead.mjs` prints, so the two runs compare column by column.
fn report(label: &str, mut us: Vec<f64>) {
    us.sort_by(f64::total_cmp);
    let n = us.len();
    let mean = us.iter().sum::<f64>() / n as f64;
    let pct = |p: f64| us[((p * n as f64) as usize).min(n - 1)];
    println!(
        "{label:<28} n={n}  mean {mean:.1} µs  median {:.1} µs  p90 {:.1} µs  p99 {:.1} µs  min {:.1} µs",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        us[0]
    );
}
