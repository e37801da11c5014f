//! MG208 two-part-host.

use meshgraph_config::{Kind, Object};
use serde_json::Value;

use crate::context::{Context, Findings, vs_destinations};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG208,
    name: "two-part-host",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Preview,
    summary: "Host `name.namespace` is used literally, not as the service's FQDN",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A host written as `name.namespace` (one dot, no wildcard) where `name` is a Service in \
namespace `namespace`, in a VirtualService's hosts or destinations or a DestinationRule's host.",
    why: "Istio expands only bare names: `reviews.bookinfo` is taken literally, as an external \
DNS name, not as `reviews.bookinfo.svc.cluster.local`, so the rule matches no traffic (Kiali \
resolves it, which makes the graph look right while routing is not).",
    fix: "Write the full FQDN (`reviews.bookinfo.svc.cluster.local`) or, in the service's own \
namespace, the bare name.",
    example: "```yaml\n  host: reviews.bookinfo   # MG208: use reviews.bookinfo.svc.cluster.local\n```",
};

/// The Service a two-part host (`name.namespace`) would mean, if it exists.
pub(crate) fn two_part_service<'a>(cx: &Context<'a>, host: &str) -> Option<&'a Object> {
    let (name, namespace) = host.split_once('.')?;
    if host.contains('*') || namespace.contains('.') || name.is_empty() {
        return None;
    }
    cx.service(namespace, name)
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let mut report = |o: &Object, host: &str, path: String| {
        if two_part_service(cx, host).is_some() {
            out.add(
                Code::MG208,
                o,
                format!("host {host} is not expanded by Istio; write {host}.svc.cluster.local"),
            )
            .at(path);
        }
    };
    for vs in cx.of_kind(Kind::VirtualService) {
        for (i, h) in vs.spec_strings("hosts").iter().enumerate() {
            report(vs, h, format!("spec/hosts[{i}]"));
        }
        for d in vs_destinations(vs) {
            if let Some(h) = d.host {
                report(vs, h, format!("{}/host", d.path));
            }
        }
    }
    for dr in cx.of_kind(Kind::DestinationRule) {
        if let Some(h) = dr.spec.get("host").and_then(Value::as_str) {
            report(dr, h, "spec/host".into());
        }
    }
}
