//! The control-plane timeline for a person: what happened when, which component, caused by what.

use std::fmt::Write;

use crate::k8s::objects::ObjectKey;
use crate::topology::NodeId;
use crate::world::timeline::{Actor, Note, SessionEnded, What};
use crate::world::{Session, World};

pub fn actor_name(world: &World, actor: Actor) -> String {
    let node = |n| world.env.topology.name(n);
    match actor {
        Actor::ApiServer => "kube-apiserver".into(),
        Actor::Scheduler => "kube-scheduler".into(),
        Actor::ControllerManager => "kube-controller-manager".into(),
        Actor::KubeManager => "contrail-kube-manager".into(),
        Actor::SvcMonitor => "contrail-svc-monitor".into(),
        Actor::ControlNode => "contrail-control".into(),
        Actor::Agent(n) => format!("{}/vrouter-agent", node(n)),
        Actor::Kubelet(n) => format!("{}/kubelet", node(n)),
        Actor::Gateway => "camaro".into(),
        Actor::Network => "(network)".into(),
    }
}

fn key(k: &ObjectKey) -> String {
    format!("{}/{}", k.kind.reference_word(), k.name)
}

/// A session as people name it: `XMPP cent222 <-> cent111`.
pub fn session_name(world: &World, s: Session) -> String {
    let t = &world.env.topology;
    let master = t.name(t.master());
    match s {
        Session::Xmpp(n) => format!("XMPP {} <-> {master}", t.name(n)),
        Session::Kubelet(n) => format!("node status {} -> {master}", t.name(n)),
        Session::Bgp => format!("BGP {master} <-> {}", t.name(t.gateway())),
    }
}

/// One note in words.
pub fn describe(world: &World, what: &What) -> String {
    let node = |n: NodeId| world.env.topology.name(n).to_string();
    let maybe = |n: &Option<NodeId>| n.map_or("(unscheduled)".to_string(), node);
    let session = |s: &Session| session_name(world, *s);
    match what {
        What::Stored {
            key: k,
            watch,
            resource_version,
        } => format!(
            "{} {} (resourceVersion {resource_version})",
            watch.as_str(),
            key(k)
        ),
        What::Unchanged { key: k } => format!("{} unchanged", key(k)),
        What::ClusterIp { service, ip } => format!("{} gets clusterIP {ip}", key(service)),
        What::PodCreated { pod, deployment } => {
            format!("deployment/{deployment} creates {}", key(pod))
        }
        What::Scheduled { pod, node: n } => format!("binds {} to {n}", key(pod)),
        What::Endpoints { service, count } => {
            format!("endpoints of {}: {count} address(es)", key(service))
        }
        What::NetworkPolicy { a, b } => format!("policy connects {a} and {b}"),
        What::Interface {
            pod,
            vmi,
            ip,
            node: n,
            vrf,
        } => format!(
            "{} gets interface {vmi} with {ip} in {} on {}",
            key(pod),
            vrf.network(),
            node(*n)
        ),
        What::InterfacePlumbed { pod, ip, vrf } => {
            format!("plumbs {} with {ip} in {}", key(pod), vrf.network())
        }
        What::ContainerStarted { pod, restarts } => match restarts {
            0 => format!("{} running", key(pod)),
            n => format!("{} running again (restarts {n})", key(pod)),
        },
        What::ContainerExited { pod } => {
            format!("{} container exited: CrashLoopBackOff", key(pod))
        }
        What::Loadbalancer {
            uuid,
            name,
            provider,
            vip,
            fip,
            pools,
            members,
            created,
        } => format!(
            "{} loadbalancer {name} ({uuid}) provider {} vip {vip}{} with {pools} pool(s), {members} member(s)",
            if *created { "creates" } else { "updates" },
            provider.as_str(),
            fip.map(|f| format!(" fip {f}")).unwrap_or_default()
        ),
        What::LoadbalancerDeleted { uuid, name } => format!("deletes loadbalancer {name} ({uuid})"),
        What::NoFloatingIp { key: k, pool } => {
            format!(
                "{}: ERROR floating-IP pool {pool} not found: no floating IP",
                key(k)
            )
        }
        What::IngressStatus { ingress, ips } => format!(
            "{} status {:?}",
            key(ingress),
            ips.iter().map(ToString::to_string).collect::<Vec<_>>()
        ),
        What::ServiceInstance {
            uuid,
            active,
            standby,
        } => format!(
            "haproxy service instance {uuid}: active {}, standby {}",
            maybe(active),
            maybe(standby)
        ),
        What::EcmpFloatingIps {
            service,
            fip,
            interfaces,
        } => format!(
            "ECMP: {} floating IP {fip} on {interfaces} interface(s)",
            key(service)
        ),
        What::VrouterState { node: n, up: true } => {
            format!("vrouter {} is functional again", node(*n))
        }
        What::VrouterState { node: n, up: false } => {
            format!("vrouter {} down: three checks in a row", node(*n))
        }
        What::VmUnscheduled { uuid, node: n } => {
            format!("vrouter {} down for a VM of {uuid}: unscheduled", node(*n))
        }
        What::NoVrouter { uuid } => {
            format!("no vrouter is available for scheduling a VM of {uuid}")
        }
        What::HaproxyStarted {
            uuid,
            pid,
            previous,
        } => match previous {
            Some(old) => format!("reloads haproxy {uuid}: pid {pid} (-sf {old})"),
            None => format!("starts haproxy {uuid}: pid {pid}"),
        },
        What::HaproxyStopped { uuid, pid } => format!("stops haproxy {uuid} (pid {pid})"),
        What::HaproxyExited { uuid, pid } => {
            format!("haproxy {uuid} (pid {pid}) exited; nothing restarts it, its routes stay")
        }
        What::HaproxyFailed { uuid, reason } => format!("haproxy {uuid}: FAILED: {reason}"),
        What::Published {
            vrf,
            prefix,
            label,
            local_pref,
        } => format!(
            "XMPP publish {prefix} in {} label {label} localpref {local_pref}",
            vrf.network()
        ),
        What::Retracted { vrf, prefix, label } => {
            format!("XMPP retract {prefix} in {} label {label}", vrf.network())
        }
        What::BestPath {
            vrf,
            prefix,
            next_hops,
            local_pref,
        } => {
            if next_hops.is_empty() {
                format!("{prefix} in {} withdrawn", vrf.network())
            } else {
                format!(
                    "best path {prefix} in {}: {} localpref {local_pref}",
                    vrf.network(),
                    join(next_hops)
                )
            }
        }
        What::GatewayRoute {
            prefix,
            next_hops,
            local_pref,
        } => {
            if next_hops.is_empty() {
                format!("BGP withdraw {prefix}")
            } else {
                format!(
                    "BGP route {prefix} via {} localpref {local_pref}",
                    join(next_hops)
                )
            }
        }
        What::Path {
            session: s,
            up: false,
        } => {
            format!("{}: keepalives stop getting through", session(s))
        }
        What::Path {
            session: s,
            up: true,
        } => {
            format!("{}: keepalives get through again", session(s))
        }
        What::SessionUp { session: s } => format!("{} established", session(s)),
        What::SessionDown { session: s, why } => {
            let why = match why {
                SessionEnded::HoldExpired { last_heard } => {
                    format!("hold timer expired (nothing heard since {last_heard})")
                }
                SessionEnded::Closed => "the peer closed the connection".to_string(),
                SessionEnded::Reset => "the peer restarted: connection reset".to_string(),
                SessionEnded::Replaced => "the peer opened a new session".to_string(),
            };
            format!("{} down: {why}", session(s))
        }
        What::HoldRunning {
            session: s,
            last_heard,
            expires,
        } => format!(
            "{}: last heard at {last_heard}; hold timer expires at {expires}",
            session(s)
        ),
        What::SessionResumed { session: s } => {
            format!("{} resumes before its hold timer expired", session(s))
        }
        What::RoutesKept => "keeps the routes it learned (no headless option in R5)".into(),
        What::ProcessStarted { .. } => "process starts with nothing learned".into(),
        What::ProcessStopped => "process stops".into(),
        What::NodeSilent {
            node: n,
            last_status,
            not_ready_at,
        } => format!(
            "node {}: last status at {last_status}; NotReady at {not_ready_at} (grace period)",
            node(*n)
        ),
        What::NodeReady { node: n, ready } => format!(
            "node {} {}",
            node(*n),
            if *ready {
                "Ready"
            } else {
                "NotReady: its pods are marked not ready"
            }
        ),
        What::Evicting { node: n, pods } => {
            format!(
                "evicts {pods} pod(s) of node {} (pod-eviction-timeout)",
                node(*n)
            )
        }
        What::EvictionsHeld { why } => format!("no eviction: {why}"),
        What::Waiting { key: k, reason } => format!("{}: {reason}", key(k)),
        What::Failed { key: k, reason } => format!("{}: FAILED: {reason}", key(k)),
    }
}

fn join(ips: &[std::net::Ipv4Addr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn render(world: &World, notes: &[Note]) -> String {
    let mut out = String::new();
    for n in notes {
        let cause = n.cause.map(|c| format!(" <- #{}", c.0)).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>12}  {:<24} {}   [#{}{cause}]",
            n.at.to_string(),
            actor_name(world, n.actor),
            describe(world, &n.what),
            n.event.0
        );
    }
    out
}
