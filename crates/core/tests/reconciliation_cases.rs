//! The cases of reconciliation.md, one scenario file each in tests/cases/.
//! Each must reconcile to its logical calls, and its workload graph must match
//! the reviewed rendering in `NN-name.snap`, an insta snapshot (after a
//! change: `cargo insta test -p meshgraph-core --test reconciliation_cases
//! --review`; with `CI=true` a missing or changed snapshot fails).

mod common;

use std::fmt::Write;
use std::path::Path;

use meshgraph_core::{ClassifyOptions, Reconciliation};
use meshgraph_scenario::Scenario;

fn render(rec: &Reconciliation) -> String {
    let mut out = String::new();
    for e in &rec.edges {
        let _ = write!(
            out,
            "{} -> {}: {}",
            e.source,
            e.destination,
            e.protocol.as_str()
        );
        if let Some(l7) = &e.l7 {
            let _ = write!(out, ", {:.3} rps, {:.3} err/s", l7.rps, l7.error_rps);
            if let Some(p50) = l7.latency.quantile(0.5) {
                let _ = write!(out, ", p50 {p50:.1} ms");
            }
        }
        if let Some(l4) = &e.l4 {
            let _ = write!(
                out,
                ", tcp {:.3} conn/s {:.1} B/s up {:.1} B/s down from {}",
                l4.connections_opened,
                l4.bytes_to_server,
                l4.bytes_to_client,
                e.l4_from.map_or("-", |f| f.as_str())
            );
        }
        let _ = write!(
            out,
            ", rates from {}",
            e.rates_from().map_or("-", |f| f.as_str())
        );
        match e.security.share() {
            Some(share) => {
                let _ = write!(out, ", mtls {share:.2}");
            }
            None => out.push_str(", mtls unknown"),
        }
        for w in &e.via_waypoint {
            let _ = write!(out, ", via {w}");
        }
        for g in &e.via_network_gateway {
            let _ = write!(out, ", via network gateway {g}");
        }
        if let Some(t) = &e.network_transport {
            let _ = write!(
                out,
                " (gateway {:.3} conn/s {:.1} B/s up {:.1} B/s down, not in the rates)",
                t.connections_opened, t.bytes_to_server, t.bytes_to_client
            );
        }
        if e.failed_across_networks {
            out.push_str(", failed across networks");
        }
        out.push('\n');
    }
    for note in &rec.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

#[test]
fn every_case_reconciles_to_its_calls_and_matches_its_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 14, "the 14 cases of reconciliation.md");
    let mut failures = Vec::new();
    let mut rendered = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let scenario =
            Scenario::from_toml(&std::fs::read_to_string(&file).unwrap(), &name).unwrap();
        match common::check(&scenario, &ClassifyOptions::default()) {
            Ok(rec) => rendered.push((name, render(&rec))),
            Err(message) => failures.push(format!("{name}: {message}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The snapshots sit beside their scenarios: tests/cases/NN-name.snap.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("cases");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, text) in &rendered {
            insta::assert_snapshot!(name.as_str(), text);
        }
    });
}
