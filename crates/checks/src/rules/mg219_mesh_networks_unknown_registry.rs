//! MG219 mesh-networks-unknown-registry.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::{ResourceKind, ResourceRef, Severity};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG219,
    name: "mesh-networks-unknown-registry",
    severity: Severity::Error,
    istio_code: Some("IST0126"),
    status: Status::Stable,
    summary: "MeshNetworks endpoint names a registry no cluster provides",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An entry `networks.NAME.endpoints[].fromRegistry` of the MeshNetworks (`--mesh-networks` \
or the `meshNetworks` key of the `istio` ConfigMap) that names neither the local cluster \
(`Kubernetes`, Istio's default cluster ID) nor a remote cluster: the key names of the Secrets \
labelled `istio/multiCluster=true` in the root namespace (only key names are read).",
    why: "Endpoints of that registry are put in no network: cross-network traffic to them goes \
nowhere.",
    fix: "Use the cluster's ID as `fromRegistry` (the names are case-sensitive).",
    example: "```yaml\nnetworks:\n  network1:\n    endpoints:\n    - fromRegistry: kubernetes   # the ID is Kubernetes: MG219\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let settings = &cx.config.settings;
    if settings.network_registries.is_empty() {
        return;
    }
    let root = settings.root_namespace.as_str();
    let mut known = vec!["Kubernetes".to_string()];
    for secret in cx.of_kind(Kind::Secret).filter(|s| {
        s.effective_namespace() == root && s.label("istio/multiCluster") == Some("true")
    }) {
        known.extend(
            items(&secret.spec, "keys")
                .filter_map(Value::as_str)
                .map(str::to_string),
        );
    }
    let resource = ResourceRef::new(
        ResourceKind::Other("MeshNetworks".into()),
        Some(root),
        "meshnetworks",
    );
    for (network, registry) in &settings.network_registries {
        if !known.contains(registry) {
            out.add_ref(
                Code::MG219,
                resource.clone(),
                None,
                format!("network {network} takes endpoints from registry {registry}, which no cluster provides (known: {})", known.join(", ")),
            )
            .at(format!("networks/{network}/endpoints"));
        }
    }
}
