//! The checks that compare objects with each other look only within groups
//! found through an index (MG206 by host, MG304 by port and host); these
//! cases put objects where the index must still find them: wildcard hosts,
//! hosts shared across scopes, several servers, and objects that must not
//! be compared. The exact messages fix which pairs were found and in which
//! order they are listed (input order, as before the indexes).

use meshgraph_checks::{CheckOptions, Code, check};
use meshgraph_config::MeshConfig;
use serde_json::{Value, json};

fn messages(objects: Vec<Value>, code: Code) -> Vec<(String, String)> {
    let (config, warnings) = MeshConfig::from_values(objects);
    assert!(warnings.is_empty(), "{warnings:?}");
    let options = CheckOptions {
        only: Some([code].into()),
        ..CheckOptions::default()
    };
    check(&config, None, &options)
        .findings
        .into_iter()
        .map(|f| (f.resource.name.clone(), f.message.clone()))
        .collect()
}

fn gateway(name: &str, servers: &[(u64, &str)]) -> Value {
    let servers: Vec<Value> = servers
        .iter()
        .map(|(port, host)| json!({"port": {"number": port, "name": format!("p{port}"), "protocol": "HTTP"}, "hosts": [host]}))
        .collect();
    json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"selector": {"istio": "ingressgateway"}, "servers": servers}})
}

#[test]
fn mg304_finds_every_overlapping_pair_through_the_index() {
    let objects = vec![
        gateway("a-wild", &[(443, "*.example.com")]),
        gateway(
            "b-exact",
            &[(80, "www.other.org"), (443, "shop.example.com")],
        ),
        gateway("c-other-port", &[(80, "shop.example.com")]),
        gateway("d-other-wild", &[(443, "*.other.org")]),
        gateway("e-any", &[(443, "shop/*")]),
        gateway("f-same-exact", &[(80, "shop.example.com")]),
        // Another selector: never compared with the others.
        json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": "g-elsewhere", "namespace": "shop"},
            "spec": {"selector": {"istio": "egressgateway"}, "servers": [
                {"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*"]}]}}),
    ];
    let on = "on the same gateway pods";
    assert_eq!(
        messages(objects, Code::MG304),
        [
            ("a-wild", format!("Gateway conflicts with Gateway shop/b-exact (port 443, host *.example.com), Gateway shop/e-any (port 443, host *.example.com) {on}")),
            ("b-exact", format!("Gateway conflicts with Gateway shop/a-wild (port 443, host shop.example.com), Gateway shop/e-any (port 443, host shop.example.com) {on}")),
            ("c-other-port", format!("Gateway conflicts with Gateway shop/f-same-exact (port 80, host shop.example.com) {on}")),
            ("d-other-wild", format!("Gateway conflicts with Gateway shop/e-any (port 443, host *.other.org) {on}")),
            ("e-any", format!("Gateway conflicts with Gateway shop/a-wild (port 443, host *), Gateway shop/b-exact (port 443, host *), Gateway shop/d-other-wild (port 443, host *) {on}")),
            ("f-same-exact", format!("Gateway conflicts with Gateway shop/c-other-port (port 80, host shop.example.com) {on}")),
        ]
        .map(|(n, m)| (n.to_string(), m))
    );
}

fn virtual_service(namespace: &str, name: &str, hosts: &[&str], spec: Value) -> Value {
    let mut spec = spec;
    spec["hosts"] = json!(hosts);
    json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": name, "namespace": namespace}, "spec": spec})
}

#[test]
fn mg206_compares_only_virtual_services_sharing_a_host() {
    let objects = vec![
        virtual_service("shop", "v1", &["reviews"], json!({})),
        virtual_service(
            "shop",
            "v2",
            &["ratings", "reviews.shop.svc.cluster.local"],
            json!({"exportTo": ["."]}),
        ),
        virtual_service(
            "other",
            "v3",
            &["reviews.shop.svc.cluster.local"],
            json!({"exportTo": ["."]}),
        ),
        // Bound to a gateway only: not compared.
        virtual_service("shop", "v4", &["ratings"], json!({"gateways": ["public"]})),
        virtual_service("shop", "v5", &["ratings"], json!({"exportTo": ["."]})),
        virtual_service("shop", "v6", &["details"], json!({})),
    ];
    // Sorted by resource: namespace `other` first.
    let tail = "for the mesh gateway";
    assert_eq!(
        messages(objects, Code::MG206),
        [
            ("v3", format!("VirtualService conflicts with VirtualService shop/v1 (host reviews.shop.svc.cluster.local) {tail}")),
            ("v1", format!("VirtualService conflicts with VirtualService shop/v2 (host reviews.shop.svc.cluster.local), VirtualService other/v3 (host reviews.shop.svc.cluster.local) {tail}")),
            ("v2", format!("VirtualService conflicts with VirtualService shop/v1 (host reviews.shop.svc.cluster.local), VirtualService shop/v5 (host ratings.shop.svc.cluster.local) {tail}")),
            ("v5", format!("VirtualService conflicts with VirtualService shop/v2 (host ratings.shop.svc.cluster.local) {tail}")),
        ]
        .map(|(n, m)| (n.to_string(), m))
    );
}
