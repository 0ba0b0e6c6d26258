//! The bundled `splants-server` binary: configured from the original app's environment, JSON
//! logs carry the request id and never a secret, SIGTERM stops it gracefully.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const ADMIN: &str = "bin-admin-key-s3cr3t-value";
const PROVIDER_KEY: &str = "sk-never-log-this-provider-key";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn binary_serves_logs_json_with_request_ids_and_stops_on_sigterm() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_splants-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("API_KEY", ADMIN)
        .env("ANTHROPIC_API_KEY", PROVIDER_KEY)
        .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
        .env("SPLANTS_PROVIDER", "offline")
        .env("DATABASE_URL", "memory://")
        .env("MONTHLY_AI_BUDGET", "25")
        .env("LOG_FORMAT", "json")
        .env("LOG_LEVEL", "debug")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("{base}/health/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "server did not become ready");
    let r = client
        .post(format!("{base}/v1/content/generate"))
        .header("x-api-key", ADMIN)
        .header("x-request-id", "bin-test-req-42")
        .json(&serde_json::json!({"content_type": "email", "topic": "Welcome aboard"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bad = client.get(format!("{base}/v1/budget")).header("x-api-key", "wrong-key").send().await.unwrap();
    assert_eq!(bad.status(), 403);
    let budget: serde_json::Value =
        client.get(format!("{base}/v1/budget")).header("x-api-key", ADMIN).send().await.unwrap().json().await.unwrap();
    assert_eq!(budget["scopes"][0]["limit"], 25.0, "MONTHLY_AI_BUDGET is honoured");
    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful exit on SIGTERM, got {exit:?}");
    let mut lines = Vec::new();
    for stream in [
        BufReader::new(child.stdout.take().unwrap()).lines().collect::<Vec<_>>(),
        BufReader::new(child.stderr.take().unwrap()).lines().collect(),
    ] {
        lines.extend(stream.into_iter().map_while(Result::ok));
    }
    assert!(!lines.is_empty());
    let mut saw_request = false;
    let mut saw_engine_line = false;
    for line in &lines {
        assert!(!line.contains(ADMIN), "the API key was logged: {line}");
        assert!(!line.contains(PROVIDER_KEY), "the provider key was logged: {line}");
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        let in_request = line.contains("bin-test-req-42");
        if v["message"] == "request served" && in_request {
            saw_request = true;
        }
        if v["span"]["name"] == "generate" {
            assert_eq!(v["span"]["request_id"], "bin-test-req-42", "engine lines carry the request id: {line}");
            saw_engine_line = true;
        }
    }
    assert!(saw_request, "a JSON line for the request carries its id:\n{}", lines.join("\n"));
    assert!(saw_engine_line, "the engine logged inside the request's span");
    assert!(lines.iter().any(|l| l.contains("shutdown signal received")));
}
