//! Conformance with `istioctl analyze`: Istio's own analyzer test cases
//! (`shared/fixtures/istio-analyze/cases.json`), run through meshgraph's
//! checks and compared as multisets of (IST code, resource) over the codes the
//! case's analyzer can emit.
//!
//! Istio runs each case with one analyzer only, so each case here runs the MG
//! checks that implement that analyzer (the table below); the share with every
//! check enabled is printed too, for information.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use meshgraph_checks::{CheckOptions, check};
use meshgraph_config::{LoadOptions, MeshConfig, MeshSettings};
use serde_json::Value;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/istio-analyze"
);

/// Istio analyzer -> the MG checks implementing it.
fn checks_for(analyzer: &str) -> &'static [&'static str] {
    match analyzer {
        "injection.Analyzer" => &["MG101", "MG103", "MG104"],
        "virtualservice.DestinationRuleAnalyzer" => &["MG202"],
        "virtualservice.DestinationHostAnalyzer" => &["MG201", "MG207"],
        "virtualservice.GatewayAnalyzer" => &["MG301", "MG302"],
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer" => &["MG206"],
        "destinationrule.PodNotSelectedAnalyzer" => &["MG203", "MG204"],
        "gateway.IngressGatewayPortAnalyzer" => &["MG303"],
        "gateway.ConflictingGatewayAnalyzer" => &["MG304"],
        "sidecar.SelectorAnalyzer" => &["MG403", "MG404", "MG501"],
        "conditions.ConditionAnalyzer" => &["MG405"],
        "service.PortNameAnalyzer" => &["MG209"],
        "authz.AuthorizationPoliciesAnalyzer" => &["MG403", "MG406"],
        _ => &[],
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
        .map(|f| Path::new(FIXTURES).join(f.as_str().unwrap()))
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
        only: scoped.then(|| checks_for(analyzer).iter().map(|c| c.to_string()).collect()),
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
    let text = std::fs::read_to_string(format!("{FIXTURES}/cases.json")).expect("cases.json");
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
