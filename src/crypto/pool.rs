//! The threads Argon2 runs on: one per core, started with the service and
//! kept for its life.
//!
//! Each thread keeps its own Argon2 working memory (hasher.rs), so a
//! verification neither allocates nor faults in 19 MiB. On tokio's blocking
//! pool, two concurrent sign-ins on two cores ran 7% slower than two bare
//! threads verifying in a loop, and on these threads as fast (measured at a
//! million users): the blocking pool starts a new thread whenever none is
//! idle at the moment a job arrives, and each new thread grows its own
//! working memory first. Hashes beyond one per core wait their turn in a
//! queue instead of sharing the cores.
//!
//! A job goes to the thread that became idle last. Its working memory was
//! the last to be used, so much of it is still in the processor's cache:
//! one sign-in at a time took 3-7% longer to verify when the jobs went
//! round the threads in turn (a queue all threads wait on), each finding
//! its memory evicted by the others'. It also leaves the threads a light
//! load does not need idle, and a thread idle for [`IDLE_AFTER`] runs the
//! pool's idle hook (the service's frees and zeroes that memory), as the
//! blocking pool's threads did by ending.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A job's work; what it returns sends its answer.
type Job = Box<dyn FnOnce() -> Delivery + Send>;
/// Sends a job's answer: a thread counts as idle before it does, so the
/// caller's next job finds it.
type Delivery = Box<dyn FnOnce() + Send>;

/// How long a thread waits for a job before it runs the idle hook.
pub const IDLE_AFTER: Duration = Duration::from_secs(10);

pub struct HashPool {
    /// Each thread's own way in, by its number.
    threads: Vec<Sender<Job>>,
    shared: Arc<Mutex<Shared>>,
}

/// What the threads and the callers share.
#[derive(Default)]
struct Shared {
    /// Jobs that came while every thread was busy, oldest first.
    waiting: VecDeque<Job>,
    /// The threads waiting for a job, by number, the last to finish last.
    idle: Vec<usize>,
}

impl fmt::Debug for HashPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashPool")
            .field("threads", &self.threads.len())
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
    /// each runs `on_idle` when it has waited `idle_after` for a job (the
    /// service waits [`IDLE_AFTER`]).
    pub fn start(threads: usize, idle_after: Duration, on_idle: fn()) -> std::io::Result<HashPool> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mut senders = Vec::new();
        for n in 0..threads.max(1) {
            let (jobs, mine) = channel::<Job>();
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("keyward-hash-{n}"))
                .spawn(move || work(n, &shared, &mine, idle_after, on_idle))?;
            senders.push(jobs);
        }
        Ok(HashPool {
            threads: senders,
            shared,
        })
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
            Box::new(move || {
                // The caller may have stopped waiting; its answer is dropped.
                let _ = answer.send(result);
            })
        });
        self.submit(job)?;
        answered.await.map_err(|_| PoolError::Gone)?
    }

    /// Hands `job` to the thread idle since the shortest time, or queues it.
    fn submit(&self, job: Job) -> Result<(), PoolError> {
        let thread = {
            let mut shared = self.shared.lock().map_err(|_| PoolError::Gone)?;
            match shared.idle.pop() {
                Some(n) => n,
                None => {
                    shared.waiting.push_back(job);
                    return Ok(());
                }
            }
        };
        let to = self.threads.get(thread).ok_or(PoolError::Gone)?;
        to.send(job).map_err(|_| PoolError::Gone)
    }
}

/// Thread `me`'s life: a waiting job if there is one, else its own next
/// job, until the pool is dropped. The last job's answer is sent once the
/// thread is back among the idle (or has taken the next waiting job).
fn work(
    me: usize,
    shared: &Mutex<Shared>,
    mine: &Receiver<Job>,
    idle_after: Duration,
    on_idle: fn(),
) {
    let mut answer: Option<Delivery> = None;
    loop {
        let waiting = {
            let Ok(mut shared) = shared.lock() else {
                if let Some(send) = answer {
                    send();
                }
                return;
            };
            let job = shared.waiting.pop_front();
            if job.is_none() {
                shared.idle.push(me);
            }
            job
        };
        if let Some(send) = answer.take() {
            send();
        }
        let job = match waiting {
            Some(job) => job,
            None => match wait(me, shared, mine, idle_after, on_idle) {
                Some(job) => job,
                None => return,
            },
        };
        answer = Some(job());
    }
}

/// Waits among the idle for thread `me`'s next job; `None` once the pool
/// is gone. Each time `idle_after` passes without one, the thread moves to
/// the bottom of the idle (the threads in use take the next jobs) and runs
/// `on_idle`.
fn wait(
    me: usize,
    shared: &Mutex<Shared>,
    mine: &Receiver<Job>,
    idle_after: Duration,
    on_idle: fn(),
) -> Option<Job> {
    loop {
        match mine.recv_timeout(idle_after) {
            Ok(job) => return Some(job),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {
                let still_idle = {
                    let mut shared = shared.lock().ok()?;
                    let at = shared.idle.iter().position(|&n| n == me);
                    if let Some(at) = at {
                        shared.idle.remove(at);
                        shared.idle.insert(0, me);
                    }
                    at.is_some()
                };
                // Otherwise it was chosen as the wait ran out: the job is
                // on its way.
                if still_idle {
                    on_idle();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_on_its_own_threads_and_survives_a_panic() {
        let pool = HashPool::start(2, IDLE_AFTER, || {}).expect("start");
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

    /// The thread's name: which of the pool's threads ran a job.
    fn name() -> String {
        std::thread::current().name().unwrap_or("").to_string()
    }

    #[tokio::test]
    async fn one_job_at_a_time_stays_on_the_thread_that_ran_the_last() {
        let pool = HashPool::start(3, IDLE_AFTER, || {}).expect("start");
        // Three at once start all three threads.
        let names = futures::future::join_all((0..3).map(|_| {
            pool.run(|| {
                std::thread::sleep(Duration::from_millis(20));
                name()
            })
        }))
        .await;
        let mut names: Vec<String> = names.into_iter().map(|n| n.expect("answer")).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 3, "{names:?}");
        let first = pool.run(name).await.expect("answer");
        for _ in 0..20 {
            assert_eq!(pool.run(name).await.expect("answer"), first);
        }
    }

    #[tokio::test]
    async fn a_thread_that_idled_out_does_not_take_over() {
        let pool = HashPool::start(2, Duration::from_millis(60), || {}).expect("start");
        // Both threads up and waiting.
        let slow = || {
            std::thread::sleep(Duration::from_millis(5));
            name()
        };
        let (a, b) = tokio::join!(pool.run(slow), pool.run(slow));
        assert_ne!(a, b);
        let first = pool.run(name).await.expect("answer");
        // The other thread's wait runs out several times meanwhile.
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(2)).await;
            assert_eq!(pool.run(name).await.expect("answer"), first);
        }
    }

    #[tokio::test]
    async fn jobs_beyond_the_threads_wait_their_turn() {
        let pool = HashPool::start(2, IDLE_AFTER, || {}).expect("start");
        let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let jobs = (0..12u64).map(|i| {
            let (running, most) = (running.clone(), most.clone());
            pool.run(move || {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                running.fetch_sub(1, SeqCst);
                i
            })
        });
        let answers: Vec<u64> = futures::future::join_all(jobs)
            .await
            .into_iter()
            .map(|a| a.expect("answer"))
            .collect();
        assert_eq!(answers, (0..12).collect::<Vec<_>>());
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    static IDLED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[tokio::test]
    async fn idle_threads_run_the_hook_and_still_take_jobs() {
        let pool = HashPool::start(2, Duration::from_millis(3), || {
            IDLED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .expect("start");
        // Jobs arriving around the moments the waits run out: each one is
        // answered, whether its thread was idle, timing out or busy.
        for i in 0..300u64 {
            if i % 3 == 0 {
                std::thread::sleep(Duration::from_micros(2_900 + (i % 7) * 50));
            }
            assert_eq!(pool.run(move || i).await, Ok(i));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(IDLED.load(std::sync::atomic::Ordering::SeqCst) > 0);
        drop(pool);
    }
}
