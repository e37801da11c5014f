//! Property tests of the Prometheus answer decoder (issue 13): random bytes
//! and mutated valid answers never panic; the decoder answers Ok or a named
//! error. Each case runs in the test thread.

use meshgraph_model::Metric;
use meshgraph_prometheus::decode;
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

const VALID: &str = r#"{"status":"success","data":{"resultType":"vector","result":[
{"metric":{"reporter":"destination","source_workload":"productpage-v1","source_workload_namespace":"bookinfo","destination_workload":"reviews-v1","destination_workload_namespace":"bookinfo","destination_service":"reviews.bookinfo.svc.cluster.local","request_protocol":"http","response_code":"200","connection_security_policy":"mutual_tls"},"value":[1764036000,"1.5"]},
{"metric":{"reporter":"source","source_workload":"a","destination_workload":"b"},"value":[1764036000,"NaN"]}]}}"#;

fn check(bytes: &[u8]) {
    if let Err(e) = decode(bytes, Metric::Requests, "proptest") {
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
    fn mutated_answers((cut, flips, depth) in mutations(), wrap in prop_oneof![Just(("[", "]")), Just(("{\"a\":", "}"))]) {
        check(&mutate(VALID.as_bytes(), cut, &flips, depth, wrap));
    }
}

#[test]
fn the_valid_answer_decodes() {
    decode(VALID.as_bytes(), Metric::Requests, "proptest").unwrap();
}
