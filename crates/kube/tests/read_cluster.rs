//! The cluster reader against a stand-in API server (see `common`): real
//! bookinfo objects in the API's list format, over plain HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use common::{FakeApi, Reply, kubeconfig, serve};
use meshgraph_config::{Kind, MeshConfig};
use meshgraph_kube::{ClusterOptions, ClusterRead, KubeError, read_cluster};
use meshgraph_source::HttpError;
use serde_json::json;

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.s3cr3t-sig";

fn options(config: &std::path::Path) -> ClusterOptions {
    ClusterOptions {
        kubeconfig: Some(config.to_path_buf()),
        retries: 1,
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    assert!(!text.contains("s3cr3t"), "part of the token leaked: {text}");
}

fn assert_error_hides_token(e: &KubeError) {
    assert_no_secret(&e.to_string());
    assert_no_secret(&format!("{e:?}"));
}

async fn read_bookinfo(api: FakeApi) -> (ClusterRead, common::Server, tempfile::TempDir) {
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("kind-bookinfo", &server.url, TOKEN, None)]);
    let read = read_cluster(&options(&config)).await.unwrap();
    (read, server, dir)
}

#[tokio::test]
async fn reads_bookinfo_with_a_bearer_token_and_restores_kinds() {
    let mut api = FakeApi::bookinfo();
    api.tokens = vec![TOKEN.into()];
    // Six Deployments: four on the first page, two after `continue`.
    api.split.insert("/apis/apps/v1/deployments".into(), 4);
    let (read, server, _dir) = read_bookinfo(api).await;

    // Every object has kind and apiVersion back.
    for o in &read.objects {
        assert!(o["kind"].is_string() && o["apiVersion"].is_string(), "{o}");
    }
    let kinds = |k: &str| read.objects.iter().filter(|o| o["kind"] == k).count();
    assert_eq!(kinds("Deployment"), 6);
    assert_eq!(kinds("Service"), 4);
    assert_eq!(kinds("ServiceAccount"), 4);
    assert_eq!(kinds("DestinationRule"), 4);
    assert_eq!(kinds("Namespace"), 1);
    let dr = read
        .objects
        .iter()
        .find(|o| o["kind"] == "DestinationRule")
        .unwrap();
    assert_eq!(dr["apiVersion"], "networking.istio.io/v1");

    // The config crate reads them like a kubectl dump.
    let (mesh, warnings) = MeshConfig::from_values(read.objects.clone());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(mesh.of_kind(Kind::Deployment).count(), 6);
    assert_eq!(mesh.of_kind(Kind::DestinationRule).count(), 4);
    assert_eq!(mesh.of_kind(Kind::Service).count(), 4);
    let reviews = mesh
        .of_kind(Kind::DestinationRule)
        .find(|o| o.metadata.name == "reviews")
        .unwrap();
    assert_eq!(reviews.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(reviews.spec["subsets"].as_array().unwrap().len(), 3);

    // Paging: limit=500 on every list, the second page asked for with the token.
    let deployments = server.seen_path("/apis/apps/v1/deployments");
    assert_eq!(deployments.len(), 2);
    assert_eq!(deployments[0].param("continue"), None);
    assert_eq!(deployments[1].param("continue"), Some("page-2-token"));
    for seen in server.seen() {
        assert_eq!(seen.param("limit"), Some("500"), "{}", seen.path);
        assert_eq!(
            seen.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    // Cluster-wide lists only, but for Istio's ConfigMaps, read in the
    // Istio namespace.
    assert!(
        server
            .seen()
            .iter()
            .all(|s| !s.path.contains("/namespaces/")
                || s.path == "/api/v1/namespaces/istio-system/configmaps")
    );

    // Telemetry and the Gateway API are not installed: warnings, not errors.
    assert_eq!(
        read.stats.not_installed,
        [
            "telemetries.telemetry.istio.io",
            "gateways.gateway.networking.k8s.io",
            "httproutes.gateway.networking.k8s.io",
            "grpcroutes.gateway.networking.k8s.io",
            "referencegrants.gateway.networking.k8s.io",
            "wasmplugins.extensions.istio.io",
        ]
    );
    assert!(
        read.warnings
            .iter()
            .any(|w| w.contains("telemetries.telemetry.istio.io")
                && w.contains("CRD is not installed")),
        "{:?}",
        read.warnings
    );
    assert_eq!(read.stats.objects, read.objects.len());
    assert_eq!(read.stats.lists, meshgraph_kube::RESOURCES.len());
    assert_eq!(read.stats.retries, 0);
    assert!(read.stats.bytes > 0);
    assert_eq!(read.cluster.context.as_deref(), Some("kind-bookinfo"));
    assert_eq!(read.cluster.namespace, "default");
    assert_eq!(read.cluster.server, format!("{}/", server.url));
    assert_no_secret(&format!("{read:?}"));
}

#[tokio::test]
async fn a_missing_crd_is_a_warning_and_the_rest_is_used() {
    let mut api = FakeApi::bookinfo();
    // An older Istio: VirtualServices served as v1beta1 only, no DestinationRules.
    api.uninstall("/apis/networking.istio.io/v1/destinationrules");
    api.uninstall("/apis/networking.istio.io/v1/virtualservices");
    api.add(json!({
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}]},
    }));
    let (read, server, _dir) = read_bookinfo(api).await;

    assert_eq!(
        read.stats.not_installed[0],
        "destinationrules.networking.istio.io"
    );
    let warning = read
        .warnings
        .iter()
        .find(|w| w.contains("destinationrules"))
        .unwrap();
    assert!(
        warning.contains("networking.istio.io/v1, networking.istio.io/v1beta1"),
        "{warning}"
    );
    // Both versions were tried.
    assert_eq!(
        server
            .seen_path("/apis/networking.istio.io/v1beta1/destinationrules")
            .len(),
        1
    );
    let (mesh, _) = MeshConfig::from_values(read.data.objects);
    assert_eq!(mesh.of_kind(Kind::DestinationRule).count(), 0);
    assert_eq!(mesh.of_kind(Kind::Deployment).count(), 6);
    let vs: Vec<_> = mesh.of_kind(Kind::VirtualService).collect();
    assert_eq!(vs.len(), 1);
    assert_eq!(vs[0].api_version, "networking.istio.io/v1beta1");
}

#[tokio::test]
async fn a_missing_builtin_resource_is_an_error() {
    let mut api = FakeApi::bookinfo();
    api.uninstall("/apis/apps/v1/daemonsets");
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(matches!(e, KubeError::NotServed { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("{}/apis/apps/v1/daemonsets", server.url))
            && text.contains("daemonsets.apps"),
        "{text}"
    );
}

#[tokio::test]
async fn current_context_and_context_flag() {
    let mut api = FakeApi::bookinfo();
    api.tokens = vec!["alpha-token-1111".into(), "beta-token-2222".into()];
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(
        dir.path(),
        &[
            ("alpha", &server.url, "alpha-token-1111", Some("team-a")),
            ("beta", &server.url, "beta-token-2222", Some("bookinfo")),
            ("gone", "http://127.0.0.1:9", "x-token-3333", None),
        ],
    );

    let read = read_cluster(&options(&config)).await.unwrap();
    assert_eq!(read.cluster.context.as_deref(), Some("alpha"));
    assert_eq!(read.cluster.namespace, "team-a");
    let tokens = |from: usize| -> Vec<String> {
        server.seen()[from..]
            .iter()
            .map(|s| s.header("authorization").unwrap_or("").to_string())
            .collect()
    };
    let first = tokens(0);
    assert!(
        first.iter().all(|t| t == "Bearer alpha-token-1111"),
        "{first:?}"
    );

    let before = server.seen().len();
    let beta = ClusterOptions {
        context: Some("beta".into()),
        ..options(&config)
    };
    let read = read_cluster(&beta).await.unwrap();
    assert_eq!(read.cluster.context.as_deref(), Some("beta"));
    assert_eq!(read.cluster.namespace, "bookinfo");
    let second = tokens(before);
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|t| t == "Bearer beta-token-2222"),
        "{second:?}"
    );

    let missing = ClusterOptions {
        context: Some("prod".into()),
        ..options(&config)
    };
    let e = read_cluster(&missing).await.unwrap_err().to_string();
    assert!(
        e.contains("no context \"prod\"") && e.contains("\"alpha\", \"beta\", \"gone\""),
        "{e}"
    );
}

#[tokio::test]
async fn selected_namespaces_are_listed_one_by_one() {
    let mut api = FakeApi::bookinfo();
    api.add(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "other", "namespace": "elsewhere"},
        "spec": {"selector": {"matchLabels": {"app": "other"}}, "template": {"metadata": {"labels": {"app": "other"}}}},
    }));
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let options = ClusterOptions {
        namespaces: vec!["default".into(), "missing".into(), "default".into()],
        ..options(&config)
    };
    let read = read_cluster(&options).await.unwrap();
    let deployments: Vec<_> = read
        .objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .collect();
    assert_eq!(deployments.len(), 6);
    assert!(
        deployments
            .iter()
            .all(|d| d["metadata"]["namespace"] == "default")
    );
    assert_eq!(
        read.objects
            .iter()
            .filter(|o| o["kind"] == "Namespace")
            .count(),
        1
    );
    assert!(
        read.warnings
            .iter()
            .any(|w| w.contains("namespace \"missing\" does not exist")),
        "{:?}",
        read.warnings
    );
    // One GET per namespace, namespaced lists, no cluster-wide list.
    assert_eq!(server.seen_path("/api/v1/namespaces/default").len(), 1);
    assert_eq!(
        server
            .seen_path("/apis/apps/v1/namespaces/missing/deployments")
            .len(),
        1
    );
    assert!(server.seen_path("/apis/apps/v1/deployments").is_empty());
    assert!(server.seen_path("/api/v1/namespaces").is_empty());
    // Per-namespace warnings about missing CRDs are given once.
    let telemetry = read
        .warnings
        .iter()
        .filter(|w| w.contains("telemetries"))
        .count();
    assert_eq!(telemetry, 1);

    let bad = ClusterOptions {
        namespaces: vec!["../secrets".into()],
        ..options.clone()
    };
    let e = read_cluster(&bad).await.unwrap_err();
    assert!(matches!(e, KubeError::InvalidNamespace { .. }), "{e}");
}

#[tokio::test]
async fn a_forbidden_kind_is_a_warning_and_the_rest_is_used() {
    let mut api = FakeApi::bookinfo();
    api.always.insert(
        "/api/v1/pods".into(),
        Reply::status(
            403,
            "Forbidden",
            "pods is forbidden: User \"system:serviceaccount:ci:reader\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
        ),
    );
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("ci", &server.url, TOKEN, None)]);
    let read = read_cluster(&options(&config)).await.unwrap();
    assert_eq!(read.stats.forbidden, ["pods"]);
    assert_eq!(
        read.objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .count(),
        6
    );
    let warning = read
        .warnings
        .iter()
        .find(|w| w.contains("pods"))
        .unwrap_or_else(|| panic!("{:?}", read.warnings));
    for needle in [
        "context \"ci\"",
        "may not list pods",
        "HTTP 403",
        "cannot list resource \"pods\"",
        "no Pod objects read",
        "kubectl auth can-i list pods -A",
    ] {
        assert!(warning.contains(needle), "{needle:?} not in {warning}");
    }
    assert_no_secret(&format!("{read:?}"));
    // 403 is not retried.
    assert_eq!(server.seen_path("/api/v1/pods").len(), 1);
}

#[tokio::test]
async fn everything_forbidden_is_an_error() {
    let mut api = FakeApi::bookinfo();
    for r in meshgraph_kube::RESOURCES {
        for v in r.versions {
            let base = if r.group.is_empty() {
                format!("/api/{v}")
            } else {
                format!("/apis/{}/{v}", r.group)
            };
            let path = if r.istio_namespace_only {
                format!("{base}/namespaces/istio-system/{}", r.plural)
            } else {
                format!("{base}/{}", r.plural)
            };
            api.always
                .insert(path, Reply::status(403, "Forbidden", "forbidden"));
        }
    }
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("ci", &server.url, TOKEN, None)]);
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(matches!(e, KubeError::Forbidden { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("HTTP 403") && text.contains("context \"ci\"") && text.contains("check RBAC"),
        "{text}"
    );
    assert_error_hides_token(&e);
}

#[tokio::test]
async fn unauthorized_says_to_log_in_again() {
    let mut api = FakeApi::bookinfo();
    api.tokens = vec!["the-right-token".into()];
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("expired", &server.url, TOKEN, None)]);
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(matches!(e, KubeError::Unauthorized { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("HTTP 401")
            && text.contains("context \"expired\"")
            && text.contains("log in again"),
        "{text}"
    );
    assert_error_hides_token(&e);
}

#[tokio::test]
async fn an_unreachable_server_is_named() {
    // A bound port nobody listens on: connection refused.
    let refusing = meshgraph_standin::Refusing::new();
    let dir = tempfile::tempdir().unwrap();
    let url = refusing.url();
    let config = kubeconfig(dir.path(), &[("down", &url, TOKEN, None)]);
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(
        matches!(e, KubeError::Http(HttpError::Connect { attempts: 2, .. })),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains(&format!("{url}/api")), "{text}");
    assert!(
        text.contains("cannot reach the Kubernetes API server"),
        "{text}"
    );
    assert_error_hides_token(&e);
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let mut api = FakeApi::bookinfo();
    api.faults.insert(
        "/apis/apps/v1/deployments".into(),
        vec![Some(Reply::raw(503, "overloaded")), {
            let mut r = Reply::raw(429, "slow down");
            r.headers.push(("Retry-After".into(), "0".into()));
            Some(r)
        }],
    );
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let retrying = ClusterOptions {
        retries: 2,
        ..options(&config)
    };
    let read = read_cluster(&retrying).await.unwrap();
    assert_eq!(read.stats.retries, 2);
    assert_eq!(
        read.objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .count(),
        6
    );

    // A server that keeps failing: the error after the last attempt, with the
    // body quoted and any secret in it scrubbed.
    let mut api = FakeApi::bookinfo();
    api.always.insert(
        "/api/v1/services".into(),
        Reply::raw(
            500,
            &format!("etcdserver: request timed out (token {TOKEN})"),
        ),
    );
    let server = serve(api).await;
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(
        matches!(
            e,
            KubeError::Http(HttpError::Status {
                status: 500,
                attempts: 2,
                ..
            })
        ),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("etcdserver: request timed out") && text.contains("(token ***)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/api/v1/services", server.url)),
        "{text}"
    );
    assert_error_hides_token(&e);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let mut api = FakeApi::bookinfo();
    api.slow
        .insert("/api/v1/pods".into(), Duration::from_secs(5));
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let quick = ClusterOptions {
        timeout: Duration::from_millis(300),
        ..options(&config)
    };
    let e = read_cluster(&quick).await.unwrap_err();
    assert!(
        matches!(e, KubeError::Http(HttpError::Timeout { .. })),
        "{e:?}"
    );
    assert!(
        e.to_string().contains(&format!(
            "{}/api/v1/pods did not answer within 0.3s",
            server.url
        )),
        "{e}"
    );
}

#[tokio::test]
async fn size_cap_and_garbage_answers() {
    let server = serve(FakeApi::bookinfo()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let small = ClusterOptions {
        max_response_bytes: 2000,
        concurrency: 1,
        ..options(&config)
    };
    let e = read_cluster(&small).await.unwrap_err();
    assert!(
        matches!(e, KubeError::Http(HttpError::TooLarge { limit: 2000, .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains(&server.url), "{e}");

    let mut api = FakeApi::bookinfo();
    api.always.insert(
        "/api/v1/pods".into(),
        Reply::raw(200, "<html>login page</html>"),
    );
    let server = serve(api).await;
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(matches!(e, KubeError::Decode { .. }), "{e:?}");
    assert!(
        e.to_string().contains(&format!(
            "{}/api/v1/pods is not a Kubernetes list",
            server.url
        )),
        "{e}"
    );
}

#[tokio::test]
async fn an_expired_continue_token_lists_again_in_one_go() {
    let mut api = FakeApi::bookinfo();
    api.split.insert("/api/v1/services".into(), 2);
    // Page 1 is served; the request for page 2 gets 410 Gone, as when the
    // token has become too old; the list without `limit` is served whole.
    let gone = Reply::status(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result.",
    );
    api.faults
        .insert("/api/v1/services".into(), vec![None, Some(gone)]);
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", &server.url, TOKEN, None)]);
    let read = read_cluster(&options(&config)).await.unwrap();
    let services: Vec<_> = read
        .objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["details", "ratings", "reviews", "productpage"]);
    let seen = server.seen_path("/api/v1/services");
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].param("limit"), None);
    assert!(
        read.warnings
            .iter()
            .any(|w| w.contains("continue token for services expired")),
        "{:?}",
        read.warnings
    );
}

/// A kubeconfig whose user is an exec credential plugin: `script` is the
/// plugin's shell script (run by kube-rs as `sh SCRIPT`).
fn exec_kubeconfig(
    dir: &std::path::Path,
    server: &str,
    script: Option<&str>,
) -> std::path::PathBuf {
    let plugin = dir.join("get-token.sh");
    if let Some(script) = script {
        std::fs::write(&plugin, script).unwrap();
    }
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!(
            r#"
apiVersion: v1
kind: Config
current-context: eks
clusters:
- name: eks
  cluster: {{server: "{server}"}}
users:
- name: eks-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: sh
      args: ["{}"]
      interactiveMode: Never
contexts:
- name: eks
  context: {{cluster: eks, user: eks-user}}
"#,
            plugin.display()
        ),
    )
    .unwrap();
    path
}

const EXEC_TOKEN: &str = "k8s-aws-v1.exec-plugin-token-0123456789";

fn exec_credential(token: &str) -> String {
    format!(
        "#!/bin/sh\ncat <<'EOF'\n{{\"apiVersion\": \"client.authentication.k8s.io/v1beta1\", \"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{token}\"}}}}\nEOF\n"
    )
}

#[tokio::test]
async fn an_exec_plugin_gives_the_token() {
    let mut api = FakeApi::bookinfo();
    api.tokens = vec![EXEC_TOKEN.into()];
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = exec_kubeconfig(dir.path(), &server.url, Some(&exec_credential(EXEC_TOKEN)));
    let read = read_cluster(&options(&config)).await.unwrap();
    assert_eq!(
        read.objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .count(),
        6
    );
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.header("authorization") == Some(format!("Bearer {EXEC_TOKEN}").as_str()))
    );
    assert!(!format!("{read:?}").contains(EXEC_TOKEN));
}

#[tokio::test]
async fn a_failing_or_missing_exec_plugin_names_the_context() {
    let server = serve(FakeApi::bookinfo()).await;
    let dir = tempfile::tempdir().unwrap();
    // The plugin fails, printing a token on stdout that must not show.
    let config = exec_kubeconfig(
        dir.path(),
        &server.url,
        Some(&format!(
            "echo '{EXEC_TOKEN}'\necho 'error: SSO session expired; run aws sso login' >&2\nexit 1\n"
        )),
    );
    let e = read_cluster(&options(&config)).await.unwrap_err();
    assert!(matches!(e, KubeError::Credentials { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("context \"eks\"")
            && text.contains("exec plugin sh")
            && text.contains("SSO session expired"),
        "{text}"
    );
    assert!(
        !text.contains(EXEC_TOKEN) && !format!("{e:?}").contains(EXEC_TOKEN),
        "{text}"
    );
    assert!(server.seen().is_empty());

    // The plugin's command does not exist.
    let path = dir.path().join("config");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("command: sh", "command: meshgraph-no-such-auth-plugin");
    std::fs::write(&path, text).unwrap();
    let e = read_cluster(&options(&path)).await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, KubeError::Credentials { .. }), "{e:?}");
    assert!(
        text.contains("context \"eks\"")
            && text.contains("meshgraph-no-such-auth-plugin")
            && text.contains("not found"),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_kubeconfig_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope");
    let e = read_cluster(&options(&path)).await.unwrap_err();
    assert!(matches!(e, KubeError::ReadFile { .. }), "{e:?}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}

#[tokio::test]
async fn debug_output_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("c", "https://10.0.0.1:6443", TOKEN, None)]);
    let options = options(&config);
    let loaded = meshgraph_kube::ClusterConfig::load(&options).await.unwrap();
    let debug = format!("{loaded:?} {options:?}");
    assert!(debug.contains("bearer token (***)"), "{debug}");
    assert_no_secret(&debug);
}
