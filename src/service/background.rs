//! Work the service does after its answer (the stale-password check of a
//! failed sign-in, keeping the sign-in's calibration), and waiting for it
//! before a process ends.

use super::Service;
use std::future::Future;
use tokio::sync::watch;

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
