//! Test support: the real captures in the repository's `tests/fixtures/traces`
//! (copied unchanged from Kiali and Jaeger, see its SOURCE.md), and a local
//! stand-in HTTP server (meshgraph-standin) that answers with them (no
//! network, no tracing backend can be installed here).

#![allow(dead_code)]

pub mod formats;

use std::path::PathBuf;

/// One answer of the test server; `Reply::not_found()` is the plain 404 of a
/// Go HTTP mux (a path the server does not serve).
pub use meshgraph_standin::Reply;
/// A request as the server saw it.
pub use meshgraph_standin::Request as Seen;
use meshgraph_standin::StandIn;

/// Kiali's Tempo trace-by-id capture of bookinfo with sidecars and an ingress gateway.
pub const TEMPO_SIDECAR_TRACE: &str = "kiali-tempo-bookinfo-sidecar-trace.json";
/// Kiali's Tempo search capture of ambient bookinfo (waypoint spans).
pub const TEMPO_AMBIENT_SEARCH: &str = "kiali-tempo-bookinfo-ambient-search.json";
/// Jaeger UI's `/api/v3/traces/{id}` capture of a HotROD trace.
pub const JAEGER_V3_HOTROD: &str = "jaeger-v3-hotrod-trace.json";
/// Jaeger's v1 JSON format sample.
pub const JAEGER_V1_SAMPLE: &str = "jaeger-v1-format-sample.json";

/// The repository's test inputs, two levels above this crate.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

/// The path of the capture `name` in tests/fixtures/traces. Panics, naming
/// the file, when it is not there: tests read only files the repository holds.
pub fn fixture_path(name: &str) -> PathBuf {
    let path = PathBuf::from(FIXTURES).join("traces").join(name);
    assert!(
        path.is_file(),
        "test fixture {} is missing: every file a test reads belongs in the \
         repository under tests/fixtures/ (see tests/fixtures/README.md)",
        path.display()
    );
    path
}

/// Each call as (source, destination, evidence, spans, errors), in order.
pub fn edge_set(
    calls: &[meshgraph_traces::TraceCall],
) -> Vec<(String, String, meshgraph_traces::TraceEvidence, u64, u64)> {
    calls
        .iter()
        .map(|c| {
            (
                c.source.to_string(),
                c.destination.to_string(),
                c.evidence.clone(),
                c.spans,
                c.errors,
            )
        })
        .collect()
}

/// Each call as `source -> destination`, in order.
pub fn call_pairs(calls: &[meshgraph_traces::TraceCall]) -> Vec<String> {
    calls
        .iter()
        .map(|c| format!("{} -> {}", c.source, c.destination))
        .collect()
}

/// The bytes of the capture `name` (see [`fixture_path`]).
/// Rewrites a derived fixture when `MESHGRAPH_BLESS=1`, then fails the test so
/// a blessing run can never pass unnoticed (rerun without the variable). Any
/// other value of the variable is an error, not a silent no-op.
pub fn bless_if_asked(path: &std::path::Path, bytes: &[u8]) {
    match std::env::var("MESHGRAPH_BLESS").as_deref() {
        Err(_) | Ok("") | Ok("0") => {}
        Ok("1") => {
            std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            panic!(
                "blessed {}: rerun without MESHGRAPH_BLESS to check it",
                path.display()
            );
        }
        Ok(other) => panic!("MESHGRAPH_BLESS={other:?}: only 1 rewrites fixtures"),
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    standin: StandIn,
}

impl Server {
    pub fn seen(&self) -> Vec<Seen> {
        self.standin.requests()
    }

    pub fn seen_path(&self, path: &str) -> Vec<Seen> {
        self.standin.requests_to(path)
    }
}

/// Starts a server on 127.0.0.1; `route(path, nth)` answers the `nth`
/// (from 0) request for `path`.
pub async fn serve(route: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Server {
    let standin = StandIn::route(move |request, nth| route(&request.path, nth));
    Server {
        url: standin.url(),
        standin,
    }
}
