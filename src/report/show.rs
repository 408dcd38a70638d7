//! `show` steps: what the book's readers looked at, in the formats they know (kubectl, Contrail's
//! loadbalancer objects, `ps`, haproxy.conf, Junos `show route table`, vRouter `flow -l`).

use std::fmt::Write;

use serde_json::{Value, json};

use super::table::{age, render as table};
use crate::k8s::objects::{Kind, PortRef, ServiceType, Spec};
use crate::k8s::store::StoredObject;
use crate::routing::Vrf;
use crate::scenario::model::{GetOutput, ObjectKey, Show};
use crate::topology::{Role, plan};
use crate::trace::FlowAction;
use crate::world::World;

/// Renders a show step against the world's current state; `Err` names what does not exist.
pub fn render(world: &World, what: &Show, ns: &str) -> Result<String, String> {
    Ok(match what {
        Show::Get { kind, name, output } => get(world, *kind, name.as_deref(), *output, ns)?,
        Show::Loadbalancers => loadbalancers(world),
        Show::Processes { node } => processes(world, node.as_deref())?,
        Show::HaproxyConf { ingress, node } => haproxy_conf(world, ingress, node.as_deref(), ns)?,
        Show::GatewayRoutes { detail } => gateway_routes(world, *detail),
        Show::ControlRoutes => control_routes(world),
        Show::Flows { node } => flows(world, node)?,
        Show::Timeline => super::timeline::render(world, &world.timeline),
    })
}

fn get(
    world: &World,
    kind: Kind,
    name: Option<&str>,
    output: GetOutput,
    ns: &str,
) -> Result<String, String> {
    let objects: Vec<&StoredObject> = world
        .apiserver
        .list(kind)
        .map(|o| &**o)
        .filter(|o| kind == Kind::Namespace || o.object.meta.namespace == ns)
        .filter(|o| name.is_none_or(|n| o.object.meta.name == n))
        .collect();
    if let (Some(n), true) = (name, objects.is_empty()) {
        return Err(format!(
            "{}/{n} does not exist (Error from server (NotFound))",
            kind.reference_word()
        ));
    }
    if output == GetOutput::Yaml {
        let docs: Vec<Value> = objects.iter().map(|o| to_json(o)).collect();
        let value = if docs.len() == 1 {
            docs.into_iter().next().unwrap_or(Value::Null)
        } else {
            json!({"apiVersion": "v1", "kind": "List", "items": docs})
        };
        return serde_saphyr::to_string(&value).map_err(|e| e.to_string());
    }
    let wide = output == GetOutput::Wide;
    let now = world.now().0;
    let mut rows = Vec::new();
    let header: &[&str] = match (kind, wide) {
        (Kind::Pod, false) => &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        (Kind::Pod, true) => &[
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES",
        ],
        (Kind::Service, false) => &[
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
        ],
        (Kind::Service, true) => &[
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR",
        ],
        (Kind::Ingress, _) => &["NAME", "HOSTS", "ADDRESS", "PORTS", "AGE"],
        (Kind::Deployment, _) => &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        (Kind::Namespace, _) => &["NAME", "STATUS", "AGE"],
        (Kind::Secret, _) => &["NAME", "TYPE", "DATA", "AGE"],
    };
    rows.push(header.iter().map(|s| s.to_string()).collect());
    for o in &objects {
        let meta = &o.object.meta;
        let a = age(now.saturating_sub(o.created.0));
        let row: Vec<String> = match &o.object.spec {
            Spec::Pod(spec) => {
                let running = o.status.pod_ip.is_some();
                let mut r = vec![
                    meta.name.clone(),
                    if running { "1/1" } else { "0/1" }.into(),
                    if running {
                        "Running"
                    } else {
                        "ContainerCreating"
                    }
                    .into(),
                    "0".into(),
                    a,
                ];
                if wide {
                    r.push(o.status.pod_ip.map_or("<none>".into(), |ip| ip.to_string()));
                    r.push(spec.node_name.clone().unwrap_or("<none>".into()));
                    r.extend(["<none>".to_string(), "<none>".to_string()]);
                }
                r
            }
            Spec::Service(spec) => {
                let ty = match spec.service_type {
                    ServiceType::ClusterIp => "ClusterIP",
                    ServiceType::LoadBalancer => "LoadBalancer",
                    ServiceType::NodePort => "NodePort",
                };
                let external = addresses(&o.status.load_balancer);
                let external = if external.is_empty() {
                    if spec.service_type == ServiceType::LoadBalancer {
                        "<pending>".into()
                    } else {
                        "<none>".into()
                    }
                } else {
                    external
                };
                let ports = spec
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}/{}",
                            p.port,
                            if p.protocol == crate::k8s::objects::Protocol::Udp {
                                "UDP"
                            } else {
                                "TCP"
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                let mut r = vec![
                    meta.name.clone(),
                    ty.into(),
                    o.status
                        .cluster_ip
                        .map_or("<none>".into(), |ip| ip.to_string()),
                    external,
                    ports,
                    a,
                ];
                if wide {
                    r.push(if spec.selector.is_empty() {
                        "<none>".into()
                    } else {
                        spec.selector
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(",")
                    });
                }
                r
            }
            Spec::Ingress(spec) => {
                let hosts: Vec<String> = spec
                    .rules
                    .iter()
                    .map(|r| r.host.clone().unwrap_or("*".into()))
                    .collect();
                let hosts = if hosts.is_empty() {
                    "*".into()
                } else {
                    hosts.join(",")
                };
                let address = addresses(&o.status.load_balancer);
                // kubectl lists 443 when the Ingress has a `tls` section.
                let ports = if spec.tls.is_empty() { "80" } else { "80, 443" };
                vec![meta.name.clone(), hosts, address, ports.into(), a]
            }
            Spec::Secret(s) => vec![
                meta.name.clone(),
                s.secret_type.clone(),
                s.data.len().to_string(),
                a,
            ],
            Spec::Deployment(spec) => {
                let ready = world
                    .apiserver
                    .list(Kind::Pod)
                    .filter(|p| {
                        p.owner.as_deref() == Some(meta.name.as_str()) && p.status.pod_ip.is_some()
                    })
                    .count();
                vec![
                    meta.name.clone(),
                    format!("{ready}/{}", spec.replicas),
                    spec.replicas.to_string(),
                    ready.to_string(),
                    a,
                ]
            }
            Spec::Namespace => vec![meta.name.clone(), "Active".into(), a],
        };
        rows.push(row);
    }
    if objects.is_empty() {
        return Ok(format!("No resources found in {ns} namespace.\n"));
    }
    Ok(table(&rows))
}

/// Addresses as kubectl lists them: comma-separated.
fn addresses(ips: &[std::net::Ipv4Addr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// An object as `kubectl get -o yaml` shows it (the fields this simulator models).
fn to_json(o: &StoredObject) -> Value {
    let meta = &o.object.meta;
    let mut metadata = json!({"name": meta.name, "resourceVersion": meta.resource_version.to_string(), "uid": meta.uid});
    if o.object.kind() != Kind::Namespace {
        metadata["namespace"] = json!(meta.namespace);
    }
    if !meta.labels.is_empty() {
        metadata["labels"] = json!(meta.labels);
    }
    if !meta.annotations.is_empty() {
        metadata["annotations"] = json!(meta.annotations);
    }
    let lb_status = json!({"loadBalancer": {"ingress": o.status.load_balancer.iter().map(|ip| json!({"ip": ip.to_string()})).collect::<Vec<_>>()}});
    let port = |p: &PortRef| match p {
        PortRef::Number(n) => json!(n),
        PortRef::Name(s) => json!(s),
    };
    let (api_version, spec, status) = match &o.object.spec {
        Spec::Namespace => (
            "v1",
            json!({"finalizers": ["kubernetes"]}),
            json!({"phase": "Active"}),
        ),
        Spec::Pod(spec) => (
            "v1",
            json!({"nodeName": spec.node_name, "containers": spec.containers.iter().map(|c| json!({"name": c.name, "image": c.image})).collect::<Vec<_>>()}),
            json!({"phase": if o.status.pod_ip.is_some() { "Running" } else { "Pending" }, "podIP": o.status.pod_ip.map(|ip| ip.to_string())}),
        ),
        Spec::Service(spec) => (
            "v1",
            json!({
                "clusterIP": o.status.cluster_ip.map(|ip| ip.to_string()),
                "ports": spec.ports.iter().map(|p| json!({"name": p.name, "port": p.port, "protocol": "TCP", "targetPort": port(&p.target_port)})).collect::<Vec<_>>(),
                "selector": spec.selector,
                "type": match spec.service_type { ServiceType::ClusterIp => "ClusterIP", ServiceType::LoadBalancer => "LoadBalancer", ServiceType::NodePort => "NodePort" },
            }),
            lb_status,
        ),
        Spec::Deployment(spec) => (
            "apps/v1",
            json!({"replicas": spec.replicas, "selector": {"matchLabels": spec.selector}}),
            json!({}),
        ),
        Spec::Ingress(spec) => ingress_json(spec, &port, lb_status),
        Spec::Secret(s) => {
            let data: serde_json::Map<String, Value> = s
                .data
                .iter()
                .map(|(k, v)| (k.clone(), json!(base64_encode(v))))
                .collect();
            return json!({"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": s.secret_type, "data": data});
        }
    };
    json!({"apiVersion": api_version, "kind": o.object.kind().as_str(), "metadata": metadata, "spec": spec, "status": status})
}

/// An Ingress spec in the shape of the apiVersion it was written in.
fn ingress_json(
    spec: &crate::k8s::objects::IngressSpec,
    port: &dyn Fn(&PortRef) -> Value,
    status: Value,
) -> (&'static str, Value, Value) {
    let v1 = spec.api_version == "networking.k8s.io/v1";
    let backend = |b: &crate::k8s::objects::IngressBackend| {
        if v1 {
            let port = match &b.service_port {
                PortRef::Number(n) => json!({"number": n}),
                PortRef::Name(s) => json!({"name": s}),
            };
            json!({"service": {"name": b.service_name, "port": port}})
        } else {
            json!({"serviceName": b.service_name, "servicePort": port(&b.service_port)})
        }
    };
    let mut s = json!({});
    if let Some(b) = &spec.default_backend {
        s[if v1 { "defaultBackend" } else { "backend" }] = backend(b);
    }
    if !spec.rules.is_empty() {
        s["rules"] = spec
            .rules
            .iter()
            .map(|r| {
                let paths: Vec<Value> = r
                    .paths
                    .iter()
                    .map(|p| {
                        let mut path = json!({"path": p.path, "backend": backend(&p.backend)});
                        if let Some(t) = p.path_type {
                            path["pathType"] = json!(format!("{t:?}"));
                        }
                        path
                    })
                    .collect();
                let mut rule = json!({"http": {"paths": paths}});
                if let Some(h) = &r.host {
                    rule["host"] = json!(h);
                }
                rule
            })
            .collect();
    }
    let api = if spec.api_version.is_empty() {
        "extensions/v1beta1"
    } else {
        spec.api_version
    };
    (api, s, status)
}

fn loadbalancers(world: &World) -> String {
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
                    .map_or("no readable certificate".to_string(), |cn| format!(
                        "certificate CN={cn}"
                    ))
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

fn compute_names<'a>(
    world: &'a World,
    node: Option<&str>,
) -> Result<Vec<&'a crate::dataplane::Compute>, String> {
    let computes: Vec<_> = world
        .computes
        .iter()
        .flatten()
        .filter(|c| node.is_none_or(|n| c.name == n))
        .collect();
    match (node, computes.is_empty()) {
        (Some(n), true) => Err(format!("node/{n} is not a compute node")),
        _ => Ok(computes),
    }
}

fn processes(world: &World, node: Option<&str>) -> Result<String, String> {
    let mut out = String::new();
    for c in compute_names(world, node)? {
        let _ = writeln!(out, "[root@{} ~]# ps -ef | grep haproxy", c.name);
        let running: Vec<_> = c.haproxies.iter().filter(|h| h.running).collect();
        if running.is_empty() || !c.up {
            let _ = writeln!(out, "(no haproxy process)");
        }
        for h in running.iter().filter(|_| c.up) {
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

fn haproxy_conf(
    world: &World,
    ingress: &str,
    node: Option<&str>,
    ns: &str,
) -> Result<String, String> {
    let key = ObjectKey {
        kind: Kind::Ingress,
        namespace: ns.to_string(),
        name: ingress.to_string(),
    };
    let lb = world
        .kube_manager
        .loadbalancers
        .get(&key)
        .ok_or_else(|| format!("ingress/{ingress} has no loadbalancer"))?;
    let mut candidates: Vec<_> = world
        .computes
        .iter()
        .flatten()
        .filter(|c| node.is_none_or(|n| c.name == n))
        .flat_map(|c| {
            c.haproxies
                .iter()
                .filter(|h| h.running && h.instance.lb_uuid.as_ref() == lb.uuid)
                .map(move |h| (h.instance.index, c.name, h))
        })
        .collect();
    candidates.sort_by_key(|(i, n, _)| (*i, *n));
    let (_, _, h) = candidates.first().ok_or_else(|| {
        format!(
            "no haproxy runs for ingress/{ingress}{}",
            node.map(|n| format!(" on {n}")).unwrap_or_default()
        )
    })?;
    Ok(h.instance.conf.to_string())
}

fn gateway_routes(world: &World, detail: bool) -> String {
    let gw = &world.gateway;
    let multipath = world.env.gateway_multipath;
    let paths_total: usize = gw.vrf.values().map(|p| p.len()).sum::<usize>() + 1;
    let mut out = format!(
        "{}.inet.0: {} destinations, {paths_total} routes ({} active, 0 holddown, 0 hidden)\n",
        plan::GATEWAY_VRF,
        gw.vrf.len() + 1,
        gw.vrf.len() + 1
    );
    if !detail {
        out.push_str("+ = Active Route, - = Last Active, * = Both\n\n");
    }
    let control = world.env.topology.first(Role::Master);
    let rr = world.env.topology.node(control).address;
    for (prefix, paths) in &gw.vrf {
        let active = gw.active_paths(paths, multipath).len();
        if detail {
            let _ = writeln!(
                out,
                "\n{prefix} ({} entr{}, {} announced)",
                paths.len(),
                if paths.len() == 1 { "y" } else { "ies" },
                active
            );
            for (i, p) in paths.iter().enumerate() {
                let mark = if i < active { "*" } else { " " };
                let _ = writeln!(
                    out,
                    "        {mark}BGP    Preference: 170/-{}",
                    p.local_pref + 1
                );
                let _ = writeln!(
                    out,
                    "                Route Distinguisher: {}",
                    p.rd(Vrf::Public)
                );
                let _ = writeln!(out, "                Next hop type: Indirect");
                let _ = writeln!(out, "                Source: {rr}");
                let _ = writeln!(
                    out,
                    "                Next hop: via gr-2/3/0.32771 (GRE tunnel to {}), selected",
                    p.next_hop
                );
                let _ = writeln!(out, "                Label operation: Push {}", p.label);
                let _ = writeln!(out, "                Protocol next hop: {}", p.next_hop);
                let _ = writeln!(out, "                Local Preference: {}", p.local_pref);
                let _ = writeln!(
                    out,
                    "                State: <{}Secondary Int Ext>",
                    if i < active { "Active " } else { "" }
                );
                let _ = writeln!(out, "                Metric: {}", p.med);
                let _ = writeln!(out, "                AS path: ?");
                let _ = writeln!(out, "                VPN Label: {}", p.label);
                let _ = writeln!(out, "                Primary Routing Table bgp.l3vpn.0");
            }
        } else {
            for (i, p) in paths.iter().enumerate() {
                let lead = if i == 0 {
                    format!("{:<19}", prefix.to_string())
                } else {
                    " ".repeat(19)
                };
                let mark = if i < active { "*" } else { " " };
                let _ = writeln!(
                    out,
                    "{lead}{mark}[BGP/170] MED {}, localpref {}, from {rr}",
                    p.med, p.local_pref
                );
                let _ = writeln!(
                    out,
                    "                      AS path: ?, validation-state: unverified"
                );
                let _ = writeln!(
                    out,
                    "                    > via gr-2/3/0.32771 to {}, Push {}",
                    p.next_hop, p.label
                );
            }
        }
    }
    let connected = "15.15.15.0/24";
    if detail {
        let _ = writeln!(
            out,
            "\n{connected} (1 entry, 1 announced)\n        *Direct Preference: 0\n                Next hop: via ge-0/0/1.0, selected"
        );
    } else {
        let _ = writeln!(
            out,
            "{connected:<19}*[Direct/0]\n                    > via ge-0/0/1.0"
        );
    }
    out
}

fn control_routes(world: &World) -> String {
    let mut out = String::new();
    let mut last_vrf = None;
    for ((vrf, prefix), paths) in &world.control_node.table {
        if last_vrf != Some(*vrf) {
            let _ = writeln!(out, "{}.inet.0", vrf.name());
            last_vrf = Some(*vrf);
        }
        let best = crate::routing::best_paths(paths);
        let mut sorted = paths.clone();
        sorted.sort_by_key(|p| (std::cmp::Reverse(p.local_pref), p.med, p.next_hop, p.label));
        for p in &sorted {
            let mark = if best.contains(p) { "*" } else { " " };
            let _ = writeln!(
                out,
                "  {mark} {:<18} next hop {:<14} label {:<4} localpref {:<4} MED {:<4} RD {}  (XMPP {})",
                prefix.to_string(),
                p.next_hop.to_string(),
                p.label,
                p.local_pref,
                p.med,
                p.rd(*vrf),
                world.env.topology.name(p.origin)
            );
        }
    }
    if out.is_empty() {
        out.push_str("no routes\n");
    }
    out
}

fn flows(world: &World, node: &str) -> Result<String, String> {
    let c = compute_names(world, Some(node))?
        .into_iter()
        .next()
        .ok_or_else(|| format!("node/{node} is not a compute node"))?;
    let mut rows = vec![
        [
            "Index",
            "Source:Port",
            "Destination:Port",
            "Proto",
            "Action",
            "VRF",
            "Packets",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut entries: Vec<_> = c
        .flows
        .order
        .iter()
        .filter_map(|k| c.flows.table.get(k).map(|f| (k, f)))
        .collect();
    entries.sort_by_key(|(_, f)| f.index);
    for (k, f) in entries {
        let action = match (f.action, f.rewrite) {
            (FlowAction::Forward | FlowAction::Drop, _) | (_, None) => {
                f.action.as_str().to_string()
            }
            (a, Some(rw)) => format!("{} → {}:{}", a.as_str(), rw.address, rw.port),
        };
        rows.push(vec![
            format!("{}<=>{}", f.index, f.reverse),
            format!("{}:{}", k.src, k.sport),
            format!("{}:{}", k.dst, k.dport),
            k.proto.to_string(),
            action,
            format!("{:?}", f.vrf),
            f.packets.to_string(),
        ]);
    }
    Ok(format!("[root@{} ~]# flow -l\n{}", c.name, table(&rows)))
}

/// Standard base64 with padding, as kubectl shows Secret data.
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_encode_round_trips() {
        for text in ["", "h", "he", "hel", "hello!", "tls.crt\n"] {
            let encoded = super::base64_encode(text.as_bytes());
            assert_eq!(
                crate::k8s::certificate::base64_decode(&encoded).as_deref(),
                Some(text.as_bytes())
            );
        }
        assert_eq!(super::base64_encode(b"hello"), "aGVsbG8=");
    }
}
