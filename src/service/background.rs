//! Work the service does after its answer (the stale-password check of a
//! failed sign-in, keeping the sign-in's calibration, the link a reset or
//! re-validation request asked for), and waiting for it before a process
//! ends.

use super::Service;
use rand::Rng;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// The longest the work behind a link request waits before it starts
/// ([`Service::in_background_spread`]).
pub(crate) const LINK_WORK_SPREAD: Duration = Duration::from_millis(250);

/// Background work in flight, so that a process about to end can wait for
/// it.
#[derive(Debug)]
pub(crate) struct InFlight(watch::Sender<usize>);

impl Default for InFlight {
    fn default() -> Self {
        InFlight(watch::Sender::new(0))
    }
}

/// One piece of work in flight; counted out when dropped (done, failed or
/// cancelled).
struct Running(watch::Sender<usize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl InFlight {
    fn start(&self) -> Running {
        self.0.send_modify(|n| *n += 1);
        Running(self.0.clone())
    }

    async fn settled(&self) {
        let mut count = self.0.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = count.wait_for(|n| *n == 0).await;
    }
}

impl Service {
    /// Runs `work` on its own task, counted until it ends.
    pub(crate) fn in_background(&self, work: impl Future<Output = ()> + Send + 'static) {
        let running = self.in_flight.start();
        drop(tokio::spawn(async move {
            let _running = running;
            work.await;
        }));
    }

    /// Runs `work` like [`Service::in_background`], after a random wait of
    /// up to [`LINK_WORK_SPREAD`]. For the work behind a link request, which
    /// an existing account has and an unknown one has not: done at once, it
    /// slowed the request sent right after the answer (on SQLite it holds
    /// the write lock that request's rate count needs), so timing pairs of
    /// requests told which accounts exist (BENCHMARKS.md). Spread over a
    /// quarter of a second, it meets a request sent at once in about one
    /// pair in a hundred, and the per-address limit allows a caller too few
    /// requests to sweep the window.
    pub(crate) fn in_background_spread(&self, work: impl Future<Output = ()> + Send + 'static) {
        let wait = rand::thread_rng().gen_range(Duration::ZERO..=LINK_WORK_SPREAD);
        self.in_background(async move {
            tokio::time::sleep(wait).await;
            work.await;
        });
    }

    /// Waits until the work begun after earlier answers is done (the
    /// stale-password checks of failed sign-ins: service/stale.rs), then
    /// keeps the padding floor this process learnt (service/calibration.rs).
    /// A process that ends after a sign-in (`keyward verify`, `keyward
    /// login`) calls it before it exits; a long-running one need not.
    pub async fn settle(&self) {
        self.in_flight.settled().await;
        self.keep_floor().await;
    }
}
