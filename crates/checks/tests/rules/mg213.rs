//! MG213: two Services giving one port of a workload different protocols are reported; the same protocol is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: shop}
spec:
  template:
    metadata: {labels: {app: details}}
    spec: {containers: [{name: details}]}
---
apiVersion: v1
kind: Service
metadata: {name: details-a, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: details-b, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: tcp, port: 9080}]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: shop}
spec:
  template:
    metadata: {labels: {app: details}}
    spec: {containers: [{name: details}]}
---
apiVersion: v1
kind: Service
metadata: {name: details-a, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: details-b, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http-alt, port: 9080}]
"#;

#[test]
fn mg213_is_reported() {
    assert_eq!(
        config_findings(Code::MG213, REPORTED),
        [finding(
            "MG213",
            "Deployment shop/details",
            Severity::Warning
        )]
    );
}

#[test]
fn mg213_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG213, QUIET), Vec::<Found>::new());
}

// MG213 looks only at meshed workloads, and only at the Services whose
// selector picks the workload.
#[test]
fn mg213_is_quiet_for_unmeshed_workloads_and_unselected_services() {
    let yaml = r#"apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: legacy}
spec:
  template:
    metadata: {labels: {app: details}}
    spec: {containers: [{name: details}]}
---
apiVersion: v1
kind: Service
metadata: {name: details-a, namespace: legacy}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: details-b, namespace: legacy}
spec:
  selector: {app: details}
  ports: [{name: tcp, port: 9080}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: shop}
spec:
  template:
    metadata: {labels: {app: details}}
    spec: {containers: [{name: details}]}
---
apiVersion: v1
kind: Service
metadata: {name: details, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: shop}
spec:
  selector: {app: ratings}
  ports: [{name: tcp, port: 9080}]
"#;
    assert_eq!(config_findings(Code::MG213, yaml), Vec::<Found>::new());
}
