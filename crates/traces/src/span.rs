//! The one span model every input format is decoded into.

use std::sync::Arc;

/// Text a decoder shares between spans: attribute keys and values, names.
/// Most of them repeat in every span of a proxy (`node_id`,
/// `upstream_cluster`, `istio.namespace`, ...), so each distinct string is
/// allocated once per answer ([`Interner`]).
pub type Text = Arc<str>;

/// What a span says about its place in a call (OTLP `SpanKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum SpanKind {
    #[default]
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl SpanKind {
    /// OTLP's integer (`2`), its enum name (`SPAN_KIND_SERVER`), the short name
    /// (`SERVER`) or Jaeger v1's `span.kind` tag (`server`).
    pub fn parse(text: &str) -> Option<SpanKind> {
        let t = text.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Some(Self::from_code(n));
        }
        let upper = t.to_ascii_uppercase();
        let name = upper.strip_prefix("SPAN_KIND_").unwrap_or(&upper);
        Some(match name {
            "UNSPECIFIED" => SpanKind::Unspecified,
            "INTERNAL" => SpanKind::Internal,
            "SERVER" => SpanKind::Server,
            "CLIENT" => SpanKind::Client,
            "PRODUCER" => SpanKind::Producer,
            "CONSUMER" => SpanKind::Consumer,
            _ => return None,
        })
    }

    /// OTLP's integer for this kind (`SERVER` is 2).
    pub fn code(self) -> i32 {
        match self {
            SpanKind::Unspecified => 0,
            SpanKind::Internal => 1,
            SpanKind::Server => 2,
            SpanKind::Client => 3,
            SpanKind::Producer => 4,
            SpanKind::Consumer => 5,
        }
    }

    /// OTLP's integer; out-of-range values are [`SpanKind::Unspecified`].
    pub fn from_code(code: i64) -> SpanKind {
        match code {
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => SpanKind::Unspecified,
        }
    }
}

/// The process or OTLP resource a span came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    /// `service.name` (OTLP) or the process' `serviceName` (Jaeger v1).
    pub service_name: Option<Text>,
    /// All attributes (process tags), values as text.
    pub attributes: Vec<(Text, Text)>,
}

impl Resource {
    pub fn attr(&self, key: &str) -> Option<&str> {
        lookup(&self.attributes, key)
    }
}

/// One span, whatever format it was read from. Ids are lower-case hex, trace
/// ids padded to 32 digits and span ids to 16, so that the same span read from
/// Jaeger and from Tempo compares equal. Attribute values are text (`200`,
/// `true`); arrays, maps and bytes are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    /// `None` for a root span (absent, empty, null or all-zero parent id).
    pub parent_span_id: Option<String>,
    pub name: Text,
    pub kind: SpanKind,
    pub start_unix_nanos: Option<u64>,
    pub duration_nanos: Option<u64>,
    /// OTLP status `ERROR`, or Jaeger's `error=true` / `otel.status_code=ERROR`.
    pub status_error: bool,
    /// The span's own attributes (Jaeger v1: tags).
    pub attributes: Vec<(Text, Text)>,
    /// Shared by all spans of one resource (process).
    pub resource: Arc<Resource>,
}

impl Span {
    /// A span attribute, else a resource attribute.
    pub fn attr(&self, key: &str) -> Option<&str> {
        lookup(&self.attributes, key).or_else(|| self.resource.attr(key))
    }

    /// The resource's `service.name`, else a `service.name` span attribute
    /// (Tempo search answers put it there).
    pub fn service_name(&self) -> Option<&str> {
        self.resource
            .service_name
            .as_deref()
            .or_else(|| lookup(&self.attributes, "service.name"))
            .filter(|s| !s.is_empty())
    }

    /// What makes a span the same span when it is read twice (from two
    /// answers, or twice in one): ids, kind, service, name and start.
    pub fn identity(&self) -> (&str, &str, SpanKind, Option<&str>, &str, Option<u64>) {
        (
            &self.trace_id,
            &self.span_id,
            self.kind,
            self.service_name(),
            &self.name,
            self.start_unix_nanos,
        )
    }

    /// A span matched by a Tempo search, added to `spans` unless one with
    /// the same id is there: no parent, no kind, no status.
    pub(crate) fn push_matched(
        spans: &mut Vec<Span>,
        trace_id: &str,
        span_id: String,
        name: Text,
        start_and_duration: (Option<u64>, Option<u64>),
        attributes: Vec<(Text, Text)>,
        resource: &Arc<Resource>,
    ) {
        if spans.iter().any(|x| x.span_id == span_id) {
            return;
        }
        spans.push(Span {
            trace_id: trace_id.to_string(),
            span_id,
            parent_span_id: None,
            name,
            kind: SpanKind::Unspecified,
            start_unix_nanos: start_and_duration.0,
            duration_nanos: start_and_duration.1,
            status_error: false,
            attributes,
            resource: resource.clone(),
        });
    }

    /// Duration in milliseconds, when known.
    pub fn duration_ms(&self) -> Option<f64> {
        self.duration_nanos.map(|n| n as f64 / 1e6)
    }
}

fn lookup<'a>(attributes: &'a [(Text, Text)], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(k, _)| &**k == key)
        .map(|(_, v)| &**v)
}

/// One allocation per distinct string of an answer: a decoder asks for the
/// [`Text`] of every key, value and name it reads.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    // Seeded per process, so crafted input cannot aim at one hash bucket.
    known: hashbrown::HashSet<Text>,
    /// The last text asked for in each slot (see [`Interner::text_in_slot`]).
    slots: Vec<Option<Text>>,
    /// A decoder's reusable list of a span's attributes.
    pub(crate) scratch: Vec<(Text, Text)>,
}

impl Interner {
    /// The shared copy of `text`.
    pub(crate) fn text(&mut self, text: &str) -> Text {
        self.known
            .get_or_insert_with(text, |text: &str| Arc::from(text))
            .clone()
    }

    /// [`Interner::text`], checking first whether `text` is what the same
    /// `slot` held last time: the n-th attribute of a span usually has the
    /// n-th key of the span before it (and often its value), and comparing
    /// two strings costs less than hashing one.
    pub(crate) fn text_in_slot(&mut self, slot: usize, text: &str) -> Text {
        if let Some(last) = self.slot_holding(slot, text.as_bytes()) {
            return last;
        }
        let shared = self.text(text);
        self.remember(slot, &shared);
        shared
    }

    /// [`Interner::text_in_slot`] of bytes that must be UTF-8 (a protobuf
    /// string): bytes equal to the slot's last text need no check.
    pub(crate) fn utf8_in_slot(
        &mut self,
        slot: usize,
        bytes: &[u8],
    ) -> Result<Text, std::str::Utf8Error> {
        if let Some(last) = self.slot_holding(slot, bytes) {
            return Ok(last);
        }
        let shared = self.text(std::str::from_utf8(bytes)?);
        self.remember(slot, &shared);
        Ok(shared)
    }

    fn slot_holding(&self, slot: usize, bytes: &[u8]) -> Option<Text> {
        self.slots
            .get(slot)?
            .as_ref()
            .filter(|last| last.as_bytes() == bytes)
            .cloned()
    }

    fn remember(&mut self, slot: usize, text: &Text) {
        if slot < Self::SLOTS {
            if self.slots.is_empty() {
                self.slots.resize(Self::SLOTS, None);
            }
            self.slots[slot] = Some(text.clone());
        }
    }

    /// Slots kept: two per attribute for a span's first 20 attributes
    /// (0..40), then a resource's first 11 (40..62), then the span name's.
    const SLOTS: usize = 63;
    /// Where a resource's attribute slots begin.
    pub(crate) const RESOURCE_SLOTS: usize = 40;
    /// The slot of span names.
    pub(crate) const NAME_SLOT: usize = 62;
}

/// A trace found by a Tempo search: metadata and the few matched spans (no
/// parent ids, no kinds), not the whole trace.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub trace_id: String,
    pub root_service_name: Option<String>,
    pub root_trace_name: Option<String>,
    pub start_unix_nanos: Option<u64>,
    pub duration_ms: Option<u64>,
    pub spans: Vec<Span>,
}

/// Normalises a trace id: hex (any case, leading zeros dropped or not) or
/// base64 of the bytes; `None` when it is neither or empty.
pub fn normalize_trace_id(text: &str) -> Option<String> {
    normalize_id(text, 32)
}

/// Normalises a span id like [`normalize_trace_id`], to 16 hex digits.
pub fn normalize_span_id(text: &str) -> Option<String> {
    normalize_id(text, 16)
}

fn normalize_id(text: &str, width: usize) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let hex = if t.len() <= 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        t.to_ascii_lowercase()
    } else {
        let bytes = base64_decode(t)?;
        if bytes.is_empty() || bytes.len() > 16 {
            return None;
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    let hex = if hex.len() < width {
        format!("{hex:0>width$}")
    } else {
        hex
    };
    Some(hex)
}

/// Standard or URL-safe base64, padding optional.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.trim_end_matches('=').bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_hex_and_base64_compare_equal() {
        assert_eq!(
            normalize_span_id("Sc130fnc2TY=").as_deref(),
            Some("49cd77d1f9dcd936")
        );
        assert_eq!(
            normalize_trace_id("O6VWCcPN5JZJzXfR+dzZNg==").as_deref(),
            Some("3ba55609c3cde49649cd77d1f9dcd936")
        );
        assert_eq!(
            normalize_trace_id("2e299711ce47710289dc6640727404f").as_deref(),
            Some("02e299711ce47710289dc6640727404f")
        );
        assert_eq!(
            normalize_trace_id("0000000000000001"),
            normalize_trace_id("00000000000000000000000000000001")
        );
        assert_eq!(normalize_span_id(""), None);
        assert_eq!(normalize_span_id("not an id!"), None);
    }

    #[test]
    fn kinds_in_every_spelling() {
        for text in ["2", "SPAN_KIND_SERVER", "SERVER", "server"] {
            assert_eq!(SpanKind::parse(text), Some(SpanKind::Server), "{text}");
        }
        assert_eq!(SpanKind::parse("3"), Some(SpanKind::Client));
        assert_eq!(SpanKind::parse("weird"), None);
    }
}
