//! MG205: two DestinationRules defining subset v1 of one host is reported; two
//! DestinationRules with different subsets is not.

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
  name: reviews-a
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews-b
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
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
  name: reviews-a
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews-b
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v2
    labels: {version: v2}
"#;

#[test]
fn mg205_duplicate_destination_rules_is_reported() {
    assert_eq!(
        config_findings(Code::MG205, REPORTED),
        [finding(
            "MG205",
            "DestinationRule shop/reviews-b",
            Severity::Warning
        )]
    );
}

#[test]
fn mg205_duplicate_destination_rules_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG205, QUIET), Vec::<Found>::new());
}
