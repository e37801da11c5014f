//! MG209: a port named without a protocol is reported; a port named http-web is
//! not.

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
  - {name: web, port: 9080}
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
  - {name: http-web, port: 9080}
"#;

#[test]
fn mg209_port_name_protocol_is_reported() {
    assert_eq!(
        config_findings(Code::MG209, REPORTED),
        [finding("MG209", "Service shop/reviews", Severity::Info)]
    );
}

#[test]
fn mg209_port_name_protocol_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG209, QUIET), Vec::<Found>::new());
}

// MG209 leaves gateway-managed and ExternalName Services alone, and accepts a
// UDP port or an appProtocol in place of a protocol name.
#[test]
fn mg209_is_quiet_on_skipped_services_udp_and_app_protocol() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata:
  name: gw
  namespace: shop
  labels: {gateway.istio.io/managed: istio.io-gateway-controller}
spec:
  ports: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: shop}
spec:
  type: ExternalName
  externalName: example.com
  ports: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: shop}
spec:
  selector: {app: dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: web, port: 8080, appProtocol: http}
"#;
    assert_eq!(config_findings(Code::MG209, yaml), Vec::<Found>::new());
}
