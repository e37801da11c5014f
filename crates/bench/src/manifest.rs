//! `meshgraph-bench manifest [MEGABYTES...]`: the memory it takes to read a
//! cluster dump. For each size (default 50 and 200 MB) it writes a dump the
//! way `kubectl get -A -o yaml` (and `-o json`) prints one: a single `List`
//! of Deployments, ReplicaSets, Pods, Services, ConfigMaps, Secrets,
//! EndpointSlices and ServiceAccounts, each with `metadata.managedFields`,
//! the `kubectl.kubernetes.io/last-applied-configuration` annotation where
//! `kubectl apply` leaves one, and `status`. It then reads the file with
//! `MeshConfig::load` and prints the peak heap of reading (counted by
//! [`crate::alloc`], the objects kept included) against the file's size.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use meshgraph_config::{ConfigWarning, LoadOptions, MeshConfig};
use serde_json::{Map, Value, json};

use crate::alloc;

/// The default dump sizes, in MB (10^6 bytes).
pub const DEFAULT_MEGABYTES: [usize; 2] = [50, 200];

/// How the dump is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `kubectl get -o yaml`.
    Yaml,
    /// `kubectl get -o json`.
    Json,
    /// A stream of YAML documents, one object each (`helm template`,
    /// `kustomize build`).
    Documents,
}

impl Form {
    pub fn name(self) -> &'static str {
        match self {
            Form::Yaml => "yaml",
            Form::Json => "json",
            Form::Documents => "docs",
        }
    }
}

/// `metadata.managedFields[].fieldsV1` for `value`, the way the API server
/// writes it: `f:<key>` for each field, `k:{"name":...}` for list entries
/// keyed by name, `.: {}` for a map that is itself owned.
fn fields_v1(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            out.insert(".".into(), json!({}));
            for (k, v) in map {
                out.insert(format!("f:{k}"), fields_v1(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Map::new();
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    out.insert(format!("k:{{\"name\":\"{name}\"}}"), fields_v1(item));
                }
            }
            Value::Object(out)
        }
        _ => json!({}),
    }
}

fn managed(manager: &str, operation: &str, owned: Value) -> Value {
    json!({"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fields_v1(&owned),
        "manager": manager, "operation": operation, "time": "2026-11-30T08:14:02Z"})
}

/// What `kubectl apply` leaves in the last-applied annotation: the object as
/// applied, as compact JSON.
fn last_applied(object: &Value) -> String {
    let mut applied = object.clone();
    if let Some(meta) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels"));
        meta.insert("annotations".into(), json!({}));
    }
    if let Some(map) = applied.as_object_mut() {
        map.remove("status");
    }
    applied.to_string()
}

/// Finishes an object: adds `managedFields`, the last-applied annotation
/// (when `applied`), `uid`, `resourceVersion` and `creationTimestamp`.
fn finish(mut object: Value, applied: bool, n: usize) -> Value {
    let spec_like: Map<String, Value> = object
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !matches!(k.as_str(), "apiVersion" | "kind" | "status"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut fields = vec![managed(
        if applied {
            "kubectl-client-side-apply"
        } else {
            "kube-controller-manager"
        },
        "Update",
        Value::Object(spec_like),
    )];
    if let Some(status) = object.get("status") {
        let mut entry = managed("kubelet", "Update", json!({ "status": status }));
        entry["subresource"] = json!("status");
        fields.push(entry);
    }
    let last = applied.then(|| last_applied(&object));
    let meta = object["metadata"].as_object_mut().expect("metadata");
    if let Some(last) = last {
        let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = json!(last);
    }
    meta.insert("managedFields".into(), Value::Array(fields));
    meta.insert(
        "uid".into(),
        json!(format!("6c1e3a52-{:04x}-4b0e-9d7a-{:012x}", n % 65536, n)),
    );
    meta.insert(
        "resourceVersion".into(),
        json!(format!("{}", 1_000_000 + n)),
    );
    meta.insert("creationTimestamp".into(), json!("2026-11-30T08:14:02Z"));
    object
}

fn proxy_container() -> Value {
    let env: Vec<Value> = [
        ("PILOT_CERT_PROVIDER", "istiod"),
        ("CA_ADDR", "istiod.istio-system.svc:15012"),
        ("ISTIO_META_CLUSTER_ID", "Kubernetes"),
        ("ISTIO_META_MESH_ID", "cluster.local"),
        ("TRUST_DOMAIN", "cluster.local"),
        ("ISTIO_META_INTERCEPTION_MODE", "REDIRECT"),
        ("ISTIO_META_WORKLOAD_NAME", "app"),
        ("PROXY_CONFIG", "{}"),
        ("ISTIO_BOOTSTRAP_OVERRIDE", ""),
        ("ISTIO_META_APP_CONTAINERS", "app"),
    ]
    .iter()
    .map(|(k, v)| json!({"name": k, "value": v}))
    .collect();
    json!({"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.1",
        "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"],
        "env": env, "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "readinessProbe": {"failureThreshold": 4, "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
            "periodSeconds": 15, "successThreshold": 1, "timeoutSeconds": 3},
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
            "privileged": false, "readOnlyRootFilesystem": true, "runAsGroup": 1337, "runAsNonRoot": true, "runAsUser": 1337},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/var/run/secrets/workload-spiffe-uds", "name": "workload-socket"},
            {"mountPath": "/var/run/secrets/credential-uds", "name": "credential-socket"},
            {"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
            {"mountPath": "/var/run/secrets/tokens", "name": "istio-token"},
            {"mountPath": "/etc/istio/pod", "name": "istio-podinfo"}]})
}

fn app_container(app: &str) -> Value {
    json!({"name": app, "image": format!("registry.example.com/shop/{app}:2.7.1"),
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"key": "password", "name": format!("{app}-db")}}}],
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}]})
}

fn pod_spec(app: &str, injected: bool) -> Value {
    let mut containers = vec![app_container(app)];
    if injected {
        containers.push(proxy_container());
    }
    json!({"containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": true,
        "nodeName": "worker-3", "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
        "restartPolicy": "Always", "schedulerName": "default-scheduler", "serviceAccount": app,
        "serviceAccountName": app, "terminationGracePeriodSeconds": 30,
        "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}],
        "volumes": [{"emptyDir": {}, "name": "workload-socket"}, {"emptyDir": {}, "name": "credential-socket"},
            {"emptyDir": {"medium": "Memory"}, "name": "istio-envoy"},
            {"name": "istio-token", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}]}},
            {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}}]}}]})
}

fn condition(type_: &str) -> Value {
    json!({"lastProbeTime": null, "lastTransitionTime": "2026-11-30T08:14:09Z", "status": "True", "type": type_})
}

/// The objects of application `i` of namespace `ns`.
fn app_objects(ns: &str, i: usize, n: &mut usize) -> Vec<Value> {
    let app = format!("svc-{i}");
    let labels = json!({"app": app, "version": "v1"});
    let mut out = Vec::new();
    let k = *n;
    let mut count = *n;
    let mut push = |object: Value, applied: bool, out: &mut Vec<Value>| {
        count += 1;
        out.push(finish(object, applied, count));
    };
    push(
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": ns, "labels": labels, "generation": 3,
                "annotations": {"deployment.kubernetes.io/revision": "3"}},
            "spec": {"progressDeadlineSeconds": 600, "replicas": 2, "revisionHistoryLimit": 10,
                "selector": {"matchLabels": labels},
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec(&app, false)}},
            "status": {"availableReplicas": 2, "observedGeneration": 3, "readyReplicas": 2, "replicas": 2, "updatedReplicas": 2,
                "conditions": [{"lastTransitionTime": "2026-11-30T08:14:09Z", "lastUpdateTime": "2026-11-30T08:14:09Z",
                    "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                    {"lastTransitionTime": "2026-11-30T08:14:02Z", "lastUpdateTime": "2026-11-30T08:14:09Z",
                    "message": format!("ReplicaSet \"{app}-5b6f9c\" has successfully progressed."), "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}]}}),
        true,
        &mut out,
    );
    push(
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{app}-5b6f9c"), "namespace": ns,
                "labels": {"app": app, "version": "v1", "pod-template-hash": "5b6f9c"},
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "Deployment", "name": app, "uid": "0d9a"}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec(&app, false)}},
            "status": {"availableReplicas": 2, "fullyLabeledReplicas": 2, "observedGeneration": 1, "readyReplicas": 2, "replicas": 2}}),
        false,
        &mut out,
    );
    for p in 0..2 {
        let pod = format!("{app}-5b6f9c-{p}x7q");
        push(
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": pod, "namespace": ns, "generateName": format!("{app}-5b6f9c-"),
                    "labels": {"app": app, "version": "v1", "pod-template-hash": "5b6f9c",
                        "security.istio.io/tlsMode": "istio", "service.istio.io/canonical-name": app,
                        "service.istio.io/canonical-revision": "v1"},
                    "annotations": {"istio.io/rev": "default", "kubectl.kubernetes.io/default-container": app,
                        "prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "15020", "prometheus.io/scrape": "true",
                        "sidecar.istio.io/status": "{\"initContainers\":[\"istio-validation\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"workload-socket\",\"credential-socket\",\"istio-envoy\",\"istio-token\",\"istio-podinfo\"],\"imagePullSecrets\":null,\"revision\":\"default\"}"},
                    "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet", "name": format!("{app}-5b6f9c"), "uid": "1e8b"}]},
                "spec": pod_spec(&app, true),
                "status": {"conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
                    "containerStatuses": ([app.as_str(), "istio-proxy"].iter().map(|c| json!({
                        "containerID": format!("containerd://{:064x}", k * 7 + p), "image": "docker.io/istio/proxyv2:1.24.1",
                        "imageID": "docker.io/istio/proxyv2@sha256:2f1e6b4fbc7d2a6d52f9e0c1b9d3a7e4c5f6a8b9c0d1e2f3a4b5c6d7e8f90a1b",
                        "lastState": {}, "name": c, "ready": true, "restartCount": 0, "started": true,
                        "state": {"running": {"startedAt": "2026-11-30T08:14:05Z"}}})).collect::<Vec<_>>()),
                    "hostIP": "10.0.3.17", "hostIPs": [{"ip": "10.0.3.17"}], "phase": "Running",
                    "podIP": format!("10.244.{}.{}", k % 250, p + 2), "podIPs": [{"ip": format!("10.244.{}.{}", k % 250, p + 2)}],
                    "qosClass": "Burstable", "startTime": "2026-11-30T08:14:02Z"}}),
            false,
            &mut out,
        );
    }
    push(
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": app, "namespace": ns, "labels": {"app": app, "service": app}},
            "spec": {"clusterIP": format!("10.96.{}.{}", i % 250, k % 250), "clusterIPs": [format!("10.96.{}.{}", i % 250, k % 250)],
                "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}],
                "selector": {"app": app}, "sessionAffinity": "None", "type": "ClusterIP"},
            "status": {"loadBalancer": {}}}),
        true,
        &mut out,
    );
    push(
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{app}-config"), "namespace": ns},
            "data": {"application.properties": format!("server.port=8080\nlogging.level.root=INFO\nshop.upstream=http://svc-{}.{ns}:8080\n", i + 1).repeat(8),
                "feature-flags.json": "{\"checkout-v2\":true,\"recommendations\":false}"}}),
        true,
        &mut out,
    );
    push(
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": format!("{app}-db"), "namespace": ns},
            "data": {"password": "czNjcmV0LXBhc3N3b3JkLWZvci10aGUtZGF0YWJhc2U=", "username": "c2hvcA=="}}),
        true,
        &mut out,
    );
    push(
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": app, "namespace": ns}}),
        true,
        &mut out,
    );
    push(
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": format!("{app}-x8k2p"), "namespace": ns,
                "labels": {"kubernetes.io/service-name": app, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
            "addressType": "IPv4",
            "endpoints": ((0..2).map(|p| json!({"addresses": [format!("10.244.{}.{}", k % 250, p + 2)],
                "conditions": {"ready": true, "serving": true, "terminating": false}, "nodeName": "worker-3",
                "targetRef": {"kind": "Pod", "name": format!("{app}-5b6f9c-{p}x7q"), "namespace": ns, "uid": "2f7c"}})).collect::<Vec<_>>()),
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}),
        false,
        &mut out,
    );
    *n = count;
    out
}

/// Whether `text` can be written as a plain YAML scalar that reads back as
/// the same string.
fn plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
        && !text.starts_with(['-', '.'])
        && text.parse::<f64>().is_err()
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "inf" | "nan"
        )
}

fn yaml_scalar(value: &Value, out: &mut String) {
    match value {
        Value::String(s) if plain(s) => out.push_str(s),
        Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        other => out.push_str(&other.to_string()),
    }
}

fn yaml_key(key: &str, out: &mut String) {
    if plain(key) || key == "." || key.starts_with("f:") && plain(&key[2..]) {
        out.push_str(key);
    } else {
        out.push_str(&Value::String(key.to_string()).to_string());
    }
}

fn is_empty_collection(value: &Value) -> bool {
    match value {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    }
}

/// `value` in block style, kubectl's layout (sequences at their key's
/// indentation). `first` is written before the first line instead of the
/// indentation (`"- "` for a sequence entry).
fn yaml(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.extend(std::iter::repeat_n(' ', indent));
                }
                yaml_key(k, out);
                out.push(':');
                match v {
                    Value::Object(_) if !is_empty_collection(v) => {
                        out.push('\n');
                        out.extend(std::iter::repeat_n(' ', indent + 2));
                        yaml(v, indent + 2, out);
                    }
                    Value::Array(_) if !is_empty_collection(v) => {
                        out.push('\n');
                        yaml_seq(v, indent, out);
                    }
                    _ => {
                        out.push(' ');
                        yaml_scalar(v, out);
                        out.push('\n');
                    }
                }
            }
        }
        Value::Array(_) if !is_empty_collection(value) => {
            out.push('\n');
            yaml_seq(value, indent, out)
        }
        other => {
            yaml_scalar(other, out);
            out.push('\n');
        }
    }
}

fn yaml_seq(value: &Value, indent: usize, out: &mut String) {
    for item in value.as_array().into_iter().flatten() {
        out.extend(std::iter::repeat_n(' ', indent));
        out.push_str("- ");
        yaml(item, indent + 2, out);
    }
}

/// Writes a dump of at least `bytes` bytes to `out`; returns the objects written.
pub fn write_dump(form: Form, bytes: u64, out: &mut impl Write) -> Result<usize> {
    let mut written = 0u64;
    let mut objects = 0usize;
    let mut n = 0usize;
    let mut write = |text: &[u8], written: &mut u64| -> Result<()> {
        out.write_all(text)?;
        *written += text.len() as u64;
        Ok(())
    };
    match form {
        Form::Yaml => write(b"apiVersion: v1\nitems:\n", &mut written)?,
        Form::Json => write(
            b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n",
            &mut written,
        )?,
        Form::Documents => {}
    }
    let mut namespace = 0;
    'dump: loop {
        let ns = format!("ns-{namespace:03}");
        namespace += 1;
        let mut objects_of_ns = vec![finish(
            json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"istio-injection": "enabled", "kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
            true,
            n,
        )];
        for i in 0..20 {
            objects_of_ns.extend(app_objects(&ns, i, &mut n));
        }
        for object in objects_of_ns {
            let mut text = String::new();
            match form {
                Form::Yaml => {
                    text.push_str("- ");
                    yaml(&object, 2, &mut text);
                }
                Form::Documents => {
                    text.push_str("---\n");
                    yaml(&object, 0, &mut text);
                }
                Form::Json => {
                    if objects > 0 {
                        text.push_str(",\n");
                    }
                    // kubectl indents by four spaces, serde_json by two.
                    let pretty = serde_json::to_string_pretty(&object)?;
                    for (i, line) in pretty.lines().enumerate() {
                        if i > 0 {
                            text.push('\n');
                        }
                        let body = line.trim_start_matches(' ');
                        let depth = line.len() - body.len();
                        text.extend(std::iter::repeat_n(' ', 8 + 2 * depth));
                        text.push_str(body);
                    }
                }
            }
            write(text.as_bytes(), &mut written)?;
            objects += 1;
            if written >= bytes {
                break 'dump;
            }
        }
    }
    match form {
        Form::Yaml => write(
            b"kind: List\nmetadata:\n  resourceVersion: \"\"\n",
            &mut written,
        )?,
        Form::Json => write(
            b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
            &mut written,
        )?,
        Form::Documents => {}
    }
    Ok(objects)
}

/// Writes a dump of about `bytes` bytes to `path`; returns the objects written.
pub fn write_file(path: &Path, form: Form, bytes: u64) -> Result<usize> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let objects = write_dump(form, bytes, &mut out)?;
    out.flush()?;
    Ok(objects)
}

/// One dump read.
#[derive(Debug, Clone)]
pub struct ManifestRow {
    pub form: Form,
    pub file_bytes: u64,
    /// Objects in the dump.
    pub written: usize,
    /// Objects meshgraph kept (the kinds it reads).
    pub kept: usize,
    pub time: Duration,
    /// Peak heap while reading, above what was live before.
    pub peak: usize,
    /// Heap the objects kept still hold.
    pub retained: usize,
    /// The first warning, when the dump did not read cleanly.
    pub failed: Option<String>,
}

impl ManifestRow {
    pub fn ratio(&self) -> f64 {
        self.peak as f64 / self.file_bytes.max(1) as f64
    }
}

/// Reads `path` with `MeshConfig::load`, counting its peak heap on this
/// thread ([`alloc::ThreadSpan`]).
pub fn measure_read(path: &Path, form: Form, written: usize) -> Result<ManifestRow> {
    let file_bytes = std::fs::metadata(path)?.len();
    let span = alloc::ThreadSpan::start();
    let started = Instant::now();
    let (config, warnings) = MeshConfig::load(&[path.to_path_buf()], &LoadOptions::default())?;
    let time = started.elapsed();
    let peak = span.peak();
    let retained = span.retained();
    // Only the EndpointSlices are a kind meshgraph does not read.
    let failed = warnings
        .iter()
        .find(|w| !matches!(w, ConfigWarning::UnknownKind { kind, .. } if kind == "EndpointSlice"))
        .map(|w| w.to_string());
    let row = ManifestRow {
        form,
        file_bytes,
        written,
        kept: config.objects.len(),
        time,
        peak,
        retained,
        failed,
    };
    drop(config);
    Ok(row)
}

/// Writes and reads a dump of `megabytes` MB in both forms, in `dir`.
pub fn run(dir: &Path, megabytes: usize) -> Result<Vec<ManifestRow>> {
    let mut rows = Vec::new();
    for form in [Form::Yaml, Form::Json, Form::Documents] {
        let extension = if form == Form::Json { "json" } else { "yaml" };
        let path = dir.join(format!("dump-{megabytes}mb-{}.{extension}", form.name()));
        eprintln!("meshgraph-bench: writing {}", path.display());
        let written = write_file(&path, form, megabytes as u64 * 1_000_000)?;
        eprintln!("meshgraph-bench: reading {}", path.display());
        let row = measure_read(&path, form, written);
        std::fs::remove_file(&path)?;
        rows.push(row?);
    }
    Ok(rows)
}

pub fn print(rows: &[ManifestRow]) {
    println!(
        "{:>5} {:>9} {:>9} {:>8} {:>9} {:>10} {:>11} {:>7}",
        "form", "file MB", "objects", "kept", "read s", "peak MB", "kept MB", "peak/file"
    );
    for r in rows {
        println!(
            "{:>5} {:>9.1} {:>9} {:>8} {:>9.2} {:>10.1} {:>11.1} {:>7.2}",
            r.form.name(),
            r.file_bytes as f64 / 1e6,
            r.written,
            r.kept,
            r.time.as_secs_f64(),
            r.peak as f64 / 1e6,
            r.retained as f64 / 1e6,
            r.ratio()
        );
        if let Some(failed) = &r.failed {
            println!("      did not read cleanly: {failed}");
        }
    }
    println!(
        "  peak: most heap live at once while reading, the objects kept included; kept: heap the objects still hold"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading a 20 MB dump (YAML and JSON `List`; a 5 MB stream of
    /// documents, the slowest to parse) peaks under 3x its size, the objects
    /// kept included. Counted per thread, so tests running alongside do not
    /// count.
    #[test]
    fn reading_a_20_mb_dump_peaks_under_three_times_its_size() {
        let dir = std::env::temp_dir().join(format!(
            "meshgraph-bench-test-{}-manifest",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut rows = Vec::new();
        for (form, bytes) in [
            (Form::Yaml, 20_000_000),
            (Form::Json, 20_000_000),
            (Form::Documents, 5_000_000),
        ] {
            let path = dir.join(format!("dump-{}.txt", form.name()));
            let written = write_file(&path, form, bytes).unwrap();
            let row = measure_read(&path, form, written);
            std::fs::remove_file(&path).unwrap();
            rows.push(row.unwrap());
        }
        let _ = std::fs::remove_dir(&dir);
        for r in &rows {
            assert_eq!(r.failed, None, "{}", r.form.name());
            // All but the EndpointSlices (one object in 9, plus the namespaces).
            assert!(
                r.kept > r.written * 8 / 10 && r.kept < r.written,
                "{}: {} of {}",
                r.form.name(),
                r.kept,
                r.written
            );
            assert!(
                r.ratio() < 3.0,
                "{}: reading {:.1} MB peaked at {:.1} MB ({:.2}x)",
                r.form.name(),
                r.file_bytes as f64 / 1e6,
                r.peak as f64 / 1e6,
                r.ratio()
            );
        }
    }

    #[test]
    fn generated_yaml_reads_back_as_the_json_it_was_written_from() {
        let mut yaml = Vec::new();
        let mut json = Vec::new();
        write_dump(Form::Yaml, 200_000, &mut yaml).unwrap();
        write_dump(Form::Json, 200_000, &mut json).unwrap();
        let from_yaml: Value = meshgraph_config::yaml_value(std::str::from_utf8(&yaml).unwrap())
            .expect("the YAML parses");
        let from_json: Value = serde_json::from_slice(&json).unwrap();
        let items = |v: &Value| v["items"].as_array().unwrap().len();
        assert!(items(&from_yaml) > 20);
        let n = items(&from_yaml).min(items(&from_json));
        let list = |v: &Value| v["items"].as_array().unwrap()[..n].to_vec();
        assert_eq!(list(&from_yaml), list(&from_json));
        assert_eq!(from_yaml["kind"], "List");
    }
}
