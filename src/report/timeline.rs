//! The control-plane timeline for a person: what happened when, which component, caused by what.

use std::fmt::Write;

use crate::scenario::model::ObjectKey;
use crate::world::World;
use crate::world::timeline::{Actor, Note, What};

pub fn actor_name(world: &World, actor: Actor) -> String {
    match actor {
        Actor::ApiServer => "kube-apiserver".into(),
        Actor::Scheduler => "kube-scheduler".into(),
        Actor::ControllerManager => "kube-controller-manager".into(),
        Actor::KubeManager => "contrail-kube-manager".into(),
        Actor::SvcMonitor => "contrail-svc-monitor".into(),
        Actor::ControlNode => "contrail-control".into(),
        Actor::Agent(n) => format!("{}/vrouter-agent", world.env.topology.name(n)),
        Actor::Gateway => "camaro".into(),
    }
}

fn key(k: &ObjectKey) -> String {
    format!("{}/{}", k.kind.reference_word(), k.name)
}

/// One note in words.
pub fn describe(world: &World, what: &What) -> String {
    let node = |n| world.env.topology.name(n);
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
        What::Interface {
            pod,
            vmi,
            ip,
            node: n,
        } => format!(
            "{} gets interface {vmi} with {ip} on {}",
            key(pod),
            node(*n)
        ),
        What::PodRunning { pod, ip } => format!("{} running with {ip}", key(pod)),
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
            node(*active),
            node(*standby)
        ),
        What::EcmpFloatingIps {
            service,
            fip,
            interfaces,
        } => format!(
            "ECMP: {} floating IP {fip} on {interfaces} interface(s)",
            key(service)
        ),
        What::HaproxyStarted {
            uuid,
            pid,
            previous,
        } => match previous {
            Some(old) => format!("reloads haproxy {uuid}: pid {pid} (-sf {old})"),
            None => format!("starts haproxy {uuid}: pid {pid}"),
        },
        What::HaproxyStopped { uuid, pid } => format!("stops haproxy {uuid} (pid {pid})"),
        What::HaproxyFailed { uuid, reason } => format!("haproxy {uuid}: FAILED: {reason}"),
        What::Published {
            vrf,
            prefix,
            label,
            local_pref,
            med,
        } => format!(
            "XMPP publish {prefix} in {vrf:?} label {label} localpref {local_pref} MED {med}"
        ),
        What::Retracted { vrf, prefix, label } => {
            format!("XMPP retract {prefix} in {vrf:?} label {label}")
        }
        What::BestPath {
            vrf,
            prefix,
            next_hops,
            local_pref,
        } => {
            if next_hops.is_empty() {
                format!("{prefix} in {vrf:?} withdrawn")
            } else {
                format!(
                    "best path {prefix} in {vrf:?}: {} localpref {local_pref}",
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
        What::Waiting { key: k, reason } => format!("{}: {reason}", key(k)),
        What::NoFloatingIp { key: k, pool } => format!(
            "{}: floating-IP pool {pool} does not exist: no floating IP",
            key(k)
        ),
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
