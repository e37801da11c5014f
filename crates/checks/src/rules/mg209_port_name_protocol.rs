//! MG209 port-name-without-protocol.

use meshgraph_config::Kind;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG209,
    name: "port-name-without-protocol",
    severity: Severity::Info,
    istio_code: Some("IST0118"),
    status: Status::Stable,
    summary: "Service port name does not declare a protocol",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Service port whose name is not `<protocol>[-<suffix>]` (http, http2, https, grpc, \
grpc-web, tcp, tls, mongo, mysql, redis, udp...) and which sets no `appProtocol`. UDP ports and \
the Services Istio manages for gateways and waypoints are skipped, and so are ExternalName \
Services (MG217).",
    why: "Istio falls back to protocol sniffing or plain TCP: no HTTP metrics, retries or \
header-based routing for that port, and the graph shows TCP edges.",
    fix: "Name the port after its protocol (`http`, `http-web`, `grpc`) or set `appProtocol`.",
    example: "```yaml\n  ports:\n  - port: 8080   # unnamed, no appProtocol: MG209\n```",
};

const PROTOCOLS: &[&str] = &[
    "http",
    "http2",
    "https",
    "grpc",
    "grpc-web",
    "tcp",
    "tls",
    "mongo",
    "mysql",
    "redis",
    "udp",
    "http_proxy",
    "hbone",
];

/// Whether a port name declares a protocol Istio understands.
pub(crate) fn names_protocol(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    PROTOCOLS
        .iter()
        .any(|p| name == *p || name.starts_with(&format!("{p}-")))
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for svc in cx.of_kind(Kind::Service) {
        // ExternalName Services are MG217's.
        if svc.label("gateway.istio.io/managed").is_some()
            || svc.spec.get("type").and_then(serde_json::Value::as_str) == Some("ExternalName")
        {
            continue;
        }
        for (i, port) in svc.service_ports().iter().enumerate() {
            if port.app_protocol.as_deref().is_some_and(|a| !a.is_empty())
                || port.protocol.as_deref() == Some("UDP")
                || names_protocol(&port.name)
            {
                continue;
            }
            let name = if port.name.is_empty() {
                "unnamed".to_string()
            } else {
                format!("named {:?}", port.name)
            };
            out.add(
                Code::MG209,
                svc,
                format!(
                    "port {} is {name}, which gives no protocol: name it <protocol>[-suffix] or set appProtocol",
                    port.port
                ),
            )
            .at(format!("spec/ports[{i}]"));
        }
    }
}
