//! The labels of a series that Istio does not define: scrape-target labels
//! (`app`, `pod`, `namespace`, `job`) and whatever the engine added.

use std::collections::BTreeMap;
use std::fmt;

/// A series' extra labels, sorted by name, each name once.
///
/// A vector rather than a `BTreeMap`: a series holds one or two such labels,
/// and a map's first node costs about 540 bytes, more than the rest of the
/// observation's strings together (a million-series snapshot held 150 MB of
/// such nodes, issue 14). Reads go through [`ExtraLabels::get`] as on a map.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ExtraLabels(Vec<(String, String)>);

impl ExtraLabels {
    pub fn new() -> Self {
        ExtraLabels(Vec::new())
    }

    /// The value of the label `name`.
    pub fn get<Q: AsRef<str> + ?Sized>(&self, name: &Q) -> Option<&String> {
        let name = name.as_ref();
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Sets `name` to `value`, returning the value it replaced. Names given in
    /// ascending order (as a sorted label set gives them) are appended.
    pub fn insert(&mut self, name: String, value: String) -> Option<String> {
        if self.0.last().is_none_or(|(last, _)| *last < name) {
            self.0.push((name, value));
            return None;
        }
        match self.position(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// The labels in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Gives back spare capacity: the labels of an observation are kept for
    /// the whole run.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }
}

impl fmt::Debug for ExtraLabels {
    /// As a map prints: `{"app": "reviews"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl From<BTreeMap<String, String>> for ExtraLabels {
    fn from(map: BTreeMap<String, String>) -> Self {
        // Already sorted and unique.
        ExtraLabels(map.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a ExtraLabels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl serde::Serialize for ExtraLabels {
    /// As a map, in name order.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for ExtraLabels {
    /// From a map; a name given twice keeps its last value, as in a map.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, String>::deserialize(deserializer).map(ExtraLabels::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_like_a_map_in_any_order() {
        let pairs = [
            ("pod", "p-1"),
            ("app", "reviews"),
            ("job", "k8s"),
            ("app", "ratings"),
        ];
        let mut labels = ExtraLabels::new();
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            assert_eq!(
                labels.insert(k.into(), v.into()),
                map.insert(k.to_string(), v.to_string())
            );
        }
        assert_eq!(labels, ExtraLabels::from(map.clone()));
        assert_eq!(labels.get("app").map(String::as_str), Some("ratings"));
        assert_eq!(
            labels.get(&"job".to_string()).map(String::as_str),
            Some("k8s")
        );
        assert_eq!(labels.get("zone"), None);
        assert!(labels.contains_key("pod") && !labels.contains_key("po"));
        let names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["app", "job", "pod"]);
        assert_eq!(format!("{labels:?}"), format!("{map:?}"));
        assert_eq!(
            serde_json::to_string(&labels).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        let back: ExtraLabels = serde_json::from_str(r#"{"b":"2","a":"1","b":"3"}"#).unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>().len(), 2);
        assert_eq!(back.get("b").map(String::as_str), Some("3"));
        assert_eq!(labels.len(), 3);
    }
}
