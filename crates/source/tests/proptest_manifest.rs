//! Property tests of reading a recording's manifest.json (issue 13): random
//! bytes and mutated manifests never panic; reading gives a manifest or a
//! named error. Each case runs in the test thread.

use meshgraph_source::record::Manifest;
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

const VALID: &str = r#"{
  "format": "meshgraph-recording", "format_version": 1, "meshgraph_version": "0.1.0",
  "prometheus": [{"family": "requests", "series_name": "istio_requests_total",
    "query": "sum(rate(x[300s]))", "time": 1764036000.0, "window": "300s",
    "file": "prometheus/00-requests.json"}],
  "scope": {"namespaces": ["bookinfo"], "at": 1764036000.0, "window_seconds": 300.0},
  "objects": [{"file": "objects/objects.json", "objects": 42}],
  "traces": [{"api": "jaeger-v3", "path": "/api/v3/traces",
    "query": [["query.service_name", "productpage.bookinfo"]],
    "status": 200, "file": "traces/000-jaeger-v3.json"}]
}"#;

fn check(dir: &std::path::Path, bytes: &[u8]) {
    std::fs::write(dir.join("manifest.json"), bytes).unwrap();
    match Manifest::read(dir) {
        Ok(m) => {
            let _ = m.recorded_scope();
        }
        Err(e) => assert!(e.to_string().contains("manifest.json")),
    }
}

proptest! {
    #![proptest_config(budget())]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        check(dir.path(), &bytes);
    }

    #[test]
    fn mutated_manifests((cut, flips, depth) in mutations(), wrap in prop_oneof![Just(("[", "]")), Just(("{\"other\":", "}"))]) {
        let dir = tempfile::tempdir().unwrap();
        check(dir.path(), &mutate(VALID.as_bytes(), cut, &flips, depth, wrap));
    }
}

#[test]
fn the_valid_manifest_reads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.json"), VALID).unwrap();
    Manifest::read(dir.path()).unwrap();
}
