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

// MG205: among any number of DestinationRules for one host the oldest wins
// and each other one is reported, also when only one of a pair has subsets.
#[test]
fn mg205_reports_all_but_the_oldest_and_a_pair_where_one_has_no_subsets() {
    let dr = |name: &str, created: &str, subsets: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: {name}, namespace: shop, creationTimestamp: \"{created}\"}}\nspec:\n  host: reviews\n  subsets: [{subsets}]\n---\n"
        )
    };
    let v1 = "{name: v1, labels: {version: v1}}";
    let three = dr("a", "2024-03-01T00:00:00Z", v1)
        + &dr("b", "2024-01-01T00:00:00Z", v1)
        + &dr("c", "2024-02-01T00:00:00Z", v1);
    assert_eq!(
        config_findings(Code::MG205, &three),
        [
            finding("MG205", "DestinationRule shop/a", Severity::Warning),
            finding("MG205", "DestinationRule shop/c", Severity::Warning),
        ]
    );
    let pair = dr("a", "2024-01-01T00:00:00Z", v1) + &dr("b", "2024-02-01T00:00:00Z", "");
    assert_eq!(
        config_findings(Code::MG205, &pair),
        [finding(
            "MG205",
            "DestinationRule shop/b",
            Severity::Warning
        )]
    );
}
