//! Two OS processes share one budget: the test runs its own executable twice as children.

use crate::support::{Kind, TestDb, engine, estimate, generate_many, sql_backends};
use splants::Usd;
use splants::budget::Scope;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const URL_VAR: &str = "SPLANTS_TEST_CHILD_URL";
const BUDGET_VAR: &str = "SPLANTS_TEST_CHILD_BUDGET_NANOS";
const CALLS: usize = 150;

/// The child's side: runs only when started by the test below (with its variables set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_entry() {
    let (Ok(url), Ok(budget)) = (std::env::var(URL_VAR), std::env::var(BUDGET_VAR)) else { return };
    let e = engine(&url, Usd::from_nanos(budget.parse().unwrap())).await;
    let (ok, refused) = generate_many(&[e], CALLS).await;
    println!("RESULT {ok} {refused}");
}

fn run_child(url: &str, budget: Usd) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["processes::child_process_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(URL_VAR, url)
        .env(BUDGET_VAR, budget.nanos().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Waits at most two minutes, then returns what the child reported.
fn result(mut child: std::process::Child) -> (usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("child process did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "child failed: {:?}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    // libtest prints the test's name and our line on one line.
    let line =
        text.split("RESULT ").nth(1).and_then(|l| l.lines().next()).unwrap_or_else(|| panic!("no result in {text}"));
    let mut n = line.split(' ').map(|x| x.parse::<usize>().unwrap());
    (n.next().unwrap(), n.next().unwrap())
}

sql_backends!(two_os_processes_share_one_budget);

async fn two_os_processes_share_one_budget(kind: Kind) {
    let db = TestDb::new(kind).await;
    let limit = Usd::from_nanos(estimate().await.nanos() * 50);
    // The parent opens the database first (migrations), then both children start together.
    let parent = engine(&db.url, limit).await;
    let children = [run_child(&db.url, limit), run_child(&db.url, limit)];
    let results = tokio::task::spawn_blocking(move || children.map(result)).await.unwrap();
    let ok: usize = results.iter().map(|r| r.0).sum();
    assert_eq!(results.iter().map(|r| r.0 + r.1).sum::<usize>(), 2 * CALLS);
    assert!(ok >= 50, "at least limit / estimate generations fit: {ok}");
    let u = parent.budget().ledger().usage(&Scope::Global, &parent.budget().window()).await.unwrap();
    assert!(u.spent <= limit, "combined spend {} over the limit {limit}", u.spent);
    assert_eq!((u.reserved, u.in_flight), (Usd::ZERO, 0));
}
