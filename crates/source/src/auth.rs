//! Credentials for one server.

use reqwest::RequestBuilder;

/// How to authenticate. `Debug` never shows the secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer <token>`; the caller reads the token from a file
    /// or the environment.
    Bearer(String),
    /// HTTP basic auth. Credentials in the URL (`http://user:pass@host`) are
    /// used as basic auth when `auth` is `None` (see
    /// [`Endpoint::new`](crate::Endpoint::new)), and never shown.
    Basic { user: String, password: String },
}

impl Auth {
    /// The secret part (token or password), to scrub from server text.
    pub fn secret(&self) -> Option<&str> {
        match self {
            Auth::None => None,
            Auth::Bearer(token) => Some(token),
            Auth::Basic { password, .. } => Some(password),
        }
    }

    /// Adds the `Authorization` header (marked sensitive) to a request.
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
        }
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
            Auth::Basic { user, .. } => write!(f, "Basic {{ user: {user:?}, password: *** }}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let basic = Auth::Basic {
            user: "admin".into(),
            password: "hunter2".into(),
        };
        assert_eq!(
            format!("{basic:?}"),
            r#"Basic { user: "admin", password: *** }"#
        );
        assert_eq!(format!("{:?}", Auth::Bearer("t0ken".into())), "Bearer(***)");
        assert_eq!(basic.secret(), Some("hunter2"));
        assert_eq!(Auth::None.secret(), None);
    }
}
