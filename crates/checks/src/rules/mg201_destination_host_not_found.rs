//! MG201 destination-host-not-found.

use meshgraph_config::{Kind, hosts};

use crate::context::{Context, Findings, vs_destinations};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use crate::rules::mg208_two_part_host::two_part_service;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG201,
    name: "destination-host-not-found",
    severity: Severity::Error,
    istio_code: Some("IST0101"),
    status: Status::Stable,
    summary: "VirtualService destination host is no visible Service or ServiceEntry",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService route, mirror or mirrors destination whose host is neither a Service \
nor a ServiceEntry host visible from the VirtualService's namespace. Short names are expanded in \
the VirtualService's namespace; `exportTo` of the Service (annotation \
`networking.istio.io/exportTo`), the ServiceEntry and the VirtualService is honoured; wildcard \
ServiceEntry hosts match by suffix. A route entry without a destination is reported too. A \
two-part host such as `reviews.bookinfo` is left to MG208.",
    why: "Envoy gets a route to a cluster that does not exist and answers 503 (`NR`/`NC`) for \
every request on that route.",
    fix: "Correct the host (a typo, a wrong namespace), create the missing Service or \
ServiceEntry, or export it to the VirtualService's namespace.",
    example: "```yaml\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\n  namespace: bookinfo\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews-bogus   # MG201\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in cx.of_kind(Kind::VirtualService) {
        let ns = vs.effective_namespace();
        let export = vs.export_to();
        for d in vs_destinations(vs) {
            let host = d.host.unwrap_or_default();
            if host.is_empty() {
                out.add(Code::MG201, vs, "route has no destination host")
                    .at(&d.path);
                continue;
            }
            if cx.hosts.lookup(ns, &export, host).is_some() || two_part_service(cx, host).is_some()
            {
                continue;
            }
            out.add(
                Code::MG201,
                vs,
                format!(
                    "destination host {host} is neither a visible Service nor a ServiceEntry host"
                ),
            )
            .at(&d.path)
            .evidence(format!(
                "looked up as {} from namespace {ns}",
                hosts::fqdn(host, ns)
            ));
        }
    }
}
