//! Keeping credentials out of messages: URLs without user-info, and secrets
//! scrubbed from any text quoted from a server.

use reqwest::Url;

/// A URL without user name and password.
pub fn redact_url(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

/// Removes the user-info part of a URL string that did not parse.
pub fn redact_raw(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(i) => (&text[..i + 3], &text[i + 3..]),
        None => ("", text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// A configured URL string without credentials: [`redact_url`] when it
/// parses, [`redact_raw`] otherwise. For `Debug` output of settings.
pub fn redact_url_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact_url(&url),
        Err(_) => redact_raw(text),
    }
}

/// Whitespace collapsed to single spaces, at most `max_chars` characters.
pub fn shorten(text: &str, max_chars: usize) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max_chars)
        .collect()
}

/// Secret values (passwords, tokens, header values) to replace with `***` in
/// server-provided text. `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// Shorter values are not kept: scrubbing them would mangle messages and
    /// protects little.
    pub const MIN_LEN: usize = 4;

    /// Adds a value, unless it is shorter than [`Secrets::MIN_LEN`] bytes.
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.len() >= Self::MIN_LEN {
            self.values.push(secret);
        }
    }

    /// `text` with every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.values {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }

    /// A body quoted for a message: whitespace collapsed, at most
    /// `max_chars` characters, scrubbed, in `Debug` quotes; `None` when empty.
    pub fn excerpt(&self, body: &[u8], max_chars: usize) -> Option<String> {
        // Scrub before cutting, so a secret straddling the cut cannot show in part.
        let text = shorten(&self.scrub(&String::from_utf8_lossy(body)), max_chars);
        (!text.is_empty()).then(|| format!("{text:?}"))
    }
}

impl<S: Into<String>> FromIterator<S> for Secrets {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut secrets = Secrets::default();
        for secret in iter {
            secrets.add(secret);
        }
        secrets
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values)", self.values.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_goes_whatever_the_url_looks_like() {
        let v6 = Url::parse("http://admin:pw@[::1]:8428/vm?x=1").unwrap();
        assert_eq!(redact_url(&v6), "http://[::1]:8428/vm?x=1");
        // Only the authority's user-info; an '@' in the path or query stays.
        assert_eq!(redact_raw("a:b@host:x/p@q"), "***@host:x/p@q");
        assert_eq!(redact_raw("https://host:x?to=a@b"), "https://host:x?to=a@b");
        assert_eq!(
            redact_raw("https://t:k@host:x#f@g"),
            "https://***@host:x#f@g"
        );
        assert_eq!(redact_url_str("http://u:p@h/x"), "http://h/x");
        assert_eq!(redact_url_str("http://u:p@[::1"), "http://***@[::1");
    }

    #[test]
    fn secrets_are_scrubbed_and_short_ones_ignored() {
        let secrets: Secrets = ["abc", "s3cret-token"].into_iter().collect();
        assert_eq!(secrets.scrub("abc s3cret-token"), "abc ***");
        assert_eq!(
            secrets
                .excerpt(b"  denied:\n s3cret-token  ", 200)
                .as_deref(),
            Some(r#""denied: ***""#)
        );
        assert_eq!(secrets.excerpt(b" \n ", 200), None);
        assert_eq!(shorten("a  b\tc", 3), "a b");
        assert!(!format!("{secrets:?}").contains("s3cret"));
    }
}

#[cfg(test)]
mod excerpt_tests {
    use super::Secrets;

    #[test]
    fn a_secret_across_the_cut_does_not_show_in_part() {
        let secrets: Secrets = ["hunter2-long-secret"].into_iter().collect();
        let body = format!("{}hunter2-long-secret and more", "x".repeat(10));
        let excerpt = secrets.excerpt(body.as_bytes(), 16).unwrap();
        assert!(!excerpt.contains("hunt"), "{excerpt}");
    }
}
