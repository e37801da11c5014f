//! Test support (cargo feature `testing`): real Prometheus and VictoriaMetrics
//! servers on loopback loaded with synthetic counters. Stand-in HTTP servers
//! for failure modes (canned answers, delays, cut-short bodies) are in the
//! dev-only crate `meshgraph-standin`.
//!
//! The servers come from the Debian packages `prometheus` (with `promtool`) and
//! `victoria-metrics`. When a binary is missing the helpers panic with the
//! install command: a test that needs a server fails, it never skips silently.
//!
//! Everything here panics on failure (it is for tests) and kills the processes
//! it started when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to install the servers the tests need.
pub const INSTALL_HINT: &str =
    "apt-get install -y --no-install-recommends prometheus victoria-metrics";

/// How long a server may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// Synthetic data

pub use crate::openmetrics::{RateSeries, openmetrics_from_rates, openmetrics_gauges};

/// The OpenMetrics text as Prometheus text lines with timestamps in
/// milliseconds, for VictoriaMetrics' `/api/v1/import/prometheus`.
pub fn openmetrics_to_import_text(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len() + openmetrics.len() / 10);
    for line in openmetrics.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series_and_value, ts) = line
            .rsplit_once(' ')
            .expect("a sample line with a timestamp");
        let seconds: f64 = ts.parse().expect("a timestamp in seconds");
        out.push_str(&format!(
            "{series_and_value} {}\n",
            (seconds * 1000.0).round() as i64
        ));
    }
    out
}

/// Reads a rates file: one `name{label="value",...} rate` per line, `#`
/// comments and blank lines ignored (the format of
/// `tests/fixtures/prometheus/*.rates`).
pub fn parse_rates(text: &str) -> Result<Vec<RateSeries>, String> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |what: &str| format!("line {}: {what}: {line}", n + 1);
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => return Err(fail("no rate")),
        };
        let mut labels = Vec::new();
        let mut rest = rest;
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let mut end = None;
            loop {
                while chars
                    .peek()
                    .is_some_and(|(_, c)| *c == ',' || c.is_whitespace())
                {
                    chars.next();
                }
                match chars.peek() {
                    Some((i, '}')) => {
                        end = Some(*i);
                        break;
                    }
                    None => break,
                    _ => {}
                }
                let mut key = String::new();
                while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=') {
                    key.push(c);
                }
                if chars.next().map(|(_, c)| c) != Some('=')
                    || chars.next().map(|(_, c)| c) != Some('"')
                {
                    return Err(fail("bad label"));
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, c)) => value.push(c),
                            None => return Err(fail("unterminated label value")),
                        },
                        Some((_, '"')) => break,
                        Some((_, c)) => value.push(c),
                        None => return Err(fail("unterminated label value")),
                    }
                }
                labels.push((key.trim().to_string(), value));
            }
            let end = end.ok_or_else(|| fail("no closing brace"))?;
            rest = &body[end + 1..];
        }
        let rate: f64 = rest
            .trim()
            .parse()
            .map_err(|_| fail("the rate is not a number"))?;
        out.push((name.to_string(), labels, rate));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Processes and tiny HTTP

/// The path of a binary on `PATH`; panics with [`INSTALL_HINT`] when missing.
pub fn require_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not installed (not on PATH); install it with: {INSTALL_HINT}")
        })
}

/// A port that was free a moment ago on 127.0.0.1, for a server process to
/// bind (retried when taken meanwhile). Tests that need an address nobody
/// answers use `meshgraph_standin::Refusing`, which keeps the port.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A minimal HTTP/1.0 exchange with a loopback server: (status, body).
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let split =
        find(&answer, b"\r\n\r\n").ok_or_else(|| std::io::Error::other("no HTTP header end"))?;
    let status_line = String::from_utf8_lossy(&answer[..split])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
    Ok((status, answer[split + 4..].to_vec()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A child process killed (and reaped) on drop, with its output in a log file.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(mut command: Command, log: PathBuf) -> Process {
        let out = std::fs::File::create(&log).expect("create log file");
        let err = out.try_clone().expect("clone log file");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}; {INSTALL_HINT}"));
        Process { child, log }
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server with `make(port)` on a free port until `ready(port)` holds;
/// retries on another port when the process dies early (port taken).
fn start_on_free_port(
    what: &str,
    log: &Path,
    make: impl Fn(u16) -> Command,
    ready: impl Fn(u16) -> bool,
) -> (Process, u16) {
    let mut last = String::new();
    for _ in 0..3 {
        let port = free_port();
        let mut process = Process::spawn(make(port), log.to_path_buf());
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if ready(port) {
                return (process, port);
            }
            if process.exited() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        last = process.log_tail();
        if !process.exited() {
            panic!(
                "{what} did not become ready within {READY_TIMEOUT:?}; its log ends with:\n{last}"
            );
        }
    }
    panic!("{what} exited at start three times; its log ends with:\n{last}");
}

// ---------------------------------------------------------------------------
// Prometheus

/// A Prometheus server (Debian `prometheus` 2.42) on 127.0.0.1 serving data
/// backfilled with `promtool tsdb create-blocks-from openmetrics`, or scraping
/// a target live ([`PrometheusServer::start_scraping`]; backfilling drops
/// exemplars).
pub struct PrometheusServer {
    // Field order: the process stops before its directory is removed.
    _process: Process,
    port: u16,
    dir: tempfile::TempDir,
}

impl PrometheusServer {
    /// Backfills `openmetrics` (timestamps in seconds) and starts the server.
    pub fn start(openmetrics: &str) -> PrometheusServer {
        let prometheus = require_binary("prometheus");
        let promtool = require_binary("promtool");
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("data.om");
        let data = dir.path().join("data");
        std::fs::write(&input, openmetrics).expect("write OpenMetrics");
        let out = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool tsdb create-blocks-from openmetrics failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Self::run(
            &prometheus,
            dir,
            "global: {}\nscrape_configs: []\n",
            &["--storage.tsdb.retention.time=3650d"],
        )
    }

    /// Writes `config`, then starts `prometheus` on a free port over the
    /// data in `dir`, with the extra `flags`, and waits until it is ready.
    fn run(prometheus: &Path, dir: tempfile::TempDir, config: &str, flags: &[&str]) -> Self {
        let data = dir.path().join("data");
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).expect("write config");
        let (process, port) = start_on_free_port(
            "prometheus",
            &dir.path().join("prometheus.log"),
            |port| {
                let mut c = Command::new(prometheus);
                c.arg(format!("--config.file={}", config_file.display()))
                    .arg(format!("--storage.tsdb.path={}", data.display()))
                    .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                    .args(flags);
                c
            },
            |port| {
                matches!(
                    http_request(port, "GET", "/-/ready", None, b""),
                    Ok((200, _))
                )
            },
        );
        PrometheusServer {
            _process: process,
            port,
            dir,
        }
    }

    /// Starts a server with an empty database that scrapes `target`
    /// (`host:port`, path `/metrics`) every second, with the extra command
    /// line `flags` (e.g. `--enable-feature=exemplar-storage`). The target's
    /// data arrives live: wait for it with [`PrometheusServer::query`].
    pub fn start_scraping(target: &str, flags: &[&str]) -> PrometheusServer {
        let prometheus = require_binary("prometheus");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: mesh\n    static_configs:\n      - targets: [\"{target}\"]\n"
        );
        Self::run(&prometheus, dir, &config, flags)
    }

    /// `GET path_and_query` on the server: (status, body as text).
    pub fn get(&self, path_and_query: &str) -> (u16, String) {
        let (status, body) = http_request(self.port, "GET", path_and_query, None, b"")
            .unwrap_or_else(|e| panic!("GET {path_and_query} on prometheus: {e}"));
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id (for reading its CPU time in `/proc`).
    pub fn pid(&self) -> u32 {
        self._process.child.id()
    }

    /// The server's working directory (data, config, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

// ---------------------------------------------------------------------------
// VictoriaMetrics

/// A single-node VictoriaMetrics (Debian `victoria-metrics`) on 127.0.0.1.
pub struct VictoriaMetricsServer {
    _process: Process,
    port: u16,
    dir: tempfile::TempDir,
}

impl VictoriaMetricsServer {
    /// Starts an empty server.
    pub fn start() -> VictoriaMetricsServer {
        let binary = require_binary("victoria-metrics");
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let (process, port) = start_on_free_port(
            "victoria-metrics",
            &dir.path().join("victoria-metrics.log"),
            |port| {
                let mut c = Command::new(&binary);
                c.arg(format!("-storageDataPath={}", data.display()))
                    .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
                    .arg("-retentionPeriod=100y")
                    // Imported history must not hide behind cached query results.
                    .arg("-search.disableCache");
                c
            },
            |port| matches!(http_request(port, "GET", "/health", None, b""), Ok((200, body)) if body.starts_with(b"OK")),
        );
        VictoriaMetricsServer {
            _process: process,
            port,
            dir,
        }
    }

    /// Starts a server holding `openmetrics` (timestamps in seconds).
    pub fn start_with_openmetrics(openmetrics: &str) -> VictoriaMetricsServer {
        let server = Self::start();
        server.import_openmetrics(openmetrics);
        server
    }

    /// Imports OpenMetrics text (timestamps in seconds) and flushes it.
    pub fn import_openmetrics(&self, openmetrics: &str) {
        self.import_prometheus_text(&openmetrics_to_import_text(openmetrics));
    }

    /// Imports Prometheus text lines with millisecond timestamps, then
    /// `/internal/force_flush` so they can be queried at once.
    pub fn import_prometheus_text(&self, text: &str) {
        let (status, body) = http_request(
            self.port,
            "POST",
            "/api/v1/import/prometheus",
            Some("text/plain"),
            text.as_bytes(),
        )
        .expect("POST /api/v1/import/prometheus");
        assert!(
            (200..300).contains(&status),
            "import answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let (status, body) = http_request(self.port, "GET", "/internal/force_flush", None, b"")
            .expect("GET /internal/force_flush");
        assert!(
            (200..300).contains(&status),
            "force_flush answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_counters_in_openmetrics() {
        let series = [
            (
                "istio_requests_total",
                vec![("reporter", "source"), ("a", "x\"y")],
                0.2,
            ),
            (
                "istio_request_duration_milliseconds_bucket",
                vec![("le", "+Inf")],
                1.0,
            ),
            (
                "istio_requests_total",
                vec![("reporter", "destination")],
                0.5,
            ),
        ];
        let om = openmetrics_from_rates(&series, 1000, 30, 15);
        assert_eq!(
            om,
            "# TYPE istio_requests counter\n\
             istio_requests_total{reporter=\"source\",a=\"x\\\"y\"} 0 970\n\
             istio_requests_total{reporter=\"destination\"} 0 970\n\
             istio_requests_total{reporter=\"source\",a=\"x\\\"y\"} 3 985\n\
             istio_requests_total{reporter=\"destination\"} 7.5 985\n\
             istio_requests_total{reporter=\"source\",a=\"x\\\"y\"} 6 1000\n\
             istio_requests_total{reporter=\"destination\"} 15 1000\n\
             # TYPE istio_request_duration_milliseconds histogram\n\
             istio_request_duration_milliseconds_bucket{le=\"+Inf\"} 0 970\n\
             istio_request_duration_milliseconds_bucket{le=\"+Inf\"} 15 985\n\
             istio_request_duration_milliseconds_bucket{le=\"+Inf\"} 30 1000\n\
             # EOF\n"
        );
        let import = openmetrics_to_import_text(&om);
        assert!(
            import.starts_with("istio_requests_total{reporter=\"source\",a=\"x\\\"y\"} 0 970000\n")
        );
        assert_eq!(import.lines().count(), 9);
    }

    #[test]
    fn rates_files() {
        let text =
            "# comment\n\nistio_requests_total{reporter=\"source\", a=\"b,}\\\"c\"} 1.5\nup 2\n";
        let parsed = parse_rates(text).unwrap();
        assert_eq!(parsed[0].0, "istio_requests_total");
        assert_eq!(
            parsed[0].1,
            vec![
                ("reporter".into(), "source".into()),
                ("a".into(), "b,}\"c".into())
            ]
        );
        assert_eq!(parsed[0].2, 1.5);
        assert_eq!(parsed[1], ("up".into(), vec![], 2.0));
        assert!(
            parse_rates("x{a=\"b\"} nope")
                .unwrap_err()
                .contains("line 1")
        );
    }
}

#[cfg(test)]
mod missing_binary {
    #[test]
    #[should_panic(
        expected = "apt-get install -y --no-install-recommends prometheus victoria-metrics"
    )]
    fn a_missing_server_binary_fails_with_the_install_command() {
        super::require_binary("meshgraph-no-such-server");
    }
}
