//! Stand-in HTTP servers for tests, on 127.0.0.1 (dev-only: every crate uses
//! it as a dev-dependency, nothing ships it).
//!
//! A [`StandIn`] answers each request with what its handler returns for it:
//! a [`Reply`] with a status, headers, a body and a delay, or a faulty answer
//! (a body cut short, a body without a length, a closed connection). It keeps
//! every [`Request`] it received, and speaks TLS when given a rustls server
//! configuration. [`Refusing`] is an address nobody listens on and nobody
//! else can take while it lives: connections to it are refused.
//!
//! The servers are plain threads, one per connection, one request per
//! connection (`Connection: close`), so they serve synchronous and async
//! tests alike. Dropping a server stops it.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How a [`Reply`] is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Status line, headers with `Content-Length`, the body.
    Whole,
    /// Headers announcing `declared` bytes, then the body, then close.
    CutShort { declared: usize },
    /// `200 OK` without `Content-Length`: the body ends when the connection
    /// closes.
    Streamed,
    /// Close the connection without answering.
    Close,
}

/// One answer of a stand-in server. Answers are JSON unless a
/// `Content-Type` header says otherwise.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Sent after `Content-Length` and `Connection: close`, in this order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long to wait before answering.
    pub delay: Duration,
    shape: Shape,
}

impl Reply {
    /// The given status with a JSON body.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
            shape: Shape::Whole,
        }
    }

    /// `200 OK` with a JSON body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200, body)
    }

    /// The plain 404 of a Go HTTP mux (a path the server does not serve).
    pub fn not_found() -> Reply {
        Reply::status(404, "404 page not found\n")
    }

    /// `200 OK` announcing `declared` bytes of JSON, sending `body`, closing.
    pub fn cut_short(declared: usize, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            shape: Shape::CutShort { declared },
            ..Reply::ok(body)
        }
    }

    /// `200 OK` JSON without `Content-Length`: the size is only known while
    /// reading the body.
    pub fn streamed(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            shape: Shape::Streamed,
            ..Reply::ok(body)
        }
    }

    /// The connection closed without an answer.
    pub fn close() -> Reply {
        Reply {
            shape: Shape::Close,
            ..Reply::ok(Vec::new())
        }
    }

    /// The same answer, `by` later.
    pub fn delayed(mut self, by: Duration) -> Reply {
        self.delay = by;
        self
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query string.
    pub target: String,
    /// The path without the query string.
    pub path: String,
    /// The query's pairs, `+` and `%XX` decoded.
    pub query: Vec<(String, String)>,
    /// Lower-cased header names with their values, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the client presented a TLS certificate.
    pub client_cert: bool,
}

impl Request {
    /// The first value of the query parameter `key`.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// How a [`StandIn`] is started; see [`StandIn::builder`].
#[derive(Default)]
pub struct Builder {
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Builder {
    /// Speak TLS with this configuration (its client-certificate verifier
    /// decides whether clients may or must present one).
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Builder {
        self.tls = Some(config);
        self
    }

    /// Starts the server: `handler(request, nth)` answers the `nth` (from 0)
    /// request for the request's path.
    pub fn route(
        self,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> StandIn {
        StandIn::start(self.tls, Arc::new(handler))
    }

    /// Starts the server answering each request, whatever its path, with the
    /// next reply of `replies`; the last one repeats.
    pub fn sequence(self, replies: Vec<Reply>) -> StandIn {
        assert!(!replies.is_empty(), "give at least one reply");
        let next = Mutex::new(0usize);
        self.route(move |_, _| {
            let mut next = next.lock().unwrap_or_else(|p| p.into_inner());
            let reply = replies[(*next).min(replies.len() - 1)].clone();
            *next += 1;
            reply
        })
    }
}

/// A stand-in HTTP(S) server on 127.0.0.1; stopped when dropped.
pub struct StandIn {
    addr: SocketAddr,
    tls: bool,
    seen: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn").field("url", &self.url()).finish()
    }
}

impl StandIn {
    /// A server to configure (TLS) before it starts.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A plain HTTP server; see [`Builder::route`].
    pub fn route(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> StandIn {
        StandIn::builder().route(handler)
    }

    /// A plain HTTP server; see [`Builder::sequence`].
    pub fn sequence(replies: Vec<Reply>) -> StandIn {
        StandIn::builder().sequence(replies)
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let is_tls = tls.is_some();
        let (log, stopped) = (seen.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (handler, log, tls) = (handler.clone(), log.clone(), tls.clone());
                std::thread::spawn(move || serve(stream, tls, &*handler, &log));
            }
        });
        StandIn {
            addr,
            tls: is_tls,
            seen,
            stop,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT`, or `https://` with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The requests received so far for `path` (without query).
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

/// A loopback address that refuses connections: a socket bound to it (so
/// no other test can take the port) that never listens. Connecting to it
/// fails at once with "connection refused".
#[derive(Debug)]
pub struct Refusing {
    _socket: socket2::Socket,
    addr: SocketAddr,
}

impl Refusing {
    pub fn new() -> Refusing {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("create a socket");
        let any: SocketAddr = "127.0.0.1:0".parse().expect("an address");
        socket.bind(&any.into()).expect("bind 127.0.0.1:0");
        let addr = socket
            .local_addr()
            .expect("local address")
            .as_socket()
            .expect("an IP address");
        Refusing {
            _socket: socket,
            addr,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Default for Refusing {
    fn default() -> Refusing {
        Refusing::new()
    }
}

fn serve(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    match tls {
        None => exchange(stream.try_clone().ok(), stream, false, handler, log),
        Some(config) => {
            let Ok(mut connection) = rustls::ServerConnection::new(config) else {
                return;
            };
            let mut tcp = stream;
            while connection.is_handshaking() {
                if connection.complete_io(&mut tcp).is_err() {
                    return; // the client gave up (an untrusted certificate, say)
                }
            }
            let client_cert = connection
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            let raw = tcp.try_clone().ok();
            let tls_stream = rustls::StreamOwned::new(connection, tcp);
            exchange(raw, tls_stream, client_cert, handler, log);
        }
    }
}

/// Reads one request from `stream`, records it, answers it, closes.
fn exchange(
    raw: Option<TcpStream>,
    mut stream: impl Read + Write,
    client_cert: bool,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
) {
    let Some(mut request) = read_request(&mut stream) else {
        return;
    };
    request.client_cert = client_cert;
    let nth = {
        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
        let nth = log.iter().filter(|r| r.path == request.path).count();
        log.push(request.clone());
        nth
    };
    let reply = handler(&request, nth);
    std::thread::sleep(reply.delay);
    write_reply(&mut stream, &reply);
    let _ = stream.flush();
    drop(stream);
    if let Some(raw) = raw {
        let _ = raw.shutdown(Shutdown::Both);
    }
}

fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let target = request_line.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect();
    Some(Request {
        method,
        path: path.to_string(),
        query,
        target,
        headers,
        body,
        client_cert: false,
    })
}

fn write_reply(stream: &mut impl Write, reply: &Reply) {
    let length = match reply.shape {
        Shape::Close => return,
        Shape::Whole => Some(reply.body.len()),
        Shape::CutShort { declared } => Some(declared),
        Shape::Streamed => None,
    };
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    if let Some(length) = length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("Connection: close\r\n");
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    for piece in reply.body.chunks(4096) {
        if stream.write_all(piece).is_err() {
            break;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `+` as space and `%XX` decoded, as in a form-encoded query.
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

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A named pipe that cannot hang its reader. A thread holds the writing end
/// open-pending: if the code under test opens the pipe for reading, the
/// thread's open completes and it closes at once, so the reader sees end of
/// file instead of blocking forever. A test that a FIFO is refused therefore
/// fails on its message, never by hanging, and needs no clock.
#[cfg(unix)]
pub struct Fifo {
    path: std::path::PathBuf,
    writer: Option<JoinHandle<()>>,
}

#[cfg(unix)]
impl Fifo {
    /// Makes the pipe at `path` (with `mkfifo`) and starts its writer.
    pub fn create(path: &std::path::Path) -> Fifo {
        let made = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs (coreutils)");
        assert!(made.success(), "mkfifo {}", path.display());
        let at = path.to_path_buf();
        let writer = std::thread::spawn(move || {
            // Blocks until a reader opens the pipe; closing it right away
            // gives that reader end of file.
            let _ = std::fs::OpenOptions::new().write(true).open(&at);
        });
        Fifo {
            path: path.to_path_buf(),
            writer: Some(writer),
        }
    }
}

#[cfg(unix)]
impl Drop for Fifo {
    fn drop(&mut self) {
        // Opening read-write never blocks on Linux and gives the writer its
        // reader, so the thread ends; the handle stays open until the thread
        // has ended, in case the thread has not reached its open yet.
        let _reader = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path);
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal HTTP/1.0 exchange: (status line, headers and body).
    fn get(port: u16, target: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.write_all(
            format!("GET {target} HTTP/1.0\r\nX-Token: abc\r\nContent-Length: 2\r\n\r\nhi")
                .as_bytes(),
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    }

    #[test]
    fn routes_by_path_and_counts_per_path() {
        let server = StandIn::route(|r, nth| match r.path.as_str() {
            "/a" => Reply::ok(format!("a{nth}")).with_header("X-Extra", "1"),
            _ => Reply::not_found(),
        });
        let first = get(server.port(), "/a?x=1+2&y=%2F").unwrap();
        assert!(first.starts_with("HTTP/1.1 200 OK\r\n"), "{first}");
        assert!(first.contains("X-Extra: 1\r\n"), "{first}");
        assert!(first.contains("Content-Type: application/json\r\n"));
        assert!(first.ends_with("\r\n\r\na0"), "{first}");
        assert!(get(server.port(), "/a").unwrap().ends_with("a1"));
        let missing = get(server.port(), "/b").unwrap();
        assert!(
            missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{missing}"
        );
        let seen = server.requests_to("/a");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].target, "/a?x=1+2&y=%2F");
        assert_eq!(seen[0].param("x"), Some("1 2"));
        assert_eq!(seen[0].param("y"), Some("/"));
        assert_eq!(seen[0].header("x-token"), Some("abc"));
        assert_eq!(seen[0].body, b"hi");
        assert_eq!(seen[0].method, "GET");
        assert_eq!(server.requests().len(), 3);
    }

    #[test]
    fn a_sequence_repeats_its_last_reply() {
        let server = StandIn::sequence(vec![Reply::status(503, "{}"), Reply::ok("{}")]);
        for expected in ["503", "200", "200"] {
            let answer = get(server.port(), "/").unwrap();
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {expected} ")),
                "{answer}"
            );
        }
    }

    #[test]
    fn faulty_answers() {
        let server = StandIn::sequence(vec![
            Reply::cut_short(100, "{\"a\""),
            Reply::streamed("[1,2]"),
            Reply::close(),
        ]);
        let cut = get(server.port(), "/").unwrap();
        assert!(cut.contains("Content-Length: 100\r\n") && cut.ends_with("{\"a\""));
        let streamed = get(server.port(), "/").unwrap();
        assert!(!streamed.contains("Content-Length") && streamed.ends_with("[1,2]"));
        assert_eq!(get(server.port(), "/").unwrap_or_default(), "");
    }

    #[test]
    fn a_refusing_address_refuses() {
        let refusing = Refusing::new();
        let error = TcpStream::connect(("127.0.0.1", refusing.port())).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
        assert!(TcpListener::bind(("127.0.0.1", refusing.port())).is_err());
    }
}
