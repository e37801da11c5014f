//! Property tests of the trace answer decoder (Jaeger v1/v3, Tempo, OTLP
//! protobuf; issues 13 and 18): random bytes and mutated captures never panic; the decoder answers Ok
//! or a named error. Each case runs in the test thread.

use meshgraph_traces::decode;
use proptest::prelude::*;

/// A fixed case budget: `PROPTEST_CASES` cannot lower or turn it off, and no
/// failure file is written into the source tree.
fn budget() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// `doc` truncated at `cut` (a fraction of its length, when given), with
/// `flips` applied (index modulo the length, byte xor-ed), inside `depth`
/// levels of `open`...`close`.
fn mutate(
    doc: &[u8],
    cut: Option<f64>,
    flips: &[(usize, u8)],
    depth: usize,
    (open, close): (&str, &str),
) -> Vec<u8> {
    let mut bytes = doc.to_vec();
    if let Some(fraction) = cut {
        bytes.truncate((bytes.len() as f64 * fraction) as usize);
    }
    let len = bytes.len();
    for &(at, xor) in flips {
        if len > 0 {
            bytes[at % len] ^= xor;
        }
    }
    let mut out = open.repeat(depth).into_bytes();
    out.extend_from_slice(&bytes);
    out.extend_from_slice(close.repeat(depth).as_bytes());
    out
}

fn mutations() -> impl Strategy<Value = (Option<f64>, Vec<(usize, u8)>, usize)> {
    (
        proptest::option::of(0.0f64..1.0),
        proptest::collection::vec((any::<usize>(), 1u8..=255), 0..8),
        prop_oneof![3 => Just(0usize), 1 => 1usize..200, 1 => 200usize..5000],
    )
}

const CAPTURES: [&[u8]; 3] = [
    include_bytes!("../../../tests/fixtures/traces/jaeger-v1-format-sample.json"),
    include_bytes!("../../../tests/fixtures/traces/kiali-tempo-bookinfo-sidecar-trace.json"),
    include_bytes!("../../../tests/fixtures/traces/jaeger-v3-hotrod-trace.json"),
];

/// The captures as OTLP protobuf (see tests/fixtures/traces/SOURCE.md).
const PROTOBUF: [&[u8]; 3] = [
    include_bytes!("../../../tests/fixtures/traces/kiali-tempo-bookinfo-sidecar-trace.binpb"),
    include_bytes!("../../../tests/fixtures/traces/jaeger-v3-hotrod-trace.binpb"),
    include_bytes!("../../../tests/fixtures/traces/generated-istio-1.26-waypoint-traces.binpb"),
];

fn check(bytes: &[u8]) {
    if let Err(e) = decode(bytes, "proptest") {
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(budget())]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn mutated_captures(which in 0usize..3, (cut, flips, depth) in mutations(), wrap in prop_oneof![Just(("[", "]")), Just(("{\"data\":", "}"))]) {
        check(&mutate(CAPTURES[which], cut, &flips, depth, wrap));
    }

    #[test]
    fn mutated_protobuf(which in 0usize..3, (cut, flips, _) in mutations()) {
        check(&mutate(PROTOBUF[which], cut, &flips, 0, ("", "")));
    }
}

#[test]
fn the_captures_decode() {
    for capture in CAPTURES.into_iter().chain(PROTOBUF) {
        decode(capture, "proptest").unwrap();
    }
}
