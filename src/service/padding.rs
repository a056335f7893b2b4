//! The padding of bad-credentials answers (see `Service::authenticate`).
//! Every such answer takes at least the median of recent ones, so neither
//! the extra database work of a wrong password nor an old hash that
//! verifies faster than the live parameters tells an unknown login from a
//! known one. The wait is a sleep: it costs no CPU that Argon2 could use.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a bad-credentials answer takes at least: the median of recent
/// answers, in nanoseconds, learnt as they come.
#[derive(Debug, Default)]
pub(crate) struct BadCredentialsFloor(AtomicU64);

impl BadCredentialsFloor {
    /// Waits until the answer begun at `started` has taken the floor, then
    /// moves the floor toward what this answer took before the wait.
    pub(crate) async fn pad(&self, started: Instant) {
        let took = started.elapsed().as_nanos().min(u64::MAX as u128) as u64;
        let floor = self.0.load(Ordering::Relaxed);
        if took < floor {
            sleep_until(started + Duration::from_nanos(floor)).await;
        }
        self.0.store(next_floor(floor, took), Ordering::Relaxed);
    }
}

/// The floor tracks the median of recent bad-credentials answers: it rises
/// one step when an answer is slower and falls one when it is not (a step
/// is 1/100 of the floor). Every answer faster than the median, unknown
/// login or wrong password, takes the median; a single stall (a busy
/// database) moves the floor by 1% only. A higher percentile would hide
/// more, and cost every answer more.
fn next_floor(floor: u64, took: u64) -> u64 {
    let step = floor / 100;
    if floor == 0 {
        took
    } else if took > floor {
        floor.saturating_add(step)
    } else {
        floor - step
    }
}

/// Tokio's timer counts whole milliseconds and wakes on the tick after the
/// deadline: asked for 0.3, 1.3 or 2.7 ms, its sleeps lasted 1.05-1.1 ms
/// longer on average (200 each, measured in session 6). Since most answers
/// end within a millisecond of the median, that was about half a
/// millisecond added to every bad-credentials answer. So the timer sleeps
/// only to this margin before the deadline.
const TIMER_MARGIN: Duration = Duration::from_millis(2);

/// Sleeps until `deadline`, to within the operating system's timer slack
/// (tens of microseconds): tokio's timer up to `TIMER_MARGIN` before it,
/// then a blocking-pool thread for the rest. Waits that short hold a thread
/// for at most two milliseconds each, and the hashing pool bounds how many
/// answers end at once.
async fn sleep_until(deadline: Instant) {
    if let Some(early) = deadline.checked_sub(TIMER_MARGIN)
        && early > Instant::now()
    {
        tokio::time::sleep_until(early.into()).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if !rest.is_zero() {
        // A failed join (the runtime shutting down) ends the wait early:
        // the answer is going nowhere then.
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_follows_the_median_by_steps_of_a_hundredth() {
        assert_eq!(next_floor(0, 5_000), 5_000, "the first answer sets it");
        assert_eq!(next_floor(10_000, 20_000), 10_100);
        assert_eq!(next_floor(10_000, 10_000), 9_900);
        assert_eq!(next_floor(10_000, 1), 9_900);
        assert_eq!(next_floor(u64::MAX, u64::MAX), u64::MAX - u64::MAX / 100);
        // Half the answers above, half below: it stays put.
        let mut floor = 10_000;
        for i in 0..1_000u64 {
            floor = next_floor(floor, if i % 2 == 0 { 8_000 } else { 12_000 });
        }
        assert!((9_800..=10_200).contains(&floor), "{floor}");
    }

    #[tokio::test]
    async fn an_answer_under_the_floor_waits_for_it() {
        let floor = BadCredentialsFloor(AtomicU64::new(3_500_000));
        let started = Instant::now();
        floor.pad(started).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_micros(3_500), "{took:?}");
        assert_eq!(floor.0.load(Ordering::Relaxed), 3_465_000, "one step down");
    }

    #[tokio::test]
    async fn an_answer_over_the_floor_raises_it() {
        let floor = BadCredentialsFloor(AtomicU64::new(1_000));
        let started = Instant::now() - Duration::from_millis(5);
        floor.pad(started).await;
        assert_eq!(floor.0.load(Ordering::Relaxed), 1_010);
    }
}
