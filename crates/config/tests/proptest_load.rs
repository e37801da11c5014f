//! Property tests of manifest loading (issue 13): random text and mutated
//! manifests never panic; loading gives objects and warnings. Each case runs
//! in the test thread.

use meshgraph_config::{LoadOptions, MeshConfig};
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

const MANIFESTS: [&str; 2] = [
    include_str!(
        "../../../tests/fixtures/istio-bookinfo/networking-virtual-service-reviews-50-v3.yaml"
    ),
    include_str!(
        "../../../tests/fixtures/istio-bookinfo/networking-destination-rule-all-mtls.yaml"
    ),
];

fn check(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let (_config, warnings) =
        MeshConfig::from_text(&text, "proptest.yaml", &LoadOptions::default());
    for w in warnings {
        assert!(!w.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(budget())]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn mutated_manifests(which in 0usize..2, (cut, flips, depth) in mutations(), wrap in prop_oneof![Just(("[", "]")), Just(("{a: ", "}")), Just(("- ", ""))]) {
        check(&mutate(MANIFESTS[which].as_bytes(), cut, &flips, depth, wrap));
    }
}

#[test]
fn the_manifests_load() {
    for text in MANIFESTS {
        let (config, _) = MeshConfig::from_text(text, "proptest.yaml", &LoadOptions::default());
        assert!(!config.objects.is_empty());
    }
}
