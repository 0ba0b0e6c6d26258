//! Each mode of the fault proxy against a tiny echo server on 127.0.0.1.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use splants_testkit::{FaultProxy, Mode};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// An echo server; counts the connections it accepts.
async fn echo() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n @ 1..) = s.read(&mut buf).await {
                    if s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (addr, accepted)
}

async fn proxy() -> (FaultProxy, Arc<AtomicUsize>) {
    let (target, accepted) = echo().await;
    (FaultProxy::start(target).await.unwrap(), accepted)
}

/// Sends `msg` and reads the echo, failing after `within`.
async fn round_trip(s: &mut TcpStream, msg: &[u8], within: Duration) -> std::io::Result<Vec<u8>> {
    s.write_all(msg).await?;
    let mut got = vec![0u8; msg.len()];
    match timeout(within, s.read_exact(&mut got)).await {
        Ok(r) => r.map(|_| got),
        Err(_) => Err(ErrorKind::TimedOut.into()),
    }
}

const QUICK: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(5);

#[tokio::test]
async fn pass_forwards_both_ways_and_counts() {
    let (p, accepted) = proxy().await;
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    assert_eq!(round_trip(&mut s, b"hello", LONG).await.unwrap(), b"hello");
    assert_eq!(round_trip(&mut s, b"again!", LONG).await.unwrap(), b"again!");
    let _second = TcpStream::connect(p.addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!((p.connections(), p.open_connections(), accepted.load(Ordering::SeqCst)), (2, 2, 2));
    assert_eq!((p.bytes_up(), p.bytes_down()), (11, 11));
    assert_eq!(p.mode(), Mode::Pass);
}

#[tokio::test]
async fn stall_holds_the_bytes_and_loses_none() {
    let (p, _) = proxy().await;
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    round_trip(&mut s, b"warm", LONG).await.unwrap();
    p.set(Mode::Stall);
    let err = round_trip(&mut s, b"held", QUICK).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    // A new connection is accepted but stalls too.
    let mut fresh = TcpStream::connect(p.addr()).await.unwrap();
    assert_eq!(round_trip(&mut fresh, b"new", QUICK).await.unwrap_err().kind(), ErrorKind::TimedOut);
    p.set(Mode::Pass);
    let mut got = [0u8; 4];
    timeout(LONG, s.read_exact(&mut got)).await.unwrap().unwrap();
    assert_eq!(&got, b"held", "the held bytes went on");
    let mut got = [0u8; 3];
    timeout(LONG, fresh.read_exact(&mut got)).await.unwrap().unwrap();
    assert_eq!(&got, b"new");
}

#[tokio::test]
async fn delay_slows_every_chunk() {
    let (p, _) = proxy().await;
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    let started = Instant::now();
    round_trip(&mut s, b"fast", LONG).await.unwrap();
    let fast = started.elapsed();
    p.set(Mode::Delay(Duration::from_millis(150)));
    let started = Instant::now();
    assert_eq!(round_trip(&mut s, b"slow", LONG).await.unwrap(), b"slow");
    let slow = started.elapsed();
    assert!(slow >= Duration::from_millis(300), "one chunk each way, 150 ms each: {slow:?}");
    assert!(fast < Duration::from_millis(150), "{fast:?}");
}

#[tokio::test]
async fn reset_all_sends_an_rst_to_every_open_connection() {
    let (p, accepted) = proxy().await;
    let mut a = TcpStream::connect(p.addr()).await.unwrap();
    let mut b = TcpStream::connect(p.addr()).await.unwrap();
    round_trip(&mut a, b"a", LONG).await.unwrap();
    round_trip(&mut b, b"b", LONG).await.unwrap();
    p.reset_all().await;
    assert_eq!(p.open_connections(), 0);
    for s in [&mut a, &mut b] {
        let mut buf = [0u8; 1];
        let read = timeout(LONG, s.read(&mut buf)).await.unwrap();
        assert_eq!(read.unwrap_err().kind(), ErrorKind::ConnectionReset, "an RST, not a clean close");
    }
    // The mode is still Pass: a new connection works.
    let mut c = TcpStream::connect(p.addr()).await.unwrap();
    assert_eq!(round_trip(&mut c, b"c", LONG).await.unwrap(), b"c");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn blackhole_reads_and_never_answers() {
    let (p, accepted) = proxy().await;
    let mut open = TcpStream::connect(p.addr()).await.unwrap();
    round_trip(&mut open, b"ok", LONG).await.unwrap();
    p.set(Mode::Blackhole);
    assert_eq!(round_trip(&mut open, b"lost", QUICK).await.unwrap_err().kind(), ErrorKind::TimedOut);
    let mut fresh = TcpStream::connect(p.addr()).await.expect("a black hole accepts connections");
    assert_eq!(round_trip(&mut fresh, b"into the void", QUICK).await.unwrap_err().kind(), ErrorKind::TimedOut);
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "a connection accepted in a black hole never reaches the target");
    assert_eq!(p.bytes_up(), 2 + 4 + 13, "it still reads what it is sent");
    assert_eq!(p.bytes_down(), 2);
    p.set(Mode::Pass);
    assert_eq!(
        round_trip(&mut fresh, b"x", QUICK).await.unwrap_err().kind(),
        ErrorKind::TimedOut,
        "stays a black hole"
    );
    let mut after = TcpStream::connect(p.addr()).await.unwrap();
    assert_eq!(round_trip(&mut after, b"back", LONG).await.unwrap(), b"back");
}

#[tokio::test]
async fn refuse_closes_the_listener_until_the_mode_changes() {
    let (p, _) = proxy().await;
    let mut open = TcpStream::connect(p.addr()).await.unwrap();
    round_trip(&mut open, b"accepted", LONG).await.unwrap();
    p.set(Mode::Refuse);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let err = TcpStream::connect(p.addr()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    assert_eq!(round_trip(&mut open, b"still here", LONG).await.unwrap(), b"still here");
    p.set(Mode::Pass);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut again = TcpStream::connect(p.addr()).await.unwrap();
    assert_eq!(round_trip(&mut again, b"again", LONG).await.unwrap(), b"again");
    assert_eq!(p.connections(), 2);
}

#[tokio::test]
async fn a_target_that_is_down_is_a_reset_for_the_client() {
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = free.local_addr().unwrap();
    drop(free);
    let p = FaultProxy::start(gone).await.unwrap();
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    let mut buf = [0u8; 1];
    let read = timeout(LONG, s.read(&mut buf)).await.unwrap();
    assert_eq!(read.unwrap_err().kind(), ErrorKind::ConnectionReset);
}

#[tokio::test]
async fn dropping_the_proxy_resets_its_connections() {
    let (p, _) = proxy().await;
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    round_trip(&mut s, b"hi", LONG).await.unwrap();
    let addr = p.addr();
    drop(p);
    let mut buf = [0u8; 1];
    let read = timeout(LONG, s.read(&mut buf)).await.unwrap();
    assert_eq!(read.unwrap_err().kind(), ErrorKind::ConnectionReset);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(TcpStream::connect(addr).await.unwrap_err().kind(), ErrorKind::ConnectionRefused);
}
