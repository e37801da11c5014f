//! MG109: a pod whose proxy image is not the injector's is reported on its namespace; the current image is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"global": {"hub": "docker.io/istio", "tag": "1.24.1", "proxy": {"image": "proxyv2"}}}'
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
  - name: app
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.23.0
"#;

const QUIET: &str = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"global": {"hub": "docker.io/istio", "tag": "1.24.1", "proxy": {"image": "proxyv2"}}}'
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
  - name: app
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.24.1
"#;

#[test]
fn mg109_is_reported() {
    assert_eq!(
        config_findings(Code::MG109, REPORTED),
        [finding("MG109", "Namespace shop", Severity::Warning)]
    );
}

#[test]
fn mg109_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG109, QUIET), Vec::<Found>::new());
}
