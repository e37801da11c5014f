//! The registry of finding codes, derived from the rule files: each
//! `rules/mgNNN_*.rs` declares its [`Rule`] once, and `rules/mod.rs` lists the
//! modules, which gives the [`Code`] enum and [`RULES`]. Codes are never
//! reused: a retired check keeps its file with [`Status::Removed`], and a code
//! listed in [`RESERVED`] is taken even before its check exists.

use std::fmt;
use std::str::FromStr;

use crate::context::{Context, Findings};
use crate::finding::Severity;
pub use crate::rules::{Code, RULES};

/// How settled a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Behaviour and code are stable.
    Stable,
    /// May change or produce false positives; feedback welcome.
    Preview,
    /// No longer run; the code stays taken.
    Removed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
            Status::Removed => "removed",
        }
    }
}

/// What a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// Kubernetes and Istio objects.
    Config,
    /// Reconciled telemetry (and the configuration when there is some).
    Telemetry,
}

/// The documentation of one check, kept beside its code.
#[derive(Debug)]
pub struct RuleDoc {
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    /// Markdown, usually a fenced YAML block.
    pub example: &'static str,
}

pub(crate) type CheckFn = fn(&Context<'_>, &mut Findings);

/// One check, declared once in its rule file as `pub(crate) const RULE: Rule`.
#[derive(Debug)]
pub struct Rule {
    pub code: Code,
    pub name: &'static str,
    pub severity: Severity,
    pub istio_code: Option<&'static str>,
    pub status: Status,
    /// One line, for listings.
    pub summary: &'static str,
    pub inputs: Inputs,
    pub doc: &'static RuleDoc,
    pub(crate) check: CheckFn,
}

/// Codes that are taken although no check runs for them yet.
pub const RESERVED: &[(&str, &str)] = &[];

/// The registry entry of a code.
pub fn rule(code: Code) -> &'static Rule {
    code.rule()
}

impl Code {
    /// The rule declaring this code.
    pub fn rule(self) -> &'static Rule {
        // `rules!` builds `Code` and `RULES` from one list, in one order.
        RULES[self as usize]
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no finding code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: no such finding code", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl FromStr for Code {
    type Err = UnknownCode;

    /// Parses a code as written (`MG101`; exact case).
    fn from_str(text: &str) -> Result<Code, UnknownCode> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| UnknownCode(text.to_string()))
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The `istioctl analyze` analyzers meshgraph implements (their Go names), each
/// with the MG checks that implement it.
pub const ISTIO_ANALYZERS: &[(&str, &[Code])] = &[
    (
        "authz.AuthorizationPoliciesAnalyzer",
        &[Code::MG403, Code::MG406],
    ),
    ("conditions.ConditionAnalyzer", &[Code::MG405]),
    (
        "destinationrule.PodNotSelectedAnalyzer",
        &[Code::MG203, Code::MG204],
    ),
    ("gateway.ConflictingGatewayAnalyzer", &[Code::MG304]),
    (
        "gateway.IngressGatewayPortAnalyzer",
        &[Code::MG303, Code::MG306],
    ),
    ("destinationrule.CaCertificateAnalyzer", &[Code::MG210]),
    ("deployment.ApplicationUIDAnalyzer", &[Code::MG108]),
    ("serviceentry.ProtocolAddressesAnalyzer", &[Code::MG214]),
    ("envoyfilter.EnvoyPatchAnalyzer", &[Code::MG218]),
    ("injection.ImageAnalyzer", &[Code::MG109]),
    ("webhook.Analyzer", &[Code::MG110]),
    (
        "externalcontrolplane.ExternalControlPlaneAnalyzer",
        &[Code::MG111],
    ),
    ("deployment.ServiceAssociationAnalyzer", &[Code::MG213]),
    (
        "serviceentry.ConflictingServiceEntryProtocolAnalyzer",
        &[Code::MG215],
    ),
    ("authn.BlockedCIDRsAnalyzer", &[Code::MG409]),
    ("gateway.SecretAnalyzer", &[Code::MG307]),
    ("gateway.CertificateAnalyzer", &[Code::MG308]),
    ("k8sgateway.CRDVersionAnalyzer", &[Code::MG310]),
    ("injection.ImageAutoAnalyzer", &[Code::MG112]),
    ("virtualservice.JWTClaimRouteAnalyzer", &[Code::MG410]),
    ("multicluster.MeshNetworksAnalyzer", &[Code::MG219]),
    ("annotations.K8sAnalyzer", &[Code::MG113]),
    ("deprecation.FieldAnalyzer", &[Code::MG220]),
    (
        "schemaValidation.CollectionValidationAnalyzer",
        &[Code::MG211],
    ),
    ("telemetry.SelectorAnalyzer", &[Code::MG403, Code::MG404]),
    ("telemetry.DefaultSelectorAnalyzer", &[Code::MG404]),
    ("telemetry.LightstepAnalyzer", &[Code::MG407]),
    ("telemetry.ProviderAnalyzer", &[Code::MG408]),
    (
        "injection.Analyzer",
        &[Code::MG101, Code::MG103, Code::MG104],
    ),
    ("service.PortNameAnalyzer", &[Code::MG209, Code::MG217]),
    (
        "sidecar.SelectorAnalyzer",
        &[Code::MG403, Code::MG404, Code::MG501],
    ),
    (
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        &[Code::MG206],
    ),
    (
        "virtualservice.DestinationHostAnalyzer",
        &[Code::MG201, Code::MG207, Code::MG216],
    ),
    ("virtualservice.DestinationRuleAnalyzer", &[Code::MG202]),
    (
        "virtualservice.GatewayAnalyzer",
        &[Code::MG301, Code::MG302, Code::MG309],
    ),
];

/// The other istioctl codes a check reports on some findings (its rule's
/// `istio_code` is the usual one).
pub const OTHER_ISTIO_CODES: &[(Code, &str)] = &[
    (Code::MG103, "IST0148"),
    (Code::MG111, "IST0164"),
    (Code::MG112, "IST0147"),
    (Code::MG113, "IST0108, IST0125, IST0135"),
    (Code::MG210, "IST0129"),
    (Code::MG211, "IST0131"),
    (Code::MG213, "IST0137"),
    (Code::MG218, "IST0152-IST0155"),
    (Code::MG307, "IST0161"),
    (Code::MG403, "IST0101"),
    (Code::MG404, "IST0110, IST0111, IST0159, IST0160"),
];

/// Kiali validation codes of the checks that have a Kiali equivalent.
pub const KIALI_CODES: &[(Code, &str)] = &[
    (Code::MG201, "KIA1101"),
    (Code::MG202, "KIA1107"),
    (Code::MG203, "KIA0203"),
    (Code::MG204, "KIA0202"),
    (Code::MG205, "KIA0201"),
    (Code::MG206, "KIA1106"),
    (Code::MG209, "KIA0601"),
    (Code::MG301, "KIA1102"),
    (Code::MG303, "KIA0302"),
    (Code::MG304, "KIA0301"),
    (Code::MG305, "KIA1401, KIA1402"),
    (Code::MG401, "KIA0207, KIA0208, KIA0505, KIA0506"),
    (Code::MG403, "KIA0004"),
    (Code::MG404, "KIA0002, KIA0003"),
    (Code::MG406, "KIA0101"),
    (Code::MG501, "KIA1311, KIA1314-KIA1316"),
    (Code::MG502, "KIA1313"),
    (Code::MG503, "KIA1312"),
    (Code::MG504, "KIA0109, KIA0210, KIA1109, KIA1317"),
];

/// The Kiali codes of a check, when Kiali has an equivalent.
pub fn kiali_codes(code: Code) -> Option<&'static str> {
    KIALI_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, k)| *k)
}

/// Analyzers of istioctl's test grid no MG check implements yet.
pub const ISTIO_ANALYZERS_NOT_IMPLEMENTED: &[&str] = &[];

/// The MG checks that implement one `istioctl analyze` analyzer (its Go name,
/// e.g. `virtualservice.DestinationRuleAnalyzer`), for comparing meshgraph with
/// an istioctl run of that analyzer alone. `None` for analyzers not covered.
pub fn checks_for_istio_analyzer(analyzer: &str) -> Option<&'static [Code]> {
    ISTIO_ANALYZERS
        .iter()
        .find(|(name, _)| *name == analyzer)
        .map(|(_, checks)| *checks)
}

/// The MG checks whose istioctl equivalent is one of `istio_codes` (`IST0101`...).
pub fn checks_for_istio_codes(istio_codes: &[&str]) -> Vec<Code> {
    RULES
        .iter()
        .filter(|r| r.istio_code.is_some_and(|c| istio_codes.contains(&c)))
        .map(|r| r.code)
        .collect()
}

/// Whether a code is known (a rule or reserved), e.g. to validate `--ignore`.
pub fn is_known_code(code: &str) -> bool {
    code.parse::<Code>().is_ok() || RESERVED.iter().any(|(c, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let mut previous = "";
        for r in RULES {
            let code = r.code.as_str();
            assert!(code > previous, "{code} is out of order or duplicated");
            assert!(code.len() == 5 && code.starts_with("MG"), "{code}");
            assert!(
                !RESERVED.iter().any(|(c, _)| *c == code),
                "{code} reserved and used"
            );
            assert!(!r.summary.ends_with('.'), "{code}: no trailing period");
            previous = code;
        }
    }

    #[test]
    fn each_code_names_its_own_rule() {
        assert_eq!(Code::ALL.len(), RULES.len());
        for (i, &code) in Code::ALL.iter().enumerate() {
            assert_eq!(
                RULES[i].code, code,
                "rules/mod.rs pairs {code} with another file's RULE"
            );
            assert_eq!(code.rule().code, code);
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
        }
        assert!("MG000".parse::<Code>().is_err());
        assert!("mg101".parse::<Code>().is_err());
        assert!(!is_known_code("MG999"));
    }

    #[test]
    fn analyzers_map_to_rules_with_their_istio_codes() {
        assert_eq!(checks_for_istio_codes(&["IST0103"]), vec![Code::MG101]);
        assert_eq!(
            checks_for_istio_analyzer("virtualservice.DestinationRuleAnalyzer"),
            Some(&[Code::MG202][..])
        );
        assert_eq!(checks_for_istio_analyzer("no.SuchAnalyzer"), None);
    }
}
