//! Cancelling a future at every point of its awaits.

use std::future::Future;
use std::task::Poll;

/// Polls `f` at most `n` times, letting the runtime run between polls; `None` if it was
/// dropped (cancelled) before it finished. Cancels a call at every point of its awaits.
pub async fn poll_at_most<F: Future>(f: F, n: usize) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    for _ in 0..n {
        if let Poll::Ready(v) = std::future::poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx))).await {
            return Some(v);
        }
        tokio::task::yield_now().await;
    }
    None
}
