//! `meshgraph.toml`: defaults for the connection flags, below flags and
//! environment variables (flags > env > file > built-in defaults).
//!
//! Looked up at `--config FILE` (or `MESHGRAPH_CONFIG`), else `./meshgraph.toml`,
//! else `$XDG_CONFIG_HOME/meshgraph/meshgraph.toml` (`~/.config/...`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::cli::{Command, InputArgs, PrometheusArgs, ScopeArgs, TraceArgs};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    prometheus: Option<String>,
    prometheus_token_file: Option<PathBuf>,
    prometheus_user: Option<String>,
    prometheus_ca: Option<PathBuf>,
    #[serde(default)]
    prometheus_headers: Vec<String>,
    queries_dir: Option<PathBuf>,
    query_timeout: Option<String>,
    window: Option<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    ztunnel_label: Option<String>,
    jaeger: Option<String>,
    tempo: Option<String>,
    /// Manifests read with every run, like `-f`.
    #[serde(default)]
    manifests: Vec<PathBuf>,
    /// Regression rules of `report --history` and `history show`.
    regressions: Option<meshgraph_history::RegressionRules>,
}

fn default_locations() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("meshgraph.toml")];
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")));
    if let Some(base) = base {
        out.push(base.join("meshgraph").join("meshgraph.toml"));
    }
    out
}

/// The largest settings file read: 1 MiB.
const SETTINGS_MAX_BYTES: u64 = 1024 * 1024;

/// The settings file's text, at most [`SETTINGS_MAX_BYTES`].
fn read_settings(path: &Path) -> anyhow::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(SETTINGS_MAX_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > SETTINGS_MAX_BYTES {
        anyhow::bail!("larger than the 1 MiB a settings file may hold");
    }
    Ok(text)
}

/// Reads the settings file; an explicit path must exist, the default ones may not.
pub fn load(explicit: Option<&Path>) -> anyhow::Result<Settings> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_locations().into_iter().find(|p| p.is_file()) {
            Some(p) => p,
            None => return Ok(Settings::default()),
        },
    };
    let text = read_settings(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}", toml_error(&path, &text, &e)))
}

/// A TOML error without any value from the file (it may hold a credential):
/// the file, line and column, the key on that line, and the parser's reason
/// with its quoted parts left out.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let mut place = String::new();
    if let Some(span) = e.span() {
        let start = span.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.chars().rev().take_while(|c| *c != '\n').count() + 1;
        place = format!(" at line {line}, column {column}");
        let line_text = text.lines().nth(line - 1).unwrap_or("");
        if let Some((key, _)) = line_text.split_once('=') {
            let key = key.trim();
            if !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.\"' ".contains(c))
            {
                place.push_str(&format!(" (key `{key}`)"));
            }
        }
    }
    format!(
        "cannot read {}{place}: {}; values are not shown",
        path.display(),
        without_quoted(e.message())
    )
}

/// The first line of `text` with every double-quoted part (a value) replaced
/// by `…`; back-quoted names (keys, expected fields) stay.
fn without_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<char> = None;
    for c in text.lines().next().unwrap_or("").chars() {
        match open {
            Some(q) if c == q => {
                open = None;
                out.push('…');
                out.push(q);
            }
            Some(_) => {}
            None if c == '"' => {
                open = Some(c);
                out.push(c);
            }
            None => out.push(c),
        }
    }
    if open.is_some() {
        out.push('…');
    }
    out
}

/// Whether a flag was left to its default (so the settings file may set it).
fn unset(matches: &ArgMatches, id: &str) -> bool {
    !matches!(
        matches
            .try_get_raw(id)
            .ok()
            .flatten()
            .and(matches.value_source(id)),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

fn fill<T: Clone>(target: &mut T, matches: &ArgMatches, id: &str, value: &Option<T>) {
    if let Some(v) = value
        && unset(matches, id)
    {
        *target = v.clone();
    }
}

fn fill_option<T: Clone>(
    target: &mut Option<T>,
    matches: &ArgMatches,
    id: &str,
    value: &Option<T>,
) {
    if value.is_some() && unset(matches, id) {
        target.clone_from(value);
    }
}

fn apply_prometheus(s: &Settings, m: &ArgMatches, args: &mut PrometheusArgs) {
    fill_option(&mut args.prometheus, m, "prometheus", &s.prometheus);
    fill_option(
        &mut args.prometheus_token_file,
        m,
        "prometheus_token_file",
        &s.prometheus_token_file,
    );
    fill_option(
        &mut args.prometheus_user,
        m,
        "prometheus_user",
        &s.prometheus_user,
    );
    fill_option(
        &mut args.prometheus_ca,
        m,
        "prometheus_ca",
        &s.prometheus_ca,
    );
    fill_option(&mut args.queries_dir, m, "queries_dir", &s.queries_dir);
    fill(
        &mut args.query_timeout,
        m,
        "query_timeout",
        &s.query_timeout,
    );
    fill(
        &mut args.ztunnel_label,
        m,
        "ztunnel_label",
        &s.ztunnel_label,
    );
    if args.prometheus_headers.is_empty() {
        args.prometheus_headers = s.prometheus_headers.clone();
    }
}

fn apply_scope(s: &Settings, m: &ArgMatches, args: &mut ScopeArgs) {
    fill_option(&mut args.window, m, "window", &s.window);
    if args.namespace.is_empty() && !args.all_namespaces {
        args.namespace = s.namespaces.clone();
    }
}

fn apply_traces(s: &Settings, m: &ArgMatches, args: &mut TraceArgs) {
    // One tracing backend: a flag or variable for either replaces the file's.
    if args.jaeger.is_none() && args.tempo.is_none() {
        fill_option(&mut args.jaeger, m, "jaeger", &s.jaeger);
        if args.jaeger.is_none() {
            fill_option(&mut args.tempo, m, "tempo", &s.tempo);
        }
    }
}

fn apply_input(s: &Settings, m: &ArgMatches, input: &mut InputArgs) {
    // A demo, a scenario or a replay needs no server: the file does not add one.
    if input.demo.is_none() && input.scenario.is_none() && input.replay.is_none() {
        apply_prometheus(s, m, &mut input.prometheus);
        apply_traces(s, m, &mut input.traces);
        apply_scope(s, m, &mut input.scope);
    }
    input.config.files.extend(s.manifests.iter().cloned());
}

/// Fills the flags the command line and the environment left unset.
pub fn apply(settings: &Settings, matches: &ArgMatches, command: &mut Command) {
    let Some((_, m)) = matches.subcommand() else {
        return;
    };
    match command {
        Command::Snapshot(args) => apply_input(settings, m, &mut args.input),
        Command::Explain(args) => apply_input(settings, m, &mut args.input),
        Command::Check(args) => apply_input(settings, m, &mut args.input),
        Command::Report(args) => {
            apply_input(settings, m, &mut args.input);
            args.history.rules = settings.regressions.clone();
        }
        Command::History(args) => match &mut args.action {
            crate::history::HistoryAction::Append(a) => apply_input(settings, m, &mut a.input),
            crate::history::HistoryAction::Show { rules, .. } => {
                *rules = settings.regressions.clone();
            }
            _ => {}
        },
        Command::Kiali(args) => apply_input(settings, m, &mut args.input),
        Command::Record(args) => {
            apply_prometheus(settings, m, &mut args.prometheus);
            apply_traces(settings, m, &mut args.traces);
            apply_scope(settings, m, &mut args.scope);
        }
        Command::Completions { .. } | Command::Diff(_) | Command::Scenario(_) => {}
    }
}

#[cfg(test)]
mod toml_tests {
    use super::*;

    #[test]
    fn a_settings_file_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, "# x\n".repeat(300_000)).unwrap();
        let message = format!("{:#}", load(Some(&path)).unwrap_err());
        assert!(message.contains("big.toml"), "{message}");
        assert!(message.contains("1 MiB"), "{message}");
    }

    #[test]
    fn toml_errors_quote_key_and_position_never_the_value() {
        for text in [
            "prometheus = \"http://x\"\nprometheus_headers = \"Authorization=Bearer s3cret-tok\"\n",
            "prometheus_headers = [\"Authorization=Bearer s3cret-tok]\n",
            "prometheus = \"http://u:s3cret-tok@h\"\nwindow = s3cret-tok\n",
        ] {
            let e = toml::from_str::<Settings>(text).unwrap_err();
            let message = toml_error(Path::new("meshgraph.toml"), text, &e);
            assert!(!message.contains("s3cret"), "{message}");
            assert!(message.contains("meshgraph.toml at line "), "{message}");
        }
        let text = "prometheus = \"x\"\nwindwo = \"5m\"\n";
        let e = toml::from_str::<Settings>(text).unwrap_err();
        let message = toml_error(Path::new("m.toml"), text, &e);
        assert!(
            message.contains("line 2, column 1 (key `windwo`)"),
            "{message}"
        );
        assert!(message.contains("`window`"), "{message}");
    }
}

/// Property tests of reading `meshgraph.toml` (issue 13): random bytes and
/// mutated settings never panic; reading gives settings or an error message
/// naming the file. Each case runs in the test thread.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "prometheus = \"http://prometheus.istio-system:9090\"\n\
        prometheus_headers = [\"X-Scope-OrgID=team-a\"]\n\
        window = \"5m\"\n\
        [unknown]\n\
        a = [1, 2, {b = 3}]\n";

    fn check(bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        if let Err(e) = toml::from_str::<Settings>(&text) {
            let message = toml_error(Path::new("meshgraph.toml"), &text, &e);
            assert!(message.contains("meshgraph.toml"), "{message}");
        }
    }

    fn budget() -> ProptestConfig {
        ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(budget())]

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            check(&bytes);
        }

        #[test]
        fn mutated_settings(
            cut in proptest::option::of(0.0f64..1.0),
            flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 0..8),
            depth in prop_oneof![3 => Just(0usize), 1 => 1usize..200, 1 => 200usize..5000],
        ) {
            let mut bytes = VALID.as_bytes().to_vec();
            if let Some(fraction) = cut {
                bytes.truncate((bytes.len() as f64 * fraction) as usize);
            }
            let len = bytes.len();
            for (at, xor) in flips {
                if len > 0 {
                    bytes[at % len] ^= xor;
                }
            }
            let mut nested = format!("x = {}", "[".repeat(depth)).into_bytes();
            nested.extend_from_slice("]".repeat(depth).as_bytes());
            nested.push(b'\n');
            nested.extend_from_slice(&bytes);
            check(&bytes);
            check(&nested);
        }
    }
}
