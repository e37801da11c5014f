//! The seeded random mesh generator, shared by the property tests of
//! crates/core (tests/random_scenarios.rs) and crates/kiali
//! (tests/scenarios.rs, through `#[path]`): data-plane mode per namespace,
//! waypoints on or off, gateways with or without waypoint opt-in, random
//! calls and Istio versions, as scenario TOML.

use std::fmt::Write;

/// xorshift64*: small, deterministic, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

pub fn random_scenario(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let version = ["1.21.0", "1.23.0", "1.24.1", "1.26.0", "1.28.0"][rng.below(5)];
    let mut t = format!("name = \"random-{seed}\"\nistio_version = \"{version}\"\n");
    let namespaces = 1 + rng.below(3);
    let mut services: Vec<(String, String)> = Vec::new();
    let mut clients: Vec<String> =
        vec!["unknown".into(), "istio-system/istio-ingressgateway".into()];
    let mut waypoints = String::new();
    let mut workloads = String::new();
    let _ = write!(
        t,
        "\n[[namespaces]]\nname = \"istio-system\"\nmode = \"none\"\n"
    );
    for n in 0..namespaces {
        let ns = format!("ns{n}");
        let mode = ["sidecar", "ambient", "none"][rng.below(3)];
        let _ = write!(t, "\n[[namespaces]]\nname = \"{ns}\"\nmode = \"{mode}\"\n");
        if mode == "ambient" && rng.chance(60) {
            let _ = writeln!(t, "use_waypoint = \"waypoint\"");
            let _ = write!(
                waypoints,
                "\n[[waypoints]]\nnamespace = \"{ns}\"\nname = \"waypoint\"\n"
            );
        }
        for a in 0..1 + rng.below(3) {
            let app = format!("app{a}");
            let ingress = rng.chance(50);
            for v in 1..=1 + rng.below(2) {
                let name = format!("{app}-v{v}");
                let _ = write!(
                    workloads,
                    "\n[[workloads]]\nnamespace = \"{ns}\"\nname = \"{name}\"\napp = \"{app}\"\nversion = \"v{v}\"\nservice = \"{app}\"\nservice_account = \"{app}\"\ningress_use_waypoint = {ingress}\n"
                );
                if rng.chance(15) && mode == "sidecar" {
                    let _ = writeln!(workloads, "sidecar = false");
                }
                clients.push(format!("{ns}/{name}"));
            }
            services.push((ns.clone(), app));
        }
    }
    let _ = write!(
        t,
        "\n[[gateways]]\nnamespace = \"istio-system\"\nname = \"ingress\"\n"
    );
    t.push_str(&waypoints);
    t.push_str(&workloads);
    random_calls(&mut rng, &mut t, &clients, &services);
    t
}

/// Two to nine calls between random clients and services: no self-calls
/// (`ns/app-` or `cluster/ns/app-` calling `ns/app`), one call per pair.
fn random_calls(rng: &mut Rng, t: &mut String, clients: &[String], services: &[(String, String)]) {
    let mut pairs = std::collections::BTreeSet::new();
    for _ in 0..2 + rng.below(8) {
        let from = clients[rng.below(clients.len())].clone();
        let (ns, svc) = services[rng.below(services.len())].clone();
        let own = format!("{ns}/{svc}-");
        let own = from.starts_with(&own)
            || from
                .split_once('/')
                .is_some_and(|(_, rest)| rest.starts_with(&own));
        if own || !pairs.insert((from.clone(), ns.clone(), svc.clone())) {
            continue;
        }
        let protocol = ["http", "http", "grpc", "tcp"][rng.below(4)];
        let rps = 0.5 + rng.below(40) as f64 / 4.0;
        let error_ratio = if rng.chance(30) {
            rng.below(30) as f64 / 100.0
        } else {
            0.0
        };
        let _ = write!(
            t,
            "\n[[calls]]\nfrom = \"{from}\"\nto = \"{ns}/{svc}\"\nprotocol = \"{protocol}\"\nrps = {rps}\nerror_ratio = {error_ratio}\n"
        );
    }
}

/// A random multi-cluster mesh: two or three clusters on one or several
/// networks, sidecar or unmeshed namespaces (the kit does not model ambient
/// across networks), workloads placed in random clusters, some with the same
/// name in two clusters, cluster-qualified callers, with or without a
/// federation scrape label.
#[allow(dead_code)] // the Kiali property test uses only `random_scenario`
pub fn random_multicluster_scenario(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03) | 1);
    let clusters: Vec<String> = (0..2 + rng.below(2)).map(|c| format!("c{c}")).collect();
    let mut t = format!("name = \"random-mc-{seed}\"\n");
    if rng.chance(50) {
        t.push_str("federation_label = \"cluster\"\n");
    }
    let shared_network = rng.chance(30);
    for (i, c) in clusters.iter().enumerate() {
        // One network for all, or one per cluster: with clusters sharing a
        // network beside one that does not, nothing in the telemetry says
        // which callers used a gateway (docs/multicluster.md, "Limits").
        let network = if shared_network {
            "net".to_string()
        } else {
            format!("net{i}")
        };
        let _ = write!(
            t,
            "\n[[clusters]]\nname = \"{c}\"\nnetwork = \"{network}\"\n"
        );
    }
    let _ = write!(
        t,
        "\n[[namespaces]]\nname = \"istio-system\"\nmode = \"none\"\n"
    );
    let gateway_cluster = &clusters[rng.below(clusters.len())];
    let _ = write!(
        t,
        "\n[[gateways]]\nnamespace = \"istio-system\"\nname = \"ingress\"\ncluster = \"{gateway_cluster}\"\n"
    );
    let mut clients: Vec<String> = vec![
        "unknown".into(),
        format!("{gateway_cluster}/istio-system/istio-ingressgateway"),
    ];
    let mut services: Vec<(String, String)> = Vec::new();
    for n in 0..1 + rng.below(2) {
        let ns = format!("ns{n}");
        let mode = ["sidecar", "sidecar", "none"][rng.below(3)];
        let _ = write!(t, "\n[[namespaces]]\nname = \"{ns}\"\nmode = \"{mode}\"\n");
        for a in 0..1 + rng.below(3) {
            let app = format!("app{a}");
            for v in 1..=1 + rng.below(2) {
                let name = format!("{app}-v{v}");
                // Each version in one cluster, sometimes in two.
                let first = rng.below(clusters.len());
                let mut placed = vec![first];
                if rng.chance(35) {
                    placed.push((first + 1) % clusters.len());
                }
                for c in placed {
                    let cluster = &clusters[c];
                    let _ = write!(
                        t,
                        "\n[[workloads]]\nnamespace = \"{ns}\"\nname = \"{name}\"\napp = \"{app}\"\nversion = \"v{v}\"\nservice = \"{app}\"\nservice_account = \"{app}\"\ncluster = \"{cluster}\"\n"
                    );
                    clients.push(format!("{cluster}/{ns}/{name}"));
                }
            }
            services.push((ns.clone(), app));
        }
    }
    random_calls(&mut rng, &mut t, &clients, &services);
    t
}
