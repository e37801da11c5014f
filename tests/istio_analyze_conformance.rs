//! Conformance with `istioctl analyze`: Istio's own analyzer test cases
//! (`tests/fixtures/istio-analyze/cases.json`), run through meshgraph's
//! checks and compared as multisets of (IST code, resource) over the codes the
//! case's analyzer can emit.
//!
//! Istio runs each case with one analyzer only, so each case here runs the MG
//! checks that implement that analyzer (the table below); the share with every
//! check enabled is printed too, for information.

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

/// The MG checks standing for the case's analyzer: the registry's table, or
/// for an analyzer it does not list, every check mapped to one of the codes
/// the analyzer can emit.
fn checks_for(analyzer: &str, codes: &BTreeSet<String>) -> BTreeSet<Code> {
    match meshgraph_checks::registry::checks_for_istio_analyzer(analyzer) {
        Some(checks) => checks.iter().copied().collect(),
        None => {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            meshgraph_checks::registry::checks_for_istio_codes(&codes)
                .into_iter()
                .collect()
        }
    }
}

type Multiset = BTreeMap<(String, String), usize>;

fn run_case(case: &Value, scoped: bool) -> (Multiset, Multiset) {
    let codes: BTreeSet<String> = case["analyzer_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let files: Vec<PathBuf> = case["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| analyze_fixture(f.as_str().unwrap()))
        .collect();
    let (config, _warnings) =
        MeshConfig::load(&files, &LoadOptions::default()).expect("fixture reads");
    let settings = match &case["mesh_config"] {
        Value::Null => MeshSettings::default(),
        v => MeshSettings::from_mesh_config(v),
    };
    let config = config.with_settings(settings);
    let analyzer = case["analyzer"].as_str().unwrap();
    let options = CheckOptions {
        only: scoped.then(|| checks_for(analyzer, &codes)),
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
    let mut want = Multiset::new();
    for e in case["expected"].as_array().unwrap() {
        let key = (
            e["code"].as_str().unwrap().to_string(),
            e["resource"].as_str().unwrap().to_string(),
        );
        *want.entry(key).or_default() += 1;
    }
    (got, want)
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

#[test]
fn istio_analyze_cases_match() {
    let text = common::read_fixture("istio-analyze/cases.json");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let mut matched = 0;
    let mut matched_all_checks = 0;
    let mut failures = Vec::new();
    println!("{:<50} {:>8} {:>8}  result", "case", "expected", "got");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (got, want) = run_case(case, true);
        let problems = diff(&got, &want);
        let (got_all, _) = run_case(case, false);
        if diff(&got_all, &want).is_empty() {
            matched_all_checks += 1;
        }
        println!(
            "{:<50} {:>8} {:>8}  {}",
            name,
            want.values().sum::<usize>(),
            got.values().sum::<usize>(),
            if problems.is_empty() {
                "match"
            } else {
                "DIFFERS"
            }
        );
        if problems.is_empty() {
            matched += 1;
        } else {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    let share = matched as f64 / cases.len() as f64;
    println!(
        "exact match: {matched}/{} cases = {:.1}% (with every check enabled: {matched_all_checks}/{})",
        cases.len(),
        share * 100.0,
        cases.len()
    );
    for f in &failures {
        println!("{f}");
    }
    assert!(
        share >= 0.9,
        "only {matched}/{} istioctl analyze cases match:\n{}",
        cases.len(),
        failures.join("\n")
    );
}

/// The same comparison through the binary, scoped with `--istio-analyzer`, as
/// a user comparing meshgraph with an istioctl run of one analyzer would.
#[test]
fn the_cli_scoped_to_an_istio_analyzer_matches_each_case() {
    let cases: Value =
        serde_json::from_str(&common::read_fixture("istio-analyze/cases.json")).unwrap();
    let mut failures = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let analyzer = case["analyzer"].as_str().unwrap();
        if meshgraph_checks::registry::checks_for_istio_analyzer(analyzer).is_none() {
            continue;
        }
        let out = common::run()
            .args(["check", "--format", "json", "--istio-analyzer", analyzer])
            .args(
                case["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| analyze_fixture(f.as_str().unwrap())),
            )
            .output();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: BTreeSet<&str> = case["analyzer_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let mut got = Multiset::new();
        for f in doc["findings"].as_array().unwrap() {
            let Some(code) = f["istio_code"].as_str().filter(|c| codes.contains(c)) else {
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
        let (_, want) = run_case(case, true);
        if got != want {
            failures.push(format!("{}: {:?}", case["name"], diff(&got, &want)));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
