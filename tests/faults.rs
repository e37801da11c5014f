//! Fault injection through the binary: each case is a command line and what
//! must hold (exit code, words in stderr, words never printed).

use std::process::Command;

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    exit: i32,
    says: &'static [&'static str],
    never: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "ambiguous M window",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9",
            "--window",
            "10M",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["--window", "not accepted"],
        never: &[],
    },
    Case {
        name: "window under a second",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9",
            "--window",
            "1ms",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["from 1s to 31d"],
        never: &[],
    },
    Case {
        name: "overflowing --at",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9",
            "--at",
            "18446744073709551616",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["--at", "9999"],
        never: &[],
    },
    Case {
        name: "empty namespace",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9",
            "-n",
            "",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["empty namespace"],
        never: &[],
    },
    Case {
        name: "missing queries dir",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9",
            "--queries-dir",
            "/nonexistent-meshgraph-q",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["--queries-dir", "no such folder"],
        never: &[],
    },
    Case {
        name: "header flag without =",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9",
            "--prometheus-header",
            "Authorization: Bearer s3cret-tok",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["NAME=VALUE", "Authorization"],
        never: &["s3cret-tok", "Bearer"],
    },
    Case {
        name: "URL with an access token in its query",
        args: &[
            "snapshot",
            "--prometheus",
            "http://127.0.0.1:9/?access_token=s3cret-tok",
            "--format",
            "json",
            "-o",
            "-",
        ],
        exit: 2,
        says: &["access_token=***"],
        never: &["s3cret-tok"],
    },
];

#[test]
fn the_fault_matrix_holds() {
    let mut failures = Vec::new();
    for case in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_meshgraph"))
            .args(case.args)
            .env_remove("MESHGRAPH_PROMETHEUS_TOKEN")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let all = format!("{stdout}{stderr}");
        if out.status.code() != Some(case.exit) {
            failures.push(format!(
                "{}: exit {:?}, not {}: {stderr}",
                case.name,
                out.status.code(),
                case.exit
            ));
        }
        for word in case.says {
            if !stderr.contains(word) {
                failures.push(format!("{}: {word:?} not said: {stderr}", case.name));
            }
        }
        for word in case.never {
            if all.contains(word) {
                failures.push(format!("{}: {word:?} leaked: {all}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_on_only_invalid_yaml_is_not_a_clean_bill() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "kind: [\n: :\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshgraph"))
        .arg("check")
        .arg(&bad)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(!stdout.contains("No validation issues found"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing usable was read"));
}

#[test]
fn a_traces_file_that_is_an_array_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    std::fs::write(&file, "[1,2,3]").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshgraph"))
        .args(["snapshot", "--format", "json", "-o", "-", "--traces-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an array"));
}

#[test]
fn check_text_escapes_control_characters_from_names() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vs.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: \"evil\\e[2J\"\n  namespace: default\nspec:\n  hosts: [\"nowhere\"]\n  http:\n  - route:\n    - destination:\n        host: \"missing\\e]0;pwned\\a\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshgraph"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let all = [out.stdout, out.stderr].concat();
    assert!(
        !all.contains(&0x1b) && !all.contains(&0x07),
        "{}",
        String::from_utf8_lossy(&all)
    );
}

#[test]
fn error_lines_escape_control_characters_from_paths_and_values() {
    let dir = tempfile::tempdir().unwrap();
    // A missing file whose name holds an escape sequence, and a format value
    // holding a bell (a usage error): both are quoted back in the error line.
    let missing = dir.path().join("gone\u{1b}[2J.yaml");
    let cases: [Vec<std::ffi::OsString>; 2] = [
        vec!["check".into(), missing.into_os_string()],
        vec![
            "snapshot".into(),
            "--demo".into(),
            "--format".into(),
            "svg\u{7}".into(),
        ],
    ];
    for args in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_meshgraph"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let all = [out.stdout, out.stderr.clone()].concat();
        assert!(
            !all.contains(&0x1b) && !all.contains(&0x07),
            "{args:?}: {}",
            String::from_utf8_lossy(&all)
        );
        // The path is quoted with its escape written out (clap drops the
        // bell from the value it quotes).
        let stderr = String::from_utf8_lossy(&out.stderr);
        if args[0] == "check" {
            assert!(stderr.contains("gone\\u{1b}[2J"), "{args:?}: {stderr}");
        }
    }
}
