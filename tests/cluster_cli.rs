//! `--cluster`: objects read from a Kubernetes API server feed `check` and the
//! graph. The server is crates/kube's stand-in (real bookinfo objects served
//! in the API's list format; no API server can be installed here).

mod common;

#[path = "../crates/kube/tests/common/mod.rs"]
mod kube_api;

use meshgraph_prometheus::testing::{PrometheusServer, openmetrics_from_rates, parse_rates};
use serde_json::Value;

#[test]
fn check_reads_the_live_cluster_of_the_kubeconfig_context() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut api = kube_api::FakeApi::bookinfo();
    // A routing mistake only the cluster holds: a subset no DestinationRule defines.
    api.add(serde_json::json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "default"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v9"}}]}]},
    }));
    let server = runtime.block_on(kube_api::serve(api));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig =
        kube_api::kubeconfig(dir.path(), &[("lab", &server.url, "s3cr3t-token", None)]);
    let out = common::run()
        .args([
            "check",
            "--cluster",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{stderr}");
    assert!(
        stderr.contains("cluster:") && stderr.contains("context lab"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t-token"));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    // The VirtualService from the cluster is checked against its DestinationRules.
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "MG202" && f["resource"]["name"] == "reviews"),
        "{findings:#?}"
    );
    // bookinfo's Deployments in the injected namespace `default`: the webhook
    // will inject them, so no MG101.
    assert!(
        findings.iter().all(|f| f["code"] != "MG101"),
        "{findings:#?}"
    );
    assert!(
        !server.seen_path("/apis/apps/v1/deployments").is_empty(),
        "deployments were listed"
    );

    // An unreachable cluster is one clear line and exit 2.
    let gone = meshgraph_standin::Refusing::new();
    let kubeconfig = kube_api::kubeconfig(dir.path(), &[("gone", &gone.url(), "t", None)]);
    let out = common::run()
        .args([
            "check",
            "--cluster",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{}", gone.port())));
}

/// The Prometheus collector verifies TLS by default and trusts an extra CA
/// given with `--prometheus-ca` (the stand-in server speaks TLS with
/// crates/kube's throw-away test certificates; it is not a Prometheus, so a
/// completed handshake ends in an HTTP error, not a TLS one).
#[test]
fn prometheus_tls_is_verified_and_a_custom_ca_is_trusted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(kube_api::serve_tls(kube_api::FakeApi::new()));
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = common::run()
            .args([
                "snapshot",
                "--prometheus",
                &server.url,
                "--at",
                "1764547200",
                "--query-timeout",
                "5s",
                "-o",
                "g.json",
            ])
            .args(extra)
            .dir(dir.path())
            .output();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).to_lowercase()
    };
    let untrusted = run(&[]);
    assert!(
        untrusted.contains("certificate") || untrusted.contains("tls"),
        "{untrusted}"
    );
    let ca = kube_api::data_path("ca.pem");
    let trusted = run(&["--prometheus-ca", ca.to_str().unwrap()]);
    assert!(
        !trusted.contains("certificate"),
        "the handshake succeeds with the CA: {trusted}"
    );
    assert!(trusted.contains("404"), "{trusted}");
}

/// The bookinfo waypoint telemetry written by hand
/// (tests/fixtures/prometheus/bookinfo-waypoint.rates, not the scenario kit),
/// ending now, in a real Prometheus.
fn prometheus_now() -> PrometheusServer {
    let path = format!(
        "{}/tests/fixtures/prometheus/bookinfo-waypoint.rates",
        env!("CARGO_MANIFEST_DIR")
    );
    let rates = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let series = parse_rates(&rates).unwrap();
    let now = jiff::Timestamp::now().as_second() - 30;
    PrometheusServer::start(&openmetrics_from_rates(&series, now, 1200, 15))
}

const PROXY: &str = "/api/v1/namespaces/istio-system/services/prometheus:9090/proxy";
const EXEC_TOKEN: &str = "k8s-aws-v1.exec-token-for-meshgraph-tests-42";

/// The stand-in API server with bookinfo's objects, Istio's `prometheus`
/// Service in istio-system, and its service proxy forwarding to `prometheus`.
fn api_with_prometheus(prometheus: &PrometheusServer) -> kube_api::FakeApi {
    let mut api = kube_api::FakeApi::bookinfo();
    api.tokens = vec![EXEC_TOKEN.into()];
    api.always.insert(
        "/api/v1/namespaces/istio-system/services/prometheus".into(),
        kube_api::Reply::json(
            200,
            &serde_json::json!({
                "kind": "Service", "apiVersion": "v1",
                "metadata": {"name": "prometheus", "namespace": "istio-system"},
                "spec": {"ports": [{"name": "http", "port": 9090, "targetPort": 9090}]},
            }),
        ),
    );
    let port = prometheus.port();
    api.proxies.push((PROXY.into(), forward_to(port)));
    api
}

/// A service-proxy hook that forwards what the API server receives to a
/// server on loopback `port` (Prometheus, Jaeger, Kiali stand-ins).
fn forward_to(port: u16) -> kube_api::Proxy {
    std::sync::Arc::new(move |seen: &kube_api::Seen, rest: &str| {
        let (status, body) = meshgraph_prometheus::testing::http_request(
            port,
            &seen.method,
            if rest.is_empty() { "/" } else { rest },
            seen.header("content-type"),
            &seen.body,
        )
        .unwrap();
        kube_api::Reply {
            status,
            body,
            headers: vec![("Content-Type".into(), "application/json".into())],
        }
    })
}

/// Two kubeconfig files for KUBECONFIG: the cluster and context in one, the
/// user (an exec credential plugin: a shell script printing an
/// ExecCredential) in the other.
fn split_exec_kubeconfig(dir: &std::path::Path, server: &str) -> String {
    let plugin = dir.join("get-token.sh");
    std::fs::write(
        &plugin,
        format!(
            "cat <<'EOF'\n{{\"apiVersion\": \"client.authentication.k8s.io/v1beta1\", \"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{EXEC_TOKEN}\"}}}}\nEOF\n"
        ),
    )
    .unwrap();
    let first = dir.join("cluster.yaml");
    std::fs::write(
        &first,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: eks-bookinfo\nclusters:\n- name: eks\n  cluster: {{server: \"{server}\"}}\ncontexts:\n- name: eks-bookinfo\n  context: {{cluster: eks, user: eks-user}}\n"
        ),
    )
    .unwrap();
    let second = dir.join("user.yaml");
    std::fs::write(
        &second,
        format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: eks-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      args: [\"{}\"]\n      interactiveMode: Never\n",
            plugin.display()
        ),
    )
    .unwrap();
    format!("{}:{}", first.display(), second.display())
}

fn edge<'a>(doc: &'a Value, source: &str, target: &str) -> &'a Value {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == source && e["target"] == target)
        .unwrap_or_else(|| panic!("no edge {source} -> {target} in {:#}", doc["edges"]))
}

/// The headline: `meshgraph snapshot -o g.json` with only KUBECONFIG set
/// (two files merged, the user an exec plugin) finds Istio's Prometheus,
/// queries it through the API server's service proxy, reads the cluster's
/// objects and draws bookinfo.
#[test]
fn zero_flag_snapshot_finds_prometheus_through_the_api_server() {
    let prometheus = prometheus_now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(kube_api::serve(api_with_prometheus(&prometheus)));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = split_exec_kubeconfig(dir.path(), &server.url);
    let out = common::run()
        .args(["snapshot", "-o", "g.json"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(EXEC_TOKEN), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("Prometheus: found"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains("service prometheus in istio-system")
            && line.contains("service proxy")
            && line.contains("context \"eks-bookinfo\"")
            && line.contains("k8s://istio-system/prometheus:9090"),
        "{line}"
    );
    assert!(
        stderr.contains("cluster:"),
        "the objects were read: {stderr}"
    );

    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap();
    assert_eq!(doc["source"], "k8s://istio-system/prometheus:9090");
    // Bookinfo behind its waypoint: seven calls, one edge each.
    let bi = |w: &str| format!("workload:bookinfo/{w}");
    for (source, target) in [
        ("productpage-v1", "details-v1"),
        ("productpage-v1", "reviews-v1"),
        ("productpage-v1", "reviews-v2"),
        ("productpage-v1", "reviews-v3"),
        ("reviews-v2", "ratings-v1"),
        ("reviews-v3", "ratings-v1"),
    ] {
        let e = edge(&doc, &bi(source), &bi(target));
        assert_eq!(e["via_waypoint"], "bookinfo/waypoint", "{e:#}");
    }
    edge(
        &doc,
        "workload:istio-system/istio-ingressgateway",
        &bi("productpage-v1"),
    );

    // Every query went through the proxy with the exec plugin's token.
    let proxied: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with(PROXY))
        .collect();
    assert!(proxied.len() >= 10, "{}", proxied.len());
    // GETs: RBAC's `get` on services/proxy is enough (a POST would need `create`).
    assert!(proxied.iter().all(|s| s.method == "GET"
        && s.path.starts_with(&format!("{PROXY}/api/v1/query"))
        && s.header("authorization") == Some(format!("Bearer {EXEC_TOKEN}").as_str())));
    assert!(!server.seen_path("/apis/apps/v1/deployments").is_empty());

    // --no-cluster: Prometheus still found, no object listed.
    let before = server.seen_path("/apis/apps/v1/deployments").len();
    let out = common::run()
        .args(["snapshot", "--no-cluster", "-o", "g2.json"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.seen_path("/apis/apps/v1/deployments").len(), before);

    // `record` (at the snapshot's time) stores the answers and the objects;
    // the replay gives the same graph.
    let at = doc["at"].as_str().unwrap();
    let out = common::run()
        .args(["record", "bundle", "--at", at])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("bundle/objects/objects.json").is_file());
    let out = common::run()
        .args(["snapshot", "--replay", "bundle", "-o", "replayed.json"])
        .dir(dir.path())
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replayed: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("replayed.json")).unwrap())
            .unwrap();
    let out = common::run()
        .args(["snapshot", "--at", at, "-o", "live.json"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("live.json")).unwrap())
            .unwrap();
    assert_eq!(replayed["edges"], live["edges"]);
    assert_eq!(replayed["nodes"], live["nodes"]);
}

/// `--prometheus k8s://NS/SERVICE:PORT` names the Service; in a pod, the
/// service account's token, CA and namespace files and
/// KUBERNETES_SERVICE_HOST/PORT are the credentials (over TLS).
#[test]
fn explicit_k8s_url_with_the_in_cluster_service_account() {
    let prometheus = prometheus_now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut api = api_with_prometheus(&prometheus);
    api.tokens = vec!["in-cluster-sa-token-777".into()];
    let server = runtime.block_on(kube_api::serve_tls(api));
    let dir = tempfile::tempdir().unwrap();
    let sa = dir.path().join("serviceaccount");
    std::fs::create_dir(&sa).unwrap();
    std::fs::write(sa.join("token"), "in-cluster-sa-token-777\n").unwrap();
    std::fs::write(sa.join("namespace"), "meshgraph").unwrap();
    std::fs::copy(kube_api::data_path("ca.pem"), sa.join("ca.crt")).unwrap();
    let port = server.url.rsplit(':').next().unwrap().to_string();
    let out = common::run()
        .args([
            "snapshot",
            "--prometheus",
            "k8s://istio-system/prometheus:9090",
            "-o",
            "g.json",
        ])
        .env_remove("KUBECONFIG")
        .env("HOME", dir.path())
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", &port)
        .env("MESHGRAPH_SERVICE_ACCOUNT_DIR", &sa)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Prometheus: querying k8s://istio-system/prometheus:9090 through the API server's service proxy (the in-cluster service account"),
        "{stderr}"
    );
    assert!(!stderr.contains("in-cluster-sa-token-777"));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap();
    edge(
        &doc,
        "workload:bookinfo/productpage-v1",
        "workload:bookinfo/reviews-v2",
    );
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.header("authorization") == Some("Bearer in-cluster-sa-token-777"))
    );
}

/// What goes wrong with a cluster is one line naming the context, exit 2,
/// nothing written; no kubeconfig at all keeps the "no input" error.
#[test]
fn cluster_failures_are_one_line_naming_the_context() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut api = kube_api::FakeApi::bookinfo();
    api.tokens = vec!["the-valid-token-1234".into()];
    let server = runtime.block_on(kube_api::serve(api));
    let dir = tempfile::tempdir().unwrap();
    let run = |kubeconfig: &std::path::Path, extra: &[&str]| {
        let out = common::run()
            .args(["snapshot", "-o", "g.json"])
            .args(extra)
            .env("KUBECONFIG", kubeconfig)
            .dir(dir.path())
            .output();
        assert_eq!(out.status.code(), Some(2));
        assert!(!dir.path().join("g.json").exists());
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr
    };

    // An expired token: 401.
    let expired = kube_api::kubeconfig(
        dir.path(),
        &[("expired", &server.url, "expired-token-5678", None)],
    );
    let e = run(&expired, &[]);
    assert!(
        e.contains("context \"expired\"") && e.contains("HTTP 401"),
        "{e}"
    );
    assert!(!e.contains("expired-token-5678"), "{e}");

    // A context that does not exist.
    let e = run(&expired, &["--context", "prod"]);
    assert!(
        e.contains("no context \"prod\"") && e.contains("\"expired\""),
        "{e}"
    );

    // An API server that does not answer.
    let gone = meshgraph_standin::Refusing::new();
    let down = dir.path().join("down");
    std::fs::create_dir(&down).unwrap();
    let down = kube_api::kubeconfig(&down, &[("down", &gone.url(), "t-0000", None)]);
    let e = run(&down, &[]);
    assert!(
        e.contains("context \"down\"") && e.contains(&format!("127.0.0.1:{}", gone.port())),
        "{e}"
    );

    // An exec plugin that is not installed.
    let missing = dir.path().join("missing");
    std::fs::create_dir(&missing).unwrap();
    let text = split_exec_kubeconfig(&missing, &server.url);
    let user = text.split(':').nth(1).unwrap();
    let yaml = std::fs::read_to_string(user)
        .unwrap()
        .replace("command: sh", "command: gke-gcloud-auth-plugin-not-here");
    std::fs::write(user, yaml).unwrap();
    let out = common::run()
        .args(["snapshot", "-o", "g.json"])
        .env("KUBECONFIG", &text)
        .dir(dir.path())
        .output();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("context \"eks-bookinfo\"")
            && e.contains("gke-gcloud-auth-plugin-not-here")
            && e.contains("not found"),
        "{e}"
    );

    // A cluster without a Prometheus meshgraph knows: what was looked for,
    // and the flags.
    let ok = dir.path().join("ok");
    std::fs::create_dir(&ok).unwrap();
    let ok = kube_api::kubeconfig(&ok, &[("lab", &server.url, "the-valid-token-1234", None)]);
    let e = run(&ok, &[]);
    for needle in [
        "context \"lab\"",
        "prometheus-operated",
        "Kiali",
        "--prometheus k8s://NAMESPACE/SERVICE:PORT",
        "--demo",
    ] {
        assert!(e.contains(needle), "{needle:?} not in {e}");
    }

    // No kubeconfig at all: today's error.
    let out = common::run()
        .args(["snapshot", "-o", "g.json"])
        .dir(dir.path())
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no input: give --prometheus URL"));
}

const TRACING_PROXY: &str = "/api/v1/namespaces/istio-system/services/tracing:80/proxy";

/// The stand-in API server with Istio's Jaeger addon Service `tracing` in
/// istio-system (HTTP query port 80, gRPC 16685), its service proxy
/// forwarding to a stand-in Jaeger that serves a recorded answer.
fn api_with_jaeger(jaeger: &meshgraph_standin::StandIn) -> kube_api::FakeApi {
    let mut api = kube_api::FakeApi::bookinfo();
    api.tokens = vec![EXEC_TOKEN.into()];
    api.always.insert(
        "/api/v1/namespaces/istio-system/services/tracing".into(),
        kube_api::Reply::json(
            200,
            &serde_json::json!({
                "kind": "Service", "apiVersion": "v1",
                "metadata": {"name": "tracing", "namespace": "istio-system"},
                "spec": {"ports": [
                    {"name": "grpc-query", "port": 16685, "targetPort": 16685},
                    {"name": "http-query", "port": 80, "targetPort": 16686},
                ]},
            }),
        ),
    );
    let port = jaeger.port();
    api.proxies.push((TRACING_PROXY.into(), forward_to(port)));
    api
}

/// `--traces auto` finds Istio's Jaeger addon (`tracing` in istio-system,
/// under /jaeger) and reads a recorded Jaeger answer through the API
/// server's service proxy with the exec plugin's token; `--jaeger
/// k8s://...` names the same Service explicitly.
#[test]
fn traces_auto_finds_jaeger_through_the_api_server() {
    use meshgraph_standin::{Reply, StandIn};
    let trace = common::read_fixture_bytes("traces/jaeger-v3-hotrod-trace.json");
    let jaeger = StandIn::route(move |request, _| {
        if request.target.starts_with("/jaeger/api/v3/services") {
            Reply::ok(r#"{"services":["frontend"]}"#)
        } else if request.target.starts_with("/jaeger/api/v3/traces") {
            Reply::ok(trace.clone())
        } else {
            Reply::not_found()
        }
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(kube_api::serve(api_with_jaeger(&jaeger)));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = split_exec_kubeconfig(dir.path(), &server.url);
    let run = |traces: &[&str]| {
        let out = common::run()
            .arg("snapshot")
            .args(traces)
            .args([
                "--trace-service",
                "frontend",
                "--at",
                "2026-11-25T02:00:00Z",
                "--window",
                "10m",
                "-o",
                "-",
            ])
            .env("KUBECONFIG", &kubeconfig)
            .dir(dir.path())
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains(EXEC_TOKEN), "{stderr}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        (doc, stderr)
    };
    let has_edge = |doc: &Value| {
        doc["edges"].as_array().unwrap().iter().any(|e| {
            e["source"] == "workload:unknown/frontend" && e["target"] == "workload:unknown/route"
        })
    };

    let (doc, stderr) = run(&["--traces", "auto"]);
    assert!(has_edge(&doc), "{:#}", doc["edges"]);
    let line = stderr
        .lines()
        .find(|l| l.contains("traces: found"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains("Jaeger")
            && line.contains("service tracing in istio-system")
            && line.contains("service proxy")
            && line.contains("k8s://istio-system/tracing:80/jaeger"),
        "{line}"
    );
    let proxied: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with(TRACING_PROXY))
        .collect();
    assert!(!proxied.is_empty());
    assert!(proxied.iter().all(|s| {
        s.method == "GET"
            && s.path
                .starts_with(&format!("{TRACING_PROXY}/jaeger/api/v3/"))
            && s.header("authorization") == Some(format!("Bearer {EXEC_TOKEN}").as_str())
    }));
    // The stand-in Jaeger saw no API server credentials it should not.
    assert!(!jaeger.requests().is_empty());

    let (doc, stderr) = run(&["--jaeger", "k8s://istio-system/tracing:80/jaeger"]);
    assert!(has_edge(&doc), "{:#}", doc["edges"]);
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("traces: Jaeger") && l.contains("service proxy")),
        "{stderr}"
    );

    // A cluster with no tracing backend: one clear error, exit 2.
    let empty = runtime.block_on(kube_api::serve(kube_api::FakeApi::new()));
    let kubeconfig = kube_api::kubeconfig(dir.path(), &[("lab", &empty.url, "t", None)]);
    let out = common::run()
        .args(["snapshot", "--traces", "auto", "-o", "-"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no Jaeger or Tempo found"), "{stderr}");
}

/// `meshgraph check` with no argument in a usable kube context reads the
/// cluster's objects and checks them with the telemetry of the Prometheus
/// it finds, like `snapshot`.
#[test]
fn zero_argument_check_reads_the_cluster_and_its_prometheus() {
    let prometheus = prometheus_now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut api = api_with_prometheus(&prometheus);
    // A routing mistake only the cluster holds.
    api.add(serde_json::json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "default"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v9"}}]}]},
    }));
    let server = runtime.block_on(kube_api::serve(api));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = split_exec_kubeconfig(dir.path(), &server.url);
    let out = common::run()
        .args(["check", "--format", "json"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{stderr}");
    assert!(!stderr.contains(EXEC_TOKEN), "{stderr}");
    assert!(
        stderr.contains("Prometheus: found service prometheus in istio-system"),
        "{stderr}"
    );
    assert!(stderr.contains("cluster:"), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "MG202" && f["resource"]["name"] == "reviews"),
        "{findings:#?}"
    );
    assert!(!server.seen_path("/apis/apps/v1/deployments").is_empty());
    assert!(
        server.seen().iter().any(|s| s.path.starts_with(PROXY)),
        "the telemetry checks queried Prometheus"
    );

    // No Prometheus in the cluster: the objects are still checked, and a
    // warning says the telemetry checks saw nothing.
    let mut api = kube_api::FakeApi::bookinfo();
    api.add(serde_json::json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "default"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v9"}}]}]},
    }));
    let bare = runtime.block_on(kube_api::serve(api));
    let kubeconfig = kube_api::kubeconfig(dir.path(), &[("lab", &bare.url, "t", None)]);
    let out = common::run()
        .args(["check", "--format", "json"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{stderr}");
    assert!(stderr.contains("telemetry checks skipped"), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "MG202"),
        "{doc:#}"
    );
}

/// A kube context whose user authenticates with a client certificate
/// (no token): meshgraph presents the certificate to the API server's
/// service proxy too, over TLS verified against the context's CA.
#[test]
fn a_client_certificate_user_reaches_prometheus_through_the_proxy() {
    let file = |name: &str| kube_api::data_path(name).display().to_string();
    let prometheus = prometheus_now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut api = api_with_prometheus(&prometheus);
    api.tokens = Vec::new();
    api.require_client_cert = true;
    let server = runtime.block_on(kube_api::serve_tls(api));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: kind-lab\nclusters:\n- name: kind\n  cluster:\n    server: {}\n    certificate-authority: \"{}\"\nusers:\n- name: admin\n  user:\n    client-certificate: \"{}\"\n    client-key: \"{}\"\ncontexts:\n- name: kind-lab\n  context: {{cluster: kind, user: admin}}\n",
            server.url,
            file("ca.pem"),
            file("client.pem"),
            file("client-key.pem")
        ),
    )
    .unwrap();
    let out = common::run()
        .args(["snapshot", "--no-cluster", "-o", "g.json"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Prometheus: found"), "{stderr}");
    let proxied: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with(PROXY))
        .collect();
    assert!(proxied.len() >= 10, "{}", proxied.len());
    assert!(
        proxied
            .iter()
            .all(|s| s.client_cert && s.header("authorization").is_none())
    );
}

const KIALI_PROXY: &str = "/api/v1/namespaces/istio-system/services/kiali:20001/proxy";

/// `meshgraph kiali --kiali auto`: Istio's Kiali addon reached through the API
/// server's service proxy with the kube context's (exec plugin) token; the
/// graph it serves is Kiali's own ambient golden graph.
#[test]
fn kiali_auto_reads_the_graph_through_the_api_server() {
    use meshgraph_standin::{Reply, StandIn};
    let golden = common::read_fixture_bytes("kiali/kiali-expected/test_ambient_graph.expected");
    let kiali = StandIn::route(move |request, _| {
        if request.path == "/kiali/api/namespaces/graph" {
            Reply::ok(golden.clone())
        } else {
            Reply::not_found()
        }
    });
    let mut api = kube_api::FakeApi::bookinfo();
    api.tokens = vec![EXEC_TOKEN.into()];
    let port = kiali.port();
    api.proxies.push((KIALI_PROXY.into(), forward_to(port)));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(kube_api::serve(api));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = split_exec_kubeconfig(dir.path(), &server.url);
    let replay = common::fixture("kiali/data/ambientMockGraph@ambient/replay");
    let out = common::run()
        .args([
            "kiali", "--kiali", "auto", "-n", "bookinfo", "--format", "json",
        ])
        .args(["--replay", replay.to_str().unwrap()])
        .args(["--at", "1523364075", "--window", "10m"])
        .env("KUBECONFIG", &kubeconfig)
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(EXEC_TOKEN), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("kiali:") && l.contains("k8s://istio-system/kiali:20001/kiali")),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["edges"].as_array().unwrap().len(), 5, "{doc:#}");
    let proxied: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with(KIALI_PROXY))
        .collect();
    assert_eq!(proxied.len(), 1, "one graph request");
    let seen = &proxied[0];
    assert!(
        seen.path
            .starts_with(&format!("{KIALI_PROXY}/kiali/api/namespaces/graph")),
        "{}",
        seen.path
    );
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {EXEC_TOKEN}").as_str())
    );
    let asked = kiali.requests();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].param("namespaces"), Some("bookinfo"));
    assert_eq!(asked[0].param("duration"), Some("600s"));
}
