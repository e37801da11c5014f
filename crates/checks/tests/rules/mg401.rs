//! MG401: a DestinationRule disabling TLS towards a STRICT namespace is
//! reported; ISTIO_MUTUAL towards it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: shop
spec:
  mtls: {mode: STRICT}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: api
  namespace: shop
spec:
  host: api
  trafficPolicy:
    tls: {mode: DISABLE}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: shop
spec:
  mtls: {mode: STRICT}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: api
  namespace: shop
spec:
  host: api
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
"#;

#[test]
fn mg401_mtls_conflict_is_reported() {
    assert_eq!(
        config_findings(Code::MG401, REPORTED),
        [finding(
            "MG401",
            "DestinationRule shop/api",
            Severity::Error
        )]
    );
}

#[test]
fn mg401_mtls_conflict_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG401, QUIET), Vec::<Found>::new());
}

// MG401 under a DISABLE PeerAuthentication reports only ISTIO_MUTUAL.
#[test]
fn mg401_disabled_namespace_conflicts_only_with_istio_mutual() {
    let manifest = |tls: &str| {
        format!(
            r#"apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: shop
spec:
  mtls: {{mode: DISABLE}}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {{app: api}}
  ports:
  - {{name: http, port: 9080}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: api
  namespace: shop
spec:
  host: api
  trafficPolicy:
    tls: {{mode: {tls}}}
"#
        )
    };
    assert_eq!(
        config_findings(Code::MG401, &manifest("DISABLE")),
        Vec::<Found>::new()
    );
    assert_eq!(
        config_findings(Code::MG401, &manifest("ISTIO_MUTUAL")),
        [finding(
            "MG401",
            "DestinationRule shop/api",
            Severity::Error
        )]
    );
}
