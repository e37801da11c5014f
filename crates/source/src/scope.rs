//! What part of the mesh, at what time: `-n`, `--at` and `--window`, read
//! once and handed to every source.

use std::time::Duration;

use jiff::Timestamp;

use crate::record::RecordedScope;

/// The scope every source is asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Evaluation time (`--at`): the end of the window.
    pub at: Timestamp,
    /// Rate window (`--window`).
    pub window: Duration,
    /// Selected namespaces (`-n`); empty means every namespace.
    pub namespaces: Vec<String>,
}

impl Scope {
    /// `at` as unix seconds (fractional), the form Prometheus' `time`
    /// parameter and recordings use.
    pub fn at_seconds(&self) -> f64 {
        unix_seconds(self.at)
    }

    /// What a recording keeps of this scope.
    pub fn recorded(&self) -> RecordedScope {
        RecordedScope {
            namespaces: self.namespaces.clone(),
            at: self.at_seconds(),
            window_seconds: self.window.as_secs_f64(),
        }
    }

    /// This scope with `at` rounded to the second and the window cut to
    /// whole seconds: what outputs show.
    pub fn whole_seconds(&self) -> Scope {
        Scope {
            at: round_to_second(self.at),
            window: Duration::from_secs(self.window.as_secs()),
            namespaces: self.namespaces.clone(),
        }
    }
}

/// A `--window` or `--at` value that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeArgError(String);

/// Parses a window such as `10m`, `1h30m`, `90s` or `1d`.
pub fn parse_window(text: &str) -> Result<Duration, TimeArgError> {
    // humantime reads `M` as months and `y` as years: no one means a
    // window of months, and `10M` is as likely meant as minutes.
    if let Some(unit) = text
        .split(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
        .find(|unit| matches!(*unit, "M" | "month" | "months" | "y" | "year" | "years"))
    {
        return Err(TimeArgError(format!(
            "invalid duration {text:?}: the unit {unit:?} is not accepted ({}); use s, m, h or d (10m, 2h, 7d)",
            if unit == "M" {
                "M would be months, and is easily meant as minutes"
            } else {
                "months and years are not durations meshgraph works with"
            }
        )));
    }
    let window = humantime::parse_duration(text.trim()).map_err(|e| {
        TimeArgError(format!(
            "invalid window {text:?}: {e}; expected a duration such as 10m, 1h or 90s"
        ))
    })?;
    if window < Duration::from_millis(1) {
        return Err(TimeArgError(format!(
            "invalid window {text:?}: it must be at least 1ms"
        )));
    }
    Ok(window)
}

/// The shortest `--window`.
pub const MIN_WINDOW: Duration = Duration::from_secs(1);
/// The longest `--window` (31 days).
pub const MAX_WINDOW: Duration = Duration::from_secs(31 * 86_400);

/// Parses `--window`: a duration (see [`parse_window`]) from 1s to 31d.
pub fn parse_window_range(text: &str) -> Result<Duration, TimeArgError> {
    let window = parse_window(text)?;
    if !(MIN_WINDOW..=MAX_WINDOW).contains(&window) {
        return Err(TimeArgError(format!(
            "invalid window {text:?}: it must be from 1s to 31d"
        )));
    }
    Ok(window)
}

/// The latest moment accepted: the end of year 9999.
const MAX_UNIX_SECONDS: f64 = 253_402_300_799.0;

/// Parses a moment: RFC 3339 (`2026-11-25T02:00:00Z`) or unix seconds
/// (`1764036000`, `1764036000.5`).
pub fn parse_at(text: &str) -> Result<Timestamp, TimeArgError> {
    let text = text.trim();
    if !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Ok(secs) = text.parse::<f64>()
    {
        return from_unix_seconds(secs).ok_or_else(|| {
            TimeArgError(format!(
                "invalid time {text:?}: unix seconds must be from 0 (1970) to {MAX_UNIX_SECONDS} (the end of 9999)"
            ))
        });
    }
    let ts: Timestamp = text.parse().map_err(|e| {
        TimeArgError(format!(
            "invalid time {text:?}: {e}; expected RFC 3339 (2026-11-25T02:00:00Z) or unix seconds"
        ))
    })?;
    if ts.as_second() < 0 {
        return Err(TimeArgError(format!(
            "invalid time {text:?}: it is before 1970"
        )));
    }
    Ok(ts)
}

/// Unix seconds (fractional) as a timestamp, to the nanosecond; `None` when
/// not finite or outside 1970 to 9999.
pub fn from_unix_seconds(secs: f64) -> Option<Timestamp> {
    if !secs.is_finite() || !(0.0..=MAX_UNIX_SECONDS).contains(&secs) {
        return None;
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round() as i64;
    Timestamp::new(whole as i64, 0)
        .ok()?
        .checked_add(jiff::SignedDuration::from_nanos(nanos))
        .ok()
}

/// A timestamp as unix seconds (fractional).
pub fn unix_seconds(ts: Timestamp) -> f64 {
    ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9
}

/// The nearest whole second (halves away from zero).
pub fn round_to_second(ts: Timestamp) -> Timestamp {
    ts.round(jiff::Unit::Second).unwrap_or(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(parse_window("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_window("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_window(" 90s ").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_window("1d").unwrap(), Duration::from_secs(86400));
        assert!(parse_window("0s").is_err());
        assert!(
            parse_window("ten minutes")
                .unwrap_err()
                .to_string()
                .contains("10m")
        );
    }

    #[test]
    fn windows_and_moments_stay_in_sensible_ranges() {
        for bad in ["10M", "1y", "2months"] {
            let e = parse_window(bad).unwrap_err().to_string();
            assert!(e.contains("not accepted"), "{bad}: {e}");
        }
        assert!(parse_window_range("1ms").is_err());
        assert!(parse_window_range("32d").is_err());
        assert_eq!(parse_window_range("31d").unwrap(), MAX_WINDOW);
        assert_eq!(parse_window_range("1s").unwrap(), MIN_WINDOW);
        for bad in [
            "18446744073709551616",
            "253402300800",
            "1e300",
            "-1",
            "1969-12-31T23:59:59Z",
        ] {
            assert!(parse_at(bad).is_err(), "{bad}");
        }
        assert!(from_unix_seconds(-1e300).is_none());
        assert!(parse_at("9999-12-30T00:00:00Z").is_ok());
    }

    #[test]
    fn moments() {
        let at = |text| unix_seconds(parse_at(text).unwrap());
        assert_eq!(at("2026-11-25T02:00:00Z"), 1_795_572_000.0);
        assert_eq!(at("2026-11-25T03:00:00.5+01:00"), 1_795_572_000.5);
        assert_eq!(at("1764036000"), 1_764_036_000.0);
        assert_eq!(at("1764036000.25"), 1_764_036_000.25);
        assert!(parse_at("yesterday").is_err());
        assert!(
            parse_at("2026-11-25T02:00:00").is_err(),
            "a moment needs an offset"
        );
    }

    #[test]
    fn unix_seconds_round_trip() {
        for secs in [1_764_036_000.1, 1_764_036_000.999_999, 0.5, 1_795_572_000.0] {
            assert_eq!(unix_seconds(from_unix_seconds(secs).unwrap()), secs);
        }
        assert_eq!(
            round_to_second(parse_at("1764036000.5").unwrap()).as_second(),
            1_764_036_001
        );
        assert_eq!(
            parse_at("2026-11-25T02:00:00Z").unwrap().to_string(),
            "2026-11-25T02:00:00Z"
        );
    }
}
