//! The workshop's situations, on the real bookinfo manifests: what `meshgraph
//! check` must say about an unlabelled namespace, an injected one, pods that
//! missed injection, and a VirtualService applied without its DestinationRule.

mod common;

use meshgraph_checks::{CheckOptions, CheckReport, Severity, check};
use meshgraph_config::{Kind, LoadOptions, MeshConfig};

fn bookinfo_yaml() -> String {
    common::read_fixture("istio-bookinfo/bookinfo.yaml")
}

fn namespace(labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bookinfo\n  labels: {labels}\n")
}

/// Reads YAML documents as `kubectl apply -n bookinfo` would place them.
fn load(docs: &[String]) -> MeshConfig {
    let options = LoadOptions {
        default_namespace: Some("bookinfo".into()),
    };
    let (config, warnings) =
        MeshConfig::from_text(&docs.join("\n---\n"), "workshop.yaml", &options);
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

fn run(config: &MeshConfig) -> CheckReport {
    check(config, None, &CheckOptions::default())
}

fn resources(report: &CheckReport, code: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.resource.to_string())
        .collect()
}

const WORKLOADS: [&str; 6] = [
    "details-v1",
    "productpage-v1",
    "ratings-v1",
    "reviews-v1",
    "reviews-v2",
    "reviews-v3",
];

#[test]
fn unlabelled_namespace_is_out_of_the_mesh_with_every_workload() {
    let report = run(&load(&[namespace("{}"), bookinfo_yaml()]));
    assert_eq!(resources(&report, "MG103"), ["Namespace bookinfo"]);
    let expected: Vec<String> = WORKLOADS
        .iter()
        .map(|w| format!("Deployment bookinfo/{w}"))
        .collect();
    assert_eq!(resources(&report, "MG105"), expected);
    assert!(resources(&report, "MG101").is_empty());
}

#[test]
fn injected_namespace_predicts_sidecars_and_reports_the_opted_out_deployment() {
    let opted_out = bookinfo_yaml()
        .split("\n---")
        .find(|d| d.contains("name: ratings-v1") && d.contains("kind: Deployment"))
        .expect("ratings deployment")
        .replace("name: ratings-v1", "name: ratings-debug")
        .replace(
            "      labels:\n",
            "      labels:\n        sidecar.istio.io/inject: \"false\"\n",
        );
    let report = run(&load(&[
        namespace("{istio-injection: enabled}"),
        bookinfo_yaml(),
        opted_out,
    ]));
    assert!(
        resources(&report, "MG101").is_empty(),
        "{:?}",
        report.findings
    );
    assert!(resources(&report, "MG103").is_empty());
    assert_eq!(
        resources(&report, "MG105"),
        ["Deployment bookinfo/ratings-debug"]
    );
    let f = report.findings.iter().find(|f| f.code == "MG105").unwrap();
    assert!(
        f.message
            .contains("opted out by label sidecar.istio.io/inject=false"),
        "{}",
        f.message
    );
}

/// `kubectl get pods -n bookinfo -o yaml` after the namespace was labelled but
/// before the workloads were restarted: no pod has an istio-proxy.
fn pods_list() -> String {
    let mut out =
        String::from("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n");
    for w in WORKLOADS {
        let (app, version) = w.split_once('-').unwrap();
        out.push_str(&format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: {w}-7d9c8b6f5-x2k4p\n    namespace: bookinfo\n    labels:\n      app: {app}\n      version: {version}\n      pod-template-hash: 7d9c8b6f5\n    ownerReferences:\n    - apiVersion: apps/v1\n      kind: ReplicaSet\n      name: {w}-7d9c8b6f5\n      controller: true\n  spec:\n    containers:\n    - name: {app}\n      image: registry.istio.io/release/examples-bookinfo-{w}:1.20.3\n  status:\n    phase: Running\n"
        ));
    }
    out
}

#[test]
fn pods_that_missed_injection_are_missing_their_sidecar() {
    let expected: Vec<String> = WORKLOADS
        .iter()
        .map(|w| format!("Pod bookinfo/{w}-7d9c8b6f5-x2k4p"))
        .collect();
    let report = run(&load(&[
        namespace("{istio-injection: enabled}"),
        pods_list(),
    ]));
    assert_eq!(resources(&report, "MG101"), expected);
    let f = &report.findings.iter().find(|f| f.code == "MG101").unwrap();
    assert_eq!(f.istio_code.as_deref(), Some("IST0103"));
    assert!(
        f.source.as_ref().unwrap().line.is_some(),
        "list items keep their line"
    );

    // With the Deployments in the input too: still one MG101 per pod, and the
    // Deployments (predicted injected) add nothing.
    let report = run(&load(&[
        namespace("{istio-injection: enabled}"),
        bookinfo_yaml(),
        pods_list(),
    ]));
    assert_eq!(resources(&report, "MG101"), expected);
    assert!(resources(&report, "MG105").is_empty());
}

#[test]
fn pods_of_an_unlabelled_namespace_are_reported_once_through_their_deployment() {
    let report = run(&load(&[namespace("{}"), bookinfo_yaml(), pods_list()]));
    let mg105 = resources(&report, "MG105");
    assert_eq!(mg105.len(), 6, "{mg105:?}");
    assert!(mg105.iter().all(|r| r.starts_with("Deployment ")));
}

fn end_user_sample(with_destination_rule: bool) -> MeshConfig {
    let sample = common::read_fixture("seed-workshop/end-user-sample.yaml");
    let mut config = load(&[
        namespace("{istio-injection: enabled}"),
        bookinfo_yaml(),
        sample,
    ]);
    if !with_destination_rule {
        config.objects.retain(|o| o.kind != Kind::DestinationRule);
    }
    config
}

#[test]
fn routing_before_the_destination_rule_is_a_missing_subset() {
    let report = run(&end_user_sample(false));
    let mg202: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "MG202")
        .collect();
    assert_eq!(mg202.len(), 2, "{mg202:?}");
    assert!(
        mg202
            .iter()
            .all(|f| f.resource.to_string() == "VirtualService bookinfo/reviews")
    );
    assert!(mg202.iter().all(|f| f.severity == Severity::Error));
    assert_eq!(
        mg202[0].path.as_deref(),
        Some("spec/http[0]/route[0]/destination")
    );

    let report = run(&end_user_sample(true));
    assert!(
        resources(&report, "MG202").is_empty(),
        "{:?}",
        report.findings
    );
    assert!(
        resources(&report, "MG203").is_empty(),
        "subsets match the Deployments' templates"
    );
    assert!(
        report.worst() < Some(Severity::Error),
        "{:?}",
        report.findings
    );
}

fn meshgraph(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut run = common::run().args(args);
    if let Some(text) = stdin {
        run = run.stdin(text);
    }
    let out = run.output();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_text_output_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pods.yaml");
    std::fs::write(
        &path,
        format!(
            "{}---\n{}",
            namespace("{istio-injection: enabled}"),
            pods_list()
        ),
    )
    .unwrap();
    let path = path.to_str().unwrap();

    let (code, out, _) = meshgraph(&["check", path], None);
    assert_eq!(code, 0, "warnings do not fail by default");
    assert!(
        out.lines().any(|l| l == "Warning [MG101] (Pod bookinfo/details-v1-7d9c8b6f5-x2k4p) Pod is missing the Istio sidecar in an injected namespace"),
        "{out}"
    );
    let (code, _, _) = meshgraph(&["check", "-f", path, "--fail-on", "warning"], None);
    assert_eq!(code, 1);
    let (code, out, _) = meshgraph(
        &[
            "check",
            path,
            "--fail-on",
            "warning",
            "--ignore",
            "MG101,MG209",
        ],
        None,
    );
    assert_eq!((code, out.as_str()), (0, "No validation issues found\n"));
    let (code, _, err) = meshgraph(&["check", "--ignore", "MG999", path], None);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, _, err) = meshgraph(&["check", "/nonexistent/manifests.yaml"], None);
    assert_eq!(code, 2, "{err}");

    // stdin, and a malformed document reported with its line while the rest is used.
    let text = format!(
        "{}---\nkind: Pod\nmetadata: [\n---\n{}",
        namespace("{istio-injection: enabled}"),
        pods_list()
    );
    let (code, out, err) = meshgraph(&["check", "-", "--fail-on", "warning"], Some(&text));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("-:7") || err.contains("-:8"), "{err}");
    assert_eq!(out.lines().filter(|l| l.contains("[MG101]")).count(), 6);
}

#[test]
fn cli_json_sarif_and_junit() {
    let sample = common::fixture("seed-workshop/end-user-sample.yaml")
        .display()
        .to_string();
    let (code, out, _) = meshgraph(&["check", &sample, "--format", "json"], None);
    assert_eq!(
        code, 1,
        "alone, the sample's hosts resolve to nothing: errors"
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["code"] == "MG201")
        .expect("reviews is not in the input");
    for key in [
        "code",
        "name",
        "severity",
        "istio_code",
        "resource",
        "path",
        "message",
        "evidence",
    ] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    assert_eq!(f["resource"]["namespace"], serde_json::Value::Null);

    let dir = tempfile::tempdir().unwrap();
    let sarif_path = dir.path().join("out.sarif");
    let (code, _, _) = meshgraph(
        &[
            "check",
            &sample,
            "--format",
            "sarif",
            "-o",
            sarif_path.to_str().unwrap(),
            "--fail-on",
            "error",
        ],
        None,
    );
    assert_eq!(code, 1, "MG201 is an error");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "meshgraph");
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 30);
    let result = &run["results"][0];
    assert!(result["ruleId"].as_str().unwrap().starts_with("MG"));
    assert!(result["message"]["text"].is_string());
    let location = &result["locations"][0];
    assert!(location["logicalLocations"][0]["fullyQualifiedName"].is_string());
    assert!(
        location["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("end-user-sample.yaml")
    );
    assert!(
        location["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            >= 1
    );

    let (_, out, _) = meshgraph(&["check", &sample, "--format", "junit"], None);
    let xml = roxmltree::Document::parse(&out).expect("well-formed JUnit XML");
    let failures = xml
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert!(failures >= 1);
    assert!(
        xml.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count()
            >= 30
    );
}

#[test]
fn cli_demo_checks_configuration_and_telemetry() {
    let (code, out, err) = meshgraph(
        &["check", "--demo", "bookinfo-mixed", "--format", "json"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"MG903"),
        "the out-of-mesh caller is an unknown source: {codes:?}"
    );
    assert!(codes.contains(&"MG105"), "{codes:?}");
}
