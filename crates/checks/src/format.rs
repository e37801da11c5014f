//! Rendering a [`CheckReport`]: istioctl-style text, JSON, SARIF 2.1.0, JUnit XML.
//! Pure functions returning strings; writing is the caller's job.

use serde_json::{Value, json};

use crate::finding::Severity;
use crate::registry::RULES;
use crate::{CheckReport, Finding};

/// Version of the JSON output's shape.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Options of the text renderer.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// Print each finding's path and evidence below its line.
    pub details: bool,
}

/// One line per finding: `Warning [MG101] (Pod bookinfo/x) message`.
/// Control characters from names and label values are escaped.
pub fn render_text(report: &CheckReport, options: &TextOptions) -> String {
    meshgraph_model::escape_controls(&render_text_raw(report, options))
}

fn render_text_raw(report: &CheckReport, options: &TextOptions) -> String {
    if report.findings.is_empty() {
        return "No validation issues found\n".to_string();
    }
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&f.line());
        out.push('\n');
        if options.details {
            if let Some(path) = &f.path {
                out.push_str(&format!("    at {path}\n"));
            }
            if let Some(source) = &f.source {
                out.push_str(&format!("    in {source}\n"));
            }
            for e in &f.evidence {
                out.push_str(&format!("    - {e}\n"));
            }
        }
    }
    out
}

/// `{"schema_version": 1, "findings": [...], "notes": [...]}`.
pub fn render_json(report: &CheckReport) -> String {
    let doc = json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "findings": report.findings,
        "notes": report.notes,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("findings serialize");
    text.push('\n');
    text
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative or absolute path as a SARIF URI reference.
fn file_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            '%' => out.push_str("%25"),
            '\\' => out.push('/'),
            c => out.push(c),
        }
    }
    out.trim_start_matches("./").to_string()
}

/// SARIF 2.1.0 for code scanning: every rule of the registry, one result per finding.
pub fn render_sarif(report: &CheckReport) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc.what},
                "help": {"text": r.doc.fix},
                "helpUri": format!("docs/findings/{}.md", r.code),
                "defaultConfiguration": {"level": sarif_level(r.severity)},
                "properties": {"istio_code": r.istio_code, "status": r.status.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut location = json!({
                "logicalLocations": [{
                    "name": f.resource.name,
                    "fullyQualifiedName": f.resource.to_string(),
                    "kind": "resource",
                }],
            });
            if let Some(source) = f
                .source
                .as_ref()
                .filter(|s| s.file != "-" && !s.file.starts_with('<'))
            {
                let mut physical = json!({"artifactLocation": {"uri": file_uri(&source.file)}});
                if let Some(line) = source.line {
                    physical["region"] = json!({"startLine": line});
                }
                location["physicalLocation"] = physical;
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": sarif_level(f.severity),
                "message": {"text": format!("({}) {}", f.resource, f.message)},
                "locations": [location],
                "properties": {"istio_code": f.istio_code, "path": f.path, "evidence": f.evidence},
            });
            if let Some(index) = RULES.iter().position(|r| r.code == f.code) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "meshgraph",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/meshgraph",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("sarif serializes");
    text.push('\n');
    text
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML for CI dashboards: one testcase per finding (a failure when at or
/// above `fail_on`), one passing testcase per check that found nothing, and a
/// skipped one per check that did not run.
pub fn render_junit(report: &CheckReport, fail_on: Severity) -> String {
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    let suite = "meshgraph check";
    for f in &report.findings {
        tests += 1;
        let classname = format!("{} {}", f.code, f.name);
        let body = finding_body(f);
        cases.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\">\n",
            xml_escape(&classname),
            xml_escape(&f.resource.to_string())
        ));
        if f.severity >= fail_on {
            failures += 1;
            cases.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                f.severity.as_str(),
                xml_escape(&f.message),
                xml_escape(&body)
            ));
        } else {
            cases.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml_escape(&format!("{}\n{body}", f.line()))
            ));
        }
        cases.push_str("    </testcase>\n");
    }
    for r in RULES {
        if report.findings.iter().any(|f| f.code == r.code) {
            continue;
        }
        tests += 1;
        let classname = format!("{} {}", r.code, r.name);
        if report.checked.contains(&r.code) {
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"/>\n",
                xml_escape(&classname),
                xml_escape(r.summary)
            ));
        } else {
            skipped += 1;
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <skipped/>\n    </testcase>\n",
                xml_escape(&classname),
                xml_escape(r.summary)
            ));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<testsuites name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n\
  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n\
{cases}  </testsuite>\n</testsuites>\n"
    )
}

fn finding_body(f: &Finding) -> String {
    let mut body = String::new();
    if let Some(istio) = &f.istio_code {
        body.push_str(&format!("istioctl: {istio}\n"));
    }
    if let Some(path) = &f.path {
        body.push_str(&format!("path: {path}\n"));
    }
    if let Some(source) = &f.source {
        body.push_str(&format!("source: {source}\n"));
    }
    for e in &f.evidence {
        body.push_str(&format!("- {e}\n"));
    }
    body.push_str(&format!("fix: {}\n", f.code.rule().doc.fix));
    body
}
