//! MG217 external-name-port-protocol.

use meshgraph_config::Kind;
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use crate::rules::mg209_port_name_protocol::names_protocol;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG217,
    name: "external-name-port-protocol",
    severity: Severity::Warning,
    istio_code: Some("IST0150"),
    status: Status::Stable,
    summary: "ExternalName Service port is TCP or declares no protocol",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Service of `type: ExternalName` (outside the system namespaces) with a port whose \
name (or `appProtocol`) gives no protocol, or gives TCP.",
    why: "Istio treats such a port as opaque TCP keyed by port alone: every ExternalName \
Service on that port shares one listener and traffic may reach the wrong external host.",
    fix: "Name the port after its application protocol (`https`, `http`, `tls`...).",
    example: "```yaml\nspec:\n  type: ExternalName\n  externalName: nginx.example.com\n  ports:\n  - {name: tcp, port: 443}   # MG217\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for svc in cx.of_kind(Kind::Service) {
        if svc.spec.get("type").and_then(Value::as_str) != Some("ExternalName")
            || cx.config.is_system_namespace(svc.effective_namespace())
        {
            continue;
        }
        for (i, port) in svc.service_ports().iter().enumerate() {
            let declared = port
                .app_protocol
                .as_deref()
                .filter(|a| !a.is_empty())
                .unwrap_or(&port.name);
            let proto = declared.split('-').next().unwrap_or_default();
            if names_protocol(declared) && !proto.eq_ignore_ascii_case("tcp") {
                continue;
            }
            out.add(
                Code::MG217,
                svc,
                format!(
                    "ExternalName port {} is named {:?}, which makes it opaque TCP",
                    port.port, port.name
                ),
            )
            .at(format!("spec/ports[{i}]"));
        }
    }
}
