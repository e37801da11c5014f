//! MG113 istio-annotation-problem.

use meshgraph_config::{Kind, Object};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG113,
    name: "istio-annotation-problem",
    severity: Severity::Warning,
    istio_code: Some("IST0107"),
    status: Status::Preview,
    summary: "Istio annotation misplaced, unknown, deprecated or with an invalid value",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "On Namespaces, Services, Pods and Deployments (metadata, not pod templates), an Istio \
annotation of meshgraph's catalogue set on a kind it does not apply to (IST0107; e.g. pod \
annotations on a Deployment's own metadata instead of its template), an annotation under \
`sidecar.istio.io/`, `traffic.sidecar.istio.io/`, `readiness.status.sidecar.istio.io/`, \
`proxy.istio.io/` or `networking.istio.io/` that the catalogue does not know (IST0108), an \
integer annotation whose value is not an integer (IST0125), and a deprecated annotation \
(IST0135). The catalogue holds the annotations Istio documents for these prefixes; it is \
smaller than istioctl's, hence the preview status.",
    why: "Istio ignores a misplaced or misspelt annotation without a word: the setting the \
author meant is not in force.",
    fix: "Move pod annotations to `spec.template.metadata.annotations`; fix the name or value.",
    example: "```yaml\nkind: Deployment\nmetadata:\n  annotations:\n    sidecar.istio.io/statsInclusionPrefixes: cluster.outbound   # belongs on the pod template: MG113\n```",
};

/// Where an annotation applies.
#[derive(Clone, Copy, PartialEq)]
enum On {
    Pod,
    Service,
    Ingress,
}

/// Istio annotations meshgraph knows: name, where it applies, integer-valued, deprecated.
const CATALOGUE: &[(&str, On, bool, bool)] = &[
    ("kubernetes.io/ingress.class", On::Ingress, false, false),
    ("networking.istio.io/exportTo", On::Service, false, false),
    ("proxy.istio.io/config", On::Pod, false, false),
    ("proxy.istio.io/overrides", On::Pod, false, false),
    (
        "readiness.status.sidecar.istio.io/applicationPorts",
        On::Pod,
        false,
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/failureThreshold",
        On::Pod,
        true,
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        On::Pod,
        true,
        false,
    ),
    (
        "readiness.status.sidecar.istio.io/periodSeconds",
        On::Pod,
        true,
        false,
    ),
    ("sidecar.istio.io/agentLogLevel", On::Pod, false, false),
    ("sidecar.istio.io/bootstrapOverride", On::Pod, false, false),
    ("sidecar.istio.io/componentLogLevel", On::Pod, false, false),
    ("sidecar.istio.io/discoveryAddress", On::Pod, false, true),
    ("sidecar.istio.io/enableCoreDump", On::Pod, false, false),
    ("sidecar.istio.io/extraStatTags", On::Pod, false, false),
    ("sidecar.istio.io/inject", On::Pod, false, false),
    ("sidecar.istio.io/interceptionMode", On::Pod, false, false),
    ("sidecar.istio.io/logLevel", On::Pod, false, false),
    ("sidecar.istio.io/nativeSidecar", On::Pod, false, false),
    ("sidecar.istio.io/proxyCPU", On::Pod, false, false),
    ("sidecar.istio.io/proxyCPULimit", On::Pod, false, false),
    ("sidecar.istio.io/proxyImage", On::Pod, false, false),
    ("sidecar.istio.io/proxyImageType", On::Pod, false, false),
    ("sidecar.istio.io/proxyMemory", On::Pod, false, false),
    ("sidecar.istio.io/proxyMemoryLimit", On::Pod, false, false),
    (
        "sidecar.istio.io/rewriteAppHTTPProbers",
        On::Pod,
        false,
        false,
    ),
    (
        "sidecar.istio.io/statsHistogramBuckets",
        On::Pod,
        false,
        false,
    ),
    (
        "sidecar.istio.io/statsInclusionPrefixes",
        On::Pod,
        false,
        true,
    ),
    (
        "sidecar.istio.io/statsInclusionRegexps",
        On::Pod,
        false,
        true,
    ),
    (
        "sidecar.istio.io/statsInclusionSuffixes",
        On::Pod,
        false,
        true,
    ),
    ("sidecar.istio.io/status", On::Pod, false, false),
    ("sidecar.istio.io/userVolume", On::Pod, false, false),
    ("sidecar.istio.io/userVolumeMount", On::Pod, false, false),
    ("status.sidecar.istio.io/port", On::Pod, true, false),
    (
        "traffic.sidecar.istio.io/excludeInboundPorts",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeInterfaces",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeInboundPorts",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundPorts",
        On::Pod,
        false,
        false,
    ),
    (
        "traffic.sidecar.istio.io/kubevirtInterfaces",
        On::Pod,
        false,
        true,
    ),
];

/// Prefixes whose every annotation the catalogue is expected to know.
const CHECKED_PREFIXES: &[&str] = &[
    "sidecar.istio.io/",
    "traffic.sidecar.istio.io/",
    "readiness.status.sidecar.istio.io/",
    "proxy.istio.io/",
    "networking.istio.io/",
];

fn report(out: &mut Findings, o: &Object, ist: &'static str, message: String) {
    out.add(Code::MG113, o, message)
        .at("metadata/annotations")
        .istio_code(Some(ist));
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let kinds = [Kind::Namespace, Kind::Service, Kind::Pod, Kind::Deployment];
    for kind in kinds {
        for o in cx.of_kind(kind) {
            if kind != Kind::Namespace && cx.config.is_system_namespace(o.effective_namespace()) {
                continue;
            }
            let here = match kind {
                Kind::Pod => Some(On::Pod),
                Kind::Service => Some(On::Service),
                _ => None,
            };
            for (name, value) in &o.metadata.annotations {
                let Some(&(_, on, integer, deprecated)) =
                    CATALOGUE.iter().find(|(n, ..)| n == name)
                else {
                    if CHECKED_PREFIXES.iter().any(|p| name.starts_with(p)) {
                        report(
                            out,
                            o,
                            "IST0108",
                            format!("unknown Istio annotation {name}"),
                        );
                    }
                    continue;
                };
                if here != Some(on) {
                    report(
                        out,
                        o,
                        "IST0107",
                        format!(
                            "annotation {name} does not apply to a {kind}: Istio ignores it here"
                        ),
                    );
                } else if integer && value.parse::<i64>().is_err() {
                    report(
                        out,
                        o,
                        "IST0125",
                        format!("annotation {name} wants an integer, not {value:?}"),
                    );
                }
                if deprecated {
                    report(
                        out,
                        o,
                        "IST0135",
                        format!("annotation {name} is deprecated"),
                    );
                }
            }
        }
    }
}
