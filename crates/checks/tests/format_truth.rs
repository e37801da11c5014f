//! The renderers against hand-written expectations: exact text lines, SARIF
//! levels, URIs and rule indices, JUnit counts and XML escaping.

use meshgraph_checks::format::{
    TextOptions, render_json, render_junit, render_sarif, render_text, xml_escape,
};
use meshgraph_checks::{CheckReport, Code, Finding, ResourceRef, Severity};
use meshgraph_config::{Kind, Source};
use serde_json::Value;

/// A finding of `code` on `Pod bookinfo/name`, with nothing optional set.
fn finding(code: Code, severity: Severity, name: &str, message: &str) -> Finding {
    Finding {
        code,
        name: code.rule().name.to_string(),
        severity,
        istio_code: None,
        resource: ResourceRef::new(Kind::Pod, Some("bookinfo"), name),
        path: None,
        message: message.to_string(),
        evidence: Vec::new(),
        source: None,
        edges: Vec::new(),
    }
}

fn source(file: &str, line: Option<usize>) -> Option<Source> {
    Some(Source {
        file: file.to_string(),
        line,
    })
}

fn report(findings: Vec<Finding>) -> CheckReport {
    CheckReport {
        findings,
        ..CheckReport::default()
    }
}

#[test]
fn text_without_findings_says_so() {
    // An empty report prints one fixed sentence.
    assert_eq!(
        render_text(&report(vec![]), &TextOptions::default()),
        "No validation issues found\n"
    );
}

#[test]
fn text_details_list_path_source_and_evidence_with_controls_escaped() {
    // One istioctl-style line, then `at`, `in` and `-` lines; control characters escaped.
    let mut f = finding(Code::MG101, Severity::Warning, "x\u{1b}", "no sidecar");
    f.path = Some("spec/containers".into());
    f.source = source("a.yaml", Some(3));
    f.evidence = vec!["namespace labelled".into(), "no istio-proxy".into()];
    let r = report(vec![f]);
    assert_eq!(
        render_text(&r, &TextOptions { details: true }),
        "Warning [MG101] (Pod bookinfo/x\\u{1b}) no sidecar\n    at spec/containers\n    in a.yaml:3\n    - namespace labelled\n    - no istio-proxy\n"
    );
    assert_eq!(
        render_text(&r, &TextOptions::default()),
        "Warning [MG101] (Pod bookinfo/x\\u{1b}) no sidecar\n"
    );
}

#[test]
fn json_has_schema_version_findings_and_notes() {
    // `{"schema_version": 1, "findings": [...], "notes": [...]}`, newline-terminated.
    let mut r = report(vec![finding(Code::MG102, Severity::Info, "p", "half")]);
    r.notes = vec!["a note".into()];
    let text = render_json(&r);
    assert!(text.ends_with("}\n"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["findings"][0]["code"], "MG102");
    assert_eq!(v["findings"][0]["severity"], "info");
    assert_eq!(v["findings"][0]["resource"]["kind"], "Pod");
    assert_eq!(v["findings"][0]["message"], "half");
    assert_eq!(v["notes"], serde_json::json!(["a note"]));
}

fn sarif(findings: Vec<Finding>) -> Value {
    serde_json::from_str(&render_sarif(&report(findings))).expect("SARIF is JSON")
}

#[test]
fn sarif_levels_are_error_warning_and_note() {
    // Error -> "error", Warning -> "warning", Info -> "note", for results and rule defaults.
    let v = sarif(vec![
        finding(Code::MG101, Severity::Error, "a", "m"),
        finding(Code::MG101, Severity::Warning, "b", "m"),
        finding(Code::MG101, Severity::Info, "c", "m"),
    ]);
    let results = &v["runs"][0]["results"];
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[2]["level"], "note");
    assert_eq!(results[0]["message"]["text"], "(Pod bookinfo/a) m");
    // MG101 is declared a Warning.
    let rule = &v["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "MG101");
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
}

#[test]
fn sarif_rule_index_points_at_the_findings_own_rule() {
    // MG101 is the first rule of the registry, MG102 the second.
    let v = sarif(vec![
        finding(Code::MG101, Severity::Warning, "a", "m"),
        finding(Code::MG102, Severity::Warning, "b", "m"),
    ]);
    let results = &v["runs"][0]["results"];
    assert_eq!(results[0]["ruleId"], "MG101");
    assert_eq!(results[0]["ruleIndex"], 0);
    assert_eq!(results[1]["ruleIndex"], 1);
}

#[test]
fn sarif_uri_percent_encodes_and_uses_forward_slashes() {
    // Space, #, ? and % are encoded, `\` becomes `/`, a leading `./` is dropped.
    let mut f = finding(Code::MG101, Severity::Warning, "a", "m");
    f.source = source("./dir\\my file#1?50%.yaml", Some(7));
    let v = sarif(vec![f]);
    let physical = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "dir/my%20file%231%3F50%25.yaml"
    );
    assert_eq!(physical["region"]["startLine"], 7);
}

#[test]
fn sarif_has_no_physical_location_for_stdin_or_memory() {
    // `-` (stdin) and `<...>` (in-memory) sources are no files.
    let mut stdin = finding(Code::MG101, Severity::Warning, "a", "m");
    stdin.source = source("-", Some(1));
    let mut memory = finding(Code::MG101, Severity::Warning, "b", "m");
    memory.source = source("<scenario>", None);
    let mut file = finding(Code::MG101, Severity::Warning, "c", "m");
    file.source = source("c.yaml", None);
    let v = sarif(vec![stdin, memory, file]);
    let results = &v["runs"][0]["results"];
    assert_eq!(results[0]["locations"][0].get("physicalLocation"), None);
    assert_eq!(results[1]["locations"][0].get("physicalLocation"), None);
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "c.yaml"
    );
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"].get("region"),
        None
    );
}

#[test]
fn xml_escape_escapes_markup_and_drops_forbidden_characters() {
    // The five entities; tab/newline/CR kept; other C0 controls, U+FFFE, U+FFFF dropped.
    assert_eq!(
        xml_escape("a&b<c>d\"e'f\tg\nh\ri\u{0}j\u{1f}k l\u{fffe}m\u{ffff}n\u{fffd}\u{7f}"),
        "a&amp;b&lt;c&gt;d&quot;e&apos;f\tg\nh\rijk lmn\u{fffd}\u{7f}"
    );
}

#[test]
fn junit_counts_findings_failures_and_skipped_checks() {
    // 3 findings (2 at or above Warning) from MG101 and MG102; MG103 ran and
    // found nothing; every other rule did not run.
    let mut r = report(vec![
        finding(Code::MG101, Severity::Error, "a", "m1"),
        finding(Code::MG101, Severity::Warning, "b", "m2"),
        finding(Code::MG102, Severity::Info, "c", "m3"),
    ]);
    r.checked = vec![Code::MG101, Code::MG102, Code::MG103];
    let xml = render_junit(&r, Severity::Warning);
    // With N rules: 3 finding testcases + (N - 2) rules without findings;
    // skipped: the N - 3 rules that did not run.
    let rules = Code::ALL.len();
    let header = format!(
        "<testsuites name=\"meshgraph check\" tests=\"{}\" failures=\"2\" errors=\"0\" skipped=\"{}\">",
        rules + 1,
        rules - 3
    );
    assert!(xml.contains(&header), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert_eq!(xml.matches("<skipped/>").count(), rules - 3);
    // MG103 ran and found nothing: a passing, self-closed testcase.
    let mg103 = xml
        .lines()
        .find(|l| l.starts_with("    <testcase classname=\"MG103 "))
        .unwrap();
    assert!(mg103.ends_with("\"/>"), "{mg103}");
}

#[test]
fn junit_failure_body_lists_istio_code_path_source_evidence_and_fix() {
    // The failure text is the finding's details, XML-escaped; below fail_on it goes to system-out.
    let mut f = finding(Code::MG101, Severity::Error, "a", "bad <pod>");
    f.istio_code = Some("IST0103".into());
    f.path = Some("spec/containers".into());
    f.source = source("a.yaml", Some(3));
    f.evidence = vec!["x & y".into()];
    let info = finding(Code::MG102, Severity::Info, "b", "minor");
    let xml = render_junit(&report(vec![f, info]), Severity::Warning);
    assert!(
        xml.contains(
            "<failure type=\"error\" message=\"bad &lt;pod&gt;\">istioctl: IST0103\npath: spec/containers\nsource: a.yaml:3\n- x &amp; y\nfix: Restart the workload"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<system-out>Info [MG102] (Pod bookinfo/b) minor\nfix: Restart the workload"),
        "{xml}"
    );
}
