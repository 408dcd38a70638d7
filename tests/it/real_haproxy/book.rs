//! The three Ingress loadbalancers of the book's lab (section 5 of the model), as svc-monitor
//! hands them to the haproxy driver: fixed uuids, VIPs from the top of the pod subnet, members at
//! the Services' clusterIPs on the Ingress servicePort 8888.

use std::net::Ipv4Addr;

use contrail_sim::dataplane::haproxy::Semantics;
use contrail_sim::dataplane::haproxy::config::{
    Backend, Frontend, FrontendPool, LbConfig, Member, PoolRule,
};

/// service-web-clusterip (ingress-ss).
pub const WEB_CLUSTERIP: Ipv4Addr = Ipv4Addr::new(10, 103, 221, 85);
/// webservice-1 (ingress-sf, ingress-vh).
pub const WEBSERVICE_1: Ipv4Addr = Ipv4Addr::new(10, 103, 12, 34);
/// webservice-2 (ingress-sf, ingress-vh).
pub const WEBSERVICE_2: Ipv4Addr = Ipv4Addr::new(10, 103, 56, 78);
pub const SERVICE_PORT: u16 = 8888;

/// Pool uuids (one pool per Ingress backend).
pub const SS_DEFAULT: &str = "7c1f0a4e-2d35-4b8a-9e61-3f0c5a9d2b17";
pub const SF_DEV: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
pub const SF_QA: &str = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
pub const VH_DEFAULT: &str = "4b5c6d7e-8f90-4a1b-b2c3-d4e5f6a7b8c9";
pub const VH_JUNIPER: &str = "6e7f8091-a2b3-4c4d-95e6-f7a8b9c0d1e2";
pub const VH_CISCO: &str = "8a9b0c1d-2e3f-4405-a617-28394a5b6c7d";

/// `(name, config)` of the book's ingresses, in creation order.
pub fn all() -> Vec<(&'static str, LbConfig)> {
    vec![
        ("ingress-ss", ingress_ss()),
        ("ingress-sf", ingress_sf()),
        ("ingress-vh", ingress_vh()),
    ]
}

fn pool(uuid: &str, rule: PoolRule) -> FrontendPool {
    FrontendPool {
        pool_uuid: uuid.into(),
        rule,
        origin: None,
    }
}

fn acl(host: &str, path: &str) -> PoolRule {
    PoolRule::Acl {
        host: Some(host.into()),
        path: Some(path.into()),
    }
}

fn backend(pool_uuid: &str, member_uuid: &str, address: Ipv4Addr) -> Backend {
    Backend {
        pool_uuid: pool_uuid.into(),
        members: vec![Member {
            member_uuid: member_uuid.into(),
            address,
            port: SERVICE_PORT,
            weight: 1,
        }],
    }
}

/// ingress-ss: `spec.backend` only.
pub fn ingress_ss() -> LbConfig {
    LbConfig {
        lb_uuid: "3e5b9c2a-6f1d-4e8b-a7c4-1d2e3f4a5b6c".into(),
        vip: Ipv4Addr::new(10, 47, 255, 252),
        semantics: Semantics::Contrail,
        frontends: vec![Frontend {
            listener_uuid: "d4a7e2b1-9c3f-4a6e-8b5d-2c1f0e9a8b7d".into(),
            port: 80,
            pools: vec![pool(SS_DEFAULT, PoolRule::Default)],
            tls: None,
        }],
        backends: vec![backend(
            SS_DEFAULT,
            "0f2e4d6c-8b1a-4c3e-9d5f-7a6b5c4d3e2f",
            WEB_CLUSTERIP,
        )],
    }
}

/// ingress-sf: www.juniper.net `/dev` → webservice-1, `/qa` → webservice-2, no default.
pub fn ingress_sf() -> LbConfig {
    LbConfig {
        lb_uuid: "5d6e7f80-1a2b-4c3d-9e4f-a0b1c2d3e4f5".into(),
        vip: Ipv4Addr::new(10, 47, 255, 251),
        semantics: Semantics::Contrail,
        frontends: vec![Frontend {
            listener_uuid: "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e".into(),
            port: 80,
            pools: vec![
                pool(SF_DEV, acl("www.juniper.net", "/dev")),
                pool(SF_QA, acl("www.juniper.net", "/qa")),
            ],
            tls: None,
        }],
        backends: vec![
            backend(SF_DEV, "c0d1e2f3-a4b5-4c6d-8e7f-901a2b3c4d5e", WEBSERVICE_1),
            backend(SF_QA, "e1f2a3b4-c5d6-4e7f-a8b9-c0d1e2f3a4b5", WEBSERVICE_2),
        ],
    }
}

/// ingress-vh: default → webservice-1; www.juniper.net `/` → webservice-1;
/// www.cisco.com `/` → webservice-2.
pub fn ingress_vh() -> LbConfig {
    LbConfig {
        lb_uuid: "a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d".into(),
        vip: Ipv4Addr::new(10, 47, 255, 250),
        semantics: Semantics::Contrail,
        frontends: vec![Frontend {
            listener_uuid: "f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f".into(),
            port: 80,
            pools: vec![
                pool(VH_DEFAULT, PoolRule::Default),
                pool(VH_JUNIPER, acl("www.juniper.net", "/")),
                pool(VH_CISCO, acl("www.cisco.com", "/")),
            ],
            tls: None,
        }],
        backends: vec![
            backend(
                VH_DEFAULT,
                "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
                WEBSERVICE_1,
            ),
            backend(
                VH_JUNIPER,
                "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a",
                WEBSERVICE_1,
            ),
            backend(
                VH_CISCO,
                "5f6a7b8c-9d0e-4f1a-a2b3-c4d5e6f7a8b9",
                WEBSERVICE_2,
            ),
        ],
    }
}

/// One request of the book's tests and the pool the model predicts (`None`: 503).
pub struct BookCase {
    pub ingress: &'static str,
    pub host: Option<&'static str>,
    pub target: &'static str,
    pub expected: Option<&'static str>,
}

const fn case(
    ingress: &'static str,
    host: Option<&'static str>,
    target: &'static str,
    expected: Option<&'static str>,
) -> BookCase {
    BookCase {
        ingress,
        host,
        target,
        expected,
    }
}

const J: Option<&str> = Some("www.juniper.net");
const C: Option<&str> = Some("www.cisco.com");

/// Section 5's outcomes, plus the edge cases of section 3.
pub const CASES: &[BookCase] = &[
    case("ingress-ss", J, "/", Some(SS_DEFAULT)),
    case("ingress-ss", None, "/anything/at/all", Some(SS_DEFAULT)),
    case(
        "ingress-ss",
        Some("10.47.255.252"),
        "/x?y=1",
        Some(SS_DEFAULT),
    ),
    case("ingress-sf", J, "/dev", Some(SF_DEV)),
    case("ingress-sf", J, "/qa", Some(SF_QA)),
    case("ingress-sf", Some("WWW.Juniper.NET"), "/qa", Some(SF_QA)),
    case("ingress-sf", J, "/dev?x=/qa", Some(SF_DEV)),
    case("ingress-sf", J, "/abc", None),
    case("ingress-sf", J, "/", None),
    case("ingress-sf", J, "/dev/", None),
    case("ingress-sf", J, "/Dev", None),
    case("ingress-sf", Some("www.juniper.net:80"), "/dev", None),
    case("ingress-sf", C, "/dev", None),
    case("ingress-sf", None, "/dev", None),
    case("ingress-sf", Some("10.47.255.251"), "/dev", None),
    case("ingress-vh", J, "/", Some(VH_JUNIPER)),
    case("ingress-vh", C, "/", Some(VH_CISCO)),
    case("ingress-vh", Some("www.google.com"), "/", Some(VH_DEFAULT)),
    case("ingress-vh", None, "/", Some(VH_DEFAULT)),
    case("ingress-vh", Some("10.47.255.250"), "/", Some(VH_DEFAULT)),
    case("ingress-vh", J, "/other", Some(VH_DEFAULT)),
    case("ingress-vh", C, "/?q=1", Some(VH_CISCO)),
];

/// The book's config by name.
pub fn config(name: &str) -> LbConfig {
    all()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| c)
        .expect("a book ingress")
}

#[test]
fn book_outcomes_follow_select_pool() {
    use contrail_sim::dataplane::haproxy::rules::{select_pool, split_target};
    for c in CASES {
        let cfg = config(c.ingress);
        let (path, _) = split_target(c.target);
        let got = select_pool(&cfg.frontends[0], c.host, path);
        assert_eq!(
            got, c.expected,
            "{} Host {:?} {}",
            c.ingress, c.host, c.target
        );
    }
}
