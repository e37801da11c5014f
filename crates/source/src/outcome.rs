//! What every source returns.

/// The result of one source: its data, the warnings about what it could not
/// use (the rest is used), and its one-line summary for stderr.
///
/// `Outcome` dereferences to its data, so `outcome.observations` reads the
/// data's field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome<T> {
    pub data: T,
    /// Partial failures: unreadable parts, failed queries, limits reached.
    pub warnings: Vec<String>,
    /// `prometheus: 10 queries, ...`; `None` when the source has nothing to
    /// say (files read as given).
    pub summary: Option<String>,
}

impl<T> Outcome<T> {
    /// `data` with no warning and no summary.
    pub fn new(data: T) -> Self {
        Outcome {
            data,
            warnings: Vec::new(),
            summary: None,
        }
    }

    /// The same warnings and summary around other data.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        Outcome {
            data: f(self.data),
            warnings: self.warnings,
            summary: self.summary,
        }
    }
}

impl<T> std::ops::Deref for Outcome<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T> std::ops::DerefMut for Outcome<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}
