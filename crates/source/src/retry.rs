//! Bounded retries with exponential backoff on 429, 5xx and connection
//! errors, honouring `Retry-After` up to a cap.

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How often to try again and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// Delay before the first retry; doubled before every further one.
    pub first_delay: Duration,
    /// Longest delay, including one asked for by `Retry-After`.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// `retries` retries, 200 ms doubling, at most 10 s.
    pub fn new(retries: u32) -> Self {
        RetryPolicy {
            retries,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }

    /// The wait after failed attempt number `attempt` (from 1): the server's
    /// `Retry-After` when it sent one, else the backoff; never above
    /// `max_delay`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        let backoff = self.first_delay.saturating_mul(1 << doublings);
        retry_after.unwrap_or(backoff).min(self.max_delay)
    }

    /// Runs `attempt(1)`, `attempt(2)`, ... until one succeeds, one fails
    /// with [`Failure::Fail`], or `retries + 1` attempts have failed; returns
    /// the last error.
    pub async fn run<T, E, F, Fut>(&self, mut attempt: F) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>>,
    {
        let attempts = self.retries.saturating_add(1);
        let mut number = 1;
        loop {
            match attempt(number).await {
                Ok(value) => return Ok(value),
                Err(Failure::Retry { after, .. }) if number < attempts => {
                    tokio::time::sleep(self.delay(number, after)).await;
                    number += 1;
                }
                Err(Failure::Retry { error, .. } | Failure::Fail(error)) => return Err(error),
            }
        }
    }
}

/// Why one attempt failed, and whether another is worth it.
#[derive(Debug)]
pub enum Failure<E> {
    /// Worth another attempt, after `after` when the server said so.
    Retry { error: E, after: Option<Duration> },
    /// Another attempt would fail the same way.
    Fail(E),
}

impl<E> Failure<E> {
    /// [`Failure::Retry`] (no `Retry-After`) when `retry`, else
    /// [`Failure::Fail`].
    pub fn retry_if(retry: bool, error: E) -> Self {
        if retry {
            Failure::Retry { error, after: None }
        } else {
            Failure::Fail(error)
        }
    }

    /// The same failure with the error converted (into a collector's own
    /// error enum, say).
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> Failure<F> {
        match self {
            Failure::Retry { error, after } => Failure::Retry {
                error: f(error),
                after,
            },
            Failure::Fail(error) => Failure::Fail(f(error)),
        }
    }
}

/// Whether an HTTP status is worth retrying: 429 and 5xx.
pub fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` as delay-seconds or an HTTP date (IMF-fixdate,
/// `Wed, 21 Oct 2015 07:28:00 GMT`); a date in the past is zero.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = parse_http_date(text)?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// An IMF-fixdate (RFC 9110, section 5.6.7), the form servers send.
fn parse_http_date(text: &str) -> Option<SystemTime> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (day_name, rest) = text.split_once(", ")?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = fields[..] else {
        return None;
    };
    if !DAYS.contains(&day_name) || day.len() != 2 || year.len() != 4 {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let (day, year): (u32, i64) = (digits(day)?, digits(year)?);
    let clock: Vec<&str> = time.split(':').collect();
    let [h, m, s] = clock[..] else {
        return None;
    };
    if [h, m, s].iter().any(|part| part.len() != 2) {
        return None;
    }
    let (h, m, s): (u64, u64, u64) = (digits(h)?, digits(m)?, digits(s)?);
    if day == 0 || day > days_in_month(year, month) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = u64::try_from(days_since_epoch(year, month, day)).ok()?;
    let secs = days * 86_400 + h * 3_600 + m * 60 + s;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// ASCII digits only (no sign) as a number.
fn digits<N: std::str::FromStr>(text: &str) -> Option<N> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_since_epoch(year: i64, month: u32, day: u32) -> i64 {
    // Count years from March, so that the leap day ends a year.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719_468 days from 0000-03-01 to 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn date(text: &str) -> Option<u64> {
        parse_http_date(text).map(|t| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs()
        })
    }

    #[test]
    fn http_dates() {
        assert_eq!(date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1_445_412_480));
        assert_eq!(date("Thu, 29 Feb 2024 23:59:59 GMT"), Some(1_709_251_199));
        assert_eq!(date("Sat, 01 Jan 2000 00:00:00 GMT"), Some(946_684_800));
        for bad in [
            "Wed, 21 Oct 2015 07:28:00 UTC",
            "21 Oct 2015 07:28:00 GMT",
            "Wed, 30 Feb 2015 07:28:00 GMT",
            "Wed, 21 Foo 2015 07:28:00 GMT",
            "Wed, 21 Oct 2015 7:28:00 GMT",
            "Wed, +1 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_after_header_forms() {
        let header = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            retry_after(&headers)
        };
        assert_eq!(retry_after(&HeaderMap::new()), None);
        assert_eq!(header(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            header("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        let later = header("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        assert!(
            later > Duration::from_secs(86_400 * 365 * 7000),
            "{later:?}"
        );
        assert_eq!(header("-1"), None);
        assert_eq!(header("soon"), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::new(3);
        assert_eq!(policy.delay(1, None), Duration::from_millis(200));
        assert_eq!(policy.delay(3, None), Duration::from_millis(800));
        assert_eq!(policy.delay(40, None), Duration::from_secs(10));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(10)
        );
        assert_eq!(policy.delay(2, Some(Duration::ZERO)), Duration::ZERO);
        assert!(is_retryable_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(is_retryable_status(StatusCode::BAD_GATEWAY));
        assert!(!is_retryable_status(StatusCode::NOT_FOUND));
    }

    #[tokio::test]
    async fn run_stops_on_success_fail_or_the_last_attempt() {
        let policy = RetryPolicy {
            first_delay: Duration::from_millis(1),
            ..RetryPolicy::new(2)
        };
        let mut seen = Vec::new();
        let result: Result<(), &str> = policy
            .run(|n| {
                seen.push(n);
                async {
                    Err(Failure::Retry {
                        error: "busy",
                        after: None,
                    })
                }
            })
            .await;
        assert_eq!((result, seen), (Err("busy"), vec![1, 2, 3]));

        let mut calls = 0;
        let result: Result<u32, &str> = policy
            .run(|n| {
                calls += 1;
                async move {
                    if n == 1 {
                        Err(Failure::retry_if(true, "once"))
                    } else {
                        Ok(n)
                    }
                }
            })
            .await;
        assert_eq!((result, calls), (Ok(2), 2));

        let result: Result<(), &str> = policy
            .run(|_| async { Err(Failure::retry_if(false, "final")) })
            .await;
        assert_eq!(result, Err("final"));
    }
}
