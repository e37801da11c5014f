//! `check`'s selection and notes, `CheckReport::worst`, `badge_graph`,
//! `ResourceKind`'s identity by name, and the registry's code lookups, against
//! hand-written expectations.

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use meshgraph_checks::registry::is_known_code;
use meshgraph_checks::{
    CheckOptions, CheckReport, Code, Finding, ResourceKind, ResourceRef, Severity, UnknownCode,
    badge_graph, check,
};
use meshgraph_config::{Kind, LoadOptions, MeshConfig};

fn load(yaml: &str) -> MeshConfig {
    let (config, warnings) = MeshConfig::from_text(yaml, "t.yaml", &LoadOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

fn only(codes: &[Code]) -> CheckOptions {
    CheckOptions {
        only: Some(codes.iter().copied().collect()),
        ..CheckOptions::default()
    }
}

/// A pod without sidecar in an injected namespace (MG101), `extra` metadata lines added.
fn unmeshed_pod(extra: &str) -> MeshConfig {
    load(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {{istio-injection: enabled}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n  namespace: shop\n{extra}spec:\n  containers:\n  - {{name: app, image: web}}\n"
    ))
}

fn finding(code: Code, severity: Severity, resource: ResourceRef) -> Finding {
    Finding {
        code,
        name: "n".into(),
        severity,
        istio_code: None,
        resource,
        path: None,
        message: "m".into(),
        evidence: Vec::new(),
        source: None,
        edges: Vec::new(),
    }
}

const SILENCED: &str = "1 finding(s) silenced by meshgraph.io/ignore annotations";

#[test]
fn worst_is_the_highest_severity() {
    // Info and Error findings: the worst is Error; no findings, none.
    let pod = ResourceRef::new(Kind::Pod, Some("a"), "b");
    let report = CheckReport {
        findings: vec![
            finding(Code::MG101, Severity::Info, pod.clone()),
            finding(Code::MG102, Severity::Error, pod.clone()),
            finding(Code::MG103, Severity::Warning, pod),
        ],
        ..CheckReport::default()
    };
    assert_eq!(report.worst(), Some(Severity::Error));
    assert_eq!(CheckReport::default().worst(), None);
}

#[test]
fn ignored_checks_do_not_run() {
    // `--ignore MG101` with `--only MG101,MG102`: only MG102 runs.
    let options = CheckOptions {
        ignore: BTreeSet::from([Code::MG101]),
        ..only(&[Code::MG101, Code::MG102])
    };
    let report = check(&unmeshed_pod(""), None, &options);
    assert_eq!(report.checked, [Code::MG102]);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn ignore_annotation_silences_with_a_counted_note() {
    // One MG101 finding silenced by its pod's annotation: one note, no finding.
    let report = check(
        &unmeshed_pod("  annotations: {meshgraph.io/ignore: MG101}\n"),
        None,
        &only(&[Code::MG101]),
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.notes, [SILENCED]);
}

#[test]
fn no_silenced_note_when_nothing_was_silenced() {
    // The MG101 finding is reported and no note is added.
    let report = check(&unmeshed_pod(""), None, &only(&[Code::MG101]));
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.notes, Vec::<String>::new());
}

#[test]
fn a_config_without_workloads_gets_the_selector_note() {
    // A Service alone: the selector checks would report every selector.
    let config = load(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  ports:\n  - {port: 80}\n",
    );
    let report = check(&config, None, &only(&[Code::MG101]));
    assert_eq!(
        report.notes,
        [
            "no Pods or workloads in the input: selector checks (MG203, MG303, MG403) report every selector"
        ]
    );
}

#[test]
fn badge_graph_marks_the_workload_a_finding_names() {
    // A Deployment finding badges its workload node; a Service finding badges nothing.
    let scenario = meshgraph_scenario::builtin("bookinfo-sidecar")
        .unwrap()
        .unwrap();
    let observations = scenario.telemetry();
    let rec = meshgraph_core::reconcile(&observations, &meshgraph_core::ClassifyOptions::default());
    let mut graph = meshgraph_core::build_graph(&rec, &meshgraph_core::GraphOptions::default());
    let report = CheckReport {
        findings: vec![
            finding(
                Code::MG102,
                Severity::Error,
                ResourceRef::new(Kind::Deployment, Some("bookinfo"), "reviews-v2"),
            ),
            finding(
                Code::MG201,
                Severity::Warning,
                ResourceRef::new(Kind::Service, Some("bookinfo"), "reviews-v1"),
            ),
        ],
        ..CheckReport::default()
    };
    badge_graph(&report, &mut graph.badges(&rec));
    let badged: Vec<(String, String, Severity)> = graph
        .nodes()
        .flat_map(|n| {
            n.badges
                .iter()
                .map(|b| (n.id.clone(), b.code.clone(), b.severity))
        })
        .collect();
    assert_eq!(
        badged,
        [(
            "workload:bookinfo/reviews-v2".to_string(),
            "MG102".to_string(),
            Severity::Error
        )]
    );
}

#[test]
fn resource_kind_from_name_keeps_workload_and_destination() {
    // The two telemetry kinds are their own variants, not `Other`.
    assert!(matches!(
        ResourceKind::from_name("Workload"),
        ResourceKind::Workload
    ));
    assert!(matches!(
        ResourceKind::from_name("Destination"),
        ResourceKind::Destination
    ));
    assert!(matches!(
        ResourceKind::from_name("Job"),
        ResourceKind::Other(ref n) if n == "Job"
    ));
}

#[test]
fn resource_kind_is_workload_for_workloads_and_pods_only() {
    // Pod, Deployment and telemetry workloads are workloads; a Service is not.
    assert!(ResourceKind::Config(Kind::Pod).is_workload());
    assert!(ResourceKind::Workload.is_workload());
    assert!(!ResourceKind::Config(Kind::Service).is_workload());
    assert!(!ResourceKind::Destination.is_workload());
}

fn hash_of(value: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[test]
fn resource_kinds_compare_order_and_hash_by_name() {
    // `Other("Service")` is the Service kind; different names differ.
    let service = ResourceKind::Config(Kind::Service);
    assert_eq!(service, ResourceKind::Other("Service".into()));
    assert_ne!(service, ResourceKind::Config(Kind::Pod));
    assert_ne!(ResourceKind::Workload, ResourceKind::Destination);
    // "Deployment" < "Service" < "Workload".
    assert!(ResourceKind::Config(Kind::Deployment) < service);
    assert!(service < ResourceKind::Workload);
    assert_eq!(
        ResourceKind::Workload.partial_cmp(&ResourceKind::Destination),
        Some(std::cmp::Ordering::Greater)
    );
    assert_eq!(hash_of(&service), hash_of("Service"));
    assert_ne!(hash_of(&service), hash_of(ResourceKind::Config(Kind::Pod)));
}

#[test]
fn unknown_code_message_names_the_text() {
    // `MG999: no such finding code`.
    let err: UnknownCode = "MG999".parse::<Code>().unwrap_err();
    assert_eq!(err.to_string(), "MG999: no such finding code");
}

#[test]
fn code_equals_its_text() {
    // `MG101` equals "MG101" and nothing else.
    assert!(<Code as PartialEq<str>>::eq(&Code::MG101, "MG101"));
    assert!(!<Code as PartialEq<str>>::eq(&Code::MG101, "MG102"));
}

#[test]
fn rule_codes_are_known_codes() {
    // Every registered code is known; a made-up one is not.
    assert!(is_known_code("MG101"));
    assert!(is_known_code("MG907"));
    assert!(!is_known_code("MG100"));
}
