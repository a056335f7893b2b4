//! A TCP proxy for the fault tests, between keyward and PostgreSQL: it
//! passes bytes both ways until told to cut every connection (and, while
//! down, to close each new one at once), to stall them (hold what it reads
//! until released), or to go down when keyward has sent its n-th chunk, so
//! that a test can cut a conversation at each of its points in turn.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// Never: no cut planned.
const NO_TRIGGER: u64 = u64::MAX;

struct Control {
    upstream: SocketAddr,
    down: AtomicBool,
    stalled: watch::Sender<bool>,
    /// Bumped to cut every open connection.
    cuts: watch::Sender<u64>,
    /// Chunks keyward sent since the last `down_after`.
    sent: AtomicU64,
    /// Go down when `sent` reaches this.
    trigger: AtomicU64,
    /// Stall when `sent` reaches this.
    stall_trigger: AtomicU64,
    /// Chunks read while stalled (held).
    held: AtomicU64,
    held_changed: Notify,
}

pub struct Proxy {
    pub addr: SocketAddr,
    ctl: Arc<Control>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy on 127.0.0.1 to the PostgreSQL server of `url`.
    pub async fn to(url: &str) -> Proxy {
        let parsed = url::Url::parse(url).expect("a database URL");
        let host = parsed.host_str().expect("a host").to_string();
        let port = parsed.port().unwrap_or(5432);
        let upstream = tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("resolve the server")
            .next()
            .expect("an address");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let ctl = Arc::new(Control {
            upstream,
            down: AtomicBool::new(false),
            stalled: watch::channel(false).0,
            cuts: watch::channel(0).0,
            sent: AtomicU64::new(0),
            trigger: AtomicU64::new(NO_TRIGGER),
            stall_trigger: AtomicU64::new(NO_TRIGGER),
            held: AtomicU64::new(0),
            held_changed: Notify::new(),
        });
        let accept = tokio::spawn(accept_loop(listener, ctl.clone()));
        Proxy { addr, ctl, accept }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).expect("a database URL");
        u.set_host(Some("127.0.0.1")).expect("host");
        u.set_port(Some(self.addr.port())).expect("port");
        u.to_string()
    }

    /// Cuts every open connection; new ones still pass.
    pub fn cut(&self) {
        self.ctl.cuts.send_modify(|n| *n += 1);
    }

    /// Cuts every open connection and closes each new one at once, until
    /// [`Proxy::up`].
    pub fn down(&self) {
        self.ctl.down.store(true, Ordering::SeqCst);
        self.cut();
    }

    /// Passes connections again (and plans no cut).
    pub fn up(&self) {
        self.ctl.trigger.store(NO_TRIGGER, Ordering::SeqCst);
        self.ctl.down.store(false, Ordering::SeqCst);
    }

    /// Goes [`down`](Proxy::down) when keyward sends its `n`-th chunk
    /// from now on (1 = the first), before passing that chunk on.
    pub fn down_after(&self, n: u64) {
        self.ctl.sent.store(0, Ordering::SeqCst);
        self.ctl.trigger.store(n.max(1), Ordering::SeqCst);
    }

    /// [`Stalls`](Proxy::stall) when keyward sends its `n`-th chunk from
    /// now on (1 = the first), holding that chunk.
    pub fn stall_after(&self, n: u64) {
        self.ctl.sent.store(0, Ordering::SeqCst);
        self.ctl.held.store(0, Ordering::SeqCst);
        self.ctl.stall_trigger.store(n.max(1), Ordering::SeqCst);
    }

    /// Chunks keyward sent since the last `down_after` or `stall_after`.
    pub fn sent(&self) -> u64 {
        self.ctl.sent.load(Ordering::SeqCst)
    }

    /// Whether a planned cut happened.
    pub fn is_down(&self) -> bool {
        self.ctl.down.load(Ordering::SeqCst)
    }

    /// Holds every byte read from now on, both ways, until released.
    pub fn stall(&self) {
        self.ctl.held.store(0, Ordering::SeqCst);
        self.ctl.stalled.send_replace(true);
    }

    /// Passes the held bytes on, and later ones (and plans no stall).
    pub fn release(&self) {
        self.ctl.stall_trigger.store(NO_TRIGGER, Ordering::SeqCst);
        self.ctl.stalled.send_replace(false);
    }

    /// Waits until some bytes are held by a stall.
    pub async fn holding(&self) {
        loop {
            let changed = self.ctl.held_changed.notified();
            if self.ctl.held.load(Ordering::SeqCst) > 0 {
                return;
            }
            changed.await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn accept_loop(listener: TcpListener, ctl: Arc<Control>) {
    while let Ok((client, _)) = listener.accept().await {
        if ctl.down.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        tokio::spawn(connection(client, ctl.clone()));
    }
}

/// One connection: two pumps, until either side closes or a cut.
async fn connection(client: TcpStream, ctl: Arc<Control>) {
    let mut cuts = ctl.cuts.subscribe();
    cuts.mark_unchanged();
    let Ok(server) = TcpStream::connect(ctl.upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        _ = pump(client_read, server_write, &ctl, true) => {}
        _ = pump(server_read, client_write, &ctl, false) => {}
        _ = cuts.changed() => {}
    }
    // Dropping both halves of both sockets closes them.
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    ctl: &Control,
    from_keyward: bool,
) {
    let mut stalled = ctl.stalled.subscribe();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if from_keyward {
            let sent = ctl.sent.fetch_add(1, Ordering::SeqCst) + 1;
            if sent == ctl.trigger.load(Ordering::SeqCst) {
                ctl.down.store(true, Ordering::SeqCst);
                ctl.cuts.send_modify(|n| *n += 1);
                return;
            }
            if sent == ctl.stall_trigger.load(Ordering::SeqCst) {
                ctl.stalled.send_replace(true);
            }
        }
        if *stalled.borrow_and_update() {
            ctl.held.fetch_add(1, Ordering::SeqCst);
            ctl.held_changed.notify_waiters();
            while *stalled.borrow_and_update() {
                if stalled.changed().await.is_err() {
                    return;
                }
            }
        }
        if ctl.down.load(Ordering::SeqCst) || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
