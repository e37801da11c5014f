//! MG211 unreachable-route.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, items};
use serde_json::{Map, Value};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG211,
    name: "unreachable-route",
    severity: Severity::Error,
    istio_code: Some("IST0130"),
    status: Status::Stable,
    summary: "VirtualService rule or match can never be used",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "In one VirtualService's `http`, `tcp` or `tls` rules, in order: a rule without \
`match` after another rule without `match`, or a rule all of whose matches repeat earlier ones \
(IST0130, unreachable rule); a match repeating an earlier one (its `name` aside), or an HTTP \
match whose `uri.prefix` extends an earlier match's `uri.prefix` while that earlier match sets \
no other condition the later one lacks (IST0131, ineffective match). Each VirtualService is \
reported at most once per kind of problem, naming every rule concerned.",
    why: "Istio uses the first rule that matches: the later rule or match never receives \
traffic, so the routing it describes is not in force.",
    fix: "Remove the duplicate, or order the more specific match first.",
    example: "```yaml\n  http:\n  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: a}}]\n  - match: [{uri: {prefix: /api/v2}}]   # never used: MG211\n    route: [{destination: {host: b}}]\n```",
};

/// A match without its `name`, for comparing.
fn unnamed(m: &Value) -> Value {
    match m {
        Value::Object(map) => {
            let mut map = map.clone();
            map.remove("name");
            Value::Object(map)
        }
        other => other.clone(),
    }
}

/// Whether the earlier HTTP match `a` takes every request the later `b` would.
fn covers(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    let prefix = |m: &Map<String, Value>| {
        m.get("uri")
            .and_then(|u| u.get("prefix"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (Some(pa), Some(pb)) = (prefix(a), prefix(b)) else {
        return false;
    };
    pb.starts_with(&pa)
        && a.iter()
            .filter(|(k, _)| *k != "uri" && *k != "name")
            .all(|(k, v)| b.get(k) == Some(v))
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in cx.of_kind(Kind::VirtualService) {
        let mut unreachable = Vec::new();
        let mut ineffective = Vec::new();
        for proto in ["http", "tcp", "tls"] {
            // Matches seen so far, by their JSON text: the index of duplicates.
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            let mut earlier_http: Vec<&Map<String, Value>> = Vec::new();
            let mut catch_all: Option<usize> = None;
            for (i, rule) in items(&vs.spec, proto).enumerate() {
                let matches: Vec<&Value> = items(rule, "match").collect();
                if matches.is_empty() {
                    if catch_all.is_some() {
                        unreachable.push(format!("{proto}[{i}]"));
                    }
                    catch_all = Some(i);
                    continue;
                }
                let mut repeated = 0;
                for (j, m) in matches.iter().enumerate() {
                    let key = unnamed(m).to_string();
                    let duplicate = seen.contains_key(&key);
                    let overlapped = proto == "http"
                        && m.as_object()
                            .is_some_and(|b| earlier_http.iter().any(|a| covers(a, b)));
                    if duplicate {
                        repeated += 1;
                    }
                    if duplicate || overlapped {
                        ineffective.push(format!("{proto}[{i}].match[{j}]"));
                    }
                    seen.entry(key).or_insert(i);
                    if let Some(map) = m.as_object() {
                        earlier_http.push(map);
                    }
                }
                if repeated == matches.len() {
                    unreachable.push(format!("{proto}[{i}]"));
                }
            }
        }
        if !unreachable.is_empty() {
            out.add(
                Code::MG211,
                vs,
                format!(
                    "rule(s) {} can never be used: earlier rules take all their traffic",
                    unreachable.join(", ")
                ),
            );
        }
        if !ineffective.is_empty() {
            out.add(
                Code::MG211,
                vs,
                format!(
                    "match(es) {} are ineffective: an earlier match takes their traffic",
                    ineffective.join(", ")
                ),
            )
            .severity(Severity::Warning)
            .istio_code(Some("IST0131"));
        }
    }
}
