//! `meshgraph-bench check [OBJECTS...]`: `meshgraph check` over generated
//! cluster dumps (default 2,500, 5,000 and 10,000 objects), timing reading the
//! objects and running every configuration check, and showing the time per
//! object from the smallest dump to the largest (flat when checks are linear).

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use meshgraph_checks::{CheckOptions, check};
use meshgraph_config::MeshConfig;
use serde_json::{Value, json};

/// The default dump sizes, in objects.
pub const DEFAULT_OBJECTS: [usize; 3] = [2_500, 5_000, 10_000];

/// Objects per application in a namespace: Deployment, Pod, Service,
/// VirtualService, DestinationRule, AuthorizationPolicy, PeerAuthentication.
const PER_APP: usize = 7;
/// Applications per namespace.
const APPS: usize = 20;

fn app_objects(ns: &str, i: usize) -> Vec<Value> {
    let app = format!("app-{i}");
    let labels = json!({"app": app, "version": "v1"});
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": ns},
            "spec": {"selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "example/app:1"}]}}}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{app}-5b6f-x"), "namespace": ns,
                "labels": {"app": app, "version": "v1", "pod-template-hash": "5b6f"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": format!("{app}-5b6f"), "controller": true}]},
            "spec": {"containers": [{"name": "app", "image": "example/app:1"},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.1"}]}}),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": app, "namespace": ns},
            "spec": {"selector": {"app": app}, "ports": [{"name": "http", "port": 8080}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": app, "namespace": ns},
            "spec": {"hosts": [app], "http": [{"route": [{"destination": {"host": app, "subset": "v1"}}]}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": app, "namespace": ns},
            "spec": {"host": app, "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
            "metadata": {"name": app, "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": app}},
                "rules": [{"from": [{"source": {"namespaces": [ns]}}]}]}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
            "metadata": {"name": app, "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": app}}, "mtls": {"mode": "STRICT"}}}),
    ]
}

/// A cluster dump of about `objects` objects: namespaces of [`APPS`]
/// applications, each with a Gateway and a ServiceEntry.
pub fn dump(objects: usize) -> Vec<Value> {
    let per_namespace = APPS * PER_APP + 3;
    let namespaces = objects.div_ceil(per_namespace).max(1);
    let mut out = Vec::with_capacity(namespaces * per_namespace);
    for n in 0..namespaces {
        let ns = format!("ns-{n}");
        out.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"istio-injection": "enabled"}}}));
        out.push(
            json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": "public", "namespace": ns},
            "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{
                "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                "hosts": [format!("{ns}.example.com")],
                "tls": {"mode": "SIMPLE", "credentialName": format!("{ns}-cert")}}]}}),
        );
        out.push(
            json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
            "metadata": {"name": "db", "namespace": ns},
            "spec": {"hosts": [format!("db.{ns}.example.com")], "addresses": ["10.9.0.1"],
                "ports": [{"number": 5432, "name": "tcp", "protocol": "TCP"}]}}),
        );
        for i in 0..APPS {
            out.extend(app_objects(&ns, i));
        }
    }
    out.truncate(objects.max(1));
    out
}

/// One measured dump.
pub struct CheckRow {
    pub objects: usize,
    pub load: Duration,
    pub check: Duration,
    pub findings: usize,
    /// Building the `Context` and its indexes alone (no check run).
    pub context: Duration,
    /// Each check run alone, the context's time taken off (best of three),
    /// in [`meshgraph_checks::Code::ALL`] order.
    pub per_check: Vec<(meshgraph_checks::Code, Duration)>,
    /// Allocation calls of each check run alone, the context's taken off,
    /// in the same order: deterministic, unlike times on a shared machine.
    pub per_check_allocs: Vec<u64>,
}

/// Allocation calls of one run of `step`.
fn allocs<T>(step: impl FnOnce() -> T) -> u64 {
    let before = crate::alloc::calls();
    black_box(step());
    crate::alloc::calls() - before
}

fn best_of<T>(runs: usize, mut step: impl FnMut() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = step();
    let mut best = start.elapsed();
    for _ in 1..runs {
        let start = Instant::now();
        black_box(step());
        best = best.min(start.elapsed());
    }
    (value, best)
}

fn only(codes: &[meshgraph_checks::Code]) -> CheckOptions {
    CheckOptions {
        only: Some(codes.iter().copied().collect()),
        ..CheckOptions::default()
    }
}

pub fn run(objects: usize) -> Result<CheckRow> {
    let values = dump(objects);
    let ((config, warnings), load) = best_of(3, || MeshConfig::from_values(values.clone()));
    if !warnings.is_empty() {
        bail!("the generated dump does not read cleanly: {warnings:?}");
    }
    let (report, time) = best_of(5, || check(&config, None, &CheckOptions::default()));
    let context = best_of(5, || check(&config, None, &only(&[]))).1;
    let per_check = meshgraph_checks::Code::ALL
        .iter()
        .map(|&code| {
            let alone = best_of(3, || check(&config, None, &only(&[code]))).1;
            (code, alone.saturating_sub(context))
        })
        .collect();
    let context_allocs = allocs(|| check(&config, None, &only(&[])));
    let per_check_allocs = meshgraph_checks::Code::ALL
        .iter()
        .map(|&code| allocs(|| check(&config, None, &only(&[code]))).saturating_sub(context_allocs))
        .collect();
    Ok(CheckRow {
        objects: config.objects.len(),
        load,
        check: time,
        findings: report.findings.len(),
        context,
        per_check,
        per_check_allocs,
    })
}

/// Time per object of a check on the largest dump over the smallest; `None`
/// when the check is too quick on the smallest dump (under 0.2 ms) for the
/// ratio to mean anything.
fn growth(first: &CheckRow, last: &CheckRow, i: usize) -> Option<f64> {
    let (a, b) = (first.per_check[i].1, last.per_check[i].1);
    (a.as_secs_f64() >= 2e-4)
        .then(|| (b.as_secs_f64() / last.objects as f64) / (a.as_secs_f64() / first.objects as f64))
}

pub fn print(rows: &[CheckRow]) {
    println!(
        "{:>8} {:>10} {:>10} {:>14} {:>9} {:>11}",
        "objects", "read ms", "check ms", "check us/obj", "findings", "context ms"
    );
    for r in rows {
        println!(
            "{:>8} {:>10.1} {:>10.1} {:>14.2} {:>9} {:>11.1}",
            r.objects,
            r.load.as_secs_f64() * 1e3,
            r.check.as_secs_f64() * 1e3,
            r.check.as_secs_f64() * 1e6 / r.objects as f64,
            r.findings,
            r.context.as_secs_f64() * 1e3
        );
    }
    if let Some(last) = rows.last() {
        let mut slowest: Vec<_> = last.per_check.iter().enumerate().collect();
        slowest.sort_by_key(|(_, (_, d))| std::cmp::Reverse(*d));
        let first = rows.first().filter(|f| f.objects < last.objects);
        let list: Vec<String> = slowest
            .iter()
            .take(5)
            .map(|(i, (code, d))| {
                let ratio = first
                    .and_then(|f| growth(f, last, *i))
                    .map(|g| format!(" (x{g:.2} per object)"))
                    .unwrap_or_default();
                format!("{code} {:.1} ms{ratio}", d.as_secs_f64() * 1e3)
            })
            .collect();
        println!(
            "slowest checks alone on {} objects (context taken off; per-object growth from the smallest dump): {}",
            last.objects,
            list.join(", ")
        );
    }
    if let (Some(first), Some(last)) = (rows.first(), rows.last())
        && first.objects > 0
        && last.objects > first.objects
    {
        let per = |r: &CheckRow| r.check.as_secs_f64() / r.objects as f64;
        println!(
            "check time per object, largest dump / smallest: {:.2} (1.00 is linear)",
            per(last) / per(first)
        );
        let per_context = |r: &CheckRow| r.context.as_secs_f64() / r.objects as f64;
        println!(
            "context time per object, largest dump / smallest: {:.2}",
            per_context(last) / per_context(first)
        );
        let mut worst: Vec<(meshgraph_checks::Code, f64)> = (0..last.per_check.len())
            .filter_map(|i| growth(first, last, i).map(|g| (last.per_check[i].0, g)))
            .collect();
        worst.sort_by(|a, b| b.1.total_cmp(&a.1));
        let list: Vec<String> = worst
            .iter()
            .take(5)
            .map(|(code, g)| format!("{code} x{g:.2}"))
            .collect();
        println!(
            "checks whose time per object grows most (largest dump / smallest; noisy): {}",
            list.join(", ")
        );
        // Allocation calls per object: the same on every run.
        let mut worst: Vec<(meshgraph_checks::Code, f64)> = (0..last.per_check_allocs.len())
            .filter(|&i| first.per_check_allocs[i] >= 100)
            .map(|i| {
                let per = |r: &CheckRow| r.per_check_allocs[i] as f64 / r.objects as f64;
                (last.per_check[i].0, per(last) / per(first))
            })
            .collect();
        worst.sort_by(|a, b| b.1.total_cmp(&a.1));
        let list: Vec<String> = worst
            .iter()
            .take(5)
            .map(|(code, g)| format!("{code} x{g:.2}"))
            .collect();
        println!(
            "checks whose allocation calls per object grow most (largest dump / smallest; deterministic): {}",
            list.join(", ")
        );
    }
}
