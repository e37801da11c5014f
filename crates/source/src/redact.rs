//! Keeping credentials out of messages: URLs without user-info, and secrets
//! scrubbed from any text quoted from a server.

use reqwest::Url;

/// A URL without user name and password.
pub fn redact_url(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    redact_query(clean.as_str())
}

/// Removes the user-info part of a URL string that did not parse.
pub fn redact_raw(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(i) => (&text[..i + 3], &text[i + 3..]),
        None => ("", text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => redact_query(&format!("{scheme}***@{}", &rest[at + 1..])),
        None => redact_query(text),
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
/// server-provided text. Every secret is known in each form it travels in:
/// as given, percent-encoded (a query string, a form body) and, for basic
/// auth, as the base64 of `user:password` that an echoed `Authorization:
/// Basic ...` header shows. `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub struct Secrets {
    /// Longest first, so a secret inside a longer one never leaves a part.
    values: Vec<String>,
}

/// The shortest piece of a secret that is masked where an excerpt was cut
/// through the secret (see [`Secrets::scrub`]).
const MIN_FRAGMENT: usize = 4;

impl Secrets {
    /// Shorter values are not kept: scrubbing them would mangle messages and
    /// protects little.
    pub const MIN_LEN: usize = 4;

    /// Adds a value and its percent-encoded forms, unless it is shorter than
    /// [`Secrets::MIN_LEN`] bytes.
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.len() < Self::MIN_LEN {
            return;
        }
        for form in [
            percent_encode(&secret, false),
            percent_encode(&secret, true),
            percent_encode(&secret, false).to_lowercase_escapes(),
        ] {
            self.push(form);
        }
        self.push(secret);
    }

    /// Adds basic-auth credentials: the password in every form, and the
    /// base64 of `user:password` (what `Authorization: Basic` carries).
    pub fn add_basic(&mut self, user: &str, password: &str) {
        self.add(password);
        if !password.is_empty() {
            self.push(base64(format!("{user}:{password}").as_bytes()));
        }
    }

    /// Adds the value of an `Authorization`-like header: the whole value, the
    /// credentials after the scheme, and for `Basic` the decoded password.
    pub fn add_header_value(&mut self, value: &str) {
        let value = value.trim();
        self.add(value);
        if let Some((scheme, credentials)) = value.split_once(' ') {
            let credentials = credentials.trim();
            self.add(credentials);
            if scheme.eq_ignore_ascii_case("basic")
                && let Some(decoded) = unbase64(credentials)
                && let Some((user, password)) = decoded.split_once(':')
            {
                self.add_basic(user, password);
            }
        }
    }

    /// Adds each value (see [`Secrets::add`]).
    pub fn extend<S: Into<String>>(&mut self, values: impl IntoIterator<Item = S>) {
        for value in values {
            self.add(value);
        }
    }

    fn push(&mut self, value: String) {
        if value.len() >= Self::MIN_LEN && !self.values.contains(&value) {
            self.values.push(value);
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// Whether there is no secret to scrub.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret replaced by `***`. A piece of a secret (at
    /// least 4 characters) where text was cut through it, at the start or
    /// the end of the text or of a quoted part, goes too: text shortened
    /// before it reached here cannot leak half a token.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.values {
            out = out.replace(secret.as_str(), "***");
        }
        for secret in &self.values {
            out = scrub_fragments(&out, secret);
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

/// Where text may have been cut: its ends, and quote marks or an ellipsis.
fn is_cut_boundary(c: Option<char>) -> bool {
    matches!(c, None | Some('"' | '\'' | '`' | '…' | '\\'))
}

/// Masks a prefix of `secret` that ends at a cut, and a suffix that starts
/// at one.
fn scrub_fragments(text: &str, secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= MIN_FRAGMENT {
        return text.to_string();
    }
    let mut out = text.to_string();
    for k in (MIN_FRAGMENT..chars.len()).rev() {
        let prefix: String = chars[..k].iter().collect();
        let suffix: String = chars[chars.len() - k..].iter().collect();
        out = replace_at_cut(&out, &prefix, true);
        out = replace_at_cut(&out, &suffix, false);
    }
    out
}

fn replace_at_cut(text: &str, piece: &str, ends_at_cut: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(piece) {
        let before = if i == 0 {
            out.chars().next_back()
        } else {
            rest[..i].chars().next_back()
        };
        let after = rest[i + piece.len()..].chars().next();
        let at_cut = if ends_at_cut {
            is_cut_boundary(after)
        } else {
            is_cut_boundary(before)
        };
        out.push_str(&rest[..i]);
        out.push_str(if at_cut { "***" } else { piece });
        rest = &rest[i + piece.len()..];
    }
    out.push_str(rest);
    out
}

trait LowercaseEscapes {
    fn to_lowercase_escapes(&self) -> String;
}

impl LowercaseEscapes for String {
    /// `%2F` as `%2f`.
    fn to_lowercase_escapes(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut chars = self.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                for _ in 0..2 {
                    if let Some(h) = chars.next() {
                        out.push(h.to_ascii_lowercase());
                    }
                }
            }
        }
        out
    }
}

/// Percent-encodes everything but unreserved characters; `+` for spaces in
/// form encoding.
fn percent_encode(text: &str, form: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = BASE64.iter().position(|b| *b == c)? as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A URL string with the values of query parameters that look like
/// credentials (`access_token`, `api_key`, `password`, ...) replaced by `***`.
pub fn redact_query(text: &str) -> String {
    let Some(q) = text.find('?') else {
        return text.to_string();
    };
    let (head, query) = text.split_at(q + 1);
    let (query, fragment) = match query.find('#') {
        Some(f) => query.split_at(f),
        None => (query, ""),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !value.is_empty() && is_secret_key(key) => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{head}{}{fragment}", pairs.join("&"))
}

/// Whether a query parameter or header name looks like it carries a credential.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace(['-', '.'], "_");
    [
        "token",
        "key",
        "secret",
        "password",
        "passwd",
        "pwd",
        "auth",
        "sig",
        "signature",
        "credential",
        "session",
        "cookie",
    ]
    .iter()
    .any(|word| key.contains(word))
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
mod form_tests {
    use super::*;

    #[test]
    fn every_form_of_a_secret_is_scrubbed() {
        let mut secrets = Secrets::default();
        secrets.add_basic("admin", "p@ss word/1");
        // base64("admin:p@ss word/1"), as an echoed Authorization header shows it.
        let echoed = format!("Authorization: Basic {}", base64(b"admin:p@ss word/1"));
        assert_eq!(echoed, "Authorization: Basic YWRtaW46cEBzcyB3b3JkLzE=");
        assert_eq!(secrets.scrub(&echoed), "Authorization: Basic ***");
        for form in [
            "p%40ss%20word%2F1",
            "p%40ss+word%2F1",
            "p%40ss%20word%2f1",
            "p@ss word/1",
        ] {
            assert_eq!(secrets.scrub(&format!("x={form}&y")), "x=***&y", "{form}");
        }
        let mut header = Secrets::default();
        header.add_header_value("Basic dXNlcjpodW50ZXIyLXB3");
        assert_eq!(header.scrub("pw hunter2-pw"), "pw ***");
        assert_eq!(
            unbase64("dXNlcjpodW50ZXIyLXB3").as_deref(),
            Some("user:hunter2-pw")
        );
    }

    #[test]
    fn a_secret_cut_before_scrubbing_loses_its_piece() {
        let secrets: Secrets = ["eyJhbGciOiJIUzI1NiJ9.payload.sig"].into_iter().collect();
        assert_eq!(
            secrets.scrub(r#"near "token eyJhbGciOi""#),
            r#"near "token ***""#
        );
        assert_eq!(secrets.scrub("…ayload.sig rest"), "…*** rest");
        assert_eq!(secrets.scrub("eyJh is a word"), "eyJh is a word");
    }

    #[test]
    fn query_credentials_are_hidden() {
        assert_eq!(
            redact_url_str("http://u:p@h/x?access_token=abc&q=up&api-key=k#f"),
            "http://h/x?access_token=***&q=up&api-key=***#f"
        );
        assert_eq!(redact_raw("h:x?token=t0p"), "h:x?token=***");
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
