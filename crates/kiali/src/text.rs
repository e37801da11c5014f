//! The table a person reads in a terminal.

use crate::mapping::{KialiMapping, ReasonCode};

fn short(id: &str) -> &str {
    let end = id.char_indices().nth(8).map_or(id.len(), |(i, _)| i);
    &id[..end]
}

/// Renders a mapping as text: one block per Kiali edge (arrow, protocol,
/// Kiali's rate, reason code, the sentence, the rate note), then the calls
/// Kiali misses and the summary.
pub fn to_text(mapping: &KialiMapping) -> String {
    let mut out = String::new();
    let arrows: Vec<String> = mapping
        .edges
        .iter()
        .map(|e| format!("{} → {}", e.source_name, e.target_name))
        .collect();
    let width = arrows.iter().map(|a| a.chars().count()).max().unwrap_or(0);
    out += &format!(
        "{:<9} {:<width$}  {:<5} {:>10}  {}\n",
        "KIALI ID", "ARROW", "PROTO", "RATE", "REASON"
    );
    for (edge, arrow) in mapping.edges.iter().zip(&arrows) {
        let rate = edge
            .kiali_rate
            .map_or("-".to_string(), |r| format!("{r:.2}"));
        let mark = if edge.reason.code == ReasonCode::LogicalCall {
            "= "
        } else {
            "+ "
        };
        out += &format!(
            "{:<9} {:<width$}  {:<5} {:>10}  {mark}{}\n",
            short(&edge.kiali_id),
            arrow,
            if edge.protocol.is_empty() {
                "-"
            } else {
                &edge.protocol
            },
            rate,
            edge.reason.code.as_str()
        );
        out += &format!("{:<9} {}\n", "", edge.reason.text);
        if let Some(note) = &edge.rate_note {
            out += &format!("{:<9} rate: {note}\n", "");
        }
        if !edge.nested_kiali_ids.is_empty() {
            let ids: Vec<&str> = edge.nested_kiali_ids.iter().map(|id| short(id)).collect();
            out += &format!(
                "{:<9} with it, Kiali's nested waypoint edge {}\n",
                "",
                ids.join(", ")
            );
        }
    }
    if !mapping.missing.is_empty() {
        out += "\nCalls Kiali does not draw:\n";
        for m in &mapping.missing {
            out += &format!("  {}\n", m.text);
        }
    }
    for w in &mapping.warnings {
        out += &format!("\nwarning: {w}");
    }
    if !mapping.warnings.is_empty() {
        out.push('\n');
    }
    out += &format!("\n{}\n", mapping.summary.text);
    out
}
