//! The public `Context` helpers on hand-built inputs: which ConfigMap,
//! owner, object and PeerAuthentication each one must pick.

use std::collections::BTreeMap;

use meshgraph_checks::{Context, MtlsMode, ResourceKind, ResourceRef};
use meshgraph_config::{Kind, MeshConfig};
use serde_json::{Value, json};

fn config(objects: Vec<Value>) -> MeshConfig {
    let (config, warnings) = MeshConfig::from_values(objects);
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

fn config_map(namespace: &str, name: &str, values: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"values": values}})
}

#[test]
fn injector_values_pick_the_revisions_config_map_in_the_root_namespace() {
    // Revision `canary` reads `istio-sidecar-injector-canary`; `default` and none the plain one,
    // and only in the root namespace (`istio-system`).
    let c = config(vec![
        config_map(
            "default",
            "istio-sidecar-injector",
            r#"{"from": "elsewhere"}"#,
        ),
        config_map("istio-system", "other", r#"{"from": "other"}"#),
        config_map(
            "istio-system",
            "istio-sidecar-injector",
            r#"{"from": "plain"}"#,
        ),
        config_map(
            "istio-system",
            "istio-sidecar-injector-canary",
            r#"{"from": "canary"}"#,
        ),
    ]);
    let cx = Context::new(&c, None);
    assert_eq!(cx.injector_values(None), Some(json!({"from": "plain"})));
    assert_eq!(
        cx.injector_values(Some("default")),
        Some(json!({"from": "plain"}))
    );
    assert_eq!(
        cx.injector_values(Some("canary")),
        Some(json!({"from": "canary"}))
    );
    assert_eq!(cx.injector_values(Some("missing")), None);
}

#[test]
fn owner_in_input_follows_a_replica_set_not_in_the_input_to_its_deployment() {
    // A pod owned by ReplicaSet `reviews-v1-7d9f` (hash 7d9f) belongs to Deployment `reviews-v1`.
    let c = config(vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "reviews-v1", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "reviews"}},
                "template": {"metadata": {"labels": {"app": "reviews"}}, "spec": {"containers": [{"name": "r"}]}}}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "reviews-v1-7d9f-x", "namespace": "shop",
                "labels": {"app": "reviews", "pod-template-hash": "7d9f"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "reviews-v1-7d9f", "uid": "u", "controller": true}]},
            "spec": {"containers": [{"name": "r"}]}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "job-pod", "namespace": "shop",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job",
                    "name": "reviews-v1-7d9f", "uid": "j", "controller": true}]},
            "spec": {"containers": [{"name": "j"}]}}),
    ]);
    let cx = Context::new(&c, None);
    let pods: Vec<_> = cx.of_kind(Kind::Pod).collect();
    let owner = cx.owner_in_input(pods[0]).expect("the Deployment");
    assert_eq!((owner.kind, owner.name()), (Kind::Deployment, "reviews-v1"));
    // A Job is not a ReplicaSet: its name says nothing about a Deployment.
    assert!(cx.owner_in_input(pods[1]).is_none());
}

#[test]
fn has_workloads_is_false_without_pods_or_workloads() {
    // A Service alone is no workload.
    let c = config(vec![json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "reviews", "namespace": "shop"},
        "spec": {"ports": [{"port": 9080}]}})]);
    assert!(!Context::new(&c, None).has_workloads());
}

#[test]
fn object_finds_the_object_a_reference_names() {
    // `Service shop/reviews` is in the input; a `Workload` reference names no object.
    let c = config(vec![json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "reviews", "namespace": "shop"},
        "spec": {"ports": [{"port": 9080}]}})]);
    let cx = Context::new(&c, None);
    let found = cx
        .object(&ResourceRef::new(Kind::Service, Some("shop"), "reviews"))
        .expect("the Service");
    assert_eq!(found.name(), "reviews");
    assert!(
        cx.object(&ResourceRef::new(
            ResourceKind::Workload,
            Some("shop"),
            "reviews"
        ))
        .is_none()
    );
}

#[test]
fn effective_mtls_ignores_a_workload_policy_whose_selector_does_not_match() {
    // The DISABLE policy selects `app: other`; `app: reviews` gets the namespace's STRICT.
    let pa = |name: &str, selector: Option<Value>, mode: &str| {
        let mut spec = json!({"mtls": {"mode": mode}});
        if let Some(s) = selector {
            spec["selector"] = json!({"matchLabels": s});
        }
        json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
            "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
    };
    let c = config(vec![
        pa("other", Some(json!({"app": "other"})), "DISABLE"),
        pa("default", None, "STRICT"),
    ]);
    let cx = Context::new(&c, None);
    let labels = BTreeMap::from([("app".to_string(), "reviews".to_string())]);
    let (mode, policy) = cx.effective_mtls("shop", &labels);
    assert_eq!(mode, MtlsMode::Strict);
    assert_eq!(policy.map(|p| p.name()), Some("default"));
}
