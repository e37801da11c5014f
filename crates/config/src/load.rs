//! Reading manifests: files, directories, stdin; multi-document YAML, JSON and
//! `kind: List` dumps. Parsing never fails as a whole: a bad document becomes a
//! warning with its file and line and the rest is still read.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeSeed;
use serde_json::Value;

use crate::error::{ConfigError, ConfigWarning};
use crate::object::{Object, Source};
use crate::stream::DocumentSeed;

/// How manifests are read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Namespace given to namespaced objects that have none (like `kubectl apply -n`).
    pub default_namespace: Option<String>,
}

/// The largest manifest file (or standard input) read: 256 MiB.
pub const MANIFEST_MAX_BYTES: u64 = 256 * 1024 * 1024;

fn too_large() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "larger than the {} MiB a manifest file may hold",
            MANIFEST_MAX_BYTES / (1024 * 1024)
        ),
    )
}

/// At most [`MANIFEST_MAX_BYTES`] of UTF-8 text from `reader`; `size` is
/// what it is expected to hold (a file's length), so that the text is
/// allocated once rather than grown by doubling.
fn read_capped(reader: impl std::io::Read, size: u64) -> std::io::Result<String> {
    let mut text = String::new();
    text.try_reserve_exact(size.min(MANIFEST_MAX_BYTES) as usize + 1)
        .map_err(std::io::Error::other)?;
    reader
        .take(MANIFEST_MAX_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MANIFEST_MAX_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

/// A manifest file under [`MANIFEST_MAX_BYTES`] (a regular file's size is
/// checked before anything is read).
fn read_manifest(path: &Path) -> std::io::Result<String> {
    read_opened(std::fs::File::open(path)?)
}

/// A file found by walking a folder: only a regular file is read. The walk
/// checked its type, but it may have been replaced since; the open does not
/// wait for a writer if a FIFO took its place, and the opened file's own
/// type is checked again.
fn read_walked_manifest(path: &Path) -> std::io::Result<String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, socket or device); skipped",
        ));
    }
    read_opened(file)
}

fn read_opened(file: std::fs::File) -> std::io::Result<String> {
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > MANIFEST_MAX_BYTES {
        return Err(too_large());
    }
    let size = if meta.is_file() { meta.len() } else { 0 };
    read_capped(file, size)
}

/// Collects objects and warnings while reading.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub objects: Vec<Object>,
    pub warnings: Vec<ConfigWarning>,
    /// Unknown kinds: count and first location.
    unknown: BTreeMap<String, (usize, String)>,
    default_namespace: Option<String>,
}

/// How far a [`Reader`] had got, to take back what a document added when it
/// turns out malformed (or a map with `items` turns out not to be a list).
pub(crate) struct Mark {
    objects: usize,
    warnings: usize,
    unknown: BTreeMap<String, (usize, String)>,
}

impl Reader {
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            objects: self.objects.len(),
            warnings: self.warnings.len(),
            unknown: self.unknown.clone(),
        }
    }

    pub(crate) fn rollback(&mut self, mark: Mark) {
        self.objects.truncate(mark.objects);
        self.warnings.truncate(mark.warnings);
        self.unknown = mark.unknown;
    }

    pub fn new(options: &LoadOptions) -> Reader {
        Reader {
            default_namespace: options.default_namespace.clone(),
            ..Reader::default()
        }
    }

    pub fn finish(mut self) -> (Vec<Object>, Vec<ConfigWarning>) {
        for (kind, (count, first)) in std::mem::take(&mut self.unknown) {
            self.warnings
                .push(ConfigWarning::UnknownKind { kind, count, first });
        }
        (self.objects, self.warnings)
    }

    /// Reads a path: `-` is stdin, a directory is walked for `.yaml`, `.yml`, `.json`.
    pub fn read_path(&mut self, path: &Path) -> Result<(), ConfigError> {
        if path.as_os_str() == "-" {
            let text = read_capped(std::io::stdin().lock(), 0).map_err(ConfigError::Stdin)?;
            self.read_text(&text, "-");
            return Ok(());
        }
        let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files, &mut self.warnings);
            files.sort();
            for file in files {
                match read_walked_manifest(&file) {
                    Ok(text) => self.read_text(&text, &file.display().to_string()),
                    Err(e) => self.warnings.push(ConfigWarning::Unreadable {
                        file: file.display().to_string(),
                        message: e.to_string(),
                    }),
                }
            }
            return Ok(());
        }
        let text = read_manifest(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.read_text(&text, &path.display().to_string());
        Ok(())
    }

    /// Reads the text of one file (YAML, possibly several documents, or JSON).
    /// Each document is streamed into the reader ([`DocumentSeed`]); one that
    /// turns out malformed is taken back whole and becomes a warning.
    pub fn read_text(&mut self, text: &str, file: &str) {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let line = text[..text.len() - trimmed.len()].matches('\n').count() + 1;
            let before = self.mark();
            let mut json = serde_json::Deserializer::from_str(trimmed);
            let read = DocumentSeed {
                reader: self,
                file,
                line: Some(line),
                span_base: None,
            }
            .deserialize(&mut json)
            .and_then(|()| json.end());
            match read {
                Ok(()) => return,
                // JSON is YAML too (flow style); fall through so YAML gets a chance.
                Err(e) if file.ends_with(".json") => {
                    self.rollback(before);
                    self.warnings.push(ConfigWarning::Malformed {
                        file: file.to_string(),
                        line: Some(e.line()),
                        message: e.to_string(),
                    });
                    return;
                }
                Err(_) => self.rollback(before),
            }
        }
        for doc in split_documents(text) {
            if doc.text.trim().is_empty() || doc.first_content_line.is_none() {
                continue;
            }
            let before = self.mark();
            let read = serde_saphyr::with_deserializer_from_str_with_options(
                &doc.text,
                yaml_options(doc.text.len()),
                |yaml| {
                    DocumentSeed {
                        reader: self,
                        file,
                        line: doc.first_content_line,
                        span_base: Some(doc.start_line),
                    }
                    .deserialize(yaml)
                },
            );
            if let Err(e) = read {
                self.rollback(before);
                let line = e
                    .location()
                    .map(|l| doc.start_line + (l.line() as usize).saturating_sub(1))
                    .or(doc.first_content_line);
                self.warnings.push(ConfigWarning::Malformed {
                    file: file.to_string(),
                    line,
                    message: one_line(&e.to_string()),
                });
            }
        }
    }

    /// Adds one object (from a file or from memory).
    pub fn add_object(&mut self, value: Value, file: &str, line: Option<usize>) {
        let source = Source {
            file: file.to_string(),
            line,
        };
        let Some(kind) = value.get("kind").and_then(Value::as_str) else {
            self.warnings.push(ConfigWarning::Incomplete {
                file: file.to_string(),
                line,
                message: "no kind".into(),
            });
            return;
        };
        let Some(mut object) = Object::from_value(&value, Some(source.clone())) else {
            let entry = self
                .unknown
                .entry(kind.to_string())
                .or_insert((0, source.to_string()));
            entry.0 += 1;
            return;
        };
        if object.metadata.name.is_empty() {
            self.warnings.push(ConfigWarning::Incomplete {
                file: file.to_string(),
                line,
                message: format!("{} without metadata.name", object.kind),
            });
            return;
        }
        if object.kind.is_namespaced() && object.metadata.namespace.is_none() {
            object.metadata.namespace = self.default_namespace.clone();
        }
        if !object.kind.is_namespaced() {
            object.metadata.namespace = None;
        }
        self.objects.push(object);
    }
}

/// Parser limits for a YAML document of `len` bytes. serde_saphyr's
/// defaults (250,000 nodes, 1,000,000 events, 64 MiB of scalars per document)
/// stop a `kubectl get -A -o yaml` dump of a few MB, which is one document.
/// They guard against input that expands (aliases), so they grow with the
/// document rather than go: every node takes at least two bytes of text, and
/// the alias limits stay as they are.
fn yaml_options(len: usize) -> serde_saphyr::Options {
    let defaults = serde_saphyr::Budget::default();
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: defaults.max_nodes + len / 2,
            max_events: defaults.max_events + len,
            max_total_scalar_bytes: defaults.max_total_scalar_bytes + len,
        },
    }
}

/// The first line of a (possibly multi-line, snippet-rendered) parser
/// message, without its document-relative `line N column M` (the warning
/// carries the line in the file).
fn one_line(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, rest)) if position.contains("column") => rest.to_string(),
        _ => line.to_string(),
    }
}

/// Collects the manifest files under `dir`, following links but entering
/// each directory and taking each file once (a link to `..` or a loop of
/// links ends there), and skipping, with a warning, what is not a regular
/// file (a FIFO would block the run, a device never ends).
fn walk(dir: &Path, files: &mut Vec<PathBuf>, warnings: &mut Vec<ConfigWarning>) {
    let mut seen = std::collections::HashSet::new();
    if let Ok(real) = std::fs::canonicalize(dir) {
        seen.insert(real);
    }
    walk_in(dir, files, warnings, &mut seen);
}

fn walk_in(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    warnings: &mut Vec<ConfigWarning>,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            warnings.push(ConfigWarning::Unreadable {
                file: dir.display().to_string(),
                message: e.to_string(),
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let manifest = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) => {
                if manifest || path.is_symlink() {
                    warnings.push(ConfigWarning::Unreadable {
                        file: path.display().to_string(),
                        message: if e.raw_os_error() == Some(40) {
                            "a loop of symbolic links; skipped".into()
                        } else {
                            e.to_string()
                        },
                    });
                }
                continue;
            }
        };
        if !meta.is_dir() && !manifest {
            continue;
        }
        let Ok(real) = std::fs::canonicalize(&path) else {
            continue;
        };
        if !seen.insert(real) {
            // Already walked or read: a link back up, a loop, a second link.
            continue;
        }
        if meta.is_dir() {
            walk_in(&path, files, warnings, seen);
        } else if meta.is_file() {
            files.push(path);
        } else {
            warnings.push(ConfigWarning::Unreadable {
                file: path.display().to_string(),
                message: "not a regular file (a FIFO, socket or device); skipped".into(),
            });
        }
    }
}

/// One YAML document of a stream, with where it starts.
#[derive(Debug)]
struct Document<'a> {
    /// A slice of the file, but for a document that starts on its `---`
    /// line (`--- value`), whose first line is rewritten.
    text: Cow<'a, str>,
    /// 1-based line of the document's first line in the file.
    start_line: usize,
    /// 1-based line of the first line that is neither blank nor a comment.
    first_content_line: Option<usize>,
}

/// Splits a YAML stream at `---` and `...` lines, keeping line numbers, so one
/// bad document does not hide the others. The documents borrow the text.
fn split_documents(text: &str) -> Vec<Document<'_>> {
    let mut docs = Vec::new();
    // The current document: where its text starts, its lines, and its
    // rewritten first line when it starts on the marker line.
    let mut start = 0;
    let mut current = Document {
        text: Cow::Borrowed(""),
        start_line: 1,
        first_content_line: None,
    };
    let mut first: Option<String> = None;
    let text_of = |first: Option<String>, body| match first {
        Some(line) => Cow::Owned(line + body),
        None => Cow::Borrowed(body),
    };
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let number = i + 1;
        let line_start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let is_start = line == "---"
            || line.starts_with("--- ")
            || line.starts_with("---\t")
            || line.starts_with("---#");
        let is_end = line == "..." || line.starts_with("... ");
        if is_start || is_end {
            current.text = text_of(first.take(), &text[start..line_start]);
            docs.push(std::mem::replace(
                &mut current,
                Document {
                    text: Cow::Borrowed(""),
                    start_line: number + 1,
                    first_content_line: None,
                },
            ));
            start = offset;
            // `--- value` starts the next document on the marker line.
            let rest = line.get(3..).unwrap_or("").trim();
            if is_start && !rest.is_empty() && !rest.starts_with('#') {
                current.start_line = number;
                current.first_content_line = Some(number);
                first = Some(format!("   {}\n", &line[3..]));
            }
            continue;
        }
        let content = line.trim();
        if current.first_content_line.is_none()
            && !content.is_empty()
            && !content.starts_with('#')
            && !content.starts_with('%')
        {
            current.first_content_line = Some(number);
        }
    }
    current.text = text_of(first, &text[start..]);
    docs.push(current);
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Object>, Vec<ConfigWarning>) {
        let mut reader = Reader::new(&LoadOptions::default());
        reader.read_text(text, "test.yaml");
        reader.finish()
    }

    /// A walked file that became a FIFO after the walk looked at it is
    /// refused, not waited on: no writer ever comes, so a blocking open
    /// would never return (a regression hangs this test).
    #[cfg(unix)]
    #[test]
    fn a_walked_file_swapped_for_a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("swapped.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let err = read_walked_manifest(&path).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn folder_walks_survive_loops_links_to_parents_and_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(
            root.join("sub/ns.yaml"),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
        )
        .unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink("loop2.yaml", root.join("loop1.yaml")).unwrap();
        std::os::unix::fs::symlink("loop1.yaml", root.join("loop2.yaml")).unwrap();
        std::os::unix::fs::symlink("sub/ns.yaml", root.join("again.yaml")).unwrap();
        let fifo = root.join("pipe.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let mut reader = Reader::default();
        reader.read_path(&root).unwrap();
        let (objects, warnings) = reader.finish();
        assert_eq!(objects.len(), 1, "read once: {objects:?}");
        let text = format!("{warnings:?}");
        assert!(
            text.contains("pipe.yaml") && text.contains("FIFO"),
            "{text}"
        );
        assert!(text.contains("loop1.yaml"), "{text}");
    }

    #[test]
    fn a_bad_document_is_reported_with_its_line_and_the_rest_is_read() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: Pod\nmetadata: [\n---\n# comment\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";
        let (objects, warnings) = read(text);
        let names: Vec<&str> = objects.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(objects[1].source.as_ref().unwrap().line, Some(10));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        match &warnings[0] {
            ConfigWarning::Malformed { line, .. } => {
                assert!(matches!(line, Some(6..=8)), "line {line:?}")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn lists_are_expanded_with_item_lines() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p1\n    namespace: a\n- apiVersion: policy/v1\n  kind: PodDisruptionBudget\n  metadata:\n    name: c\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p2\n    namespace: a\n";
        let (objects, warnings) = read(text);
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].source.as_ref().unwrap().line, Some(4));
        assert_eq!(objects[1].source.as_ref().unwrap().line, Some(13));
        assert!(
            matches!(&warnings[..], [ConfigWarning::UnknownKind { kind, count: 1, .. }] if kind == "PodDisruptionBudget")
        );
    }

    #[test]
    fn list_items_keep_only_what_is_read() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    annotations:\n      kubectl.kubernetes.io/last-applied-configuration: |\n        {\"kind\":\"Pod\",\"s3cret\":1}\n      keep: me\n    managedFields:\n    - manager: kubectl\n      fieldsV1: {\"f:spec\": {}}\n    name: p\n    namespace: a\n    uid: 1234\n  spec:\n    containers:\n    - name: app\n      image: app:1\n      env:\n      - name: X\n        value: z\n      volumeMounts:\n      - name: v\n        mountPath: /v\n      resources: {requests: {cpu: 1}}\n    hostNetwork: true\n    volumes:\n    - name: v\n      emptyDir: {}\n  status:\n    conditions:\n    - type: Ready\n      status: \"True\"\n    podIP: 10.0.0.1\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s, namespace: a}\n  data: {password: czNjcmV0}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
        let (objects, warnings) = read(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(objects.len(), 2);
        let pod = &objects[0];
        assert_eq!(pod.source.as_ref().unwrap().line, Some(3));
        assert_eq!(objects[1].source.as_ref().unwrap().line, Some(36));
        assert_eq!(pod.annotation("keep"), Some("me"));
        assert_eq!(pod.annotation(crate::object::LAST_APPLIED), None);
        assert_eq!(
            pod.spec,
            serde_json::json!({"containers": [{"name": "app", "image": "app:1",
                "env": [{"name": "X", "value": "z"}]}], "hostNetwork": true})
        );
        assert_eq!(
            pod.status,
            Some(serde_json::json!({"conditions": [{"type": "Ready", "status": "True"}]}))
        );
        assert_eq!(pod.conditions().len(), 1);
        let all = format!("{objects:?}");
        assert!(
            !all.contains("s3cret") && !all.contains("czNjcmV0"),
            "{all}"
        );
        assert_eq!(objects[1].spec["keys"], serde_json::json!(["password"]));
    }

    #[test]
    fn workload_templates_are_pruned_like_pods() {
        let text = r#"{"apiVersion": "v1", "items": [{"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "a"},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "d"}},
                "spec": {"containers": [{"name": "c", "readinessProbe": {"httpGet": {"port": 1}}}],
                    "serviceAccountName": "d", "tolerations": [{"key": "k"}]}}}},
            {"kind": "Namespace", "metadata": {"name": "a"}}], "kind": "List"}"#;
        let (objects, warnings) = read(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(objects.len(), 2);
        // JSON has no spans: every item has the document's line.
        assert_eq!(objects[1].source.as_ref().unwrap().line, Some(1));
        assert_eq!(
            objects[0].spec,
            serde_json::json!({"replicas": 2, "template": {"metadata": {"labels": {"app": "d"}},
                "spec": {"containers": [{"name": "c"}], "serviceAccountName": "d"}}})
        );
        assert_eq!(
            objects[0].pod_template().unwrap().labels["app"],
            "d".to_string()
        );
    }

    #[test]
    fn an_object_with_items_that_is_not_a_list_is_one_object() {
        let text = "apiVersion: v1\nitems:\n- kind: Namespace\n  metadata: {name: x}\nkind: Namespace\nmetadata:\n  name: outer\n";
        let (objects, warnings) = read(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        let names: Vec<&str> = objects.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["outer"]);
    }

    #[test]
    fn a_list_broken_after_some_items_adds_none_of_them() {
        let text = "kind: Namespace\nmetadata: {name: before}\n---\napiVersion: v1\nitems:\n- kind: Namespace\n  metadata: {name: a}\n- kind: Namespace\n  metadata: {name: [b\nkind: List\n---\nkind: Namespace\nmetadata: {name: after}\n";
        let (objects, warnings) = read(text);
        let names: Vec<&str> = objects.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["before", "after"]);
        assert!(
            matches!(
                &warnings[..],
                [ConfigWarning::Malformed {
                    line: Some(4..=11),
                    ..
                }]
            ),
            "{warnings:?}"
        );
    }

    #[test]
    fn flow_yaml_that_starts_as_json_is_read_once() {
        // The first element is JSON; the second is only YAML.
        let text = r#"[{"kind": "Namespace", "metadata": {"name": "a"}}, {kind: Namespace, metadata: {name: b}}]"#;
        let (objects, warnings) = read(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        let names: Vec<&str> = objects.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["a", "b"]);
        // In a .json file it is malformed, and nothing of it is used.
        let mut reader = Reader::new(&LoadOptions::default());
        reader.read_text(text, "f.json");
        let (objects, warnings) = reader.finish();
        assert!(objects.is_empty(), "{objects:?}");
        assert!(
            matches!(&warnings[..], [ConfigWarning::Malformed { .. }]),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_list_larger_than_the_parser_default_budget_is_read() {
        // serde_saphyr stops a document at 250,000 nodes by default; a
        // `kubectl get -A -o yaml` dump of a few MB is one document.
        let mut text = String::from("apiVersion: v1\nitems:\n");
        let count = 60_000;
        for i in 0..count {
            text.push_str(&format!(
                "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns-{i}\n"
            ));
        }
        text.push_str("kind: List\n");
        let (objects, warnings) = read(&text);
        assert!(warnings.is_empty(), "{:?}", &warnings[..1]);
        assert_eq!(objects.len(), count);
        assert_eq!(
            objects[count - 1].source.as_ref().unwrap().line,
            Some(3 + 4 * (count - 1))
        );
    }

    #[test]
    fn crlf_and_marker_line_documents_keep_their_lines() {
        let text = "kind: Namespace\r\nmetadata:\r\n  name: a\r\n---\r\n\r\nkind: Namespace\r\nmetadata:\r\n  name: b\r\n--- {kind: Namespace, metadata: {name: c}}\n";
        let (objects, warnings) = read(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        let found: Vec<(&str, Option<usize>)> = objects
            .iter()
            .map(|o| (o.name(), o.source.as_ref().unwrap().line))
            .collect();
        assert_eq!(found, [("a", Some(1)), ("b", Some(6)), ("c", Some(9))]);
    }

    #[test]
    fn json_files_are_read() {
        let (objects, warnings) =
            read(r#"{"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "x"}}"#);
        assert_eq!(objects.len(), 1);
        assert!(warnings.is_empty());
    }

    #[test]
    fn default_namespace_fills_missing_ones() {
        let mut reader = Reader::new(&LoadOptions {
            default_namespace: Some("bookinfo".into()),
        });
        reader.read_text(
            "kind: Service\nmetadata:\n  name: s\n---\nkind: Namespace\nmetadata:\n  name: n\n",
            "f",
        );
        let (objects, _) = reader.finish();
        assert_eq!(objects[0].namespace(), Some("bookinfo"));
        assert_eq!(objects[1].namespace(), None);
    }
}
