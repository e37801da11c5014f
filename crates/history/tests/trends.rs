//! Trends and regression rules on synthetic histories with known answers,
//! stored and read back through real Parquet files.

mod common;

use common::*;
use meshgraph_history::record::format_time;
use meshgraph_history::{
    EdgeRow, HistoryStore, RegressionRules, RuleKind, RunRecord, Trends, compute, render,
};

const A: &str = "workload:shop/cart-v1";
const B: &str = "workload:shop/checkout-v1";
const C: &str = "workload:web/frontend";

/// Stores the runs and computes the trends over the newest `rules.runs`.
fn trends_of(runs: Vec<RunRecord>, rules: &RegressionRules) -> Trends {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    for r in &runs {
        store.append(r).unwrap();
    }
    let loaded = store.load_for_trends(Some(rules.runs), None).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    compute(&loaded, rules).unwrap()
}

/// 14 nights of `edges(night)`.
fn nights(edges: impl Fn(i64) -> Vec<EdgeRow>) -> Vec<RunRecord> {
    (0..14).map(|i| run(night(i), edges(i), vec![])).collect()
}

fn fired(t: &Trends, rule: RuleKind) -> Vec<(String, String, usize)> {
    t.regressions
        .iter()
        .filter(|r| r.rule == rule)
        .map(|r| (r.subject.clone(), r.began.clone(), r.runs))
        .collect()
}

#[test]
fn an_error_rate_that_rose_on_night_10_fires_and_names_night_10() {
    let rules = RegressionRules::default();
    let t = trends_of(
        nights(|i| {
            let err = if i >= 10 { 0.2 } else { 0.01 };
            vec![
                edge(A, B, 10.0, 10.0 * err, 50.0),
                edge(C, A, 20.0, 0.0, 30.0),
            ]
        }),
        &rules,
    );
    assert_eq!(t.runs.len(), 14);
    assert_eq!(
        fired(&t, RuleKind::ErrorRateIncrease),
        vec![(format!("{A} -> {B}"), format_time(night(10)), 4)]
    );
    let r = &t.regressions[0];
    assert!((r.value.unwrap() - 0.2).abs() < 1e-9);
    assert!((r.baseline.unwrap() - 0.01).abs() < 1e-9);
    assert_eq!(t.regressions.len(), 1, "{:?}", t.regressions);
}

/// A spike on the newest night only, and an edge under min_rps whose error
/// rate jumps for five nights.
fn spike_and_quiet() -> Vec<RunRecord> {
    nights(|i| {
        let spike = if i == 13 { 0.5 } else { 0.0 };
        let quiet = if i >= 9 { 0.5 } else { 0.0 };
        vec![
            edge(A, B, 10.0, 10.0 * spike, 50.0),
            edge(C, A, 0.2, 0.2 * quiet, 30.0),
        ]
    })
}

#[test]
fn one_bad_night_or_a_quiet_edge_does_not_fire() {
    let rules = RegressionRules::default();
    // consecutive = 2: neither fires.
    let t = trends_of(spike_and_quiet(), &rules);
    assert!(t.regressions.is_empty(), "{:?}", t.regressions);
    // With consecutive = 1 the spike fires, the quiet edge still does not.
    let eager = RegressionRules {
        consecutive: 1,
        ..RegressionRules::default()
    };
    let t = trends_of(spike_and_quiet(), &eager);
    assert_eq!(
        fired(&t, RuleKind::ErrorRateIncrease),
        vec![(format!("{A} -> {B}"), format_time(night(13)), 1)]
    );
}

#[test]
fn p99_and_rps_rules_use_the_baseline_median_and_both_thresholds() {
    let rules = RegressionRules::default();
    let t = trends_of(
        nights(|i| {
            // p99 noisy around 100 ms (never +50%), then 260 ms from night 12.
            let p99 = if i >= 12 {
                260.0
            } else {
                [90.0, 110.0, 100.0][i as usize % 3]
            };
            // 2 ms -> 9 ms is +350% but under the 10 ms floor: no alert.
            let small = if i >= 11 { 9.0 } else { 2.0 };
            // Traffic falls from 100 to 10 rps from night 11 (-90%).
            let rps = if i >= 11 { 10.0 } else { 100.0 };
            vec![
                edge(A, B, 10.0, 0.0, p99),
                edge(C, A, rps, 0.0, 30.0),
                edge(C, B, 5.0, 0.0, small),
            ]
        }),
        &rules,
    );
    assert_eq!(
        fired(&t, RuleKind::P99Increase),
        vec![(format!("{A} -> {B}"), format_time(night(12)), 2)]
    );
    let p = t
        .regressions
        .iter()
        .find(|r| r.rule == RuleKind::P99Increase)
        .unwrap();
    assert_eq!(p.baseline, Some(100.0));
    assert_eq!(
        fired(&t, RuleKind::RpsDrop),
        vec![(format!("{C} -> {A}"), format_time(night(11)), 3)]
    );
    assert_eq!(t.regressions.len(), 2, "{:?}", t.regressions);
}

#[test]
fn a_new_plaintext_edge_and_a_new_error_finding_fire() {
    let rules = RegressionRules::default();
    let runs: Vec<RunRecord> = (0..14)
        .map(|i| {
            let mut edges = vec![edge(A, B, 10.0, 0.0, 50.0)];
            if i >= 12 {
                let mut plain = edge(C, B, 3.0, 0.0, 20.0);
                plain.mtls = Some(0.0);
                edges.push(plain);
            }
            let mut findings = vec![finding("MG201", "warning", "shop/cart")];
            if i >= 11 {
                findings.push(finding("MG101", "error", "shop/checkout"));
            }
            if i < 13 {
                findings.push(finding("MG301", "info", "web/frontend"));
            }
            run(night(i), edges, findings)
        })
        .collect();
    let t = trends_of(runs, &rules);
    assert_eq!(
        fired(&t, RuleKind::NewPlaintextEdge),
        vec![(format!("{C} -> {B}"), format_time(night(12)), 2)]
    );
    assert_eq!(
        fired(&t, RuleKind::NewErrorFinding),
        vec![("shop/checkout".to_string(), format_time(night(11)), 3)]
    );
    // Findings over time: MG101 open since night 11 (age 2 days), MG201
    // open the whole window (13 days), MG301 resolved on the newest night.
    let open: Vec<(String, f64)> = t
        .findings_open
        .iter()
        .map(|f| (f.code.clone(), f.age_days))
        .collect();
    assert_eq!(
        open,
        vec![("MG101".to_string(), 2.0), ("MG201".to_string(), 13.0)]
    );
    assert!(t.findings_opened.is_empty());
    assert_eq!(t.findings_resolved.len(), 1);
    assert_eq!(t.findings_resolved[0].code, "MG301");
    // The plaintext edge appeared two nights ago, not on the newest.
    assert!(t.appeared.is_empty());
}

#[test]
fn changes_totals_and_posture_have_known_answers() {
    let rules = RegressionRules {
        runs: 3,
        ..RegressionRules::default()
    };
    let runs: Vec<RunRecord> = (0..5)
        .map(|i| {
            let mut edges = vec![edge(C, A, 10.0, 1.0, 30.0)];
            let mut ab = edge(A, B, 4.0, 0.0, 50.0);
            ab.rates_from = Some("ztunnel-destination".into());
            ab.mtls = Some(1.0);
            if i == 4 {
                ab.protocol = "grpc".into();
                ab.via_waypoint = Some("shop/waypoint".into());
                ab.rates_from = Some("waypoint".into());
            }
            edges.push(ab);
            if i < 4 {
                edges.push(edge(C, B, 1.0, 0.0, 10.0));
            } else {
                let mut unknown = edge("unknown", "workload:web/frontend", 6.0, 0.0, 5.0);
                unknown.source_namespace = None;
                unknown.rates_from = Some("envoy-source".into());
                // No server-side evidence: only the caller saw it.
                unknown.mtls = None;
                edges.push(unknown);
            }
            run(night(i), edges, vec![])
        })
        .collect();
    let t = trends_of(runs, &rules);
    assert_eq!(t.runs.len(), 3, "only the newest 3 runs");
    let names = |v: &[meshgraph_history::trends::EdgeChange]| {
        v.iter()
            .map(|c| format!("{} -> {}", c.source, c.target))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&t.appeared), vec![format!("unknown -> {C}")]);
    assert_eq!(names(&t.vanished), vec![format!("{C} -> {B}")]);
    assert_eq!(names(&t.protocol_changed), vec![format!("{A} -> {B}")]);
    assert_eq!(t.protocol_changed[0].from.as_deref(), Some("http"));
    assert_eq!(t.protocol_changed[0].to.as_deref(), Some("grpc"));
    // Namespace totals (server side), newest run: shop receives C->A (10,
    // 1 error) and A->B (4); web receives unknown->frontend (6).
    let shop = t.namespaces.iter().find(|g| g.name == "shop").unwrap();
    assert_eq!(shop.rps, vec![Some(15.0), Some(15.0), Some(14.0)]);
    assert!((shop.error_rate[2].unwrap() - 1.0 / 14.0).abs() < 1e-12);
    assert_eq!(shop.edges, vec![3, 3, 2]);
    let web = t.namespaces.iter().find(|g| g.name == "web").unwrap();
    assert_eq!(web.rps, vec![None, None, Some(6.0)]);
    assert_eq!(web.mtls_share[2], None);
    // Posture: shop is mixed (cart-v1 sidecar, checkout-v1 ambient+waypoint),
    // web's frontend is reported by its callers only: out of mesh, with
    // unknown callers.
    let p = t.posture.iter().find(|p| p.namespace == "shop").unwrap();
    assert_eq!(p.mode, "mixed");
    assert_eq!(p.workloads_by_mode.get("sidecar"), Some(&1));
    assert_eq!(p.workloads_by_mode.get("ambient+waypoint"), Some(&1));
    assert_eq!(p.mtls_share[2], Some(1.0));
    let w = t.posture.iter().find(|p| p.namespace == "web").unwrap();
    assert_eq!(w.mode, "out of mesh");
    assert_eq!(w.without_proxy, vec![0, 0, 1]);
    assert_eq!(w.unknown_caller_rps[2], Some(6.0));
    // Per-edge series: p99 as stored per run.
    let ab = t
        .edges
        .iter()
        .find(|e| e.source == A && e.target == B)
        .unwrap();
    assert_eq!(ab.latency_p99_ms, vec![Some(50.0); 3]);
}

#[test]
fn rules_read_from_toml_with_defaults_for_the_rest() {
    let rules: RegressionRules = toml::from_str(
        "runs = 7\nmin_rps = 2.0\np99_increase_pct = 25.0\ndisable = [\"rps_drop\"]",
    )
    .unwrap();
    assert_eq!(rules.runs, 7);
    assert_eq!(rules.min_rps, 2.0);
    assert_eq!(rules.p99_increase_pct, Some(25.0));
    assert_eq!(rules.consecutive, RegressionRules::default().consecutive);
    assert!(!rules.enabled(RuleKind::RpsDrop));
    assert!(rules.enabled(RuleKind::P99Increase));
    assert!(toml::from_str::<RegressionRules>("nonsense = 1").is_err());
    assert!(toml::from_str::<RegressionRules>("disable = [\"no_such_rule\"]").is_err());
}

#[test]
fn the_markdown_names_the_regression_and_escapes_labels() {
    let rules = RegressionRules::default();
    let evil = "workload:shop/x*_[y](z)|<b>";
    let t = trends_of(
        nights(|i| {
            let err = if i >= 10 { 0.3 } else { 0.0 };
            vec![edge(A, evil, 10.0, 10.0 * err, 50.0)]
        }),
        &rules,
    );
    let md = render::to_markdown(&t, Some("report.html"), 10);
    assert!(md.contains("2026-11-11"), "{md}");
    assert!(
        md.contains("error\\_rate\\_increase") || md.contains("error_rate_increase"),
        "{md}"
    );
    assert!(!md.contains("<b>"), "{md}");
    let html = render::to_html_section(&t, 100);
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;b&gt;"));
    assert!(html.contains("class=\"spark"));
    // Namespace totals: the server side of the one edge is "shop".
    let ns = &html[html.find("id=\"history-namespaces\"").unwrap()..];
    let ns = &ns[..ns.find("</table>").unwrap()];
    assert!(ns.contains("<td>shop</td>"), "{ns}");
    // Every edge's series for the page's edge panel, keyed by its ends, in
    // a script element no label value can close.
    let start = "<script type=\"application/json\" id=\"mg-history\">";
    let at = html.find(start).expect("#mg-history") + start.len();
    let json = &html[at..at + html[at..].find("</script>").unwrap()];
    assert!(!json.contains('<') && !json.contains('>'), "{json}");
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(doc["runs"].as_array().unwrap().len(), 14);
    assert_eq!(
        doc["columns"],
        serde_json::json!(["rps", "error_rate", "latency_p99_ms", "mtls"])
    );
    let row = doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == A && r[1] == evil)
        .expect("the edge's row");
    let rps = row[2][0].as_array().unwrap();
    assert_eq!(rps.len(), 14);
    assert_eq!(rps[13], 10);
    assert_eq!(row[2][1][13], 0.3);
    assert_eq!(row[2][1][0], 0);
    assert_eq!(row[2][2][13], 50);
}

/// Nights with a bit of everything: missing figures, unknown callers,
/// waypoints, infrastructure, clusters, a protocol change, edges coming and
/// going, findings.
fn varied_nights() -> Vec<RunRecord> {
    (0..20)
        .map(|i| {
            let mut edges = Vec::new();
            for k in 0..12 {
                if (i + k) % 7 == 3 {
                    continue;
                }
                let source = if k % 5 == 4 {
                    "unknown".to_string()
                } else {
                    format!("workload:ns{}/w{k}", k % 3)
                };
                let target = format!("workload:ns{}/w{}", (k + 1) % 3, (k * 5 + 1) % 12);
                let bad = k == 2 && i >= 17;
                let mut e = edge(
                    &source,
                    &target,
                    1.0 + (k * 7 + i) as f64 % 9.0 / 3.0,
                    if bad { 0.9 } else { 0.01 * (k % 2) as f64 },
                    if bad {
                        900.0
                    } else {
                        20.0 + ((i * k) % 5) as f64
                    },
                );
                e.cluster = (k % 4 != 0).then(|| format!("c{}", k % 2));
                e.mtls = match (k + i) % 5 {
                    0 => None,
                    1 => Some(0.25),
                    _ => Some(1.0),
                };
                e.rps = (k != 6 || i % 2 == 0).then_some(e.rps.unwrap_or_default());
                e.bytes_to_server_per_second = Some(100.0 * k as f64);
                e.via_waypoint = (k == 3).then(|| "ns1/waypoint".to_string());
                e.rates_from = Some(
                    ["envoy-destination", "ztunnel-destination", "envoy-source"][k % 3].into(),
                );
                e.infrastructure = k == 11;
                if k == 8 && i >= 19 {
                    e.protocol = "grpc".into();
                }
                edges.push(e);
            }
            let findings = (0..3)
                .filter(|f| (i + f) % 4 != 0)
                .map(|f| finding(&format!("MG10{f}"), "error", &format!("ns{f}/w{f}")))
                .collect();
            run(night(i as i64), edges, findings)
        })
        .collect()
}

#[test]
fn the_trends_read_for_a_report_equal_those_of_a_full_load() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    for r in varied_nights() {
        store.append(&r).unwrap();
    }
    for runs in [1, 2, 5, 14, 30] {
        let rules = RegressionRules {
            runs,
            ..RegressionRules::default()
        };
        let compact = store.load_for_trends(Some(runs), None).unwrap();
        assert!(compact.edges.height() == 0 && compact.trend_edges.is_some());
        let full = store.load(Some(runs), None).unwrap();
        assert!(full.trend_edges.is_none());
        let json = |loaded| serde_json::to_string(&compute(loaded, &rules).unwrap()).unwrap();
        let (a, b) = (json(&compact), json(&full));
        assert_eq!(a, b, "over {runs} runs");
        // Not a trivial history.
        let t = compute(&compact, &rules).unwrap();
        if runs >= 14 {
            assert!(!t.regressions.is_empty() && !t.posture.is_empty());
            assert!(!t.namespaces.is_empty() && !t.clusters.is_empty());
        }
    }
}

#[test]
fn an_edges_file_with_unreadable_pages_is_named_and_the_other_nights_trended() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    let mut stored = Vec::new();
    for r in varied_nights().into_iter().take(4) {
        let meshgraph_history::Appended::Added(s) = store.append(&r).unwrap() else {
            panic!("appended twice")
        };
        stored.push(s);
    }
    // Garbage over the middle of night 1's column data (past schema_version
    // and run_at, which the check before the read decodes), its footer
    // intact.
    let path = stored[1].dir.join("edges.parquet");
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    let footer = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().unwrap()) as usize;
    let data = len - 8 - footer;
    for b in &mut bytes[data * 3 / 10..data * 6 / 10] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let loaded = store.load_for_trends(None, None).unwrap();
    assert_eq!(loaded.runs.len(), 4, "the run is kept, its edges skipped");
    let all = loaded.warnings.join("\n");
    assert!(all.contains(&path.display().to_string()), "{all}");
    let t = compute(&loaded, &RegressionRules::default()).unwrap();
    let rows = loaded.trend_edges.as_ref().unwrap().len();
    assert!(rows > 0);
    // Night 1 has no edge values; the others have.
    assert!(t.edges.iter().all(|e| e.rps[1].is_none()));
    assert!(t.edges.iter().any(|e| e.rps[0].is_some()));
    // As a full load reads it (the warnings' wording aside).
    let full = store.load(None, None).unwrap();
    let all = full.warnings.join("\n");
    assert!(all.contains(&path.display().to_string()), "{all}");
    let mut f = compute(&full, &RegressionRules::default()).unwrap();
    let mut t = t;
    (f.warnings, t.warnings) = (vec![], vec![]);
    assert_eq!(
        serde_json::to_string(&f).unwrap(),
        serde_json::to_string(&t).unwrap()
    );
}
