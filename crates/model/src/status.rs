//! Typed readings of two Istio labels: the HTTP status class of
//! `response_code` and `connection_security_policy`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use crate::UNKNOWN;

/// The class of an HTTP response code, as the edges' `by_class` keys name it:
/// `0` (no response), `1xx` … `5xx`, or `unknown` when the label is missing
/// or not a number. Ordered (and serialised) as those strings, so maps keyed
/// by it keep the order they had with string keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusClass {
    /// `response_code="0"`: no response was received.
    NoResponse,
    /// `1xx`
    Informational,
    /// `2xx`
    Success,
    /// `3xx`
    Redirection,
    /// `4xx`
    ClientError,
    /// `5xx`
    ServerError,
    /// A code outside 100–599 (its hundreds, e.g. `6` for `6xx`).
    Other(u16),
    /// The label is missing or not a number.
    Unknown,
}

impl StatusClass {
    /// The class of a response code (`code / 100`; `0` is no response).
    pub fn of_code(code: u16) -> StatusClass {
        match code {
            0 => StatusClass::NoResponse,
            _ => StatusClass::of_hundreds(code / 100),
        }
    }

    /// The class of `response_code` as written; `None` (missing) and text
    /// that is not a number are [`StatusClass::Unknown`].
    pub fn of_label(response_code: Option<&str>) -> StatusClass {
        response_code
            .and_then(|c| c.parse::<u16>().ok())
            .map_or(StatusClass::Unknown, StatusClass::of_code)
    }

    fn of_hundreds(class: u16) -> StatusClass {
        match class {
            0 => StatusClass::NoResponse,
            1 => StatusClass::Informational,
            2 => StatusClass::Success,
            3 => StatusClass::Redirection,
            4 => StatusClass::ClientError,
            5 => StatusClass::ServerError,
            other => StatusClass::Other(other),
        }
    }

    /// The key as written: `0`, `2xx`, `unknown`.
    pub fn name(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            StatusClass::NoResponse => "0",
            StatusClass::Informational => "1xx",
            StatusClass::Success => "2xx",
            StatusClass::Redirection => "3xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
            StatusClass::Unknown => UNKNOWN,
            StatusClass::Other(c) => return Cow::Owned(format!("{c}xx")),
        })
    }
}

impl fmt::Display for StatusClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Ord for StatusClass {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name().cmp(&other.name())
    }
}

impl PartialOrd for StatusClass {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for StatusClass {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

/// `connection_security_policy`: what the reporting proxy knew about the
/// connection's security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectionSecurityPolicy {
    /// `mutual_tls`
    MutualTls,
    /// `none`: plaintext.
    None,
    /// `unknown`, or anything else: the reporter could not tell (client-side
    /// Envoy always says so).
    Unknown,
}

impl ConnectionSecurityPolicy {
    /// Reads the label; anything but `mutual_tls` and `none` is unknown.
    pub fn from_label(text: &str) -> ConnectionSecurityPolicy {
        match text {
            "mutual_tls" => ConnectionSecurityPolicy::MutualTls,
            "none" => ConnectionSecurityPolicy::None,
            _ => ConnectionSecurityPolicy::Unknown,
        }
    }

    /// The label value: `mutual_tls`, `none`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionSecurityPolicy::MutualTls => "mutual_tls",
            ConnectionSecurityPolicy::None => "none",
            ConnectionSecurityPolicy::Unknown => UNKNOWN,
        }
    }
}

impl fmt::Display for ConnectionSecurityPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_read_and_sort_as_their_keys() {
        let classes: Vec<StatusClass> = [
            Some("0"),
            Some("200"),
            Some("404"),
            Some("503"),
            Some("101"),
            Some("302"),
            Some("abc"),
            None,
            Some("999"),
        ]
        .into_iter()
        .map(StatusClass::of_label)
        .collect();
        let names: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            names,
            [
                "0", "2xx", "4xx", "5xx", "1xx", "3xx", "unknown", "unknown", "9xx"
            ]
        );
        let mut sorted = classes.clone();
        sorted.sort();
        let mut by_name = names.clone();
        by_name.sort();
        assert_eq!(
            sorted.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            by_name
        );
    }

    #[test]
    fn security_policy_labels_round_trip() {
        for text in ["mutual_tls", "none", "unknown"] {
            assert_eq!(ConnectionSecurityPolicy::from_label(text).as_str(), text);
        }
        assert_eq!(
            ConnectionSecurityPolicy::from_label(""),
            ConnectionSecurityPolicy::Unknown
        );
    }
}
