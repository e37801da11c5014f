//! The Kubernetes and Istio objects of a scenario, as `kubectl apply` would take them.

use serde_json::{Value, json};

use crate::spec::{DataPlaneMode, GatewayFlavor, Scenario};

impl Scenario {
    /// Namespaces, ServiceAccounts, Deployments, Services, Gateways and waypoint
    /// Gateways, in a stable order.
    pub fn objects(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for ns in &self.namespaces {
            let mut labels = serde_json::Map::new();
            match ns.mode {
                DataPlaneMode::Sidecar => {
                    labels.insert("istio-injection".into(), "enabled".into());
                }
                DataPlaneMode::Ambient => {
                    labels.insert("istio.io/dataplane-mode".into(), "ambient".into());
                }
                DataPlaneMode::None => {}
            }
            if let Some(wp) = &ns.use_waypoint {
                let (namespace, name) = wp.split_once('/').unwrap_or(("", wp));
                labels.insert("istio.io/use-waypoint".into(), name.into());
                if !namespace.is_empty() {
                    labels.insert("istio.io/use-waypoint-namespace".into(), namespace.into());
                }
            }
            out.push(json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns.name, "labels": labels},
            }));
        }
        let mut services_done = std::collections::BTreeSet::new();
        for w in &self.workloads {
            let sa = w
                .service_account
                .clone()
                .unwrap_or_else(|| "default".into());
            if sa != "default" {
                out.push(json!({
                    "apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": sa, "namespace": w.namespace},
                }));
            }
            let mut pod_labels = json!({"app": w.app, "version": w.version});
            if w.sidecar == Some(false) {
                pod_labels["sidecar.istio.io/inject"] = "false".into();
            }
            out.push(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": w.name, "namespace": w.namespace, "labels": {"app": w.app, "version": w.version}},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": w.app, "version": w.version}},
                    "template": {
                        "metadata": {"labels": pod_labels},
                        "spec": {
                            "serviceAccountName": sa,
                            "containers": [{
                                "name": w.app,
                                "image": format!("example.invalid/{}:{}", w.app, w.version),
                                "ports": [{"containerPort": w.port}],
                            }],
                        },
                    },
                },
            }));
            if let Some(svc) = &w.service
                && services_done.insert((w.namespace.clone(), svc.clone()))
            {
                let mut labels = json!({"app": w.app, "service": svc});
                if let Some(wp) = &w.use_waypoint {
                    labels["istio.io/use-waypoint"] = wp.clone().into();
                }
                if w.ingress_use_waypoint {
                    labels["istio.io/ingress-use-waypoint"] = "true".into();
                }
                out.push(json!({
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": svc, "namespace": w.namespace, "labels": labels},
                    "spec": {"selector": {"app": w.app}, "ports": [{"name": "http", "port": w.port}]},
                }));
            }
        }
        for g in &self.gateways {
            out.push(match g.flavor {
                GatewayFlavor::Istio => json!({
                    "apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                    "metadata": {"name": g.name, "namespace": g.namespace},
                    "spec": {
                        "selector": {"istio": "ingressgateway"},
                        "servers": [{"port": {"number": 8080, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}],
                    },
                }),
                GatewayFlavor::GatewayApi => json!({
                    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                    "metadata": {"name": g.name, "namespace": g.namespace},
                    "spec": {
                        "gatewayClassName": "istio",
                        "listeners": [{"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "Same"}}}],
                    },
                }),
            });
        }
        for ns in self.namespaces.iter().filter(|n| n.mtls_mode.is_some()) {
            out.push(json!({
                "apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                "metadata": {"name": "default", "namespace": ns.name},
                "spec": {"mtls": {"mode": ns.mtls_mode}},
            }));
        }
        for route in &self.routes {
            let host = format!("{}.{}.svc.cluster.local", route.service, route.namespace);
            let weight = 100 / route.subsets.len().max(1);
            let destinations: Vec<_> = route
                .subsets
                .iter()
                .enumerate()
                .map(|(i, subset)| {
                    // Weights must add up to 100.
                    let w = if i == 0 {
                        100 - weight * (route.subsets.len() - 1)
                    } else {
                        weight
                    };
                    json!({"destination": {"host": host, "subset": subset}, "weight": w})
                })
                .collect();
            out.push(json!({
                "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                "metadata": {"name": route.service, "namespace": route.namespace},
                "spec": {"hosts": [host], "http": [{"route": destinations}]},
            }));
            if route.destination_rule {
                let subsets: Vec<_> = route
                    .subsets
                    .iter()
                    .map(|s| json!({"name": s, "labels": {"version": s}}))
                    .collect();
                out.push(json!({
                    "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                    "metadata": {"name": route.service, "namespace": route.namespace},
                    "spec": {"host": host, "subsets": subsets},
                }));
            }
        }
        for se in &self.service_entries {
            out.push(json!({
                "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                "metadata": {"name": se.name, "namespace": se.namespace},
                "spec": {
                    "hosts": se.hosts,
                    "location": "MESH_EXTERNAL",
                    "resolution": "DNS",
                    "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}],
                },
            }));
        }
        for wp in &self.waypoints {
            out.push(json!({
                "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                "metadata": {"name": wp.name, "namespace": wp.namespace, "labels": {"istio.io/waypoint-for": "service"}},
                "spec": {
                    "gatewayClassName": "istio-waypoint",
                    "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
                },
            }));
        }
        out
    }

    /// [`Scenario::objects`] as multi-document YAML.
    pub fn objects_yaml(&self) -> String {
        self.objects()
            .iter()
            .map(|o| {
                serde_saphyr::to_string(o)
                    .unwrap_or_else(|e| format!("# cannot write object: {e}\n"))
            })
            .collect::<Vec<_>>()
            .join("---\n")
    }
}
