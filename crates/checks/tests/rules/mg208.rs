//! MG208: a host written as name.namespace is reported; the full FQDN is not.

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
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews.shop
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
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews.shop.svc.cluster.local
"#;

#[test]
fn mg208_two_part_host_is_reported() {
    assert_eq!(
        config_findings(Code::MG208, REPORTED),
        [finding(
            "MG208",
            "DestinationRule shop/reviews",
            Severity::Warning
        )]
    );
}

#[test]
fn mg208_two_part_host_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG208, QUIET), Vec::<Found>::new());
}
