//! `contrail-sim diff`: a scenario's requests under both ingress semantics, paired, with the
//! named reason wherever the two answers part ways.
//!
//! Both runs use the same scenario and seed; only `semantics` differs. Requests pair up by step
//! and position. Two answers are the same when status, disposition and backend (the Service
//! haproxy chose, or the pod that answered a request that met no haproxy) are. The reasons come
//! from the request (its Host header, path and scheme), the rule each haproxy chose
//! ([`RuleOrigin`], recorded in the trace) and the Ingress the address belongs to.

use std::sync::Arc;

use crate::control::config::PoolRule;
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::{RuleOrigin, RuleSource};
use crate::diag::Origin;
use crate::k8s::objects::PathType;
use crate::scenario::model::{Endpoint, ObjectKey, Scenario, Scheme};
use crate::scenario::run::{CurlResult, Output, Run, RunError};
use crate::trace::Step;
use crate::world::World;

/// Why the two answers differ, in the order they are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// Contrail matches the path exactly; the spec's rule matched it as a prefix.
    ExactVsPrefix,
    /// The spec's `*.foo.com` takes one label; Contrail compares the Host header with `*.foo.com`.
    WildcardHost,
    /// The spec ignores the Host header's port; Contrail compares the whole value.
    HostWithPort,
    /// Contrail's `hdr(host)` tries every comma-separated value of the Host header.
    HostList,
    /// Contrail renders the rule path unescaped: haproxy reads a blank or `#` in it as a split
    /// or a comment.
    ConfigLine,
    /// Both take some rule, but rank them differently (exact host first, longest path, Exact
    /// before Prefix, then the older Ingress; Contrail: file order).
    Precedence,
    /// The spec's rule belongs to another Ingress: one controller serves them all, while
    /// Contrail gives each Ingress its own loadbalancer and address.
    LoadbalancerPerIngress,
    /// Contrail's TLS frontend carries only the rules whose host has a certificate (and, for
    /// `ALL`, those with a path); the spec serves every rule over TLS.
    TlsRules,
    /// Nothing matches either way: Contrail's haproxy answers 503, the spec says 404.
    UnavailableVsNotFound,
    /// None of the above explains it.
    Other,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ExactVsPrefix => "exact vs prefix",
            Reason::WildcardHost => "wildcard host",
            Reason::HostWithPort => "host with port",
            Reason::HostList => "host header list",
            Reason::ConfigLine => "path as haproxy reads Contrail's line",
            Reason::Precedence => "precedence",
            Reason::LoadbalancerPerIngress => "one loadbalancer per Ingress",
            Reason::TlsRules => "TLS frontend rules",
            Reason::UnavailableVsNotFound => "503 vs 404",
            Reason::Other => "other",
        }
    }
}

/// One request's answer under one semantics.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: Option<u16>,
    pub reason_phrase: Option<&'static str>,
    pub disposition: &'static str,
    /// `service/NAME` chosen by haproxy, else `pod/NAME` that answered.
    pub backend: Option<String>,
    /// The rule haproxy took.
    pub rule: Option<Arc<RuleOrigin>>,
    /// The Host header and path haproxy saw.
    pub host: Option<Arc<str>>,
    pub path: Option<Arc<str>>,
}

impl Answer {
    fn same_as(&self, other: &Answer) -> bool {
        self.status == other.status
            && self.disposition == other.disposition
            && self.backend == other.backend
    }
}

/// One request of the scenario, answered both ways.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The step's index in the scenario and where it is written.
    pub step: usize,
    pub origin: Origin,
    pub curl: String,
    pub from: Endpoint,
    pub contrail: Answer,
    pub kubernetes: Answer,
    /// Empty when the answers are the same.
    pub reasons: Vec<Reason>,
}

/// Both runs of a scenario and their paired requests.
pub struct Diff {
    pub seed: u64,
    pub pairs: Vec<Pair>,
}

/// Runs `scenario` with `seed` under both semantics and pairs the requests. A run that stops
/// (an invalid reference at run time) stops the diff with its error.
pub fn diff(scenario: &Scenario, seed: u64) -> Result<Diff, RunError> {
    let run = |semantics| {
        let s = Scenario {
            semantics,
            ..scenario.clone()
        };
        Run::execute(&s, seed).map_err(|failed| failed.1)
    };
    let contrail = run(Semantics::Contrail)?;
    let kubernetes = run(Semantics::Kubernetes)?;
    let mut pairs = Vec::new();
    for (c, k) in contrail.steps.iter().zip(&kubernetes.steps) {
        let (Some(cs), Some(ks)) = (curls(&c.output), curls(&k.output)) else {
            continue;
        };
        for (cr, kr) in cs.iter().zip(ks) {
            let ca = answer(&contrail.world, cr);
            let ka = answer(&kubernetes.world, kr);
            let reasons = if ca.same_as(&ka) {
                Vec::new()
            } else {
                reasons(&contrail.world, &kubernetes.world, kr, &ca, &ka)
            };
            pairs.push(Pair {
                step: c.index,
                origin: c.origin.clone(),
                curl: cr.request.raw.clone(),
                from: cr.from.clone(),
                contrail: ca,
                kubernetes: ka,
                reasons,
            });
        }
    }
    Ok(Diff { seed, pairs })
}

fn curls(output: &Output) -> Option<&[CurlResult]> {
    match output {
        Output::Curl(r) | Output::Compare(r) => Some(r),
        _ => None,
    }
}

/// What the request got, and what haproxy decided on its way.
fn answer(world: &World, r: &CurlResult) -> Answer {
    let rule = world
        .trace
        .hops_of(r.request_id)
        .filter(|h| h.tag.conn == 0)
        .flat_map(|h| world.trace.steps_of(h))
        .find_map(|s| match s {
            Step::HttpRule(rule) => Some(rule.clone()),
            _ => None,
        });
    let origin = rule.as_ref().and_then(|h| h.origin.clone());
    let backend = match (&origin, &r.served_by) {
        (Some(o), _) => o.service.as_ref().map(|s| format!("service/{}", s.name)),
        (None, Some(pod)) => Some(format!("pod/{}", pod.name)),
        (None, None) => None,
    };
    Answer {
        status: r.response.as_ref().map(|x| x.status),
        reason_phrase: r.response.as_ref().map(|x| x.reason),
        disposition: r.disposition,
        backend,
        rule: origin,
        host: rule.as_ref().and_then(|h| h.host.clone()),
        path: rule.as_ref().map(|h| h.path.clone()),
    }
}

/// The Ingress whose VIP or floating IP the request was sent to (in the Kubernetes run).
fn addressed_ingress(world: &World, r: &CurlResult) -> Option<ObjectKey> {
    world
        .kube_manager
        .loadbalancers
        .values()
        .find(|lb| lb.vip == r.destination || lb.fip == Some(r.destination))
        .map(|lb| lb.owner.clone())
}

/// Whether Contrail's loadbalancer for the rule's Ingress has the rule on its 443 listener.
fn contrail_serves_over_tls(contrail: &World, rule: &RuleOrigin) -> bool {
    let Some(lb) = contrail.kube_manager.loadbalancers.get(&rule.ingress) else {
        return false;
    };
    lb.listeners
        .iter()
        .filter(|l| l.port == 443)
        .any(|l| match (&l.pool.rule, &rule.source) {
            (PoolRule::Default, RuleSource::DefaultBackend) => true,
            (
                PoolRule::Acl { host, path, .. },
                RuleSource::Path {
                    host: h, path: p, ..
                },
            ) => host == h && path == p,
            _ => false,
        })
}

/// The named reasons two different answers part ways.
fn reasons(contrail: &World, world: &World, r: &CurlResult, c: &Answer, k: &Answer) -> Vec<Reason> {
    let mut out = Vec::new();
    let host = k.host.as_deref().or(c.host.as_deref());
    let path = k.path.as_deref().or(c.path.as_deref()).unwrap_or("");
    let k_rule = k.rule.as_deref().and_then(|o| match &o.source {
        RuleSource::Path {
            host,
            path,
            path_type,
        } => Some((o, host.as_deref(), path.as_deref(), *path_type)),
        RuleSource::DefaultBackend => None,
    });
    let c_rule = c
        .rule
        .as_deref()
        .filter(|o| matches!(o.source, RuleSource::Path { .. }));
    if let Some((_, rule_host, rule_path, path_type)) = k_rule {
        let prefix = path_type != Some(PathType::Exact);
        if prefix && rule_path.is_none_or(|p| p != path) {
            out.push(Reason::ExactVsPrefix);
        }
        if rule_host.is_some_and(|h| h.starts_with("*.")) {
            out.push(Reason::WildcardHost);
        }
        if rule_host.is_some() && host.is_some_and(|h| h.contains(':')) {
            out.push(Reason::HostWithPort);
        }
    }
    if host.is_some_and(|h| h.contains(',')) {
        out.push(Reason::HostList);
    }
    if let Some(RuleSource::Path { path: Some(p), .. }) = c_rule.map(|o| &o.source)
        && p.contains([' ', '\t', '#'])
    {
        out.push(Reason::ConfigLine);
    }
    // Contrail took a rule the spec also has, and the spec ranked another one first (a rule of
    // the same Ingress), or took none of its rules for no reason found above.
    let k_path_rule = k_rule.map(|(o, ..)| o);
    match (c_rule, k_path_rule) {
        (Some(cr), Some(kr)) if cr.ingress == kr.ingress && cr.source != kr.source => {
            out.push(Reason::Precedence);
        }
        (Some(_), None) if out.is_empty() => out.push(Reason::Precedence),
        _ => {}
    }
    let addressed = addressed_ingress(world, r);
    if let (Some(kr), Some(a)) = (k.rule.as_deref(), addressed)
        && kr.ingress != a
    {
        out.push(Reason::LoadbalancerPerIngress);
    }
    if r.request.url.scheme == Scheme::Https
        && k.rule
            .as_deref()
            .is_some_and(|kr| !contrail_serves_over_tls(contrail, kr))
    {
        out.push(Reason::TlsRules);
    }
    if c.disposition == "no-backend" && k.disposition == "not-found" {
        out.push(Reason::UnavailableVsNotFound);
    }
    if out.is_empty() {
        out.push(Reason::Other);
    }
    out.sort();
    out.dedup();
    out
}
