//! Helpers shared by the end-to-end tests.

#![allow(dead_code)] // each test file uses its own subset

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `meshgraph` binary cargo built for these tests.
pub const MESHGRAPH: &str = env!("CARGO_BIN_EXE_meshgraph");

/// Runs the `meshgraph` binary in `dir`.
pub fn meshgraph(args: &[&str], dir: &Path) -> Output {
    run().args(args).dir(dir).output()
}

/// A run of the `meshgraph` binary, to configure (arguments, working
/// directory, environment, standard input) before [`Run::output`].
pub fn run() -> Run {
    let mut command = Command::new(MESHGRAPH);
    // Never the developer's cluster: no kubeconfig (unless a test sets
    // KUBECONFIG), not in a pod.
    command
        .env("KUBECONFIG", "/nonexistent/meshgraph-tests/kubeconfig")
        .env_remove("KUBERNETES_SERVICE_HOST");
    Run {
        command,
        stdin: None,
    }
}

/// One run of the binary; see [`run`]. Without [`Run::dir`] it runs in the
/// test's working directory (the package root); without [`Run::stdin`] its
/// standard input is empty.
pub struct Run {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Run {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Run {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// The working directory.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Run {
        self.command.current_dir(dir);
        self
    }

    /// One environment variable less.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Run {
        self.command.env_remove(key);
        self
    }

    /// One more environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Run {
        self.command.env(key, value);
        self
    }

    /// Standard input, closed after these bytes.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs to the end: exit status, standard output and standard error.
    pub fn output(mut self) -> Output {
        let Some(input) = self.stdin else {
            return self.command.output().expect("run meshgraph");
        };
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run meshgraph");
        let mut pipe = child.stdin.take().expect("a stdin pipe");
        // Written from a thread: a large input must not block on a full
        // output pipe.
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let output = child.wait_with_output().expect("run meshgraph");
        // meshgraph may exit before reading all of it; that is its answer.
        let _ = writer.join().expect("the stdin writer");
        output
    }
}

/// How to install Graphviz, which the SVG tests run for real.
pub const GRAPHVIZ_HINT: &str = "apt-get install -y --no-install-recommends graphviz";

/// Panics with [`GRAPHVIZ_HINT`] when Graphviz `dot` is not on `PATH`: a
/// test that needs it fails, it never falls back silently.
pub fn require_graphviz() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    assert!(
        std::env::split_paths(&path).any(|dir| dir.join("dot").is_file()),
        "Graphviz `dot` is not installed (not on PATH); install it with: {GRAPHVIZ_HINT}"
    );
}

/// The repository's test inputs; each folder's origin is in its README.md or
/// SOURCE.md (see tests/fixtures/README.md).
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The path of `path` under tests/fixtures. Panics, naming the file, when it
/// is not there: tests read only files the repository holds.
pub fn fixture(path: &str) -> PathBuf {
    let full = Path::new(FIXTURES).join(path);
    assert!(
        full.exists(),
        "test fixture {} is missing: every file a test reads belongs in the \
         repository under tests/fixtures/ (see tests/fixtures/README.md)",
        full.display()
    );
    full
}

/// The text of the fixture `path` (see [`fixture`]).
pub fn read_fixture(path: &str) -> String {
    let full = fixture(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The bytes of the fixture `path` (see [`fixture`]).
pub fn read_fixture_bytes(path: &str) -> Vec<u8> {
    let full = fixture(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Headless Chromium (Debian package `chromium`); the tests that need it
/// fail with an install hint rather than skip.
pub fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("Chromium is needed: apt-get install -y --no-install-recommends chromium")
        })
}

/// Headless Chromium without a sandbox, GPU, network chatter or first-run
/// work: the flags every test browser starts with.
pub const HEADLESS_CHROMIUM: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Loads `page` in headless Chromium with `extra` arguments (`--dump-dom`,
/// `--screenshot=...`, a window size) and returns its standard output: with
/// `--dump-dom`, the DOM after the page's scripts ran.
pub fn headless_chromium(page: &Path, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args(HEADLESS_CHROMIUM)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A scenario of `namespaces` namespaces of 25 workloads, each calling four
/// services (the fourth in another namespace): `namespaces × 100` edges.
pub fn generated_mesh(namespaces: usize) -> String {
    let mut toml = String::from("name = \"large\"\n");
    for n in 0..namespaces {
        let mode = if n % 2 == 0 { "sidecar" } else { "ambient" };
        toml.push_str(&format!(
            "\n[[namespaces]]\nname = \"ns-{n}\"\nmode = \"{mode}\"\n"
        ));
        for w in 0..25 {
            toml.push_str(&format!(
                "\n[[workloads]]\nnamespace = \"ns-{n}\"\nname = \"svc-{w}-v1\"\napp = \"svc-{w}\"\nservice = \"svc-{w}\"\n"
            ));
        }
    }
    for n in 0..namespaces {
        for w in 0..25 {
            for k in 1..=4 {
                let to_namespace = if k == 4 { (n + 7) % namespaces } else { n };
                let to = (w + k * 3) % 25;
                toml.push_str(&format!(
                    "\n[[calls]]\nfrom = \"ns-{n}/svc-{w}-v1\"\nto = \"ns-{to_namespace}/svc-{to}\"\nrps = {}.0\n",
                    1 + (n * 25 + w + k) % 40
                ));
            }
        }
    }
    toml
}
