//! The padding of bad-credentials answers (see `Service::authenticate`).
//! Every such answer takes at least the 90th percentile of recent ones, so neither
//! the extra database work of a wrong password nor an old hash that
//! verifies faster than the live parameters tells an unknown login from a
//! known one. The wait is a sleep: it costs no CPU that Argon2 could use,
//! though its last two milliseconds hold a blocking-pool thread. The floor
//! is kept in the database between processes (service/calibration.rs), so
//! a fresh process pads from its first answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How many padded answers may sleep their last stretch on a blocking
/// thread at once. Answers to requests that arrived together end together
/// (a burst of bad sign-ins); those beyond this many wait on tokio's timer
/// alone, which ends them up to a millisecond late, never early.
const PRECISE_SLEEPERS: usize = 8;

/// How long a bad-credentials answer takes at least: the 90th percentile of
/// recent answers, in nanoseconds, learnt as they come.
#[derive(Debug)]
pub(crate) struct BadCredentialsFloor {
    nanos: AtomicU64,
    precise: Semaphore,
}

impl Default for BadCredentialsFloor {
    fn default() -> Self {
        BadCredentialsFloor {
            nanos: AtomicU64::new(0),
            precise: Semaphore::new(PRECISE_SLEEPERS),
        }
    }
}

/// The highest floor taken from the database: a floor written there by
/// anyone who can write the database must not hold every bad-credentials
/// answer for long (a fresh process cannot unlearn it).
const MAX_STARTING_FLOOR: Duration = Duration::from_secs(2);

impl BadCredentialsFloor {
    /// Starts from a floor learnt by earlier processes (kept in the
    /// database: service/calibration.rs), unless this one has learnt its
    /// own already.
    pub(crate) fn start_at(&self, nanos: u64) {
        let nanos = nanos.min(MAX_STARTING_FLOOR.as_nanos() as u64);
        let _ = self
            .nanos
            .compare_exchange(0, nanos, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The floor now, in nanoseconds.
    pub(crate) fn nanos(&self) -> u64 {
        self.nanos.load(Ordering::Relaxed)
    }

    /// Waits until the answer begun at `started` has taken the floor, then
    /// moves the floor toward what this answer took before the wait.
    pub(crate) async fn pad(&self, started: Instant) {
        let took = started.elapsed().as_nanos().min(u64::MAX as u128) as u64;
        let floor = self.nanos.load(Ordering::Relaxed);
        if took < floor
            && let Some(deadline) = started.checked_add(Duration::from_nanos(floor))
        {
            self.sleep_until_precisely(deadline).await;
        }
        self.nanos.store(next_floor(floor, took), Ordering::Relaxed);
    }

    /// Sleeps until `deadline`, to within the operating system's timer
    /// slack (0.1-0.2 ms late, measured): tokio's timer up to
    /// `TIMER_MARGIN` before it, then a blocking-pool thread for the rest,
    /// which holds that thread for at most `TIMER_MARGIN`. Never ends early.
    async fn sleep_until_precisely(&self, deadline: Instant) {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(coarse) = left.checked_sub(TIMER_MARGIN) {
            tokio::time::sleep(coarse).await;
        }
        let Ok(_permit) = self.precise.try_acquire() else {
            tokio::time::sleep_until(deadline.into()).await;
            return;
        };
        let rest = move || std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        if tokio::task::spawn_blocking(rest).await.is_err() {
            // The runtime is shutting down: the answer may still go out, so
            // it waits here, on this thread (at most `TIMER_MARGIN`).
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        }
    }
}

/// The floor tracks the 90th percentile of recent bad-credentials answers:
/// it rises nine steps when an answer is slower and falls one when it is
/// not (a step is 1/1000 of the floor), so it settles where one answer in
/// ten is slower. Every answer faster than that, unknown login or wrong
/// password, takes the floor; a single stall (a busy database) moves it by
/// 0.9% only.
///
/// It used to track the median. That hides a difference only while the
/// branches' times overlap around it: on PostgreSQL a wrong password's
/// count and record (an update and an insert) are steadily slower than an
/// unknown login's record (an insert), the median settled between the two,
/// and unknown logins answered at 0.90 of wrong passwords over HTTP. At the
/// 90th percentile both are padded to the same floor, which costs a sleep,
/// not processor time.
///
/// An answer under half the floor means the floor is stale (set by a first
/// answer that queued behind a burst, say), so it falls by an eighth.
fn next_floor(floor: u64, took: u64) -> u64 {
    if floor == 0 {
        took
    } else if took > floor {
        floor.saturating_add(floor / 1000 * 9)
    } else if took < floor / 2 {
        floor - floor / 8
    } else {
        floor - floor / 1000
    }
}

/// Tokio's timer counts whole milliseconds and wakes on the tick after the
/// deadline: asked for 0.3, 1.3 or 2.7 ms, its sleeps lasted 1.05-1.1 ms
/// longer on average (200 each, measured in session 6). Since most answers
/// end within a millisecond of the median, that was about half a
/// millisecond added to every bad-credentials answer. So the timer sleeps
/// only to this margin before the deadline.
const TIMER_MARGIN: Duration = Duration::from_millis(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_follows_the_90th_percentile() {
        assert_eq!(next_floor(0, 5_000), 5_000, "the first answer sets it");
        assert_eq!(next_floor(10_000, 20_000), 10_090);
        assert_eq!(next_floor(10_000, 10_000), 9_990);
        assert_eq!(next_floor(10_000, 5_001), 9_990);
        assert_eq!(
            next_floor(10_000, 4_999),
            8_750,
            "a stale floor falls faster"
        );
        // Two seconds learnt from a burst are unlearnt in a few dozen answers.
        let mut floor = 2_000_000_000;
        let mut answers = 0;
        while floor > 40_000_000 {
            floor = next_floor(floor, 20_000_000);
            answers += 1;
        }
        assert!(answers < 40, "{answers}");
        assert_eq!(next_floor(u64::MAX, u64::MAX), u64::MAX - u64::MAX / 1000);
        // Answers spread evenly over 8-12 ms, in a scrambled order: the
        // floor settles near their 90th percentile, 11.6 ms.
        let mut floor = 10_000_000;
        for i in 0..20_000u64 {
            floor = next_floor(floor, 8_000_000 + (i * 7_919 % 1_000) * 4_000);
        }
        assert!((11_300_000..=11_900_000).contains(&floor), "{floor}");
        // Two branches, one steadily slower (as a wrong password's count
        // and record on PostgreSQL): the floor settles above both, not
        // between them as a median would, so both take it.
        let mut floor = 10_000_000;
        for i in 0..10_000u64 {
            floor = next_floor(floor, if i % 2 == 0 { 10_000_000 } else { 11_000_000 });
        }
        assert!(floor >= 10_900_000, "{floor}");
    }

    #[tokio::test]
    async fn an_answer_under_the_floor_waits_for_it() {
        let floor = BadCredentialsFloor::default();
        floor.nanos.store(10_000_000, Ordering::Relaxed);
        // Six milliseconds of work done: over half the floor, one step down.
        let started = Instant::now() - Duration::from_millis(6);
        floor.pad(started).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(10), "{took:?}");
        assert_eq!(
            floor.nanos.load(Ordering::Relaxed),
            9_990_000,
            "one step down"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_beyond_the_precise_sleepers_still_waits_for_the_floor() {
        let floor = std::sync::Arc::new(BadCredentialsFloor::default());
        floor.nanos.store(4_000_000, Ordering::Relaxed);
        let started = Instant::now();
        let answers = (0..4 * PRECISE_SLEEPERS).map(|_| {
            let floor = floor.clone();
            async move {
                // The floor this answer reads (each answer lowers it a step).
                let read = floor.nanos.load(Ordering::Relaxed);
                floor.pad(started).await;
                (read, started.elapsed())
            }
        });
        for (read, took) in futures::future::join_all(answers).await {
            assert!(took >= Duration::from_nanos(read), "{took:?} < {read} ns");
        }
    }

    #[tokio::test]
    async fn an_answer_over_the_floor_raises_it() {
        let floor = BadCredentialsFloor::default();
        floor.nanos.store(1_000, Ordering::Relaxed);
        let started = Instant::now() - Duration::from_millis(5);
        floor.pad(started).await;
        assert_eq!(floor.nanos.load(Ordering::Relaxed), 1_009);
    }
}
