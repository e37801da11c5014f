//! Errors (the input cannot be read at all) and warnings (part of it is unusable).

use std::path::PathBuf;

/// Why configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A path given on the command line cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Standard input cannot be read.
    #[error("cannot read standard input: {0}")]
    Stdin(std::io::Error),
}

/// Something in the input meshgraph could not use; the rest was still read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWarning {
    /// A document that is not valid YAML or JSON, or not an object.
    Malformed {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// Objects of a kind meshgraph does not read (counted per kind).
    UnknownKind {
        kind: String,
        count: usize,
        first: String,
    },
    /// An object without `kind` or `metadata.name`.
    Incomplete {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// A file inside a directory that could not be read.
    Unreadable { file: String, message: String },
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |file: &str, line: &Option<usize>| match line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        };
        match self {
            ConfigWarning::Malformed {
                file,
                line,
                message,
            } => write!(
                f,
                "{}: malformed document skipped: {message}",
                at(file, line)
            ),
            ConfigWarning::UnknownKind { kind, count, first } => write!(
                f,
                "{count} object(s) of kind {kind} not checked (first at {first})"
            ),
            ConfigWarning::Incomplete {
                file,
                line,
                message,
            } => write!(f, "{}: object skipped: {message}", at(file, line)),
            ConfigWarning::Unreadable { file, message } => {
                write!(f, "{file}: cannot read: {message}")
            }
        }
    }
}
