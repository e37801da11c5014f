//! Test support: the real captures in the repository's `tests/fixtures/traces`
//! (copied unchanged from Kiali and Jaeger, see its SOURCE.md), and a tiny
//! local HTTP server that answers with them (no network, no tracing backend
//! can be installed here).

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

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

/// The bytes of the capture `name` (see [`fixture_path`]).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One answer of the test server.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The plain 404 of a Go HTTP mux (a path the server does not serve).
    pub fn not_found() -> Reply {
        Reply::status(404, "404 page not found\n")
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path without the query string.
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Lower-cased header names with their values.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn seen_path(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }
}

/// Starts a server on 127.0.0.1:0; `route(path, nth)` answers the `nth`
/// (from 0) request for `path`.
pub async fn serve(route: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let route = Arc::new(route);
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (route, log) = (route.clone(), log.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let mut lines = text.split("\r\n");
                let target = lines
                    .next()
                    .and_then(|l| l.split(' ').nth(1))
                    .unwrap_or("/")
                    .to_string();
                let headers = lines
                    .take_while(|l| !l.is_empty())
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let query = query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap_or((p, ""));
                        (form_decode(k), form_decode(v))
                    })
                    .collect();
                let nth = {
                    let mut log = log.lock().unwrap();
                    let nth = log.iter().filter(|s| s.path == path).count();
                    log.push(Seen {
                        path: path.to_string(),
                        query,
                        headers,
                    });
                    nth
                };
                let reply = route(path, nth);
                tokio::time::sleep(reply.delay).await;
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&reply.body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    Server { url, seen }
}

fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
