//! MG109 proxy-image-mismatch.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_config::{Enrollment, Kind, Object, items, selector_matches};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG109,
    name: "proxy-image-mismatch",
    severity: Severity::Warning,
    istio_code: Some("IST0158"),
    status: Status::Stable,
    summary: "Pods in an injected namespace run a proxy image other than the injector's",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A namespace enrolled for sidecar injection (`istio-injection=enabled`, or \
`istio.io/rev=REV`) holding a Pod whose `istio-proxy` container (or native-sidecar init \
container) runs another image than the one the injector of that revision would inject: \
`global.proxy.image` of the injector ConfigMap's `values` (`istio-sidecar-injector[-REV]`), \
prefixed with `global.hub` and suffixed with `global.tag` unless it is a full reference, with \
or without `-TYPE` for the image type (`proxy.istio.io/config` annotation, then a ProxyConfig selecting the \
pod, of its namespace, of the root namespace, then the mesh config). Pods overriding the image \
with `sidecar.istio.io/proxyImage` are skipped; without the injector ConfigMap in the input \
there is nothing to compare with. Reported once per namespace.",
    why: "The pods were injected by an older (or other) control plane: they miss the current \
proxy's fixes and behaviour until restarted.",
    fix: "Restart the workloads of the namespace (`kubectl rollout restart`).",
    example: "```yaml\n  containers:\n  - name: istio-proxy\n    image: docker.io/istio/proxyv2:1.3.0   # injector is at 1.3.1: MG109\n```",
};

/// The image the injector's `values` would put in the proxy container.
fn injected_image(values: &Value) -> Option<String> {
    let global = values.get("global")?;
    let image = global.get("proxy")?.get("image")?.as_str()?;
    if image.contains('/') {
        return Some(image.to_string());
    }
    let hub = global.get("hub")?.as_str()?;
    let tag = global.get("tag").and_then(|t| match t {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })?;
    Some(format!("{hub}/{image}:{tag}"))
}

/// `imageType` of a ProxyConfig document or `proxy.istio.io/config` annotation.
fn image_type(value: &Value) -> Option<String> {
    value
        .get("image")?
        .get("imageType")?
        .as_str()
        .map(str::to_string)
}

fn proxy_images(pod: &Object) -> Vec<&str> {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|list| items(&pod.spec, list))
        .filter(|c| c.get("name").and_then(Value::as_str) == Some("istio-proxy"))
        .filter_map(|c| c.get("image").and_then(Value::as_str))
        .collect()
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let root = cx.config.settings.root_namespace.as_str();
    let proxy_configs: Vec<&Object> = cx.of_kind(Kind::ProxyConfig).collect();
    let type_for = |pod: &Object| -> Option<String> {
        if let Some(t) = pod
            .annotation("proxy.istio.io/config")
            .and_then(meshgraph_config::yaml_value)
            .as_ref()
            .and_then(image_type)
        {
            return Some(t);
        }
        let ns = pod.effective_namespace();
        let in_ns = |n: &str, selected: bool| {
            proxy_configs.iter().find_map(|pc| {
                let selector = pc.selector().filter(|s| !s.is_empty());
                let applies = pc.effective_namespace() == n
                    && match (&selector, selected) {
                        (Some(s), true) => selector_matches(s, &pod.metadata.labels),
                        (None, false) => true,
                        _ => false,
                    };
                if applies { image_type(&pc.spec) } else { None }
            })
        };
        in_ns(ns, true)
            .or_else(|| in_ns(ns, false))
            .or_else(|| in_ns(root, false))
            .or_else(|| cx.config.settings.image_type.clone())
    };
    let mut reported = BTreeSet::new();
    let mut expected_by_revision: BTreeMap<Option<String>, Option<String>> = BTreeMap::new();
    for pod in cx.of_kind(Kind::Pod) {
        let ns = pod.effective_namespace();
        if reported.contains(ns) || pod.annotation("sidecar.istio.io/proxyImage").is_some() {
            continue;
        }
        let Some(namespace) = cx.namespace(ns) else {
            continue;
        };
        let enrollment = Enrollment::of(namespace);
        if !enrollment.injects() {
            continue;
        }
        let revision = if enrollment.injection_enabled {
            None
        } else {
            enrollment.revision.as_deref()
        };
        // The injector's ConfigMap is parsed once per revision, not per pod.
        let Some(expected) = expected_by_revision
            .entry(revision.map(str::to_string))
            .or_insert_with(|| {
                cx.injector_values(revision)
                    .as_ref()
                    .and_then(injected_image)
            })
            .clone()
        else {
            continue;
        };
        let typed = type_for(pod)
            .filter(|t| !t.is_empty() && t != "default")
            .map(|t| format!("{expected}-{t}"));
        let images = proxy_images(pod);
        if let Some(image) = images
            .iter()
            .find(|i| **i != expected && Some(**i) != typed.as_deref())
        {
            reported.insert(ns);
            out.add(
                Code::MG109,
                namespace,
                format!(
                    "Pod {} runs proxy image {image}, the injector injects {expected}: restart the namespace's workloads",
                    pod.name()
                ),
            );
        }
    }
}
