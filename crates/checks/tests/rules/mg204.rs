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

// MG204 leaves wildcard hosts and two-part `name.namespace` hosts of a
// Service (MG208's) alone.
#[test]
fn mg204_is_quiet_on_wildcard_and_two_part_hosts() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: all, namespace: shop}
spec:
  host: "*.example.com"
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop
"#;
    assert_eq!(config_findings(Code::MG204, yaml), Vec::<Found>::new());
}
