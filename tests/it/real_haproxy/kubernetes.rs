//! The Kubernetes profile, three ways: the spec's model ([`super::spec_model`]), the simulator's
//! rule table and haproxy decision (`ingress_table::lb_config`, `kubernetes::select`), and real
//! haproxy running the rendered file. All three must agree on every generated request, over
//! generated sets of Ingresses sharing hosts, with wildcard hosts, ports in the Host header,
//! Exact, Prefix and ImplementationSpecific paths, default backends and 404s.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use std::sync::Arc;

use contrail_sim::control::config::{self as cc, Loadbalancer, Provider};
use contrail_sim::control::ingress_table;
use contrail_sim::dataplane::haproxy::choose;
use contrail_sim::dataplane::haproxy::config::LbConfig;
use contrail_sim::dataplane::haproxy::config::PoolRule;
use contrail_sim::dataplane::haproxy::kubernetes::select;
use contrail_sim::dataplane::haproxy::render::render;
use contrail_sim::k8s::objects::Kind;
use contrail_sim::routing::{VnKind, Vrf};
use contrail_sim::scenario::model::ObjectKey;
use contrail_sim::sim::Time;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

use super::arb::Request;
use super::book;
use super::echo::Answer;
use super::golden::check_golden;
use super::process::check_config;
use super::referee::{answer_of, bin, certificate, referee_config, send, serve_rendered, verdict};
use super::spec_model::{self, IngressDef, decide};

/// The rule table as the haproxy of the first Ingress runs it.
fn table(set: &[IngressDef]) -> LbConfig {
    let lbs = spec_model::loadbalancers(set);
    ingress_table::lb_config(&lbs[0], &lbs)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn spec_model_agrees_with_the_rule_table(
        set in spec_model::ingress_set(),
        requests in proptest::collection::vec(spec_model::request(), 16),
    ) {
        let cfg = table(&set);
        for (host, path) in &requests {
            let ours = select(&cfg.frontends[0], host.as_deref(), path);
            let spec = decide(&set, host.as_deref(), path);
            prop_assert_eq!(
                ours, spec.as_deref(),
                "Host {:?} path {:?}\n{:#?}\n{}", host, path, set, render(&cfg)
            );
        }
    }
}

static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// A request's Host header and path.
type HostAndPath = (Option<String>, String);
/// Whether a request goes over TLS, and the server name it offers.
type Tls = (bool, Option<&'static str>);

fn referee_case(
    bin: &Path,
    set: &[IngressDef],
    requests: &[(HostAndPath, Tls)],
) -> Result<(), TestCaseError> {
    let cfg = table(set);
    let rendered = render(&cfg);
    if let Err(e) = check_config(bin, &rendered) {
        return Err(TestCaseError::fail(format!(
            "haproxy -c rejects:\n{e}\n{rendered}"
        )));
    }
    let served = serve_rendered(bin, &rendered, &cfg);
    let mut disagreements = String::new();
    for ((host, path), (https, sni)) in requests {
        let req = Request {
            http11: true,
            target: path.clone(),
            host: host.clone(),
            sni: sni.map(str::to_owned),
        };
        // Over TLS when asked and the table has an https frontend (the second one).
        let f = usize::from(*https && cfg.frontends.len() > 1);
        let fe = &cfg.frontends[f];
        let theirs = send(served.frontends[f], fe, &req);
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        let ours = (
            answer_of(choose(&cfg, fe, host.as_deref(), path)),
            certificate(fe, &req),
        );
        let spec = decide(set, host.as_deref(), path).map_or(Answer::NotFound, Answer::Backend);
        if theirs != ours || ours.0 != spec {
            disagreements.push_str(&format!(
                "{:?} on {} (server name {sni:?})\n  haproxy:   {theirs:?}\n  simulator: {ours:?}\n  spec:      {spec:?}\n",
                req.raw(),
                fe.listener_uuid
            ));
        }
    }
    verdict(&disagreements, &rendered)
}

#[test]
fn generated_kubernetes_tables_route_like_the_simulator_and_the_spec() {
    let Some(bin) = bin() else { return };
    let started = Instant::now();
    let config = referee_config();
    let strategy = (
        spec_model::ingress_set(),
        proptest::collection::vec(
            (
                spec_model::request(),
                (
                    any::<bool>(),
                    proptest::sample::select(
                        &[
                            None,
                            Some("www.juniper.net"),
                            Some("x.a.io"),
                            Some("other.org"),
                        ][..],
                    ),
                ),
            ),
            12,
        ),
    );
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |(set, requests)| {
        referee_case(bin, &set, &requests)
    });
    eprintln!(
        "kubernetes referee: {} requests to real haproxy in {:.2?}",
        REQUESTS.load(Ordering::Relaxed),
        started.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The book's three Ingresses as kube-manager's loadbalancers (v1beta1: no path types), created
/// in the book's order.
fn book_loadbalancers() -> Vec<Arc<Loadbalancer>> {
    book::all()
        .into_iter()
        .enumerate()
        .map(|(i, (name, cfg))| {
            let listeners = cfg.frontends[0]
                .pools
                .iter()
                .map(|p| {
                    let rule = match &p.rule {
                        PoolRule::Acl { host, path } => cc::PoolRule::Acl {
                            host: host.clone(),
                            path: path.clone(),
                            path_type: None,
                        },
                        _ => cc::PoolRule::Default,
                    };
                    let backend = cfg.backends.iter().find(|b| b.pool_uuid == p.pool_uuid);
                    let members = backend
                        .into_iter()
                        .flat_map(|b| &b.members)
                        .map(|m| cc::Member {
                            uuid: m.member_uuid.clone(),
                            address: m.address,
                            port: m.port,
                            target: None,
                            service: None,
                        })
                        .collect();
                    cc::Listener {
                        uuid: format!("listener-{}", p.pool_uuid),
                        protocol: "HTTP",
                        port: 80,
                        pool: cc::Pool {
                            uuid: p.pool_uuid.clone(),
                            rule,
                            members,
                        },
                        tls: None,
                    }
                })
                .collect();
            Arc::new(Loadbalancer {
                uuid: cfg.lb_uuid.clone(),
                display_name: format!("ns-user-1__{name}"),
                provider: Provider::Opencontrail,
                owner: ObjectKey {
                    kind: Kind::Ingress,
                    namespace: "ns-user-1".into(),
                    name: name.into(),
                },
                created: Time(i as u64),
                vip: cfg.vip,
                fip: None,
                fip_pool: None,
                vrf: Vrf::new(0, "k8s-default", "k8s-default-pod-network", VnKind::Pod),
                fip_vrf: None,
                vmi: None,
                listeners,
                certificates: Vec::new(),
            })
        })
        .collect()
}

/// The Kubernetes profile's files for the book: ingress-sf alone, and the three Ingresses in one
/// table (as ingress-vh's haproxy runs it), byte for byte; real haproxy accepts both.
#[test]
fn golden_kubernetes_book_configs() {
    let lbs = book_loadbalancers();
    let alone = render(&ingress_table::lb_config(&lbs[1], &lbs[1..2]));
    let merged = render(&ingress_table::lb_config(&lbs[2], &lbs));
    check_golden("kubernetes-ingress-sf", &alone);
    check_golden("kubernetes-book", &merged);
    if let Some(bin) = bin() {
        for text in [&alone, &merged] {
            if let Err(e) = check_config(bin, text) {
                panic!("haproxy -c rejects:\n{e}\n{text}");
            }
        }
    }
}
