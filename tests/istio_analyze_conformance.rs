//! Conformance with `istioctl analyze`: Istio's own analyzer test grid
//! (`tests/fixtures/istio-analyze/grid.json`, every case), run through
//! meshgraph's checks and compared as multisets of (IST code, resource) over
//! the codes the case's analyzer can emit.
//!
//! Istio runs each case with one analyzer only, so each case here runs the MG
//! checks that implement that analyzer (the registry's `ISTIO_ANALYZERS`),
//! on the case's files plus the stand-in ingress gateway istioctl adds to a
//! files-only run (`istioctl-defaults.yaml`). A case must match exactly,
//! unless it is listed below as a documented difference (with the exact
//! differing lines) or its analyzer is listed as not implemented (with its
//! number of cases); anything else fails.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use meshgraph_checks::{CheckOptions, Code, check};
use meshgraph_config::{LoadOptions, MeshConfig, MeshSettings};
use serde_json::Value;

/// A file of Istio's analyzer cases (copied unchanged into tests/fixtures/istio-analyze).
fn analyze_fixture(path: &str) -> PathBuf {
    common::fixture(&format!("istio-analyze/{path}"))
}

/// The stand-in ingress gateway Pod and Service istioctl adds before analysing files.
const ISTIOCTL_DEFAULTS: &str = "istioctl-defaults.yaml";

/// Cases where meshgraph deliberately disagrees with istioctl: the case's
/// name, the exact differing lines (as `diff` prints them) and where the
/// difference is documented.
const DIFFERENCES: &[(&str, &[&str], &str)] = &[
    (
        // The grid's first case of this name expects the findings of its second
        // case (objects named `*-custom-ns`, which this case's input does not
        // hold); meshgraph reports the objects of the input.
        "externalControlPlaneMissingWebhooks",
        &[
            "IST0163 MutatingWebhookConfiguration istio-sidecar-injector-custom-ns: got 0, want 1",
            "IST0163 MutatingWebhookConfiguration istio-sidecar-injector-external-istiod: got 1, want 0",
            "IST0163 ValidatingWebhookConfiguration istio-validator-custom-ns: got 0, want 1",
            "IST0163 ValidatingWebhookConfiguration istio-validator-external-istiod: got 1, want 0",
        ],
        "docs/findings/README.md (istioctl coverage), MG111",
    ),
    (
        // istioctl parses the certificate of the Secret and finds it expired;
        // meshgraph never reads a Secret's values, only its key names.
        "gatewaySecretValidations",
        &["IST0161 Gateway defaultgateway-expired: got 0, want 1"],
        "docs/findings/MG307.md",
    ),
];

/// Analyzers of the grid no MG check implements yet, with their number of
/// cases in the grid (each of those cases is reported, not hidden).
const NOT_IMPLEMENTED: &[(&str, usize)] = &[];

/// The MG checks standing for the case's analyzer: the registry's table.
fn checks_for(analyzer: &str) -> Option<BTreeSet<Code>> {
    meshgraph_checks::registry::checks_for_istio_analyzer(analyzer)
        .map(|checks| checks.iter().copied().collect())
}

/// The mesh settings of a case: its mesh config and mesh networks files.
fn settings_of(case: &Value) -> MeshSettings {
    let read = |key: &str| {
        case[key].as_str().map(|f| {
            let path = analyze_fixture(f);
            (std::fs::read_to_string(&path).unwrap(), f.to_string())
        })
    };
    let mut settings = match read("mesh_config") {
        Some((text, file)) => MeshSettings::from_mesh_config_text(&text, &file).unwrap(),
        None => MeshSettings::default(),
    };
    if let Some((text, file)) = read("mesh_networks") {
        settings = settings.with_mesh_networks_text(&text, &file).unwrap();
    }
    settings
}

fn case_files(case: &Value) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = case["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| analyze_fixture(f.as_str().unwrap()))
        .collect();
    files.push(analyze_fixture(ISTIOCTL_DEFAULTS));
    files
}

fn analyzer_codes(case: &Value) -> BTreeSet<String> {
    case["analyzer_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

type Multiset = BTreeMap<(String, String), usize>;

fn run_case(case: &Value, scoped: bool) -> (Multiset, Multiset) {
    let codes = analyzer_codes(case);
    let (config, _warnings) =
        MeshConfig::load(&case_files(case), &LoadOptions::default()).expect("fixture reads");
    let config = config.with_settings(settings_of(case));
    let analyzer = case["analyzer"].as_str().unwrap();
    let options = CheckOptions {
        only: if scoped {
            Some(checks_for(analyzer).unwrap_or_default())
        } else {
            None
        },
        ..CheckOptions::default()
    };
    let report = check(&config, None, &options);
    let mut got = Multiset::new();
    for f in &report.findings {
        if let Some(code) = f.istio_code.as_ref().filter(|c| codes.contains(*c)) {
            *got.entry((code.clone(), f.resource.to_string()))
                .or_default() += 1;
        }
    }
    (got, expected(case))
}

fn expected(case: &Value) -> Multiset {
    let mut want = Multiset::new();
    for e in case["expected"].as_array().unwrap() {
        let key = (
            e["code"].as_str().unwrap().to_string(),
            e["resource"].as_str().unwrap().to_string(),
        );
        *want.entry(key).or_default() += 1;
    }
    want
}

fn diff(got: &Multiset, want: &Multiset) -> Vec<String> {
    let keys: BTreeSet<_> = got.keys().chain(want.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (g, w) = (
                got.get(k).copied().unwrap_or(0),
                want.get(k).copied().unwrap_or(0),
            );
            (g != w).then(|| format!("{} {}: got {g}, want {w}", k.0, k.1))
        })
        .collect()
}

fn grid() -> Vec<Value> {
    let text = common::read_fixture("istio-analyze/grid.json");
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

#[test]
fn istio_analyze_grid_matches() {
    let cases = grid();
    let mut matched = 0;
    let mut matched_all_checks = 0;
    let mut documented = 0;
    let mut not_implemented: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    println!("{:<60} {:>8} {:>8}  result", "case", "expected", "got");
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let analyzer = case["analyzer"].as_str().unwrap();
        let (got, want) = run_case(case, true);
        let problems = diff(&got, &want);
        let (got_all, _) = run_case(case, false);
        if diff(&got_all, &want).is_empty() {
            matched_all_checks += 1;
        }
        let unimplemented = checks_for(analyzer).is_none();
        let result = if unimplemented {
            *not_implemented.entry(analyzer).or_default() += 1;
            "NOT IMPLEMENTED"
        } else if problems.is_empty() {
            matched += 1;
            "match"
        } else if DIFFERENCES
            .iter()
            .any(|(n, lines, _)| *n == name && *lines == problems.as_slice())
        {
            documented += 1;
            "documented difference"
        } else {
            failures.push(format!("{name} ({analyzer}):\n  {}", problems.join("\n  ")));
            "DIFFERS"
        };
        println!(
            "{:<60} {:>8} {:>8}  {result}",
            name,
            want.values().sum::<usize>(),
            got.values().sum::<usize>(),
        );
    }
    println!(
        "exact match: {matched}/{} cases = {:.1}%; documented differences: {documented}; not implemented: {}; (with every check enabled: {matched_all_checks}/{})",
        cases.len(),
        matched as f64 * 100.0 / cases.len() as f64,
        not_implemented.values().sum::<usize>(),
        cases.len()
    );
    for f in &failures {
        println!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} grid case(s) differ from istioctl analyze without a documented difference:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let listed: BTreeMap<&str, usize> = NOT_IMPLEMENTED.iter().copied().collect();
    assert_eq!(
        not_implemented, listed,
        "the analyzers left out must be listed in NOT_IMPLEMENTED with their number of cases"
    );
    for (name, _, doc) in DIFFERENCES {
        assert!(
            cases.iter().any(|c| c["name"] == *name),
            "documented difference {name} is no grid case"
        );
        assert!(
            !doc.is_empty(),
            "{name}: say where the difference is documented"
        );
    }
    let registry_list: BTreeSet<&str> = meshgraph_checks::registry::ISTIO_ANALYZERS_NOT_IMPLEMENTED
        .iter()
        .copied()
        .collect();
    assert_eq!(
        listed.keys().copied().collect::<BTreeSet<&str>>(),
        registry_list,
        "the registry's list of analyzers not implemented (docs/findings/README.md) must be this test's"
    );
    for (analyzer, _) in NOT_IMPLEMENTED {
        assert!(
            checks_for(analyzer).is_none(),
            "{analyzer} is implemented now: take it out of NOT_IMPLEMENTED"
        );
    }
    assert_eq!(
        matched + documented + not_implemented.values().sum::<usize>(),
        cases.len()
    );
}

/// Every analyzer the grid runs is one meshgraph knows, or one listed as not implemented.
#[test]
fn every_analyzer_of_the_grid_is_accounted_for() {
    let names: BTreeSet<String> = grid()
        .iter()
        .map(|c| c["analyzer"].as_str().unwrap().to_string())
        .collect();
    for name in &names {
        let implemented = checks_for(name).is_some();
        let listed = NOT_IMPLEMENTED.iter().any(|(n, _)| n == name);
        assert!(
            implemented != listed,
            "{name}: implemented={implemented}, listed as not implemented={listed}"
        );
    }
}

/// The same comparison through the binary, scoped with `--istio-analyzer`, as
/// a user comparing meshgraph with an istioctl run of one analyzer would: the
/// binary must find what the library finds for every case of the grid.
#[test]
fn the_cli_scoped_to_an_istio_analyzer_matches_the_library_on_each_case() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in grid() {
        let analyzer = case["analyzer"].as_str().unwrap();
        if checks_for(analyzer).is_none() {
            continue;
        }
        ran += 1;
        let mut args: Vec<std::ffi::OsString> =
            ["check", "--format", "json", "--istio-analyzer", analyzer]
                .iter()
                .map(Into::into)
                .collect();
        for (key, flag) in [
            ("mesh_config", "--mesh-config"),
            ("mesh_networks", "--mesh-networks"),
        ] {
            if let Some(f) = case[key].as_str() {
                args.push(flag.into());
                args.push(analyze_fixture(f).into());
            }
        }
        args.extend(case_files(&case).into_iter().map(Into::into));
        let out = common::run().args(args).output();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: {}",
                case["name"],
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let codes = analyzer_codes(&case);
        let mut got = Multiset::new();
        for f in doc["findings"].as_array().unwrap() {
            let Some(code) = f["istio_code"].as_str().filter(|c| codes.contains(*c)) else {
                continue;
            };
            let r = &f["resource"];
            let resource = match r["namespace"].as_str() {
                Some(ns) => format!(
                    "{} {ns}/{}",
                    r["kind"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                ),
                None => format!(
                    "{} {}",
                    r["kind"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                ),
            };
            *got.entry((code.to_string(), resource)).or_default() += 1;
        }
        let (library, _) = run_case(&case, true);
        if got != library {
            failures.push(format!("{}: {:?}", case["name"], diff(&got, &library)));
        }
    }
    assert!(ran > 0);
    assert!(failures.is_empty(), "{failures:#?}");
}
