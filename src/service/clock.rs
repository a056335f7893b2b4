//! The service's clock. Real time in production; a settable clock in tests,
//! so lock expiry and idle timeouts are tested without sleeping.

use chrono::{DateTime, Duration, DurationRound, Utc};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `at` until moved.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    /// Now, in microseconds (what both databases store exactly).
    pub fn now(&self) -> DateTime<Utc> {
        let t = match &self.0 {
            None => Utc::now(),
            Some(m) => *m.lock().unwrap_or_else(|e| e.into_inner()),
        };
        t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
    }

    /// Moves a manual clock forward; no effect on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.0 {
            let mut t = m.lock().unwrap_or_else(|e| e.into_inner());
            *t += by;
        }
    }
}
