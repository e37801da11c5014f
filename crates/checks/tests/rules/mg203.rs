//! MG203: a routed subset whose labels select no pod is reported; a subset
//! selecting reviews-v1 is not.

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
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviews-v1
  namespace: shop
spec:
  selector:
    matchLabels: {app: reviews, version: v1}
  template:
    metadata:
      labels: {app: reviews, version: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v2
    labels: {version: v2}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
"#;

const QUIET: &str = r#"apiVersion: v1
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
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviews-v1
  namespace: shop
spec:
  selector:
    matchLabels: {app: reviews, version: v1}
  template:
    metadata:
      labels: {app: reviews, version: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
"#;

#[test]
fn mg203_subset_matches_no_workload_is_reported() {
    assert_eq!(
        config_findings(Code::MG203, REPORTED),
        [finding(
            "MG203",
            "DestinationRule shop/reviews",
            Severity::Error
        )]
    );
}

#[test]
fn mg203_subset_matches_no_workload_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG203, QUIET), Vec::<Found>::new());
}

/// Istio adds the topology labels of a pod's Node to the pod's labels: a
/// subset selecting a zone matches the pods scheduled there, and only them.
const BY_ZONE: &str = r#"apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels: {topology.kubernetes.io/zone: zone-a}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec:
  nodeName: node-a
  containers: [{name: web}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets:
  - name: zone-a
    labels: {topology.kubernetes.io/zone: zone-a}
  - name: zone-b
    labels: {topology.kubernetes.io/zone: zone-b}
"#;

#[test]
fn mg203_sees_node_topology_labels_on_pods() {
    assert_eq!(
        config_findings(Code::MG203, BY_ZONE),
        [finding(
            "MG203",
            "DestinationRule shop/web",
            Severity::Warning
        )]
    );
}

// MG203 counts a subset as routed to only when a VirtualService names both
// its host and its name: an unrouted empty subset is only a Warning.
#[test]
fn mg203_routed_means_same_host_and_same_subset() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: routes, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v2}
    - destination: {host: ratings, subset: v1}
"#;
    assert_eq!(
        config_findings(Code::MG203, yaml),
        [finding(
            "MG203",
            "DestinationRule shop/reviews",
            Severity::Warning
        )]
    );
}
