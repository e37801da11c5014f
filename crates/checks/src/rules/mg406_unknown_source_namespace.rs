//! MG406 unknown-source-namespace.

use meshgraph_config::{Kind, hosts::namespace_pattern_matches, items, string_list};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG406,
    name: "unknown-source-namespace",
    severity: Severity::Error,
    istio_code: Some("IST0101"),
    status: Status::Preview,
    summary: "AuthorizationPolicy names a source namespace that does not exist",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An AuthorizationPolicy rule whose `from[].source.namespaces` or `notNamespaces` entry \
(exact, `prefix-*`, `*-suffix`) matches no namespace of the input (Namespace objects and the \
namespaces objects live in).",
    why: "A typo in a namespace makes an ALLOW rule allow nothing, or a DENY rule deny nothing.",
    fix: "Correct the namespace name or pattern.",
    example: "```yaml\n  rules:\n  - from:\n    - source:\n        namespaces: [\"*-bogus\"]   # MG406\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let known = cx.config.namespace_names();
    for ap in cx.of_kind(Kind::AuthorizationPolicy) {
        for (i, rule) in items(&ap.spec, "rules").enumerate() {
            for (j, from) in items(rule, "from").enumerate() {
                for field in ["namespaces", "notNamespaces"] {
                    let patterns = string_list(from.get("source").and_then(|s| s.get(field)));
                    for (k, pattern) in patterns.iter().enumerate() {
                        if known
                            .iter()
                            .any(|ns| namespace_pattern_matches(pattern, ns))
                        {
                            continue;
                        }
                        out.add(
                            Code::MG406,
                            ap,
                            format!("source {field} entry {pattern:?} matches no namespace"),
                        )
                        .at(format!("spec/rules[{i}]/from[{j}]/source/{field}[{k}]"));
                    }
                }
            }
        }
    }
}
