//! The threads Argon2 runs on: one per core, started with the service and
//! kept for its life, taking jobs from one queue.
//!
//! Each thread keeps its own Argon2 working memory (hasher.rs), so a
//! verification neither allocates nor faults in 19 MiB. On tokio's blocking
//! pool, two concurrent sign-ins on two cores ran 7% slower than two bare
//! threads verifying in a loop, and on these threads as fast (measured at a
//! million users): the blocking pool starts a new thread whenever none is
//! idle at the moment a job arrives, and each new thread grows its own
//! working memory first. The queue also means that hashes beyond one per
//! core wait their turn instead of sharing the cores. A thread idle for
//! [`IDLE_AFTER`] runs the pool's idle hook (the service's frees and zeroes
//! that memory), as the blocking pool's threads did by ending.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// How long a thread waits for a job before it runs the idle hook.
pub const IDLE_AFTER: Duration = Duration::from_secs(10);

pub struct HashPool {
    jobs: Sender<Job>,
    threads: usize,
}

impl fmt::Debug for HashPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashPool")
            .field("threads", &self.threads)
            .finish()
    }
}

/// Why a job did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// The pool's threads are gone (they end when the pool is dropped).
    Gone,
    /// The job panicked; the thread lives on for the next one.
    Panicked,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PoolError::Gone => "the hashing threads have stopped",
            PoolError::Panicked => "a hashing job failed unexpectedly",
        })
    }
}

impl HashPool {
    /// Starts `threads` threads (at least one), named `keyward-hash-N`;
    /// each runs `on_idle` when it has waited [`IDLE_AFTER`] for a job.
    pub fn start(threads: usize, on_idle: fn()) -> std::io::Result<HashPool> {
        let threads = threads.max(1);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("keyward-hash-{n}"))
                .spawn(move || work(&queue, on_idle))?;
        }
        Ok(HashPool { jobs, threads })
    }

    /// Runs `job` on one of the pool's threads and waits for its answer
    /// without blocking the caller's thread.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(job)).map_err(|_| PoolError::Panicked);
            // The caller may have stopped waiting; its answer is dropped.
            let _ = answer.send(result);
        });
        self.jobs.send(job).map_err(|_| PoolError::Gone)?;
        answered.await.map_err(|_| PoolError::Gone)?
    }
}

/// One thread's life: the next job, until the pool is dropped.
fn work(queue: &Mutex<Receiver<Job>>, on_idle: fn()) {
    loop {
        // The lock is held only while waiting for a job, never while one runs.
        let next = match queue.lock() {
            Ok(q) => q.recv_timeout(IDLE_AFTER),
            Err(_) => return,
        };
        match next {
            Ok(job) => job(),
            Err(RecvTimeoutError::Timeout) => on_idle(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_on_its_own_threads_and_survives_a_panic() {
        let pool = HashPool::start(2, || {}).expect("start");
        let name = pool
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .expect("answer");
        assert!(name.is_some_and(|n| n.starts_with("keyward-hash-")));
        let failed = pool.run(|| -> u8 { panic!("boom") }).await;
        assert_eq!(failed, Err(PoolError::Panicked));
        // Both threads still answer.
        let answers = futures::future::join_all((0..8u64).map(|i| pool.run(move || i * 2))).await;
        let answers: Vec<u64> = answers.into_iter().map(|a| a.expect("answer")).collect();
        assert_eq!(answers, (0..8u64).map(|i| i * 2).collect::<Vec<_>>());
    }
}
