//! Providers behind the fault proxy: a connection that breaks or stops moving is a provider
//! error within the configured timeouts, never a hang.

use crate::support::request;
use splants::Error;
use splants::provider::{HttpOptions, OpenAiProvider, Provider};
use splants_testkit::{FaultProxy, Mode};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that answers every request with the headers and the first part of a JSON body
/// (its `content-length` promises more) and then keeps the connection open, saying nothing.
async fn half_answer() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = s.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n";
                let _ = s.write_all(format!("{head}{{\"id\":\"chatcmpl-1\",\"choices\":[").as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(60)).await;
            });
        }
    });
    addr
}

fn through(proxy: &FaultProxy, timeout: Duration) -> OpenAiProvider {
    let options = HttpOptions {
        base_url: Some(format!("http://{}/v1", proxy.addr())),
        api_key: None,
        timeout,
        connect_timeout: Duration::from_secs(1),
    };
    OpenAiProvider::with_options("compatible", "m", options).unwrap()
}

#[tokio::test]
async fn a_reset_in_the_middle_of_the_answer_is_a_provider_error_not_a_hang() {
    let proxy = FaultProxy::start(half_answer().await).await.unwrap();
    let provider = through(&proxy, Duration::from_secs(30));
    let call = tokio::spawn(async move { provider.complete(&request()).await });
    for _ in 0..250 {
        if proxy.bytes_down() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(proxy.bytes_down() > 0, "the first part of the answer never came");
    let started = Instant::now();
    proxy.reset_all().await;
    let err = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the provider call hung after the reset")
        .unwrap()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    match &err {
        Error::Provider(p) => {
            assert_eq!((p.status, p.kind.as_deref()), (Some(200), Some("incomplete_response")), "{err}");
            assert!(p.retryable && err.may_have_billed(), "{err}");
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
    assert_eq!(proxy.connections(), 1);
}

#[tokio::test]
async fn a_stalled_connection_is_a_provider_timeout_after_the_configured_limit() {
    let proxy = FaultProxy::start(half_answer().await).await.unwrap();
    proxy.set(Mode::Stall);
    let provider = through(&proxy, Duration::from_millis(500));
    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(5), provider.complete(&request()))
        .await
        .expect("the provider call hung past its timeout")
        .unwrap_err();
    assert!(matches!(err, Error::ProviderTimeout { .. }), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(500), "{:?}", started.elapsed());
    assert_eq!((proxy.connections(), proxy.bytes_down()), (1, 0), "nothing came back through the stall");
}
