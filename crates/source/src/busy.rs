//! Time during which at least one request is in flight.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Adds up the time during which at least one request is in flight, so that
/// concurrent requests are not counted twice.
#[derive(Debug, Default)]
pub struct BusyClock {
    state: Mutex<BusyState>,
}

#[derive(Debug, Default)]
struct BusyState {
    in_flight: usize,
    since: Option<Instant>,
    total: Duration,
}

/// One request in flight; dropping it ends it.
#[derive(Debug)]
pub struct BusyGuard<'a>(&'a BusyClock);

impl BusyClock {
    /// Starts one request.
    pub fn enter(&self) -> BusyGuard<'_> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.in_flight == 0 {
            s.since = Some(Instant::now());
        }
        s.in_flight += 1;
        BusyGuard(self)
    }

    /// The busy time so far, the current stretch included.
    pub fn total(&self) -> Duration {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.total
            + s.since
                .filter(|_| s.in_flight > 0)
                .map(|t| t.elapsed())
                .unwrap_or_default()
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.in_flight -= 1;
        if s.in_flight == 0
            && let Some(since) = s.since.take()
        {
            s.total += since.elapsed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_requests_count_once() {
        let clock = BusyClock::default();
        assert_eq!(clock.total(), Duration::ZERO);
        {
            let _a = clock.enter();
            let _b = clock.enter();
            std::thread::sleep(Duration::from_millis(20));
        }
        let total = clock.total();
        assert!(total >= Duration::from_millis(20), "{total:?}");
        assert!(total < Duration::from_millis(40) * 10, "{total:?}");
    }
}
