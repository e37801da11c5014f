//! MG202: a route to subset v2 that no DestinationRule defines is reported; the
//! route once a DestinationRule defines v2 is not.

use std::collections::BTreeSet;

use meshgraph_checks::{CheckOptions, Code, Severity, check};
use meshgraph_config::{LoadOptions, MeshConfig};

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
"#;

#[test]
fn mg202_subset_not_defined_is_reported() {
    assert_eq!(
        config_findings(Code::MG202, REPORTED),
        [finding(
            "MG202",
            "VirtualService shop/reviews",
            Severity::Error
        )]
    );
}

#[test]
fn mg202_subset_not_defined_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG202, QUIET), Vec::<Found>::new());
}

// MG202 counts a wildcard DestinationRule only when its host covers the
// destination and it defines the subset itself, and says in the evidence
// which subsets the host's DestinationRules define.
#[test]
fn mg202_wildcards_must_cover_the_host_and_evidence_lists_defined_subsets() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: shop}
spec:
  host: ratings
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: others, namespace: other}
spec:
  host: "*.other.svc.cluster.local"
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
    - destination: {host: details, subset: v1}
"#;
    let (config, warnings) = MeshConfig::from_text(yaml, "rule.yaml", &LoadOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let options = CheckOptions {
        only: Some(BTreeSet::from([Code::MG202])),
        ..CheckOptions::default()
    };
    let found: Vec<(String, Vec<String>)> = check(&config, None, &options)
        .findings
        .into_iter()
        .map(|f| (f.message, f.evidence))
        .collect();
    let one = |message: &str, evidence: &str| (message.to_string(), vec![evidence.to_string()]);
    assert_eq!(
        found,
        [
            one(
                "subset v2 of host reviews is not defined by any DestinationRule",
                "DestinationRules for reviews.shop.svc.cluster.local define: v1"
            ),
            one(
                "subset v1 of host ratings is not defined by any DestinationRule",
                "no DestinationRule has host ratings.shop.svc.cluster.local"
            ),
            one(
                "subset v1 of host details is not defined by any DestinationRule",
                "no DestinationRule has host details.shop.svc.cluster.local"
            ),
        ]
    );
}
