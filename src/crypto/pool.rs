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
//!
//! Work whose answer no client waits for (the stale-password check made
//! after a failed sign-in has been answered: service/stale.rs) goes in
//! behind: a thread takes it only when no answered job waits, so it never
//! delays a sign-in by more than the one run a thread may be in the
//! middle of.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
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
    /// How many jobs may wait for a thread; one more is refused with
    /// [`PoolError::Busy`] at once (`keyward serve` answers 503 then,
    /// instead of queueing without end).
    queue_limit: usize,
}

/// What the threads and the callers share.
struct Shared {
    /// Jobs that came while every thread was busy, oldest first.
    waiting: VecDeque<Job>,
    /// Background jobs (nobody waits for their answer) that came while
    /// every thread was busy: taken only when `waiting` is empty.
    behind: VecDeque<Job>,
    /// The threads waiting for a job, by number: a stack, whose last entry
    /// (the thread that finished last) takes the next job. A thread whose
    /// wait ran out goes to the front.
    idle: Vec<usize>,
}

/// The shared state, even if a thread panicked while holding it: no locked
/// section leaves it half changed, and a poisoned lock must not strand the
/// jobs queued in it.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
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
    /// Every thread is busy and the queue is full; the job was not taken.
    Busy,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PoolError::Gone => "the hashing threads have stopped",
            PoolError::Panicked => "a hashing job failed unexpectedly",
            PoolError::Busy => "too many passwords are being checked at once",
        })
    }
}

impl HashPool {
    /// Starts `threads` threads (at least one), named `keyward-hash-N`;
    /// each runs `on_idle` when it has waited `idle_after` for a job (the
    /// service waits [`IDLE_AFTER`]).
    pub fn start(threads: usize, idle_after: Duration, on_idle: fn()) -> std::io::Result<HashPool> {
        let threads = threads.max(1);
        // A zero wait would spin on the idle hook.
        let idle_after = idle_after.max(Duration::from_millis(1));
        // Every thread is idle from the start, thread 0 on top: a job sent
        // before its thread runs waits in that thread's own channel.
        let shared = Arc::new(Mutex::new(Shared {
            waiting: VecDeque::new(),
            behind: VecDeque::new(),
            idle: (0..threads).rev().collect(),
        }));
        let mut senders = Vec::new();
        for n in 0..threads {
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
            queue_limit: usize::MAX,
        })
    }

    /// Bounds the queue: at most `limit` jobs wait for a thread (see
    /// [`PoolError::Busy`]).
    pub fn with_queue_limit(mut self, limit: usize) -> HashPool {
        self.queue_limit = limit;
        self
    }

    /// How many jobs wait for a thread now.
    pub fn queued(&self) -> usize {
        lock(&self.shared).waiting.len()
    }

    /// Whether a job given now would be refused with [`PoolError::Busy`]
    /// (unless a thread frees up first): every thread busy and the queue at
    /// its limit.
    pub fn is_full(&self) -> bool {
        let shared = lock(&self.shared);
        shared.idle.is_empty() && shared.waiting.len() >= self.queue_limit
    }

    /// Runs `job` on one of the pool's threads and waits for its answer
    /// without blocking the caller's thread.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        self.run_in(Lane::Answered, job).await
    }

    /// Runs `job` behind every answered job (see the module's doc): for
    /// work whose answer no client waits for.
    pub async fn run_behind<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        self.run_in(Lane::Behind, job).await
    }

    async fn run_in<T: Send + 'static>(
        &self,
        lane: Lane,
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
        self.submit(job, lane)?;
        answered.await.map_err(|_| PoolError::Gone)?
    }

    /// Hands `job` to the thread idle since the shortest time, or queues it
    /// in its lane.
    fn submit(&self, job: Job, lane: Lane) -> Result<(), PoolError> {
        let thread = {
            let mut shared = lock(&self.shared);
            match shared.idle.pop() {
                Some(n) => n,
                None if shared.waiting.len() >= self.queue_limit => return Err(PoolError::Busy),
                None => {
                    match lane {
                        Lane::Answered => shared.waiting.push_back(job),
                        Lane::Behind => shared.behind.push_back(job),
                    }
                    return Ok(());
                }
            }
        };
        // Each listed thread has its channel; a thread that ended (it ends
        // only when the pool is dropped) refuses the job.
        let to = self.threads.get(thread).ok_or(PoolError::Gone)?;
        to.send(job).map_err(|_| PoolError::Gone)
    }
}

/// Which queue a job waits in when every thread is busy.
#[derive(Clone, Copy)]
enum Lane {
    /// A caller waits for its answer.
    Answered,
    /// Nobody waits: it runs when no answered job is waiting.
    Behind,
}

/// Thread `me`'s life, from among the idle: its next job, then a waiting
/// job if there is one, else back among the idle, until the pool is
/// dropped. A job's answer is sent once the thread is back among the idle
/// (or has taken the next waiting job), so the caller's next job finds it.
fn work(
    me: usize,
    shared: &Mutex<Shared>,
    mine: &Receiver<Job>,
    idle_after: Duration,
    on_idle: fn(),
) {
    let mut next = wait(me, shared, mine, idle_after, on_idle);
    while let Some(job) = next {
        let answer = job();
        let waiting = {
            let mut shared = lock(shared);
            let job = shared
                .waiting
                .pop_front()
                .or_else(|| shared.behind.pop_front());
            if job.is_none() {
                shared.idle.push(me);
            }
            job
        };
        // Sending drops an answer nobody waits for: whatever that does, the
        // thread lives on.
        let _ = catch_unwind(AssertUnwindSafe(answer));
        next = match waiting {
            Some(job) => Some(job),
            None => wait(me, shared, mine, idle_after, on_idle),
        };
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
                    let mut shared = lock(shared);
                    let at = shared.idle.iter().position(|&n| n == me);
                    if let Some(at) = at {
                        shared.idle[..=at].rotate_right(1);
                    }
                    at.is_some()
                };
                // Otherwise it was chosen as the wait ran out: the job is
                // on its way. A panicking hook must not end the thread: it
                // is listed among the idle.
                if still_idle {
                    let _ = catch_unwind(on_idle);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// Fails the test, instead of hanging it, when an answer never comes.
    async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(20), f)
            .await
            .expect("no answer within 20 s: a job or its answer was lost")
    }

    /// The thread's name: which of the pool's threads ran a job.
    fn name() -> String {
        std::thread::current().name().unwrap_or("").to_string()
    }

    #[tokio::test]
    async fn runs_jobs_on_its_own_threads_and_survives_a_panic() {
        within(async {
            let pool = HashPool::start(2, IDLE_AFTER, || {}).expect("start");
            let name = pool.run(name).await.expect("answer");
            assert!(name.starts_with("keyward-hash-"), "{name}");
            let failed = pool.run(|| -> u8 { panic!("boom") }).await;
            assert_eq!(failed, Err(PoolError::Panicked));
            // Both threads still answer.
            let answers =
                futures::future::join_all((0..8u64).map(|i| pool.run(move || i * 2))).await;
            let answers: Vec<u64> = answers.into_iter().map(|a| a.expect("answer")).collect();
            assert_eq!(answers, (0..8u64).map(|i| i * 2).collect::<Vec<_>>());
        })
        .await;
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_takes_jobs_again_when_it_drains() {
        within(async {
            let pool = Arc::new(
                HashPool::start(1, IDLE_AFTER, || {})
                    .expect("start")
                    .with_queue_limit(2),
            );
            let (release, released) = std::sync::mpsc::channel::<()>();
            // One job holds the thread; two wait; the fourth is refused.
            let hold = {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.run(move || {
                        let _ = released.recv();
                        1
                    })
                    .await
                })
            };
            while !lock(&pool.shared).idle.is_empty() {
                tokio::task::yield_now().await;
            }
            assert!(!pool.is_full(), "the queue has room");
            let waiting: Vec<_> = (0..2)
                .map(|i| {
                    let pool = pool.clone();
                    tokio::spawn(async move { pool.run(move || i + 10).await })
                })
                .collect();
            while pool.queued() < 2 {
                tokio::task::yield_now().await;
            }
            assert!(pool.is_full(), "says so before a job is given");
            assert_eq!(pool.run(|| 99).await, Err(PoolError::Busy));
            release.send(()).expect("release");
            assert_eq!(hold.await.expect("join"), Ok(1));
            for (i, w) in waiting.into_iter().enumerate() {
                assert_eq!(w.await.expect("join"), Ok(i + 10));
            }
            assert!(!pool.is_full(), "room again once drained");
            assert_eq!(pool.run(|| 7).await, Ok(7));
        })
        .await;
    }

    #[tokio::test]
    async fn one_job_at_a_time_stays_on_the_thread_that_ran_the_last() {
        within(async {
            let pool = HashPool::start(3, IDLE_AFTER, || {}).expect("start");
            // Three at once take all three threads.
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
        })
        .await;
    }

    #[tokio::test]
    async fn a_thread_that_idled_out_does_not_take_over() {
        within(async {
            let pool = HashPool::start(2, Duration::from_millis(60), || {}).expect("start");
            let first = pool.run(name).await.expect("answer");
            // The other thread's wait runs out several times meanwhile.
            for _ in 0..60 {
                tokio::time::sleep(Duration::from_millis(2)).await;
                assert_eq!(pool.run(name).await.expect("answer"), first);
            }
        })
        .await;
    }

    #[tokio::test]
    async fn jobs_beyond_the_threads_wait_their_turn_in_order() {
        within(async {
            let pool = HashPool::start(2, IDLE_AFTER, || {}).expect("start");
            let running = Arc::new(AtomicUsize::new(0));
            let most = Arc::new(AtomicUsize::new(0));
            let order = Arc::new(Mutex::new(Vec::new()));
            let jobs = (0..12u64).map(|i| {
                let (running, most, order) = (running.clone(), most.clone(), order.clone());
                pool.run(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    lock_order(&order).push(i);
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
            assert!(most.load(SeqCst) <= 2, "{} at once", most.load(SeqCst));
            // The two first went straight to the threads; the rest waited
            // and were taken oldest first (two threads taking the next two
            // at once may note them the other way round).
            let order = lock_order(&order).clone();
            for (at, i) in order.iter().enumerate() {
                assert!(at.abs_diff(*i as usize) <= 1, "{order:?}");
            }
        })
        .await;
    }

    #[test]
    fn background_jobs_run_after_every_waiting_answered_job() {
        let pool = HashPool::start(1, IDLE_AFTER, || {}).expect("start");
        let order = Arc::new(Mutex::new(Vec::new()));
        let note = |i: u64| -> Job {
            let order = order.clone();
            Box::new(move || {
                lock_order(&order).push(i);
                Box::new(|| {})
            })
        };
        // The one thread is busy until `release` is sent.
        let (started, running) = channel::<()>();
        let (release, held) = channel::<()>();
        let busy: Job = Box::new(move || {
            let _ = started.send(());
            let _ = held.recv();
            Box::new(|| {})
        });
        pool.submit(busy, Lane::Answered).expect("submit");
        running.recv().expect("the busy job runs");
        // Queued while it is busy: two background jobs, then an answered
        // one, which still runs before them.
        pool.submit(note(100), Lane::Behind).expect("submit");
        pool.submit(note(101), Lane::Behind).expect("submit");
        pool.submit(note(1), Lane::Answered).expect("submit");
        let (finished, done) = channel::<()>();
        let last: Job = Box::new(move || {
            let _ = finished.send(());
            Box::new(|| {})
        });
        pool.submit(last, Lane::Behind).expect("submit");
        release.send(()).expect("release");
        done.recv_timeout(Duration::from_secs(20))
            .expect("every job ran");
        assert_eq!(*lock_order(&order), vec![1, 100, 101]);
    }

    #[tokio::test]
    async fn a_panicking_background_job_leaves_the_thread_working() {
        within(async {
            let pool = HashPool::start(1, IDLE_AFTER, || {}).expect("start");
            let failed = pool.run_behind(|| -> u8 { panic!("boom") }).await;
            assert_eq!(failed, Err(PoolError::Panicked));
            assert_eq!(pool.run_behind(|| 7).await, Ok(7));
        })
        .await;
    }

    fn lock_order(order: &Mutex<Vec<u64>>) -> MutexGuard<'_, Vec<u64>> {
        order.lock().unwrap_or_else(PoisonError::into_inner)
    }

    static IDLED: AtomicUsize = AtomicUsize::new(0);

    #[tokio::test]
    async fn idle_threads_run_the_hook_and_still_take_jobs() {
        within(async {
            let pool = HashPool::start(2, Duration::from_millis(3), || {
                IDLED.fetch_add(1, SeqCst);
            })
            .expect("start");
            // Jobs arriving around the moments the waits run out: each one
            // is answered, whether its thread was idle, timing out or busy.
            for i in 0..300u64 {
                if i % 3 == 0 {
                    std::thread::sleep(Duration::from_micros(2_900 + (i % 7) * 50));
                }
                assert_eq!(pool.run(move || i).await, Ok(i));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(IDLED.load(SeqCst) > 0);
        })
        .await;
    }

    static HOOKED: AtomicUsize = AtomicUsize::new(0);

    #[test]
    fn a_thread_chosen_as_its_wait_runs_out_takes_the_job_and_skips_the_hook() {
        // Thread 1 has been taken off the idle stack by a caller whose job
        // is still on its way when thread 1's wait runs out.
        let shared = Mutex::new(Shared {
            waiting: VecDeque::new(),
            behind: VecDeque::new(),
            idle: vec![0],
        });
        let (to, mine) = channel::<Job>();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            let job: Job = Box::new(|| Box::new(|| {}));
            to.send(job).expect("send");
        });
        let job = wait(1, &shared, &mine, Duration::from_millis(2), || {
            HOOKED.fetch_add(1, SeqCst);
        });
        sender.join().expect("sender");
        assert!(job.is_some(), "the job on its way was taken");
        assert_eq!(HOOKED.load(SeqCst), 0, "the hook ran for a chosen thread");
        assert_eq!(
            lock(&shared).idle,
            vec![0],
            "the chosen thread listed itself again"
        );
    }

    #[test]
    fn a_thread_whose_wait_runs_out_moves_to_the_bottom() {
        let shared = Mutex::new(Shared {
            waiting: VecDeque::new(),
            behind: VecDeque::new(),
            idle: vec![2, 0, 1],
        });
        let (to, mine) = channel::<Job>();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(to);
        });
        // It waits until the pool is gone (its channel closes).
        assert!(wait(1, &shared, &mine, Duration::from_millis(2), || {}).is_none());
        sender.join().expect("sender");
        assert_eq!(lock(&shared).idle, vec![1, 2, 0]);
    }
}
