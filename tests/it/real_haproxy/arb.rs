//! proptest strategies: ingress-like loadbalancer configs and HTTP requests drawn from small
//! alphabets so that rules and requests collide often.

use std::net::Ipv4Addr;

use contrail_sim::dataplane::haproxy::Semantics;
use contrail_sim::dataplane::haproxy::config::{
    Backend, Certificate, Frontend, FrontendPool, FrontendTls, LbConfig, Member, PoolRule,
};
use contrail_sim::dataplane::haproxy::rules::{select_pool, split_target};
use proptest::prelude::*;
use proptest::sample::select;

const HOSTS: &[&str] = &["www.juniper.net", "www.cisco.com", "a.io"];
/// Rule paths; `/dev qa` and `/qa#x` are read by haproxy as `/dev` + `qa` and `/qa`.
const RULE_PATHS: &[&str] = &[
    "/", "/dev", "/dev/", "/qa", "/dev/x", "/Dev", "/dev qa", "/qa#x",
];
const REQUEST_PATHS: &[&str] = &[
    "/", "/dev", "/dev/", "/qa", "/dev/x", "/Dev", "/qa/", "//", "/other",
];
const QUERIES: &[&str] = &["", "", "?", "?x=1", "?p=/dev"];

/// One HTTP request line plus an optional Host header, and the server name offered when it goes
/// to a TLS frontend.
#[derive(Clone, Debug)]
pub struct Request {
    pub http11: bool,
    pub target: String,
    pub host: Option<String>,
    pub sni: Option<String>,
}

/// Certificate names of generated TLS frontends, and server names requests offer.
pub const CERT_NAMES: &[&str] = &["www.juniper.net", "www.cisco.com", "*.a.io"];
const SERVER_NAMES: &[Option<&str>] = &[
    None,
    Some("www.juniper.net"),
    Some("www.cisco.com"),
    Some("x.a.io"),
    Some("y.x.a.io"),
    Some("other.org"),
];

/// A TLS frontend's certificates: one to three of [`CERT_NAMES`], each resolved.
pub fn frontend_tls() -> impl Strategy<Value = FrontendTls> {
    proptest::sample::subsequence(CERT_NAMES, 1..=3)
        .prop_shuffle()
        .prop_map(|names| FrontendTls {
            certificates: names
                .into_iter()
                .map(|cn| Certificate {
                    container: format!("ns-user-1__{}", cn.replace('*', "star")),
                    cn: Some(cn.to_owned()),
                })
                .collect(),
        })
}

impl Request {
    /// The bytes sent: `GET`, the optional Host header, `Connection: close`.
    pub fn raw(&self) -> String {
        let version = if self.http11 { "1.1" } else { "1.0" };
        let host = self
            .host
            .as_deref()
            .map(|h| format!("Host: {h}\r\n"))
            .unwrap_or_default();
        format!(
            "GET {} HTTP/{version}\r\n{host}User-Agent: contrail-sim-test\r\nConnection: close\r\n\r\n",
            self.target
        )
    }

    /// What [`select_pool`] decides for this request on `frontend`.
    pub fn expected<'a>(&self, frontend: &'a Frontend) -> Option<&'a str> {
        select_pool(frontend, self.host.as_deref(), split_target(&self.target).0)
    }
}

/// A host name with random ASCII case changes (lower case half of the time).
fn host() -> impl Strategy<Value = String> {
    (select(HOSTS), any::<bool>(), any::<u32>()).prop_map(|(h, keep, mask)| {
        if keep {
            return h.to_owned();
        }
        h.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask >> (i % 32) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    })
}

fn rule() -> BoxedStrategy<PoolRule> {
    prop_oneof![
        1 => Just(PoolRule::Default),
        5 => (
            proptest::option::weighted(0.7, host()),
            proptest::option::weighted(0.8, select(RULE_PATHS).prop_map(str::to_owned)),
        )
            .prop_map(|(host, path)| PoolRule::Acl { host, path }),
    ]
    .boxed()
}

/// A loadbalancer with one or two frontends of 1 to 5 pools each: port 80, then 8080 or a TLS
/// frontend on 443.
pub fn lb_config() -> impl Strategy<Value = LbConfig> {
    let frontend = proptest::collection::vec(rule(), 1..=5);
    prop_oneof![
        4 => proptest::collection::vec(frontend.clone(), 1..=1).prop_map(|f| (f, None)),
        1 => proptest::collection::vec(frontend.clone(), 2..=2).prop_map(|f| (f, None)),
        2 => (proptest::collection::vec(frontend, 2..=2), frontend_tls())
            .prop_map(|(f, tls)| (f, Some(tls))),
    ]
    .prop_map(|(frontends, tls)| build(frontends, tls))
}

fn build(frontends: Vec<Vec<PoolRule>>, tls: Option<FrontendTls>) -> LbConfig {
    let mut n = 0u32;
    let mut backends = Vec::new();
    let frontends = frontends
        .into_iter()
        .enumerate()
        .map(|(f, rules)| Frontend {
            listener_uuid: format!("1157e2e0-0000-4000-8000-{f:012}"),
            port: match (f, &tls) {
                (0, _) => 80,
                (_, Some(_)) => 443,
                _ => 8080,
            },
            pools: rules
                .into_iter()
                .map(|rule| {
                    n += 1;
                    let pool_uuid = format!("9001a0a0-0000-4000-8000-{n:012}");
                    backends.push(Backend {
                        pool_uuid: pool_uuid.clone(),
                        members: vec![Member {
                            member_uuid: format!("3e3be700-0000-4000-8000-{n:012}"),
                            address: Ipv4Addr::new(10, 103, 0, n as u8),
                            port: 8888,
                            weight: 1,
                        }],
                    });
                    FrontendPool {
                        pool_uuid,
                        rule,
                        origin: None,
                    }
                })
                .collect(),
            tls: tls.clone().filter(|_| f > 0),
        })
        .collect();
    LbConfig {
        lb_uuid: "a11ce000-0000-4000-8000-000000000001".into(),
        vip: Ipv4Addr::new(10, 47, 255, 249),
        semantics: Semantics::Contrail,
        frontends,
        backends,
    }
}

/// A Host header value: a rule-like host (case variants), with a port, an IP address, absent;
/// with `lists`, also comma-separated and quoted lists.
fn host_header(lists: bool) -> BoxedStrategy<Option<String>> {
    let plain = prop_oneof![
        4 => host().prop_map(Some),
        1 => host().prop_map(|h| Some(format!("{h}:80"))),
        1 => host().prop_map(|h| Some(format!("{h}."))),
        1 => Just(Some("10.47.255.249".to_owned())),
        2 => Just(None),
    ];
    if !lists {
        return plain.boxed();
    }
    prop_oneof![
        9 => plain,
        1 => host().prop_map(|h| Some(format!("x.org, {h}"))),
        1 => host().prop_map(|h| Some(format!("\"x.org,{h}\""))),
    ]
    .boxed()
}

/// A request for the frontend picked by `index % frontends`.
pub fn request(lists: bool) -> impl Strategy<Value = (usize, Request)> {
    (
        any::<usize>(),
        any::<bool>(),
        select(REQUEST_PATHS),
        select(QUERIES),
        host_header(lists),
        select(SERVER_NAMES),
    )
        .prop_map(|(index, http11, path, query, host, sni)| {
            let target = format!("{path}{query}");
            (
                index,
                Request {
                    http11,
                    target,
                    host,
                    sni: sni.map(str::to_owned),
                },
            )
        })
}
