//! Contrail's objects: loadbalancers with their listeners, pools and members; the haproxy
//! processes of each compute, `ps` style; the haproxy.conf an Ingress's haproxy runs.

use std::fmt::Write;

use super::computes;
use crate::k8s::objects::ObjectKey;
use crate::topology::NodeId;
use crate::world::World;

pub(super) fn loadbalancers(world: &World) -> String {
    let mut out = String::new();
    for lb in world.kube_manager.loadbalancers.values() {
        let _ = writeln!(out, "loadbalancer {}  {}", lb.display_name, lb.uuid);
        let _ = writeln!(out, "  provider: {}", lb.provider.as_str());
        let _ = write!(out, "  vip: {}", lb.vip);
        if let Some(fip) = lb.fip {
            let _ = write!(
                out,
                "  floating-ip: {fip} ({})",
                lb.fip_pool.as_deref().unwrap_or("?")
            );
        }
        out.push('\n');
        if let Some(vmi) = &lb.vmi {
            let _ = writeln!(out, "  virtual-machine-interface: {vmi}");
        }
        for c in &lb.certificates {
            let _ = writeln!(
                out,
                "  tls container {}: {}",
                c.container,
                c.cn.as_ref()
                    .map_or("no readable certificate".to_string(), |cn| {
                        format!("certificate CN={cn}")
                    })
            );
        }
        for l in &lb.listeners {
            let _ = writeln!(out, "  listener {}  {} {}", l.uuid, l.protocol, l.port);
            if let Some(t) = &l.tls {
                let _ = writeln!(
                    out,
                    "    default_tls_container: {}  sni_containers: [{}]",
                    t.default_container.as_deref().unwrap_or("-"),
                    t.sni_containers.join(", ")
                );
            }
            let rule = match &l.pool.rule {
                crate::control::config::PoolRule::Default => "type=default".to_string(),
                crate::control::config::PoolRule::Service => "type=service".to_string(),
                crate::control::config::PoolRule::Acl {
                    host,
                    path,
                    path_type,
                } => {
                    let mut s = "type=acl".to_string();
                    if let Some(h) = host {
                        s.push_str(&format!(", host={h}"));
                    }
                    if let Some(p) = path {
                        s.push_str(&format!(", path={p}"));
                    }
                    if let Some(t) = path_type {
                        s.push_str(&format!(", pathType={t:?}"));
                    }
                    s
                }
            };
            let _ = writeln!(out, "    pool {}  {rule}", l.pool.uuid);
            for m in &l.pool.members {
                let who = m
                    .target
                    .as_ref()
                    .map(|t| format!("  (pod {})", t.pod.name))
                    .or_else(|| {
                        m.service
                            .as_ref()
                            .map(|s| format!("  (service {})", s.name))
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "      member {}  {}:{}{who}",
                    m.uuid, m.address, m.port
                );
            }
        }
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("no loadbalancers\n");
    }
    out
}

pub(super) fn processes(world: &World, node: Option<NodeId>) -> Result<String, String> {
    let mut out = String::new();
    for c in computes(world, node)? {
        let _ = writeln!(out, "[root@{} ~]# ps -ef | grep haproxy", c.name);
        let running: Vec<_> = c.haproxies.iter().filter(|h| h.running).collect();
        if running.is_empty() || !c.powered {
            let _ = writeln!(out, "(no haproxy process)");
        }
        for h in running.iter().filter(|_| c.powered) {
            let dir = format!(
                "{}/{}",
                crate::dataplane::haproxy::render::LB_DIR,
                h.instance.lb_uuid
            );
            let role = if h.instance.index == 0 {
                "active"
            } else {
                "standby"
            };
            let _ = writeln!(
                out,
                "haproxy  {:>6}      1  haproxy -f {dir}/haproxy.conf -p {dir}/haproxy.pid   # {} ({role})",
                h.pid, h.instance.ingress.name
            );
        }
        out.push('\n');
    }
    Ok(out)
}

pub(super) fn haproxy_conf(
    world: &World,
    key: &ObjectKey,
    node: Option<NodeId>,
) -> Result<String, String> {
    let ingress = &key.name;
    let lb = world
        .kube_manager
        .loadbalancers
        .get(key)
        .ok_or_else(|| format!("ingress/{ingress} has no loadbalancer"))?;
    let mut candidates: Vec<_> = world
        .computes
        .iter()
        .flatten()
        .filter(|c| node.is_none_or(|n| c.id == n))
        .flat_map(|c| {
            c.haproxies
                .iter()
                .filter(|h| h.running && h.instance.lb_uuid.as_ref() == lb.uuid)
                .map(move |h| (h.instance.index, c.name.as_str(), h))
        })
        .collect();
    candidates.sort_by_key(|(i, n, _)| (*i, *n));
    let (_, _, h) = candidates.first().ok_or_else(|| {
        format!(
            "no haproxy runs for ingress/{ingress}{}",
            node.map(|n| format!(" on {}", world.env.topology.name(n)))
                .unwrap_or_default()
        )
    })?;
    Ok(h.instance.conf.to_string())
}
