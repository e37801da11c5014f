//! The one span model every input format is decoded into.

use std::sync::Arc;

/// Text a decoder shares between spans: attribute keys and values, names.
/// Most of them repeat in every span of a proxy (`node_id`,
/// `upstream_cluster`, `istio.namespace`, ...), so each distinct string is
/// allocated once per answer ([`Interner`]).
pub type Text = arcstr::ArcStr;

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

/// A trace or span id as lower-case hex digits (at most 32: ids are at most
/// 16 bytes), held in the span itself rather than in an allocation of its
/// own. Compares, orders and hashes as its text; the default is empty.
#[derive(Clone, Copy, Default)]
pub struct HexId {
    len: u8,
    digits: [u8; 32],
}

impl HexId {
    /// Lower-case hex of up to 16 bytes.
    pub(crate) fn of_bytes(bytes: &[u8]) -> Option<HexId> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        if bytes.len() > 16 {
            return None;
        }
        let mut digits = [0u8; 32];
        for (pair, &b) in digits.chunks_exact_mut(2).zip(bytes) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 0xf)];
        }
        Some(HexId {
            len: (bytes.len() * 2) as u8,
            digits,
        })
    }

    /// Hex digits (any case, up to 32), lower-cased and padded with leading
    /// zeros to `width`.
    fn of_hex(text: &str, width: usize) -> Option<HexId> {
        let len = text.len().max(width);
        if len > 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut digits = [b'0'; 32];
        digits[len - text.len()..len].copy_from_slice(text.as_bytes());
        digits[len..].fill(0);
        digits.make_ascii_lowercase();
        Some(HexId {
            len: len as u8,
            digits,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::ops::Deref for HexId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for HexId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for HexId {
    fn eq(&self, other: &HexId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for HexId {}

impl PartialEq<str> for HexId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for HexId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for HexId {
    fn partial_cmp(&self, other: &HexId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HexId {
    fn cmp(&self, other: &HexId) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for HexId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::fmt::Debug for HexId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for HexId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for HexId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One span, whatever format it was read from. Ids are lower-case hex, trace
/// ids padded to 32 digits and span ids to 16, so that the same span read from
/// Jaeger and from Tempo compares equal. Attribute values are text (`200`,
/// `true`); arrays, maps and bytes are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub trace_id: HexId,
    pub span_id: HexId,
    /// `None` for a root span (absent, empty, null or all-zero parent id).
    pub parent_span_id: Option<HexId>,
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
        trace_id: HexId,
        span_id: HexId,
        name: Text,
        start_and_duration: (Option<u64>, Option<u64>),
        attributes: Vec<(Text, Text)>,
        resource: &Arc<Resource>,
    ) {
        if spans.iter().any(|x| x.span_id == span_id) {
            return;
        }
        spans.push(Span {
            trace_id,
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
    // Both seeded per process, so crafted input cannot aim at one hash bucket.
    hasher: hashbrown::DefaultHashBuilder,
    /// Texts seen at least twice.
    known: hashbrown::HashTable<Text>,
    /// Texts seen once lately, emptied when it holds
    /// [`Interner::RECENT_TEXTS`]: most texts that never repeat (request ids,
    /// URLs with ids) leave it again, so neither table grows with the input
    /// and a lookup stays in the cache. A text repeated after it left is
    /// allocated twice: equal, not shared.
    recent: hashbrown::HashTable<(Text, u32)>,
    /// The last text asked for in each slot (see [`Interner::text_in_slot`]).
    slots: Vec<Option<Text>>,
    /// A decoder's reusable list of a span's attributes.
    pub(crate) scratch: Vec<(Text, Text)>,
}

impl Interner {
    /// The shared copy of `text`.
    pub(crate) fn text(&mut self, text: &str) -> Text {
        use std::hash::BuildHasher;
        let hash = self.hasher.hash_one(text);
        if let Some(shared) = self.known.find(hash, |t| t.as_str() == text) {
            return shared.clone();
        }
        let rehash = |t: &Text| self.hasher.hash_one(t.as_str());
        if let Ok(mut seen) = self.recent.find_entry(hash, |(t, _)| t.as_str() == text) {
            let (shared, sightings) = seen.get_mut();
            *sightings += 1;
            // Both spans of a call carry its request id and URL: a text must
            // be seen a third time to stay.
            if *sightings < 3 {
                return shared.clone();
            }
            let ((shared, _), _) = seen.remove();
            self.known.insert_unique(hash, shared.clone(), rehash);
            return shared;
        }
        if self.recent.len() >= Self::RECENT_TEXTS {
            self.recent.clear();
        }
        let new = Text::from(text);
        self.recent
            .insert_unique(hash, (new.clone(), 1), |(t, _)| rehash(t));
        new
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
    /// How many texts seen once are remembered (about 30,000 Istio spans'
    /// worth: both spans of a call are usually much closer).
    const RECENT_TEXTS: usize = 1 << 16;
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
pub fn normalize_trace_id(text: &str) -> Option<HexId> {
    normalize_id(text, 32)
}

/// Normalises a span id like [`normalize_trace_id`], to 16 hex digits.
pub fn normalize_span_id(text: &str) -> Option<HexId> {
    normalize_id(text, 16)
}

fn normalize_id(text: &str, width: usize) -> Option<HexId> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.len() <= 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return HexId::of_hex(t, width);
    }
    let bytes = base64_decode(t)?;
    if bytes.is_empty() {
        return None;
    }
    let id = HexId::of_bytes(&bytes)?;
    if id.len() < width {
        HexId::of_hex(&id, width)
    } else {
        Some(id)
    }
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
    fn ids_compare_order_and_hash_as_their_text() {
        let short = normalize_span_id("AB").unwrap();
        assert_eq!(short.as_str(), "00000000000000ab");
        let long = normalize_span_id("0123456789ABCDEF0123456789abcdef").unwrap();
        assert_eq!(long.as_str(), "0123456789abcdef0123456789abcdef");
        // Text order, not length first.
        let zeros_a = normalize_trace_id("a").unwrap();
        assert!(zeros_a < short, "{zeros_a} sorts before {short} as text");
        assert_eq!(normalize_span_id(&"a".repeat(33)), None);
        let set: std::collections::HashSet<HexId> = [short, long].into();
        assert!(set.contains("00000000000000ab"));
        assert_eq!(HexId::default().as_str(), "");
        assert_eq!(
            format!("{short:?} {short}"),
            "\"00000000000000ab\" 00000000000000ab"
        );
    }

    #[test]
    fn texts_seen_again_are_shared_and_the_table_of_texts_seen_once_is_bounded() {
        let mut t = Interner::default();
        let (a1, a2) = (t.text("GET"), t.text("GET"));
        assert!(
            Text::ptr_eq(&a1, &a2),
            "the second sighting shares the first"
        );
        let _ = t.text("GET"); // the third: kept for good
        let once = t.text("request-1");
        // More texts seen once than the table remembers.
        for i in 0..Interner::RECENT_TEXTS + 10 {
            let _ = t.text(&format!("unique-{i}"));
        }
        assert!(t.recent.len() <= Interner::RECENT_TEXTS);
        assert!(
            Text::ptr_eq(&t.text("GET"), &a1),
            "a text seen three times stays shared"
        );
        let again = t.text("request-1");
        assert_eq!(again, once, "equal text");
        assert!(!Text::ptr_eq(&again, &once), "forgotten: allocated anew");
        assert_eq!(t.known.len(), 1);
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
