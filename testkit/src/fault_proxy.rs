//! [`FaultProxy`]: a TCP proxy on 127.0.0.1 that forwards to one target and, on command at run
//! time, stalls, delays, resets, blackholes or refuses.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use splants_testkit::{FaultProxy, Mode};
//! let proxy = FaultProxy::start("127.0.0.1:5432".parse().unwrap()).await?;
//! let url = format!("postgres://postgres@{}/test", proxy.addr()); // connect through it
//! // ... open a pool on `url`, use it ...
//! proxy.set(Mode::Blackhole); // every byte from now on is swallowed, nothing answers
//! proxy.reset_all().await; // RST every open connection
//! assert!(proxy.connections() >= 1);
//! # Ok(()) }
//! ```
//!
//! A mode applies to every connection at once, also to those already open, from the next
//! chunk of bytes on (except where [`Mode`] says otherwise). Bytes are counted as the proxy
//! reads them, also when it then holds or drops them.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Bytes read at once, per direction of a connection.
const CHUNK: usize = 16 * 1024;
/// Longest [`FaultProxy::reset_all`] waits for the connections to close.
const RESET_WAIT: Duration = Duration::from_secs(2);

/// What the proxy does with the traffic; change it at any time with [`FaultProxy::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Forward every byte both ways (the start mode).
    #[default]
    Pass,
    /// Accept connections and read, but hold the bytes instead of forwarding them (one chunk
    /// per direction in the proxy, the rest in the kernel's buffers) until the mode changes;
    /// then they go on, nothing lost. A peer sees a network that stopped moving.
    Stall,
    /// Forward each chunk after waiting this long (per chunk and direction).
    Delay(Duration),
    /// Accept connections and read, but never answer: every byte read in this mode, in both
    /// directions, is dropped. A connection accepted in this mode never reaches the target and
    /// stays a black hole after the mode changes; an open connection that lost bytes is
    /// broken for its protocol, so reset it or let the client give up on it.
    Blackhole,
    /// Refuse new connections: the listener is closed, so connecting fails with
    /// `ConnectionRefused`. Open connections go on as under [`Mode::Pass`]. Leaving this mode
    /// listens on the same address again.
    Refuse,
}

/// One direction of a connection.
#[derive(Clone, Copy)]
enum Dir {
    /// From the client to the target.
    Up,
    /// From the target to the client.
    Down,
}

struct Shared {
    target: SocketAddr,
    mode: watch::Sender<Mode>,
    /// Bumped by every reset; each connection watches it.
    resets: watch::Sender<u64>,
    connections: AtomicUsize,
    next_id: AtomicU64,
    /// Ids of the open connections.
    live: Mutex<HashSet<u64>>,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
}

impl Shared {
    fn live(&self) -> std::sync::MutexGuard<'_, HashSet<u64>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, dir: Dir, n: usize) {
        let counter = match dir {
            Dir::Up => &self.bytes_up,
            Dir::Down => &self.bytes_down,
        };
        counter.fetch_add(n as u64, Ordering::SeqCst);
    }
}

/// A TCP proxy from an ephemeral port on 127.0.0.1 to one target address, with faults on
/// command. Dropping it stops listening and resets every open connection.
pub struct FaultProxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("target", &self.shared.target)
            .field("mode", &self.mode())
            .field("connections", &self.connections())
            .finish()
    }
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and forwards every connection to `target` (connecting to it
    /// when a client connects), in [`Mode::Pass`].
    pub async fn start(target: SocketAddr) -> io::Result<FaultProxy> {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            target,
            mode: watch::Sender::new(Mode::Pass),
            resets: watch::Sender::new(0),
            connections: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            live: Mutex::new(HashSet::new()),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
        });
        let accept = tokio::spawn(accept_loop(shared.clone(), listener, addr));
        Ok(FaultProxy { shared, addr, accept })
    }

    /// The address to connect to instead of the target.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address the proxy forwards to.
    pub fn target(&self) -> SocketAddr {
        self.shared.target
    }

    /// Switches to `mode`, for open connections from their next chunk on (see [`Mode`]).
    pub fn set(&self, mode: Mode) {
        self.shared.mode.send_replace(mode);
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        *self.shared.mode.borrow()
    }

    /// Resets every open connection (`SO_LINGER` 0, then close: both peers get an RST, not
    /// a FIN) and waits until they are closed (at most 2 s). The mode does not change, so
    /// under [`Mode::Pass`] new connections work at once.
    pub async fn reset_all(&self) {
        let open: Vec<u64> = self.shared.live().iter().copied().collect();
        self.shared.resets.send_modify(|n| *n += 1);
        let deadline = Instant::now() + RESET_WAIT;
        while Instant::now() < deadline && open.iter().any(|id| self.shared.live().contains(id)) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Connections accepted since the start.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.shared.live().len()
    }

    /// Bytes read from clients (sent towards the target, forwarded or not).
    pub fn bytes_up(&self) -> u64 {
        self.shared.bytes_up.load(Ordering::SeqCst)
    }

    /// Bytes read from the target (sent towards the clients, forwarded or not).
    pub fn bytes_down(&self) -> u64 {
        self.shared.bytes_down.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.resets.send_modify(|n| *n += 1);
    }
}

/// A listener with `SO_REUSEADDR`, so [`Mode::Refuse`] can close it and listen on the same
/// port again while connections accepted from it are still open.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn accept_loop(shared: Arc<Shared>, first: TcpListener, addr: SocketAddr) {
    let mut mode = shared.mode.subscribe();
    let mut listener = Some(first);
    loop {
        let current = *mode.borrow_and_update();
        if current == Mode::Refuse {
            listener = None;
            if mode.changed().await.is_err() {
                return;
            }
            continue;
        }
        let l = match &mut listener {
            Some(l) => l,
            None => match listen(addr) {
                Ok(l) => listener.insert(l),
                Err(e) => {
                    eprintln!("fault proxy: cannot listen on {addr} again: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        tokio::select! {
            accepted = l.accept() => match accepted {
                Ok((client, _)) => {
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
                    shared.live().insert(id);
                    tokio::spawn(serve(shared.clone(), client, id));
                }
                // Out of file descriptors or the like: try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
            },
            changed = mode.changed() => if changed.is_err() { return },
        }
    }
}

/// Removes a connection from the live set when its task ends, however it ends.
struct Live<'a>(&'a Shared, u64);

impl Drop for Live<'_> {
    fn drop(&mut self) {
        self.0.live().remove(&self.1);
    }
}

async fn serve(shared: Arc<Shared>, mut client: TcpStream, id: u64) {
    let _live = Live(&shared, id);
    let mut resets = shared.resets.subscribe();
    resets.borrow_and_update();
    if *shared.mode.borrow() == Mode::Blackhole {
        let mut buf = vec![0u8; CHUNK];
        let swallow = async {
            while let Ok(n @ 1..) = client.read(&mut buf).await {
                shared.count(Dir::Up, n);
            }
        };
        let reset = tokio::select! {
            () = swallow => false,
            _ = resets.changed() => true,
        };
        if reset {
            let _ = client.set_zero_linger();
        }
        return;
    }
    let upstream = tokio::select! {
        up = TcpStream::connect(shared.target) => up,
        _ = resets.changed() => Err(io::Error::from(io::ErrorKind::ConnectionReset)),
    };
    let Ok(upstream) = upstream else {
        // The target is down or the connection was reset: the client sees a reset.
        let _ = client.set_zero_linger();
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = upstream.into_split();
    let pumps = async {
        let up = pump(&shared, &mut cr, &mut uw, Dir::Up);
        let down = pump(&shared, &mut ur, &mut cw, Dir::Down);
        tokio::pin!(up, down);
        // One side half-closed: the other goes on. One side failed: the connection ends.
        tokio::select! {
            first = &mut up => if first == End::Eof { (first, down.await) } else { (first, End::Eof) },
            first = &mut down => if first == End::Eof { (up.await, first) } else { (End::Eof, first) },
        }
    };
    let ends = tokio::select! {
        ends = pumps => Some(ends),
        _ = resets.changed() => None,
    };
    // Whole streams again: dropping a write half would send a FIN before the RST.
    let (Ok(client), Ok(upstream)) = (cr.reunite(cw), ur.reunite(uw)) else { return };
    let (reset_client, reset_upstream) = match ends {
        None => (true, true),
        Some((up, down)) => {
            (up == End::ToFailed || down == End::FromFailed, up == End::FromFailed || down == End::ToFailed)
        }
    };
    if reset_client {
        let _ = client.set_zero_linger();
    }
    if reset_upstream {
        let _ = upstream.set_zero_linger();
    }
}

/// How one direction of a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The reading side closed cleanly; the write side was shut down after it.
    Eof,
    /// Reading failed (the peer reset): the other peer gets a reset.
    FromFailed,
    /// Writing failed (the peer is gone): the reading peer gets a reset.
    ToFailed,
}

/// Copies `from` to `to` chunk by chunk as the mode says.
async fn pump(shared: &Shared, from: &mut OwnedReadHalf, to: &mut OwnedWriteHalf, dir: Dir) -> End {
    let mut mode = shared.mode.subscribe();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => return End::FromFailed,
        };
        shared.count(dir, n);
        let forward = loop {
            let now = *mode.borrow_and_update();
            match now {
                Mode::Pass | Mode::Refuse => break true,
                Mode::Delay(d) => {
                    tokio::time::sleep(d).await;
                    break true;
                }
                Mode::Blackhole => break false,
                Mode::Stall => {
                    if mode.changed().await.is_err() {
                        return End::ToFailed;
                    }
                }
            }
        };
        if forward && to.write_all(&buf[..n]).await.is_err() {
            return End::ToFailed;
        }
    }
    let _ = to.shutdown().await;
    End::Eof
}
