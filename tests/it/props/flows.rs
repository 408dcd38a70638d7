//! Conservation, NAT symmetry and routing, read from the trace of generated cases.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use contrail_sim::k8s::objects::Kind;
use contrail_sim::scenario::load::DEFAULT_NAMESPACE;
use contrail_sim::scenario::model::{AddressField, AddressRef, ObjectKey};
use contrail_sim::scenario::run::CurlResult;
use contrail_sim::trace::{Component, Hop, Step, Tag};
use contrail_sim::wire::FlowKey;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseError, TestRunner};

use super::cases::{self, Case, Request, Target};
use super::model::{Expect, expect};
use super::{Simulated, config, service_key, simulate};

/// Runs `check` on every request of 48 generated cases (1 to 8 requests each).
fn for_each_request(
    check: impl Fn(&Case, &Simulated, &Request, &CurlResult) -> Result<(), String>,
) {
    let mut runner = TestRunner::new(config(48));
    let result = runner.run(&cases::case(1..=8), |case| {
        let sim = simulate(&case);
        let mut errors = String::new();
        for (i, (req, res)) in case.requests.iter().zip(&sim.results).enumerate() {
            if let Err(e) = check(&case, &sim, req, res) {
                errors.push_str(&format!(
                    "request {i}: curl {} (from {}): {e}\n",
                    req.curl(&case),
                    req.from()
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "{errors}seed {}, scenario:\n{}",
                case.seed,
                case.scenario_yaml()
            )))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn ingress_key() -> ObjectKey {
    ObjectKey {
        kind: Kind::Ingress,
        namespace: DEFAULT_NAMESPACE.into(),
        name: cases::INGRESS.into(),
    }
}

/// The address and port the client connects to.
fn destination(case: &Case, sim: &Simulated, req: &Request) -> (Ipv4Addr, u16) {
    let (kind, name, field, port) = match req.target {
        Target::Vip => (
            Kind::Ingress,
            cases::INGRESS.to_owned(),
            AddressField::Vip,
            80,
        ),
        Target::Fip | Target::FipByName(_) => (
            Kind::Ingress,
            cases::INGRESS.to_owned(),
            AddressField::Fip,
            80,
        ),
        Target::ClusterIp(i) => (
            Kind::Service,
            cases::service_name(i),
            AddressField::ClusterIp,
            case.services[i].port,
        ),
    };
    let r = AddressRef {
        kind,
        namespace: None,
        name,
        field,
    };
    let addr = contrail_sim::scenario::resolve::address(&sim.run.world, &r, DEFAULT_NAMESPACE)
        .unwrap_or_else(|| panic!("no address for {r:?}"));
    (addr, req.url_port.unwrap_or(port))
}

fn sends(steps: &[Step]) -> impl Iterator<Item = &FlowKey> {
    steps.iter().filter_map(|s| match s {
        Step::Send { key, .. } => Some(key),
        _ => None,
    })
}

fn receives(steps: &[Step]) -> impl Iterator<Item = &FlowKey> {
    steps.iter().filter_map(|s| match s {
        Step::Receive { key, .. } => Some(key),
        _ => None,
    })
}

/// Every request has one disposition: one final answer, or a drop. Every packet sent ends
/// received by an endpoint or dropped with a reason. A delivered request reached a pod of the
/// Service its matched rule names.
fn conservation(
    case: &Case,
    sim: &Simulated,
    req: &Request,
    res: &CurlResult,
) -> Result<(), String> {
    let trace = &sim.run.world.trace;
    let id = res.request_id;
    let hops: Vec<&Hop> = trace.hops_of(id).collect();
    let exits = hops
        .iter()
        .flat_map(|h| trace.steps_of(h))
        .filter(|s| matches!(s, Step::CurlExit(_)))
        .count();
    if exits != 1 {
        return Err(format!("curl ended {exits} times"));
    }
    let drops: Vec<&str> = hops
        .iter()
        .flat_map(|h| trace.steps_of(h))
        .filter_map(|s| match s {
            Step::Drop(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    let served = hops
        .iter()
        .flat_map(|h| trace.steps_of(h))
        .filter(|s| matches!(s, Step::Served { .. }))
        .count();
    match (&res.response, drops.first()) {
        (Some(r), _) => {
            let status = Some(r.status);
            let ok = match res.disposition {
                "delivered" => served == 1 && res.served_by.is_some() && status == Some(200),
                "no-backend" => served == 0 && res.served_by.is_none() && status == Some(503),
                "not-found" => served == 0 && res.served_by.is_none() && status == Some(404),
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "disposition {} with status {status:?}, {served} pod answers, served_by {:?}",
                    res.disposition, res.served_by
                ));
            }
        }
        (None, first_drop) => {
            let tcp = ["refused", "reset", "empty-reply"].contains(&res.disposition);
            let ok =
                tcp || first_drop.map_or(res.disposition == "timed-out", |r| res.disposition == *r);
            if !ok || served != 0 || res.exit.code == 0 {
                return Err(format!(
                    "no answer: first drop {first_drop:?} but disposition {}, exit {}, {served} pod answers",
                    res.disposition, res.exit.code
                ));
            }
        }
    }
    // Each packet's path: its hops in order, the last one an endpoint receiving it, or a drop.
    let mut paths: BTreeMap<Tag, Vec<&Hop>> = BTreeMap::new();
    for h in &hops {
        paths.entry(h.tag).or_default().push(h);
    }
    let sent: usize = hops.iter().map(|h| sends(trace.steps_of(h)).count()).sum();
    if sent != paths.len() {
        return Err(format!(
            "{sent} packets sent, {} packets traced",
            paths.len()
        ));
    }
    for (tag, path) in &paths {
        let Some(last) = path.last() else { continue };
        let steps = trace.steps_of(last);
        let dropped = steps.iter().any(|s| matches!(s, Step::Drop(_)));
        let endpoint = !matches!(last.component, Component::VRouter | Component::Gateway);
        let received = endpoint
            && (receives(steps).next().is_some() || steps.iter().any(|s| matches!(s, Step::Reset)));
        if !(dropped || received) {
            return Err(format!(
                "packet {tag:?} vanished after {:?} on node {:?}: {steps:?}",
                last.component, last.node
            ));
        }
    }
    // The pod that answered belongs to the Service the matched rule names.
    if let Some(pod) = &res.served_by {
        let service = match req.target {
            Target::ClusterIp(i) => service_key(i),
            _ => {
                let pool = hops
                    .iter()
                    .flat_map(|h| trace.steps_of(h))
                    .find_map(|s| match s {
                        Step::HttpRule(rule) => rule.pool.clone(),
                        _ => None,
                    })
                    .ok_or("served without an haproxy rule")?;
                let lb = &sim.run.world.kube_manager.loadbalancers[&ingress_key()];
                lb.listeners
                    .iter()
                    .find(|l| *l.pool.uuid == *pool)
                    .and_then(|l| l.pool.members.first())
                    .and_then(|m| m.service.clone())
                    .ok_or_else(|| format!("pool {pool} has no Service member"))?
            }
        };
        let selected = contrail_sim::scenario::run::pods_of_service(&sim.run.world, &service);
        if !selected.contains(pod) {
            return Err(format!(
                "served by {} which {} does not select ({selected:?})",
                pod.name, service.name
            ));
        }
        let all = sim.services_of(case, pod);
        if all.len() != 1 {
            return Err(format!("served by {} of Services {all:?}", pod.name));
        }
    }
    Ok(())
}

/// The client receives every segment from the address:port it connected to (VIP:80, FIP:80,
/// clusterIP:port); haproxy's backend connection likewise sees only clusterIP:servicePort.
fn nat_symmetry(
    case: &Case,
    sim: &Simulated,
    req: &Request,
    res: &CurlResult,
) -> Result<(), String> {
    let trace = &sim.run.world.trace;
    let hops: Vec<&Hop> = trace.hops_of(res.request_id).collect();
    let first = hops.first().ok_or("no hops")?;
    let syn = *sends(trace.steps_of(first)).next().ok_or("no SYN")?;
    let (addr, port) = destination(case, sim, req);
    if (syn.dst, syn.dport) != (addr, port) {
        return Err(format!(
            "connected to {}:{}, not {addr}:{port}",
            syn.dst, syn.dport
        ));
    }
    let client = |h: &&&Hop| h.node == first.node && h.component == first.component;
    for h in hops.iter().filter(client) {
        for key in receives(trace.steps_of(h)) {
            if *key != syn.reversed() {
                return Err(format!(
                    "client sent {syn:?} but received {key:?} (at {:?})",
                    h.at
                ));
            }
        }
    }
    // haproxy's connection to the Service.
    let proxy = |h: &&&Hop| matches!(h.component, Component::Haproxy(_));
    let backend_syn = hops
        .iter()
        .filter(proxy)
        .flat_map(|h| trace.steps_of(h))
        .find_map(|s| match s {
            Step::ProxyConnect { to, .. } => Some(*to),
            _ => None,
        });
    if let Some(out) = backend_syn {
        for h in hops.iter().filter(proxy).filter(|h| h.tag.conn == 1) {
            for key in receives(trace.steps_of(h)) {
                if *key != out.reversed() {
                    return Err(format!("haproxy connected {out:?} but received {key:?}"));
                }
            }
        }
    }
    Ok(())
}

/// The simulator's end-to-end answer equals the reference model's.
fn routing(case: &Case, sim: &Simulated, req: &Request, res: &CurlResult) -> Result<(), String> {
    let want = expect(case, req, &res.host_header);
    let status = res.response.as_ref().map(|r| r.status);
    let got = match (&res.served_by, status) {
        (Some(pod), Some(200)) => match sim.services_of(case, pod)[..] {
            [i] => Expect::Service(i),
            _ => return Err(format!("served by {} of no single Service", pod.name)),
        },
        (None, Some(503)) => Expect::Unavailable,
        (None, Some(404)) => Expect::NotFound,
        (None, None) if res.disposition == "refused" => Expect::Refused,
        _ => {
            return Err(format!(
                "status {status:?}, served by {:?}, {}",
                res.served_by, res.disposition
            ));
        }
    };
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "simulator {got:?}, model {want:?} (Host {:?})",
            super::model::host_value(req, &res.host_header)
        ))
    }
}

#[test]
fn props_conservation() {
    for_each_request(conservation);
}

#[test]
fn props_nat_symmetry() {
    for_each_request(nat_symmetry);
}

#[test]
fn props_routing_matches_reference_model() {
    for_each_request(routing);
}

/// The generator makes the cases it claims to: both computes, every target, both answers.
#[test]
fn props_generator_covers_the_space() {
    // A fixed count, not `PROPTEST_CASES`: too few cases would miss some kinds by chance.
    let mut runner = TestRunner::new(config(32));
    let mut seen = BTreeMap::<String, usize>::new();
    for _ in 0..32 {
        let case = cases::case(8..=8)
            .new_tree(&mut runner)
            .expect("a case")
            .current();
        let sim = simulate(&case);
        for (req, res) in case.requests.iter().zip(&sim.results) {
            *seen.entry(res.disposition.to_string()).or_default() += 1;
            if let Target::ClusterIp(_) = req.target {
                *seen.entry("clusterIP".to_string()).or_default() += 1;
            }
            if let Some(pod) = &res.served_by {
                let node = sim
                    .run
                    .world
                    .computes
                    .iter()
                    .flatten()
                    .find(|c| c.pods.iter().any(|p| &p.key == pod))
                    .map_or("?".to_string(), |c| c.name.clone());
                *seen.entry(node).or_default() += 1;
            }
        }
    }
    for k in [
        "delivered",
        "no-backend",
        "not-found",
        "refused",
        "clusterIP",
        "cent222",
        "cent333",
    ] {
        assert!(seen.get(k).is_some_and(|n| *n > 0), "never {k}: {seen:?}");
    }
}
