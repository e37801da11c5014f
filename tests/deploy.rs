//! deploy/: the kustomize base parses, its RBAC grants exactly what the
//! reader requests (derived from `meshgraph_kube::rbac_rules` and the
//! CronJob's `--prometheus`), the pod runs locked down, and meshgraph's own
//! `check` has nothing to say about the manifests.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/base")
}

/// Every document of every file of deploy/base, with its file name.
fn documents() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(base())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for doc in docs.into_iter().filter(|d| d.is_object()) {
            out.push((name.clone(), doc));
        }
    }
    out
}

fn one<'a>(docs: &'a [(String, Value)], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = docs
        .iter()
        .map(|(_, d)| d)
        .filter(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} {name}");
    found[0]
}

/// (apiGroup, resource, resourceName or "", verb) of a role's rules.
fn grants(role: &Value) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        let list = |key: &str| -> Vec<String> {
            rule[key]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };
        let names = list("resourceNames");
        let names = if names.is_empty() {
            vec![String::new()]
        } else {
            names
        };
        for group in list("apiGroups") {
            for resource in list("resources") {
                for name in &names {
                    for verb in list("verbs") {
                        assert!(
                            !group.contains('*') && !resource.contains('*') && !verb.contains('*'),
                            "no wildcard: {rule}"
                        );
                        out.insert((group.clone(), resource.clone(), name.clone(), verb));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_kustomization_lists_every_manifest() {
    let docs = documents();
    let kustomization = &docs
        .iter()
        .find(|(f, _)| f == "kustomization.yaml")
        .unwrap()
        .1;
    assert!(
        kustomization.get("namespace").is_none(),
        "kustomize's namespace: would move the Role out of istio-system"
    );
    let listed: BTreeSet<String> = kustomization["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let files: BTreeSet<String> = docs
        .iter()
        .map(|(f, _)| f.clone())
        .filter(|f| f != "kustomization.yaml")
        .collect();
    assert_eq!(listed, files);
}

#[test]
fn rbac_grants_exactly_what_meshgraph_requests() {
    let docs = documents();

    // The cluster-wide reader: the reader's kinds and verbs, nothing else.
    let reader = one(&docs, "ClusterRole", "meshgraph-reader");
    let expected: BTreeSet<(String, String, String, String)> = meshgraph_kube::rbac_rules()
        .into_iter()
        .flat_map(|(group, resource, verbs)| {
            verbs.iter().map(move |v| {
                (
                    group.to_string(),
                    resource.to_string(),
                    String::new(),
                    v.to_string(),
                )
            })
        })
        .collect();
    assert_eq!(grants(reader), expected);
    assert_eq!(meshgraph_kube::RESOURCES.len(), 30);

    // The CronJob's Prometheus, reached through the service proxy: `get` on
    // services/proxy of that one Service port, in its namespace.
    let cronjob = one(&docs, "CronJob", "meshgraph-report");
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let url = args[args.iter().position(|a| *a == "--prometheus").unwrap() + 1];
    let service = meshgraph_kube::ServiceRef::parse_k8s_url(url)
        .unwrap()
        .unwrap();
    let proxy = one(&docs, "Role", "meshgraph-prometheus-proxy");
    assert_eq!(proxy["metadata"]["namespace"], service.namespace.as_str());
    assert_eq!(
        grants(proxy),
        BTreeSet::from([(
            String::new(),
            "services/proxy".to_string(),
            format!("{}:{}", service.name, service.port),
            "get".to_string(),
        )])
    );
    assert!(service.path.is_empty());

    // Only these two roles, bound to the job's ServiceAccount only.
    let roles: Vec<&Value> = docs
        .iter()
        .map(|(_, d)| d)
        .filter(|d| d["kind"] == "Role" || d["kind"] == "ClusterRole")
        .collect();
    assert_eq!(roles.len(), 2);
    let sa = one(&docs, "ServiceAccount", "meshgraph");
    let sa_namespace = sa["metadata"]["namespace"].as_str().unwrap();
    assert_eq!(pod["serviceAccountName"], "meshgraph");
    assert_eq!(cronjob["metadata"]["namespace"], sa_namespace);
    for (kind, name, role_kind) in [
        ("ClusterRoleBinding", "meshgraph-reader", "ClusterRole"),
        ("RoleBinding", "meshgraph-prometheus-proxy", "Role"),
    ] {
        let binding = one(&docs, kind, name);
        assert_eq!(binding["roleRef"]["kind"], role_kind);
        assert_eq!(binding["roleRef"]["name"], name);
        assert_eq!(
            binding["subjects"],
            serde_json::json!([{"kind": "ServiceAccount", "name": "meshgraph", "namespace": sa_namespace}])
        );
    }
    // The RoleBinding lives beside its Role.
    assert_eq!(
        one(&docs, "RoleBinding", "meshgraph-prometheus-proxy")["metadata"]["namespace"],
        proxy["metadata"]["namespace"]
    );
}

#[test]
fn the_job_runs_locked_down_and_writes_to_its_volume() {
    let docs = documents();
    let cronjob = one(&docs, "CronJob", "meshgraph-report");
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_ne!(pod["securityContext"]["runAsUser"], 0);
    assert_eq!(pod["restartPolicy"], "Never");
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(
        c["securityContext"]["capabilities"]["drop"],
        serde_json::json!(["ALL"])
    );
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "report");
    // The output goes to the PersistentVolume.
    let output = args[args.iter().position(|a| *a == "-o").unwrap() + 1];
    let mount = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| output.starts_with(m["mountPath"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("{output} is on no mounted volume"));
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    let claim = volume["persistentVolumeClaim"]["claimName"]
        .as_str()
        .unwrap();
    one(&docs, "PersistentVolumeClaim", claim);
    // The flags are meshgraph's: the binary accepts them.
    let out = common::run().args(args.iter().chain(&["--help"])).output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn meshgraph_check_has_nothing_to_say_about_deploy() {
    let out = common::run()
        .args([
            "check",
            base().parent().unwrap().to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "info",
        ])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]), "{doc:#}");
}
