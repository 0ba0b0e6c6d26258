//! A local HTTP/1.1 server that answers every request with a scripted byte stream, written
//! chunk by chunk exactly as given (each one an HTTP chunk, flushed, with a pause between), so
//! tests decide where the client's reads are cut: inside a UTF-8 character, inside an SSE
//! field, between `\r` and `\n`. It records the request bodies, how many chunks reached the
//! socket, and whether the client went away before the end.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct SseReply {
    /// The HTTP status.
    pub status: u16,
    /// The body, in the pieces it is written in.
    pub chunks: Vec<Vec<u8>>,
    /// Pause before each piece after the first.
    pub gap: Duration,
    /// Close the connection after the pieces without ending the body (a cut mid-stream).
    pub cut: bool,
}

impl SseReply {
    /// `body` written in pieces cut at the byte offsets `cuts` (ascending).
    pub fn split_at(body: &[u8], cuts: &[usize]) -> SseReply {
        let mut chunks = Vec::new();
        let mut from = 0;
        for &c in cuts.iter().chain(std::iter::once(&body.len())) {
            let c = c.clamp(from, body.len());
            if c > from {
                chunks.push(body[from..c].to_vec());
            }
            from = c;
        }
        SseReply { status: 200, chunks, gap: Duration::from_millis(2), cut: false }
    }

    /// `body` in pieces of `n` bytes.
    pub fn every(body: &[u8], n: usize) -> SseReply {
        let cuts: Vec<usize> = (1..).map(|i| i * n.max(1)).take_while(|&c| c < body.len()).collect();
        SseReply::split_at(body, &cuts)
    }

    /// A JSON error answer with `status`.
    pub fn error(status: u16, body: &str) -> SseReply {
        SseReply { status, chunks: vec![body.as_bytes().to_vec()], gap: Duration::ZERO, cut: false }
    }

    /// The same, then the connection is closed without ending the body.
    pub fn cut(mut self) -> SseReply {
        self.cut = true;
        self
    }

    /// The same with `gap` between pieces.
    pub fn gap(mut self, gap: Duration) -> SseReply {
        self.gap = gap;
        self
    }
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<SseReply>>,
    last: Mutex<Option<SseReply>>,
    requests: Mutex<Vec<String>>,
    chunks_sent: AtomicUsize,
    left_early: AtomicUsize,
    finished: AtomicUsize,
}

/// The server; it runs until the test's runtime ends.
#[derive(Clone)]
pub struct SseServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl SseServer {
    /// Starts on 127.0.0.1; answers come from `script` in order, the last one repeated.
    /// Panics without a loopback listener (the test could not run anyway).
    #[allow(clippy::expect_used)]
    pub async fn start(script: Vec<SseReply>) -> SseServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State { script: Mutex::new(script.into()), ..State::default() });
        let s = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let _ = socket.set_nodelay(true);
                tokio::spawn(serve(socket, Arc::clone(&s)));
            }
        });
        SseServer { addr, state }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request bodies received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Body pieces written to sockets so far, over all answers.
    pub fn chunks_sent(&self) -> usize {
        self.state.chunks_sent.load(Ordering::SeqCst)
    }

    /// Answers whose client went away before the last piece.
    pub fn left_early(&self) -> usize {
        self.state.left_early.load(Ordering::SeqCst)
    }

    /// Answers written to the end.
    pub fn finished(&self) -> usize {
        self.state.finished.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    // One request per connection: the head, then `content-length` bytes of body.
    let body = loop {
        let Ok(n) = socket.read(&mut tmp).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let Ok(n) = socket.read(&mut tmp).await else { return };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            break String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
        }
    };
    state.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(body);
    let reply = {
        let next = state.script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
        let mut last = state.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(r) = next {
            *last = Some(r);
        }
        last.clone()
    };
    let Some(reply) = reply else { return };
    let kind = if reply.status == 200 { "text/event-stream" } else { "application/json" };
    let head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: {kind}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        reply.status
    );
    if socket.write_all(head.as_bytes()).await.is_err() {
        state.left_early.fetch_add(1, Ordering::SeqCst);
        return;
    }
    for (i, chunk) in reply.chunks.iter().enumerate() {
        if i > 0 && !reply.gap.is_zero() {
            tokio::time::sleep(reply.gap).await;
        }
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        if socket.write_all(&framed).await.is_err() || socket.flush().await.is_err() {
            state.left_early.fetch_add(1, Ordering::SeqCst);
            return;
        }
        state.chunks_sent.fetch_add(1, Ordering::SeqCst);
    }
    if reply.cut {
        let _ = socket.shutdown().await;
        return;
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let _ = socket.flush().await;
    state.finished.fetch_add(1, Ordering::SeqCst);
}
