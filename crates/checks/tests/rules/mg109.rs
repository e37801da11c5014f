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

/// The injector at `docker.io/istio/proxyv2:{tag}` (`tag` as JSON), `extra`
/// documents, and a pod of `shop` with `annotations` running proxy `image`.
fn injected(tag: &str, extra: &str, annotations: &str, labels: &str, image: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {{name: istio-sidecar-injector, namespace: istio-system}}
data:
  values: '{{"global": {{"hub": "docker.io/istio", "tag": {tag}, "proxy": {{"image": "proxyv2"}}}}}}'
---
apiVersion: v1
kind: Namespace
metadata: {{name: shop, labels: {{istio-injection: enabled}}}}
---
apiVersion: v1
kind: Namespace
metadata: {{name: other}}
---
{extra}apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: shop
  labels: {{{labels}}}
  annotations: {{{annotations}}}
spec:
  containers:
  - name: app
  - name: istio-proxy
    image: {image}
"#
    )
}

/// A ProxyConfig `name` in `ns` asking for `imageType`, selecting `selector`
/// (`None`: the whole namespace).
fn proxy_config(name: &str, ns: &str, selector: Option<&str>, image_type: &str) -> String {
    let selector = selector.map_or(String::new(), |s| {
        format!("  selector:\n    matchLabels: {{{s}}}\n")
    });
    format!(
        "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{selector}  image: {{imageType: {image_type}}}\n---\n"
    )
}

// MG109 compares the proxy image with the injector's, suffixed with the pod's
// image type (annotation, then a selecting ProxyConfig, then the namespace's).
#[test]
fn mg109_expected_image_follows_tag_and_image_type() {
    let quoted = r#""1.24.1""#;
    let distroless = "docker.io/istio/proxyv2:1.24.1-distroless";
    let elsewhere = proxy_config("other", "other", None, "distroless")
        + &proxy_config("picky", "shop", Some("app: api"), "distroless");
    let cases: [(&str, String, bool); 7] = [
        (
            "a numeric tag",
            injected("1.24", "", "", "", "docker.io/istio/proxyv2:1.23"),
            true,
        ),
        (
            "imageType from the pod's annotation",
            injected(
                quoted,
                "",
                r#"proxy.istio.io/config: '{"image": {"imageType": "distroless"}}'"#,
                "",
                distroless,
            ),
            false,
        ),
        (
            "imageType default adds no suffix",
            injected(
                quoted,
                "",
                r#"proxy.istio.io/config: '{"image": {"imageType": "default"}}'"#,
                "",
                "docker.io/istio/proxyv2:1.24.1-default",
            ),
            true,
        ),
        (
            "ProxyConfigs of another namespace or selecting other pods",
            injected(quoted, &elsewhere, "", "app: web", distroless),
            true,
        ),
        (
            "a namespace-wide ProxyConfig",
            injected(
                quoted,
                &proxy_config("all", "shop", None, "distroless"),
                "",
                "app: web",
                distroless,
            ),
            false,
        ),
        (
            "a ProxyConfig selecting the pod",
            injected(
                quoted,
                &proxy_config("web", "shop", Some("app: web"), "distroless"),
                "",
                "app: web",
                distroless,
            ),
            false,
        ),
        (
            "a pod overriding the image",
            injected(
                quoted,
                "",
                "sidecar.istio.io/proxyImage: my/proxy:1",
                "",
                "my/proxy:1",
            ),
            false,
        ),
    ];
    for (what, yaml, reported) in cases {
        let expected = if reported {
            vec![finding("MG109", "Namespace shop", Severity::Warning)]
        } else {
            Vec::<Found>::new()
        };
        assert_eq!(config_findings(Code::MG109, &yaml), expected, "{what}");
    }
}
