//! Istio host names: FQDN expansion and wildcard overlap.

/// The cluster's DNS suffix for services.
pub const CLUSTER_LOCAL: &str = "svc.cluster.local";

/// Expands a short host in `namespace` the way Istio does: a host with a dot
/// or a leading wildcard is used as written, a bare name becomes
/// `name.namespace.svc.cluster.local`.
pub fn fqdn(host: &str, namespace: &str) -> String {
    if host.starts_with('*') || host.contains('.') {
        host.to_string()
    } else {
        format!("{host}.{namespace}.{CLUSTER_LOCAL}")
    }
}

/// The FQDN of a Kubernetes Service.
pub fn service_fqdn(name: &str, namespace: &str) -> String {
    format!("{name}.{namespace}.{CLUSTER_LOCAL}")
}

/// `(name, namespace)` of a cluster-local service FQDN.
pub fn split_service_fqdn(fqdn: &str) -> Option<(&str, &str)> {
    let rest = fqdn.strip_suffix(CLUSTER_LOCAL)?.strip_suffix('.')?;
    let (name, namespace) = rest.split_once('.')?;
    (!name.is_empty() && !namespace.is_empty() && !namespace.contains('.'))
        .then_some((name, namespace))
}

/// Whether two hosts overlap: equal, or one is a wildcard covering the other
/// (`*` covers everything; `*.example.com` covers `a.example.com` and `*.b.example.com`).
pub fn hosts_overlap(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => sa.ends_with(sb) || sb.ends_with(sa),
        (Some(sa), None) => b.ends_with(sa),
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => false,
    }
}

/// Whether a pattern of namespace names (`*`, `prefix-*`, `*-suffix`, exact) matches `name`.
pub fn namespace_pattern_matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return name.ends_with(suffix);
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return name.starts_with(prefix);
    }
    pattern == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_expansion_follows_istio() {
        assert_eq!(
            fqdn("reviews", "bookinfo"),
            "reviews.bookinfo.svc.cluster.local"
        );
        assert_eq!(fqdn("reviews.bookinfo", "x"), "reviews.bookinfo");
        assert_eq!(fqdn("*.example.com", "x"), "*.example.com");
        assert_eq!(
            split_service_fqdn("reviews.bookinfo.svc.cluster.local"),
            Some(("reviews", "bookinfo"))
        );
        assert_eq!(split_service_fqdn("example.com"), None);
    }

    #[test]
    fn wildcards_overlap_by_suffix() {
        assert!(hosts_overlap("*", "a.b"));
        assert!(hosts_overlap("*.eu.example.com", "a.eu.example.com"));
        assert!(hosts_overlap("*.example.com", "*.eu.example.com"));
        assert!(!hosts_overlap("a.example.com", "b.example.com"));
        assert!(namespace_pattern_matches("prod-*", "prod-httpbin"));
        assert!(!namespace_pattern_matches("*-bogus", "httpbin"));
    }
}
