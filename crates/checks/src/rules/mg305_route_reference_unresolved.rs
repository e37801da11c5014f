//! MG305 route-reference-unresolved.

use meshgraph_config::{Kind, Object, items, scalar_text};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG305,
    name: "route-reference-unresolved",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Preview,
    summary: "HTTPRoute/GRPCRoute parent or backend does not resolve",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An HTTPRoute or GRPCRoute whose `parentRefs` name a Gateway (or, for mesh routes, a \
Service) that does not exist or does not accept routes from the route's namespace \
(`allowedRoutes`), or whose `backendRefs` name a Service that does not exist or sits in another \
namespace without a ReferenceGrant allowing it. Negative status conditions on routes are MG405.",
    why: "An unresolved parent means the route is attached nowhere; an unresolved backend makes \
the gateway answer 500 for the matching requests.",
    fix: "Correct the reference, create the missing object, allow the namespace in the Gateway \
listener's `allowedRoutes`, or add a ReferenceGrant in the backend's namespace.",
    example: "```yaml\nspec:\n  parentRefs:\n  - name: bookinfo-gateway   # no such Gateway in this namespace: MG305\n```",
};

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn granted(cx: &Context<'_>, route: &Object, to_ns: &str, to_kind: &str, to_name: &str) -> bool {
    cx.of_kind(Kind::ReferenceGrant)
        .filter(|g| g.effective_namespace() == to_ns)
        .any(|g| {
            let from_ok = items(&g.spec, "from").any(|f| {
                text(f, "kind") == Some(route.kind.as_str())
                    && text(f, "namespace") == Some(route.effective_namespace())
            });
            let to_ok = items(&g.spec, "to").any(|t| {
                text(t, "kind") == Some(to_kind) && text(t, "name").is_none_or(|n| n == to_name)
            });
            from_ok && to_ok
        })
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let routes: Vec<&Object> = cx
        .config
        .objects
        .iter()
        .filter(|o| matches!(o.kind, Kind::HttpRoute | Kind::GrpcRoute))
        .collect();
    for route in routes {
        let ns = route.effective_namespace();
        for (i, p) in items(&route.spec, "parentRefs").enumerate() {
            let Some(name) = text(p, "name") else {
                continue;
            };
            let kind = text(p, "kind").unwrap_or("Gateway");
            let pns = text(p, "namespace").unwrap_or(ns);
            let path = format!("spec/parentRefs[{i}]");
            let wanted: &[Kind] = match kind {
                "Gateway" => &[Kind::KubeGateway],
                "Service" => &[Kind::Service],
                "ServiceEntry" => &[Kind::ServiceEntry],
                _ => &[],
            };
            let found = cx.named(wanted, pns, name);
            match found {
                None => {
                    out.add(
                        Code::MG305,
                        route,
                        format!("parent {kind} {pns}/{name} does not exist"),
                    )
                    .at(path);
                }
                Some(gw) if gw.kind == Kind::KubeGateway && pns != ns => {
                    let froms: Vec<String> = items(&gw.spec, "listeners")
                        .map(|l| {
                            l.get("allowedRoutes")
                                .and_then(|a| a.get("namespaces"))
                                .and_then(|n| n.get("from"))
                                .and_then(scalar_text)
                                .unwrap_or_else(|| "Same".into())
                        })
                        .collect();
                    if !froms.is_empty() && froms.iter().all(|f| f == "Same") {
                        out.add(
                            Code::MG305,
                            route,
                            format!(
                                "Gateway {pns}/{name} accepts routes only from its own namespace"
                            ),
                        )
                        .at(path);
                    }
                }
                Some(_) => {}
            }
        }
        for (i, rule) in items(&route.spec, "rules").enumerate() {
            for (j, b) in items(rule, "backendRefs").enumerate() {
                let Some(name) = text(b, "name") else {
                    continue;
                };
                let kind = text(b, "kind").unwrap_or("Service");
                if kind != "Service" {
                    continue;
                }
                let bns = text(b, "namespace").unwrap_or(ns);
                let path = format!("spec/rules[{i}]/backendRefs[{j}]");
                if cx.service(bns, name).is_none() {
                    out.add(
                        Code::MG305,
                        route,
                        format!("backend Service {bns}/{name} does not exist"),
                    )
                    .at(path);
                } else if bns != ns && !granted(cx, route, bns, "Service", name) {
                    out.add(
                        Code::MG305,
                        route,
                        format!("backend Service {bns}/{name} is in another namespace and no ReferenceGrant allows it"),
                    )
                    .at(path);
                }
            }
        }
    }
}
