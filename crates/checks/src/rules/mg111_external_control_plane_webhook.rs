//! MG111 external-control-plane-webhook.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG111,
    name: "external-control-plane-webhook",
    severity: Severity::Warning,
    istio_code: Some("IST0163"),
    status: Status::Stable,
    summary: "Istio webhook of an external control plane has no URL, or an IP address",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An Istio injection or validation webhook configuration (name starting with `istio`) \
with a webhook that calls no in-cluster Service and has no `clientConfig.url` (IST0163), or a \
URL whose host is an IP address (IST0164). Reported once per configuration and problem.",
    why: "With an external control plane, the webhooks are the cluster's only path to istiod: \
without a URL nothing is injected or validated, and an IP address breaks the TLS hostname check \
and any failover.",
    fix: "Set `clientConfig.url` to the external istiod's host name (`https://istiod.example.com:15017/inject/...`).",
    example: "```yaml\nwebhooks:\n- name: rev.validation.istio.io\n  clientConfig:\n    url: https://1.1.1.1:15017/validate   # MG111 (IST0164)\n```",
};

/// The host of a URL, without brackets, port, path or user.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let configs = cx
        .of_kind(Kind::MutatingWebhookConfiguration)
        .chain(cx.of_kind(Kind::ValidatingWebhookConfiguration));
    for config in configs.filter(|c| c.name().starts_with("istio")) {
        let mut missing = None;
        let mut ip = None;
        for (i, hook) in items(&config.spec, "webhooks").enumerate() {
            let client = hook.get("clientConfig");
            if client.and_then(|c| c.get("service")).is_some() {
                continue;
            }
            let name = hook.get("name").and_then(Value::as_str).unwrap_or("");
            match client.and_then(|c| c.get("url")).and_then(Value::as_str) {
                Some(url) if !url.is_empty() => {
                    if ip.is_none() && url_host(url).parse::<std::net::IpAddr>().is_ok() {
                        ip = Some((i, name));
                    }
                }
                _ => {
                    if missing.is_none() {
                        missing = Some((i, name));
                    }
                }
            }
        }
        if let Some((i, name)) = missing {
            out.add(
                Code::MG111,
                config,
                format!("webhook {name} calls neither a Service nor a URL"),
            )
            .at(format!("webhooks[{i}]/clientConfig"));
        }
        if let Some((i, name)) = ip {
            out.add(
                Code::MG111,
                config,
                format!("webhook {name} calls its control plane by IP address, not by host name"),
            )
            .at(format!("webhooks[{i}]/clientConfig/url"))
            .istio_code(Some("IST0164"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_hosts() {
        assert_eq!(super::url_host("https://1.1.1.1:5100/inject"), "1.1.1.1");
        assert_eq!(super::url_host("https://[::1]:443/x"), "::1");
        assert_eq!(super::url_host("https://test.com/validate"), "test.com");
    }
}
