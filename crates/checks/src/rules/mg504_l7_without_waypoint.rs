//! MG504 l7-policy-without-waypoint.

use meshgraph_config::{Kind, Object, hosts, items};
use serde_json::Value;

use crate::context::{Context, Findings, vs_is_mesh_bound};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG504,
    name: "l7-policy-without-waypoint",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Preview,
    summary: "L7 policy or routing for ambient workloads that no waypoint serves",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "In an ambient namespace: an AuthorizationPolicy enforced by ztunnel (bound by selector \
or namespace-wide, not by `targetRefs`) whose rules use L7 attributes (methods, paths, hosts, \
request principals, `request.*` conditions); or a mesh VirtualService for a Service that no \
waypoint serves.",
    why: "ztunnel only sees connections. It cannot evaluate L7 rules (an ALLOW policy with L7 rules \
then denies everything) and does not apply VirtualService routing, so the configuration silently \
does nothing or blocks traffic.",
    fix: "Deploy a waypoint for the namespace or service (`istio.io/use-waypoint`) and bind L7 \
policies to it with `targetRefs`.",
    example: "```yaml\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  namespace: bookinfo   # ambient, no waypoint\nspec:\n  selector:\n    matchLabels:\n      app: reviews\n  rules:\n  - to:\n    - operation:\n        methods: [GET]   # MG504\n```",
};

fn uses_l7(ap: &Object) -> bool {
    let rules = items(&ap.spec, "rules");
    rules.into_iter().any(|rule| {
        let ops = items(rule, "to").any(|t| {
            let op = t.get("operation");
            [
                "methods",
                "paths",
                "hosts",
                "notMethods",
                "notPaths",
                "notHosts",
            ]
            .iter()
            .any(|k| op.and_then(|o| o.get(k)).is_some())
        });
        let principals = items(rule, "from").any(|f| {
            let s = f.get("source");
            ["requestPrincipals", "notRequestPrincipals"]
                .iter()
                .any(|k| s.and_then(|s| s.get(k)).is_some())
        });
        let when = items(rule, "when").any(|w| {
            w.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| k.starts_with("request."))
        });
        ops || principals || when
    })
}

fn ambient_only(cx: &Context<'_>, ns: &str) -> bool {
    cx.enrollment(ns).is_some_and(|e| e.ambient && !e.injects())
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for ap in cx.of_kind(Kind::AuthorizationPolicy) {
        let ns = ap.effective_namespace();
        if ap.spec.get("targetRefs").is_some() || ap.spec.get("targetRef").is_some() {
            continue;
        }
        if ambient_only(cx, ns) && uses_l7(ap) {
            out.add(
                Code::MG504,
                ap,
                "AuthorizationPolicy uses L7 attributes but is enforced by ztunnel; bind it to a waypoint with targetRefs",
            )
            .at("spec/rules");
        }
    }
    for vs in cx.of_kind(Kind::VirtualService) {
        if !vs_is_mesh_bound(vs) {
            continue;
        }
        for host in vs.spec_strings("hosts") {
            let fqdn = hosts::fqdn(&host, vs.effective_namespace());
            let Some((name, ns)) = hosts::split_service_fqdn(&fqdn) else {
                continue;
            };
            if cx.service(ns, name).is_none() || !ambient_only(cx, ns) {
                continue;
            }
            if meshgraph_config::MeshConfig::waypoint_of(ns, cx.service(ns, name), cx.namespace(ns))
                .is_none()
            {
                out.add(
                    Code::MG504,
                    vs,
                    format!("VirtualService routes ambient service {ns}/{name}, which no waypoint serves"),
                )
                .at("spec/hosts");
            }
        }
    }
}
