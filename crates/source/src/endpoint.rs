//! A server's base URL, checked, with its credentials moved out; and the
//! auth, headers and secrets that go with it.

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{Auth, Secrets, redact_raw, redact_url};

/// Why a base URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URL {url:?}: {problem}")]
pub struct UrlError {
    /// The URL as given, without credentials.
    pub url: String,
    pub problem: UrlProblem,
}

/// What is wrong with a base URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// It does not parse (the parser's reason).
    #[error("{0}")]
    Parse(String),
    #[error("only http and https are supported")]
    Scheme,
    #[error("the URL has no host")]
    NoHost,
    #[error("the URL must not have a query string or fragment")]
    QueryOrFragment,
}

/// Credentials found in a URL's user-info.
#[derive(Clone, PartialEq, Eq)]
pub struct UrlCredentials {
    /// Percent-decoded.
    pub user: String,
    /// Percent-decoded; empty when there is none.
    pub password: String,
    /// The password as written in the URL (percent-encoded), if any.
    pub raw_password: Option<String>,
}

impl std::fmt::Debug for UrlCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "UrlCredentials {{ user: {:?}, password: *** }}",
            self.user
        )
    }
}

/// A checked base URL and the credentials taken out of it.
#[derive(Debug, Clone)]
pub struct BaseUrl {
    /// http(s), with a host, no query or fragment, no user-info.
    pub url: Url,
    pub credentials: Option<UrlCredentials>,
}

/// Parses a server's base URL (surrounding whitespace ignored): http or
/// https, with a host, without query string or fragment. User-info is moved
/// to [`BaseUrl::credentials`]; errors show the URL without it.
pub fn parse_base_url(text: &str) -> Result<BaseUrl, UrlError> {
    let mut url = Url::parse(text.trim()).map_err(|e| UrlError {
        url: redact_raw(text),
        problem: UrlProblem::Parse(e.to_string()),
    })?;
    let problem = if !matches!(url.scheme(), "http" | "https") {
        Some(UrlProblem::Scheme)
    } else if url.cannot_be_a_base() || url.host_str().is_none() {
        Some(UrlProblem::NoHost)
    } else if url.query().is_some() || url.fragment().is_some() {
        Some(UrlProblem::QueryOrFragment)
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(UrlError {
            url: redact_url(&url),
            problem,
        });
    }
    let credentials =
        (!url.username().is_empty() || url.password().is_some()).then(|| UrlCredentials {
            user: percent_decode(url.username()),
            password: percent_decode(url.password().unwrap_or_default()),
            raw_password: url.password().map(str::to_string),
        });
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(BaseUrl { url, credentials })
}

/// `base` with `path` (which starts with `/`) appended to its own path.
pub fn join_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url
}

/// Why an [`Endpoint`] cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("{name:?} is not a valid HTTP header name")]
    HeaderName { name: String },
    #[error("the value of header {name} is not a valid header value")]
    HeaderValue { name: String },
}

/// One server as a collector's settings describe it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The base URL, without credentials.
    pub url: Url,
    /// The configured auth, or basic auth from the URL's user-info when none
    /// is configured.
    pub auth: Auth,
    /// The extra headers, values marked sensitive.
    pub headers: HeaderMap,
    /// URL password (decoded and as written), auth secret, header values.
    pub secrets: Secrets,
}

impl Endpoint {
    /// Checks `url` (see [`parse_base_url`]) and `headers` (name, value;
    /// both trimmed). Every header value is treated as a secret.
    pub fn new(
        url: &str,
        auth: &Auth,
        headers: &[(String, String)],
    ) -> Result<Self, EndpointError> {
        let BaseUrl { url, credentials } = parse_base_url(url)?;
        let mut secrets = Secrets::default();
        let mut auth = auth.clone();
        if let Some(credentials) = credentials {
            if auth == Auth::None {
                auth = Auth::Basic {
                    user: credentials.user.clone(),
                    password: credentials.password.clone(),
                };
            }
            secrets.add_basic(&credentials.user, &credentials.password);
            secrets.add(credentials.raw_password.unwrap_or_default());
        }
        match &auth {
            Auth::Basic { user, password } => secrets.add_basic(user, password),
            other => secrets.extend(other.secret()),
        }
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let header = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| EndpointError::HeaderName { name: name.clone() })?;
            let mut v = HeaderValue::from_str(value.trim())
                .map_err(|_| EndpointError::HeaderValue { name: name.clone() })?;
            v.set_sensitive(true);
            map.append(header, v);
            secrets.add_header_value(value);
        }
        Ok(Endpoint {
            url,
            auth,
            headers: map,
            secrets,
        })
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_lose_their_credentials() {
        let base = parse_base_url(" https://u%20s:p%40ss@h:6443/prefix/ ").unwrap();
        assert_eq!(base.url.as_str(), "https://h:6443/prefix/");
        let c = base.credentials.unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("u s", "p@ss"));
        assert_eq!(c.raw_password.as_deref(), Some("p%40ss"));
        assert!(!format!("{c:?}").contains("p@ss"));

        let problem = |text: &str| parse_base_url(text).unwrap_err().problem;
        assert_eq!(problem("ftp://h"), UrlProblem::Scheme);
        assert_eq!(problem("http://h/?q=1"), UrlProblem::QueryOrFragment);
        assert!(matches!(problem("no url"), UrlProblem::Parse(_)));
        let e = parse_base_url("http://a:secret@[::1").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        let e = parse_base_url("ftp://a:secret@h").unwrap_err();
        assert_eq!(e.url, "ftp://h/");
    }

    #[test]
    fn paths_join_under_the_base_path() {
        let base = Url::parse("http://h/jaeger/").unwrap();
        assert_eq!(
            join_path(&base, "/api/services").as_str(),
            "http://h/jaeger/api/services"
        );
    }

    #[test]
    fn endpoints_take_basic_auth_from_the_url_and_collect_secrets() {
        let headers = [(" X-Scope-OrgID ".to_string(), " tenant-1 ".to_string())];
        let e = Endpoint::new("http://u:p%40ss-long@h", &Auth::None, &headers).unwrap();
        assert_eq!(
            e.auth,
            Auth::Basic {
                user: "u".into(),
                password: "p@ss-long".into()
            }
        );
        assert_eq!(e.headers["x-scope-orgid"], "tenant-1");
        assert!(e.headers["x-scope-orgid"].is_sensitive());
        assert_eq!(
            e.secrets.scrub("p@ss-long p%40ss-long tenant-1"),
            "*** *** ***"
        );
        let bearer = Auth::Bearer("token-1234".into());
        let e = Endpoint::new("http://u:pw-long@h", &bearer, &[]).unwrap();
        assert_eq!(e.auth, bearer);
        assert_eq!(e.secrets.scrub("token-1234 pw-long"), "*** ***");

        let bad = |name: &str, value: &str| {
            Endpoint::new("http://h", &Auth::None, &[(name.into(), value.into())])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(bad("a b", "v"), "\"a b\" is not a valid HTTP header name");
        assert_eq!(
            bad("x", "a\nb"),
            "the value of header x is not a valid header value"
        );
    }
}
