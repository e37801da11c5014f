//! MG305: an HTTPRoute whose parent Gateway does not exist is reported; the
//! parent Gateway in the input is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - name: shop-gw
  rules:
  - backendRefs:
    - {name: reviews, port: 9080}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - name: shop-gw
  rules:
  - backendRefs:
    - {name: reviews, port: 9080}
"#;

#[test]
fn mg305_route_reference_unresolved_is_reported() {
    assert_eq!(
        config_findings(Code::MG305, REPORTED),
        [finding("MG305", "HTTPRoute shop/shop", Severity::Error)]
    );
}

#[test]
fn mg305_route_reference_unresolved_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG305, QUIET), Vec::<Found>::new());
}

// MG305 accepts a backend in another namespace only with a ReferenceGrant in
// that namespace from HTTPRoutes of the route's namespace to that Service.
#[test]
fn mg305_cross_namespace_backend_needs_a_matching_reference_grant() {
    let manifest = |grant: &str| {
        format!(
            r#"apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  gatewayClassName: istio
  listeners:
  - {{name: http, port: 80, protocol: HTTP}}
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: backend
spec:
  selector: {{app: reviews}}
  ports:
  - {{name: http, port: 9080}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - name: shop-gw
  rules:
  - backendRefs:
    - {{name: reviews, namespace: backend, port: 9080}}
{grant}"#
        )
    };
    let grant = |ns: &str, from: &str, to: &str| {
        format!(
            r#"---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow
  namespace: {ns}
spec:
  from:
  - {{group: gateway.networking.k8s.io, {from}}}
  to:
  - {{group: "", {to}}}
"#
        )
    };
    let reported = vec![finding("MG305", "HTTPRoute shop/shop", Severity::Error)];
    let good_from = "kind: HTTPRoute, namespace: shop";
    let good_to = "kind: Service, name: reviews";
    let cases = [
        (String::new(), reported.clone()),
        (grant("backend", good_from, good_to), vec![]),
        (grant("backend", good_from, "kind: Service"), vec![]),
        (grant("shop", good_from, good_to), reported.clone()),
        (
            grant("backend", "kind: GRPCRoute, namespace: shop", good_to),
            reported.clone(),
        ),
        (
            grant("backend", "kind: HTTPRoute, namespace: other", good_to),
            reported.clone(),
        ),
        (
            grant("backend", good_from, "kind: Secret, name: reviews"),
            reported.clone(),
        ),
        (
            grant("backend", good_from, "kind: Service, name: ratings"),
            reported.clone(),
        ),
        (
            grant("backend", good_from, "kind: Secret, name: ratings"),
            reported.clone(),
        ),
    ];
    for (grant, expected) in cases {
        assert_eq!(
            config_findings(Code::MG305, &manifest(&grant)),
            expected,
            "{grant}"
        );
    }
}

// MG305 resolves mesh parents of kind Service and ServiceEntry, and accepts a
// Gateway of another namespace whose listeners allow routes from all namespaces.
#[test]
fn mg305_resolves_service_parents_and_allowed_routes() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: payments
  namespace: shop
spec:
  hosts: [payments.example.com]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: infra
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: All}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - {group: "", kind: Service, name: reviews}
  - {group: networking.istio.io, kind: ServiceEntry, name: payments}
  - {name: edge, namespace: infra}
  rules:
  - backendRefs:
    - {name: reviews, port: 9080}
"#;
    assert_eq!(config_findings(Code::MG305, yaml), Vec::<Found>::new());
}
