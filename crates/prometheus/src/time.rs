//! `--window` and `--at`.

use std::time::Duration;

/// A `--window` or `--at` value that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeArgError(String);

/// Parses a window such as `10m`, `1h30m`, `90s` or `1d`.
pub fn parse_window(text: &str) -> Result<Duration, TimeArgError> {
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

/// Parses a moment: RFC 3339 (`2026-11-25T02:00:00Z`) or unix seconds
/// (`1764036000`, `1764036000.5`). Returns unix seconds.
pub fn parse_at(text: &str) -> Result<f64, TimeArgError> {
    let text = text.trim();
    if !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Ok(secs) = text.parse::<f64>()
        && secs.is_finite()
    {
        return Ok(secs);
    }
    let ts: jiff::Timestamp = text.parse().map_err(|e| {
        TimeArgError(format!(
            "invalid time {text:?}: {e}; expected RFC 3339 (2026-11-25T02:00:00Z) or unix seconds"
        ))
    })?;
    Ok(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
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
    fn moments() {
        assert_eq!(parse_at("2026-11-25T02:00:00Z").unwrap(), 1_795_572_000.0);
        assert_eq!(
            parse_at("2026-11-25T03:00:00.5+01:00").unwrap(),
            1_795_572_000.5
        );
        assert_eq!(parse_at("1764036000").unwrap(), 1_764_036_000.0);
        assert_eq!(parse_at("1764036000.25").unwrap(), 1_764_036_000.25);
        assert!(parse_at("yesterday").is_err());
        assert!(
            parse_at("2026-11-25T02:00:00").is_err(),
            "a moment needs an offset"
        );
    }
}
