/// Formats unix seconds as RFC 3339 in UTC, e.g. `2026-11-25T02:00:00Z`
/// (times beyond jiff's range, years -9999 to 9999, are clamped to it).
pub fn format_rfc3339(unix_seconds: i64) -> String {
    let at = jiff::Timestamp::from_second(unix_seconds).unwrap_or(if unix_seconds < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    format_timestamp(at)
}

/// Formats a timestamp as RFC 3339 in UTC to the second, e.g.
/// `2026-11-25T02:00:00Z` (a fraction of a second is cut).
pub fn format_timestamp(at: jiff::Timestamp) -> String {
    format!("{at:.0}")
}

#[cfg(test)]
mod tests {
    use super::format_rfc3339;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_795_572_000), "2026-11-25T02:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
