//! Streaming documents into the [`Reader`]: serde visitors that hand each
//! object of a document to the reader as soon as it is parsed (a `List`'s
//! items one at a time), keeping only the fields [`Object::from_value`]
//! reads. No document is ever held whole as a `serde_json::Value`, and what
//! meshgraph never reads (`metadata.managedFields`, the last-applied
//! annotation, most of `status`) is skipped while parsing rather than built
//! and dropped.
//!
//! The same visitors run over serde_json (JSON files) and serde_saphyr
//! (YAML); with YAML, each item of a `List` is read as a
//! [`serde_saphyr::Spanned`] so that it keeps its own line.
//!
//! [`Object::from_value`]: crate::Object::from_value

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::ConfigWarning;
use crate::load::Reader;
use crate::object::LAST_APPLIED;

/// What is done with the value of a field.
enum Field {
    /// Read as it is.
    Keep,
    /// Consumed unread.
    Skip,
    /// Read as a map of which `Fields` keep only some fields, or as a
    /// sequence of such maps.
    Metadata,
    Annotations,
    Status,
    WorkloadSpec,
    Template,
    PodSpec,
    Containers,
}

impl Field {
    /// The value of the next field of `map`; `None` when it is skipped.
    fn read<'de, A: MapAccess<'de>>(self, map: &mut A) -> Result<Option<Value>, A::Error> {
        Ok(Some(match self {
            Field::Keep => map.next_value()?,
            Field::Skip => {
                map.next_value::<IgnoredAny>()?;
                return Ok(None);
            }
            Field::Metadata => map.next_value::<Pruned<MetadataFields>>()?.0,
            Field::Annotations => map.next_value::<Pruned<AnnotationFields>>()?.0,
            Field::Status => map.next_value::<Pruned<StatusFields>>()?.0,
            Field::WorkloadSpec => map.next_value::<Pruned<WorkloadSpecFields>>()?.0,
            Field::Template => map.next_value::<Pruned<TemplateFields>>()?.0,
            Field::PodSpec => map.next_value::<Pruned<PodSpecFields>>()?.0,
            Field::Containers => map.next_value::<PrunedList<ContainerFields>>()?.0,
        }))
    }
}

/// Which fields of a map are kept, and how.
trait Fields: Default {
    fn field(&self, key: &str) -> Field;

    /// Called with each field kept, in order.
    fn seen(&mut self, _key: &str, _value: &Value) {}
}

/// The top level of an object: what [`crate::Object::from_value`] reads.
#[derive(Default)]
struct ObjectFields {
    /// `kind`, once read (kubectl writes it before `spec`; when it comes
    /// after, `spec` is kept whole).
    kind: Option<String>,
}

impl Fields for ObjectFields {
    fn field(&self, key: &str) -> Field {
        match key {
            "spec" => match self.kind.as_deref() {
                Some("Pod") => Field::PodSpec,
                Some("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
                    Field::WorkloadSpec
                }
                _ => Field::Keep,
            },
            "metadata" => Field::Metadata,
            "status" => Field::Status,
            // `data`, `stringData` and `type` are a ConfigMap's data and a
            // Secret's key names (its values are dropped by `from_value`);
            // `webhooks` are a webhook configuration's.
            "apiVersion" | "kind" | "data" | "stringData" | "type" | "webhooks" => Field::Keep,
            _ => Field::Skip,
        }
    }

    fn seen(&mut self, key: &str, value: &Value) {
        if key == "kind" {
            self.kind = value.as_str().map(str::to_string);
        }
    }
}

/// `metadata`: the fields [`crate::Metadata`] has (not `managedFields`,
/// `uid`, `resourceVersion`...).
#[derive(Default)]
struct MetadataFields;

impl Fields for MetadataFields {
    fn field(&self, key: &str) -> Field {
        match key {
            "name" | "namespace" | "labels" | "ownerReferences" | "creationTimestamp" => {
                Field::Keep
            }
            "annotations" => Field::Annotations,
            _ => Field::Skip,
        }
    }
}

/// `metadata.annotations` without the one `kubectl apply` leaves (the whole
/// object again, Secret values included).
#[derive(Default)]
struct AnnotationFields;

impl Fields for AnnotationFields {
    fn field(&self, key: &str) -> Field {
        if key == LAST_APPLIED {
            Field::Skip
        } else {
            Field::Keep
        }
    }
}

/// `status`: what [`crate::Object::conditions`] and the checks read
/// (`conditions`, a route's `parents`, a Gateway's `listeners`, a
/// ServiceEntry's allocated `addresses`); a Pod's container statuses and
/// addresses are skipped.
#[derive(Default)]
struct StatusFields;

impl Fields for StatusFields {
    fn field(&self, key: &str) -> Field {
        match key {
            "conditions" | "parents" | "listeners" | "addresses" => Field::Keep,
            _ => Field::Skip,
        }
    }
}

/// A workload's `spec`: its pod template's spec is pruned like a Pod's.
#[derive(Default)]
struct WorkloadSpecFields;

impl Fields for WorkloadSpecFields {
    fn field(&self, key: &str) -> Field {
        if key == "template" {
            Field::Template
        } else {
            Field::Keep
        }
    }
}

#[derive(Default)]
struct TemplateFields;

impl Fields for TemplateFields {
    fn field(&self, key: &str) -> Field {
        if key == "spec" {
            Field::PodSpec
        } else {
            Field::Keep
        }
    }
}

/// A pod spec without what no check reads and a dump repeats for every pod:
/// volumes and their mounts, scheduling (tolerations, affinity, topology
/// spread), resources, probes and lifecycle hooks. Everything else is kept,
/// fields of newer Kubernetes versions included.
#[derive(Default)]
struct PodSpecFields;

impl Fields for PodSpecFields {
    fn field(&self, key: &str) -> Field {
        match key {
            "volumes" | "tolerations" | "affinity" | "topologySpreadConstraints" => Field::Skip,
            "containers" | "initContainers" | "ephemeralContainers" => Field::Containers,
            _ => Field::Keep,
        }
    }
}

/// A container without its volume mounts, resources, probes and lifecycle
/// hooks (its `env`, `ports`, `image`, `args` and `securityContext` are read).
#[derive(Default)]
struct ContainerFields;

impl Fields for ContainerFields {
    fn field(&self, key: &str) -> Field {
        match key {
            "volumeMounts"
            | "volumeDevices"
            | "resources"
            | "readinessProbe"
            | "livenessProbe"
            | "startupProbe"
            | "lifecycle"
            | "terminationMessagePath"
            | "terminationMessagePolicy" => Field::Skip,
            _ => Field::Keep,
        }
    }
}

/// Reads the fields of `map` that `fields` keeps into `out`, handing each
/// key that is not kept to `other` first (which may consume its value).
fn read_map<'de, A: MapAccess<'de>, F: Fields>(
    map: &mut A,
    fields: &mut F,
    out: &mut Map<String, Value>,
    mut other: impl FnMut(&str, &F, &mut A) -> Result<bool, A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<String>()? {
        if other(&key, fields, map)? {
            continue;
        }
        if let Some(value) = fields.field(&key).read(map)? {
            fields.seen(&key, &value);
            out.insert(key, value);
        }
    }
    Ok(())
}

/// A map with only the fields `F` keeps; anything that is not a map reads
/// as `null` (the readers of these fields treat a non-map as absent).
struct Pruned<F>(Value, PhantomData<F>);

impl<'de, F: Fields> Deserialize<'de> for Pruned<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(PrunedVisitor::<F>(PhantomData))
            .map(|v| Pruned(v, PhantomData))
    }
}

struct PrunedVisitor<F>(PhantomData<F>);

/// The visitor methods of a value that is not a map or a sequence: `$value`.
macro_rules! scalars {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i128<E>(self, _: i128) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u128<E>(self, _: u128) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_bytes<E>(self, _: &[u8]) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

// The visitors below are driven by `deserialize_any` only: neither
// serde_json nor serde_saphyr calls `visit_some` or `visit_newtype_struct`
// from it (those answer `deserialize_option`/`deserialize_newtype_struct`),
// so they are left to serde's default, an error (a malformed document).
impl<'de, F: Fields> Visitor<'de> for PrunedVisitor<F> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        read_map(&mut map, &mut F::default(), &mut out, |_, _, _| Ok(false))?;
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }

    scalars!(Value::Null);
}

/// A sequence of maps pruned by `F`; anything else reads as it is.
struct PrunedList<F>(Value, PhantomData<F>);

impl<'de, F: Fields> Deserialize<'de> for PrunedList<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = deserializer.deserialize_any(PrunedListVisitor::<F>(PhantomData))?;
        Ok(PrunedList(value, PhantomData))
    }
}

struct PrunedListVisitor<F>(PhantomData<F>);

impl<'de, F: Fields> Visitor<'de> for PrunedListVisitor<F> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Pruned<F>>()? {
            out.push(item.0);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }

    scalars!(Value::Null);
}

/// One document (or an element of a top-level array): an object, a `List`
/// whose items are added one by one, or an array of either.
pub(crate) struct DocumentSeed<'r> {
    pub reader: &'r mut Reader,
    pub file: &'r str,
    /// The line of the document, given to its objects (to a `List`'s items
    /// when their own lines are not known).
    pub line: Option<usize>,
    /// YAML: the file line of the document's first line, to turn the
    /// parser's item spans into file lines. `None`: no spans (JSON, or the
    /// items of a list inside a top-level array).
    pub span_base: Option<usize>,
}

impl DocumentSeed<'_> {
    fn not_an_object(self, found: &str) {
        self.reader.warnings.push(ConfigWarning::Malformed {
            file: self.file.to_string(),
            line: self.line,
            message: format!("expected an object, found {found}"),
        });
    }
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List")
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object, a List or an array of objects")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let before = self.reader.mark();
        let mut object = Map::new();
        let mut fields = ObjectFields::default();
        // Whether `items` was a sequence whose elements were added as objects.
        let mut streamed = false;
        read_map(&mut map, &mut fields, &mut object, |key, fields, map| {
            if key != "items" {
                return Ok(false);
            }
            // kubectl writes `items` before `kind`: the items are added as
            // they come and taken back if `kind` is not a list's.
            let may_be_list = fields.kind.as_deref().is_none_or(is_list_kind);
            if may_be_list && !streamed {
                streamed = map.next_value_seed(ItemsSeed {
                    reader: &mut *self.reader,
                    file: self.file,
                    line: self.line,
                    span_base: self.span_base,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            Ok(true)
        })?;
        let list = object
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(is_list_kind);
        if streamed && list {
            return Ok(());
        }
        if streamed {
            self.reader.rollback(before);
        }
        self.reader
            .add_object(Value::Object(object), self.file, self.line);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(DocumentSeed {
                reader: &mut *self.reader,
                file: self.file,
                line: self.line,
                span_base: None,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.not_an_object("a boolean");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.not_an_object("a number");
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.not_an_object("a number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.not_an_object("a number");
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.not_an_object("a string");
        Ok(())
    }
}

/// A `List`'s `items`: each element is added to the reader as soon as it is
/// parsed. Reads `true` when `items` was a sequence.
struct ItemsSeed<'r> {
    reader: &'r mut Reader,
    file: &'r str,
    line: Option<usize>,
    span_base: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// An item of a `List`: the fields meshgraph reads.
type Item = Pruned<ObjectFields>;

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        loop {
            let (item, line) = match self.span_base {
                Some(base) => match seq.next_element::<serde_saphyr::Spanned<Item>>()? {
                    Some(spanned) => (
                        spanned.value.0,
                        Some(base + (spanned.referenced.line() as usize).saturating_sub(1)),
                    ),
                    None => break,
                },
                None => match seq.next_element::<Item>()? {
                    Some(item) => (item.0, self.line),
                    None => break,
                },
            };
            self.reader.add_object(item, self.file, line);
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    scalars!(false);
}

#[cfg(test)]
mod tests {
    use crate::Object;
    use crate::load::{LoadOptions, Reader};

    fn read(text: &str, file: &str) -> (Vec<Object>, Vec<String>) {
        let mut reader = Reader::new(&LoadOptions::default());
        reader.read_text(text, file);
        let (objects, warnings) = reader.finish();
        (objects, warnings.iter().map(ToString::to_string).collect())
    }

    fn names(objects: &[Object]) -> Vec<&str> {
        objects.iter().map(|o| o.metadata.name.as_str()).collect()
    }

    #[test]
    fn scalar_documents_are_each_a_warning_naming_what_was_found() {
        let (objects, warnings) = read(r#"[true, -1, 1, 1.5, "x", null]"#, "a.json");
        assert!(objects.is_empty());
        let found: Vec<&str> = warnings
            .iter()
            .map(|w| w.rsplit("expected an object, found ").next().unwrap())
            .collect();
        assert_eq!(
            found,
            ["a boolean", "a number", "a number", "a number", "a string"],
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .all(|w| w.starts_with("a.json:1: malformed document skipped")),
            "{warnings:?}"
        );
        let (_, yaml) = read("true\n---\n7\n---\n-7\n---\n0.5\n---\nhello\n", "a.yaml");
        assert_eq!(yaml.len(), 5, "{yaml:?}");
        assert!(yaml[4].ends_with("found a string"), "{yaml:?}");
        assert!(yaml[4].starts_with("a.yaml:9:"), "{yaml:?}");
    }

    #[test]
    fn fields_of_an_unexpected_shape_are_consumed_and_the_object_kept() {
        // `status` and `metadata.annotations` as sequences where maps are
        // pruned, `containers` as a map where a sequence is.
        let pod = r#"{"apiVersion":"v1","kind":"Pod",
            "metadata":{"name":"p","namespace":"n","annotations":[1,2]},
            "spec":{"containers":{"name":"app","image":"x"}},
            "status":[{"phase":"Running"},3]}"#;
        let (objects, warnings) = read(pod, "pod.json");
        assert_eq!(names(&objects), ["p"], "{warnings:?}");
        assert!(
            warnings.iter().all(|w| !w.contains("malformed")),
            "{warnings:?}"
        );
        let (objects, warnings) = read(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: [1, 2]\nspec:\n  containers: {name: app}\nstatus: [1, 2]\n",
            "pod.yaml",
        );
        assert_eq!(names(&objects), ["p"], "{warnings:?}");
    }

    #[test]
    fn a_list_whose_items_are_a_map_is_not_read_as_a_list() {
        for (text, file) in [
            (
                r#"{"apiVersion":"v1","kind":"List","items":{"a":{"b":1}}}"#,
                "l.json",
            ),
            (
                "apiVersion: v1\nkind: List\nitems:\n  a: {b: 1}\n",
                "l.yaml",
            ),
        ] {
            let (objects, warnings) = read(text, file);
            assert!(objects.is_empty(), "{file}");
            assert!(
                warnings.iter().all(|w| !w.contains("malformed")),
                "{file}: {warnings:?}"
            );
        }
    }

    #[test]
    fn list_items_are_read_one_by_one() {
        let list = r#"{"apiVersion":"v1","kind":"List","items":[
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"n"}},
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"b","namespace":"n"}}]}"#;
        let (objects, warnings) = read(list, "l.json");
        assert_eq!(names(&objects), ["a", "b"], "{warnings:?}");
        // `items` before `kind`, as kubectl writes it, and a kind that is
        // not a list's: the items are taken back.
        let (objects, _) = read(
            r#"{"items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}],"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n"}}"#,
            "s.json",
        );
        assert_eq!(names(&objects), ["s"]);
        // JSON allows a key twice: a list's second `items` is not read.
        let (objects, _) = read(
            r#"{"kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"n"}}],
                "items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"b","namespace":"n"}}]}"#,
            "twice.json",
        );
        assert_eq!(names(&objects), ["a"]);
    }
}
