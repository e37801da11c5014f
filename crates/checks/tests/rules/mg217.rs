//! MG217: an ExternalName port named tcp is reported; one named https is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: shop}
spec:
  type: ExternalName
  externalName: nginx.example.com
  ports: [{name: tcp, port: 443}]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: shop}
spec:
  type: ExternalName
  externalName: nginx.example.com
  ports: [{name: https, port: 443}]
"#;

#[test]
fn mg217_is_reported() {
    assert_eq!(
        config_findings(Code::MG217, REPORTED),
        [finding("MG217", "Service shop/nginx", Severity::Warning)]
    );
}

#[test]
fn mg217_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG217, QUIET), Vec::<Found>::new());
}

// MG217 takes a non-empty appProtocol over the port name.
#[test]
fn mg217_is_quiet_when_app_protocol_names_the_protocol() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: shop}
spec:
  type: ExternalName
  externalName: nginx.example.com
  ports: [{name: tcp-web, port: 80, appProtocol: http}]
"#;
    assert_eq!(config_findings(Code::MG217, yaml), Vec::<Found>::new());
}
