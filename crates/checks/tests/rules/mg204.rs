//! MG204: a DestinationRule for a host nothing declares is reported; the
//! DestinationRule once Service ratings exists is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
  namespace: shop
spec:
  host: ratings
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
  name: ratings
  namespace: shop
spec:
  selector: {app: ratings}
  ports:
  - {name: http, port: 9080}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
  namespace: shop
spec:
  host: ratings
"#;

#[test]
fn mg204_destination_rule_host_not_found_is_reported() {
    assert_eq!(
        config_findings(Code::MG204, REPORTED),
        [finding(
            "MG204",
            "DestinationRule shop/ratings",
            Severity::Warning
        )]
    );
}

#[test]
fn mg204_destination_rule_host_not_found_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG204, QUIET), Vec::<Found>::new());
}
