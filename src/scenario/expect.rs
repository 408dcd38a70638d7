//! Expectations: compares what a step produced with what the scenario file expects.

use crate::scenario::model::{CurlStep, ObjectKey, ServedBy, ShowExpect, ViaName};
use crate::scenario::resolve;
use crate::scenario::run::{CurlResult, Failure, pods_of_service};
use crate::scenario::template::Template;
use crate::world::World;

/// A fragment as written, and what it resolved to when that differs.
fn shown(written: &str, resolved: &str) -> String {
    if written == resolved {
        written.to_string()
    } else {
        format!("{written} ({resolved})")
    }
}

/// Checks one request of a curl step against the step's expectation.
pub fn check_curl(world: &World, step: &CurlStep, r: &CurlResult) -> Vec<Failure> {
    let e = &step.expect;
    let mut failures = Vec::new();
    {
        let status = r.response.as_ref().map(|x| x.status);
        if let Some(want) = e.status
            && status != Some(want)
        {
            failures.push(fail(
                "status",
                want,
                status.map_or("no response".into(), |s| s.to_string()),
            ));
        }
        if let Some(want) = &e.served_by {
            let ok = r
                .served_by
                .as_ref()
                .is_some_and(|pod| served_by_matches(world, want, pod));
            if !ok {
                failures.push(fail(
                    "served_by",
                    describe(want),
                    r.served_by
                        .as_ref()
                        .map_or("no pod".into(), |p| format!("pod/{}", p.name)),
                ));
            }
        }
        let body = r.response.as_ref().map_or("", |x| x.body.as_str());
        for want in &e.body_contains {
            if !body.contains(want.as_str()) {
                failures.push(fail("body_contains", want, first_lines(body)));
            }
        }
        if let Some(want) = &e.disposition
            && want != r.disposition
        {
            failures.push(fail("disposition", want, r.disposition));
        }
        if !e.via.is_empty() {
            let names = crate::report::trace::hop_names(world, r.request_id);
            let wanted: Vec<String> = e.via.iter().map(|v| via_name(world, v)).collect();
            let mut visited = names.iter();
            if !wanted.iter().all(|w| visited.any(|n| n == w)) {
                let path: Vec<String> = names.iter().filter(|n| n.contains('/')).cloned().collect();
                failures.push(fail(
                    "via",
                    format!("[{}] in this order", wanted.join(", ")),
                    format!("[{}]", dedup(&path).join(", ")),
                ));
            }
        }
    }
    failures
}

/// `node` or `node/component`, as hop names are written; a role names the node it plays now.
fn via_name(world: &World, v: &ViaName) -> String {
    let node = resolve::node(world, &v.node)
        .map(|id| world.env.topology.name(id).to_string())
        .unwrap_or_else(|_| v.node.to_string());
    match &v.component {
        Some(c) => format!("{node}/{c}"),
        None => node,
    }
}

fn served_by_matches(world: &World, want: &ServedBy, pod: &ObjectKey) -> bool {
    match want {
        ServedBy::Pod(key) => pod == key,
        ServedBy::Deployment(key) => {
            pod.namespace == key.namespace
                && world
                    .apiserver
                    .get(pod)
                    .is_some_and(|p| p.owner.as_deref() == Some(&*key.name))
        }
        ServedBy::Service(key) => pods_of_service(world, key).contains(pod),
    }
}

fn describe(s: &ServedBy) -> String {
    match s {
        ServedBy::Pod(k) => format!("pod/{}", k.name),
        ServedBy::Deployment(k) => format!("deployment/{}", k.name),
        ServedBy::Service(k) => format!("service/{}", k.name),
    }
}

/// Checks a show step's output and the routes it names; `ns` is the scenario's namespace.
pub fn check_show(world: &World, e: &ShowExpect, text: &str, ns: &str) -> Vec<Failure> {
    let mut failures = Vec::new();
    let resolved = |(written, template): &(String, Template)| {
        template
            .render(
                |a| resolve::address(world, a, ns).map(|ip| ip.to_string()),
                |n| resolve::node(world, n).map(|id| world.env.topology.name(id).to_string()),
            )
            .map_err(|why| fail("placeholder", written, why))
    };
    for want in &e.contains {
        match resolved(want) {
            Ok(t) if text.contains(t.as_str()) => {}
            Ok(t) => failures.push(fail("contains", shown(&want.0, &t), "(not in the output)")),
            Err(f) => failures.push(f),
        }
    }
    for unwanted in &e.not_contains {
        match resolved(unwanted) {
            Ok(t) if !text.contains(t.as_str()) => {}
            Ok(t) => failures.push(fail(
                "not_contains",
                shown(&unwanted.0, &t),
                "(present in the output)",
            )),
            Err(f) => failures.push(f),
        }
    }
    if let Some(want) = &e.equals {
        let address = |a: &crate::scenario::model::AddressRef| {
            resolve::address(world, a, ns).map(|ip| ip.to_string())
        };
        if let Err((at, expected)) = want.template.matches(text, address) {
            let line = text.get(..at).unwrap_or_default().matches('\n').count() + 1;
            let actual = text
                .get(at..)
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or("<end>");
            failures.push(fail(
                &format!("equals_file {}", want.file),
                format!("line {line}: {expected:?}"),
                format!("line {line}: {actual:?}"),
            ));
        }
    }
    for route in &e.routes {
        let gateway = world.gateway.vrf.get(&route.prefix);
        let control = world
            .control_node
            .table
            .iter()
            .find(|((_, p), _)| *p == route.prefix)
            .map(|(_, paths)| paths);
        let paths: Vec<_> = match gateway {
            Some(p) => p.to_vec(),
            None => control.cloned().unwrap_or_default(),
        };
        let Some(best) = paths.first() else {
            failures.push(fail("route", route.prefix, "no such route"));
            continue;
        };
        if let Some(want) = &route.next_hop {
            match resolve::next_hop(world, want) {
                Ok(nh) if nh == best.next_hop => {}
                Ok(nh) => failures.push(fail(
                    &format!("route {} next hop", route.prefix),
                    nh,
                    best.next_hop,
                )),
                Err(why) => failures.push(fail(
                    &format!("route {} next hop", route.prefix),
                    why,
                    best.next_hop,
                )),
            }
        }
        if let Some(lp) = route.local_preference
            && best.local_pref != lp
        {
            failures.push(fail(
                &format!("route {} local preference", route.prefix),
                lp,
                best.local_pref,
            ));
        }
        if let Some(n) = route.paths
            && paths.len() != n
        {
            failures.push(fail(
                &format!("route {} paths", route.prefix),
                n,
                paths.len(),
            ));
        }
    }
    failures
}

fn fail(what: &str, expected: impl ToString, actual: impl ToString) -> Failure {
    Failure {
        what: what.to_string(),
        expected: expected.to_string(),
        actual: actual.to_string(),
    }
}

fn first_lines(body: &str) -> String {
    body.lines().take(3).collect::<Vec<_>>().join("\\n")
}

fn dedup(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if out.last() != Some(n) {
            out.push(n.clone());
        }
    }
    out
}
