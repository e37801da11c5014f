//! What the command line means before clap reads it: `--demo NAME` takes the
//! next word only when it names a built-in scenario, so a bare `--demo` never
//! swallows a positional argument (`explain --demo SRC DST`, `check --demo DIR`).

use std::ffi::OsString;

use meshgraph_scenario::builtin_names;

/// Subcommands without positional arguments: there the word after `--demo` can
/// only be a scenario name, so an unknown one is reported as such.
const NO_POSITIONALS: &[&str] = &["snapshot", "report"];

const COMMANDS: &[&str] = &[
    "snapshot",
    "explain",
    "check",
    "record",
    "report",
    "diff",
    "scenario",
    "completions",
];

/// Rewrites `--demo NAME` as `--demo=NAME` where NAME is the scenario's name
/// (clap then requires the `=` form, see `InputArgs::demo`).
pub fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let args: Vec<OsString> = args.into_iter().collect();
    // The first word naming a command (a flag's value cannot be one: none of
    // the general flags takes a command's name as its value in practice).
    let subcommand = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| COMMANDS.contains(a))
        .unwrap_or_default()
        .to_string();
    let mut out = Vec::with_capacity(args.len());
    let mut words = args.into_iter().peekable();
    while let Some(word) = words.next() {
        if word == "--" {
            out.push(word);
            out.extend(words);
            break;
        }
        if word == "--demo"
            && let Some(next) = words.peek().and_then(|n| n.to_str())
            && takes_as_name(next, &subcommand)
        {
            let name = next.to_string();
            words.next();
            out.push(OsString::from(format!("--demo={name}")));
            continue;
        }
        out.push(word);
    }
    out
}

/// Flags of the mesh-reading commands that `record` has no use for, with what
/// to do instead (clap alone would suggest an unrelated flag).
pub fn record_misuse(args: &[OsString]) -> Option<String> {
    let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    if !words.contains(&"record") {
        return None;
    }
    let flag = words.iter().find_map(|w| {
        ["--demo", "--scenario", "--replay"]
            .into_iter()
            .find(|f| *w == *f || w.starts_with(&format!("{f}=")))
    })?;
    Some(format!(
        "record saves the answers of live servers (--prometheus, --jaeger/--tempo, -f, --cluster); {flag} has nothing to record: use `meshgraph snapshot {flag} ...` directly, or `meshgraph scenario export` to load a scenario into your own Prometheus"
    ))
}

fn takes_as_name(word: &str, subcommand: &str) -> bool {
    if word.starts_with('-') {
        return false;
    }
    builtin_names().any(|n| n == word) || NO_POSITIONALS.contains(&subcommand)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Vec<String> {
        normalize(line.split(' ').map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn a_scenario_name_is_taken_and_anything_else_is_left_alone() {
        assert_eq!(
            run("meshgraph explain --demo bookinfo/productpage-v1 bookinfo/ratings-v1"),
            [
                "meshgraph",
                "explain",
                "--demo",
                "bookinfo/productpage-v1",
                "bookinfo/ratings-v1"
            ]
        );
        assert_eq!(
            run("meshgraph check --demo manifests/"),
            ["meshgraph", "check", "--demo", "manifests/"]
        );
        assert_eq!(
            run("meshgraph check --demo bookinfo-mixed manifests/"),
            ["meshgraph", "check", "--demo=bookinfo-mixed", "manifests/"]
        );
        assert_eq!(
            run("meshgraph snapshot --demo -o x.svg"),
            ["meshgraph", "snapshot", "--demo", "-o", "x.svg"]
        );
        // Where no positional can follow, the word is the scenario's name,
        // known or not (so a typo is reported as an unknown scenario).
        assert_eq!(
            run("meshgraph snapshot --demo bookinfo-typo -o x.svg"),
            [
                "meshgraph",
                "snapshot",
                "--demo=bookinfo-typo",
                "-o",
                "x.svg"
            ]
        );
        assert_eq!(
            run("meshgraph -q report --demo bookinfo-ambient"),
            ["meshgraph", "-q", "report", "--demo=bookinfo-ambient"]
        );
        assert_eq!(
            run("meshgraph --config m.toml snapshot --demo nope"),
            ["meshgraph", "--config", "m.toml", "snapshot", "--demo=nope"]
        );
        assert_eq!(
            run("meshgraph explain -- --demo bookinfo-ambient"),
            ["meshgraph", "explain", "--", "--demo", "bookinfo-ambient"]
        );
    }
}
