//! kubectl's views: `get` tables (with `-o wide`, `-A`'s NAMESPACE column), `-o yaml`, and
//! `get endpoints`. A pod's STATUS follows kubectl 1.12: `Unknown` once evicted from an
//! unreachable node, `Terminating` while being deleted, `CrashLoopBackOff` while its container
//! keeps exiting; READY counts running containers (a pod of a NotReady node still shows 1/1).

use serde_json::{Value, json};

use crate::control::apiserver::NODE_LOST;
use crate::dataplane::compute::kubelet::restart_attempts;
use crate::k8s::objects::{Kind, PortRef, ServiceType, Spec};
use crate::k8s::store::StoredObject;
use crate::report::table::{age, render as table};
use crate::scenario::model::GetOutput;
use crate::sim::Time;
use crate::world::World;

/// The version every node's kubelet reports.
pub const KUBELET_VERSION: &str = "v1.12.3";

pub(super) fn get(
    world: &World,
    kind: Kind,
    name: Option<&str>,
    output: GetOutput,
    ns: Option<&str>,
) -> Result<String, String> {
    let objects: Vec<&StoredObject> = world
        .apiserver
        .list(kind)
        .map(|o| &**o)
        .filter(|o| {
            matches!(kind, Kind::Namespace | Kind::Node)
                || ns.is_none_or(|ns| *o.object.meta.namespace == *ns)
        })
        .filter(|o| name.is_none_or(|n| *o.object.meta.name == *n))
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
        (Kind::Node, false) => &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        (Kind::Node, true) => &["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP"],
    };
    let all = ns.is_none() && !matches!(kind, Kind::Namespace | Kind::Node);
    let mut head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    if all {
        head.insert(0, "NAMESPACE".to_string());
    }
    rows.push(head);
    for o in &objects {
        let meta = &o.object.meta;
        let a = age(now.saturating_sub(o.created.0));
        let mut row: Vec<String> = match &o.object.spec {
            Spec::Pod(spec) => {
                let (ready, status, restarts) = pod_status(o, world.now());
                let mut r = vec![meta.name.to_string(), ready, status, restarts, a];
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
                    meta.name.to_string(),
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
                vec![meta.name.to_string(), hosts, address, ports.into(), a]
            }
            Spec::Deployment(spec) => {
                let ready = world
                    .apiserver
                    .list(Kind::Pod)
                    .filter(|p| {
                        p.owner.as_deref() == Some(&*meta.name)
                            && p.object.meta.namespace == meta.namespace
                            && p.status.ready
                            && p.deletion.is_none()
                    })
                    .count();
                vec![
                    meta.name.to_string(),
                    format!("{ready}/{}", spec.replicas),
                    spec.replicas.to_string(),
                    ready.to_string(),
                    a,
                ]
            }
            Spec::Namespace => vec![meta.name.to_string(), "Active".into(), a],
            Spec::Secret(s) => vec![
                meta.name.to_string(),
                s.secret_type.clone(),
                s.data.len().to_string(),
                a,
            ],
            Spec::Node(spec) => {
                let mut r = vec![
                    meta.name.to_string(),
                    if o.status.ready { "Ready" } else { "NotReady" }.into(),
                    if spec.master { "master" } else { "<none>" }.into(),
                    a,
                    KUBELET_VERSION.into(),
                ];
                if wide {
                    let ip = world
                        .env
                        .topology
                        .find(&meta.name)
                        .map(|n| world.env.topology.node(n).address.to_string());
                    r.push(ip.unwrap_or_default());
                }
                r
            }
        };
        if all {
            row.insert(0, meta.namespace.to_string());
        }
        rows.push(row);
    }
    if objects.is_empty() {
        return Ok(match ns {
            Some(ns) if !matches!(kind, Kind::Namespace | Kind::Node) => {
                format!("No resources found in {ns} namespace.\n")
            }
            _ => "No resources found\n".to_string(),
        });
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
pub(super) fn to_json(o: &StoredObject) -> Value {
    let meta = &o.object.meta;
    let mut metadata = json!({"name": meta.name, "resourceVersion": o.resource_version.to_string(), "uid": meta.uid});
    if !matches!(o.object.kind(), Kind::Namespace | Kind::Node) {
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
            json!({
                "phase": if o.status.pod_ip.is_some() { "Running" } else { "Pending" },
                "podIP": o.status.pod_ip.map(|ip| ip.to_string()),
                "conditions": [{"type": "Ready", "status": if o.status.ready { "True" } else { "False" }}],
                "reason": o.status.reason,
            }),
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
        Spec::Node(_) => (
            "v1",
            json!({}),
            json!({"conditions": [{"type": "Ready", "status": if o.status.ready { "True" } else { "Unknown" }}]}),
        ),
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

/// A pod's READY, STATUS and RESTARTS columns.
fn pod_status(o: &StoredObject, now: Time) -> (String, String, String) {
    let s = &o.status;
    let mut restarts = s.restarts;
    let (ready, status) = if o.deletion.is_some() && s.reason == Some(NODE_LOST) {
        (s.running, "Unknown")
    } else if o.deletion.is_some() {
        (s.running, "Terminating")
    } else if let Some(since) = s.crash_since {
        restarts += restart_attempts(since, crate::sim::time::SECOND * 10, now).0;
        (false, "CrashLoopBackOff")
    } else if s.running {
        (true, "Running")
    } else if matches!(&o.object.spec, Spec::Pod(p) if p.node_name.is_some()) {
        (false, "ContainerCreating")
    } else {
        (false, "Pending")
    };
    (
        if ready { "1/1" } else { "0/1" }.to_string(),
        status.to_string(),
        restarts.to_string(),
    )
}

/// `kubectl get endpoints`: the ready addresses of each Service with their target ports.
pub(super) fn endpoints(
    world: &World,
    name: Option<&str>,
    ns: Option<&str>,
) -> Result<String, String> {
    let services: Vec<&StoredObject> = world
        .apiserver
        .list(Kind::Service)
        .map(|o| &**o)
        .filter(|o| ns.is_none_or(|ns| *o.object.meta.namespace == *ns))
        .filter(|o| name.is_none_or(|n| *o.object.meta.name == *n))
        .collect();
    if let (Some(n), true) = (name, services.is_empty()) {
        return Err(format!(
            "endpoints/{n} does not exist (Error from server (NotFound))"
        ));
    }
    if services.is_empty() {
        return Ok(match ns {
            Some(ns) => format!("No resources found in {ns} namespace.\n"),
            None => "No resources found\n".to_string(),
        });
    }
    let now = world.now().0;
    let mut head = vec!["NAME".to_string(), "ENDPOINTS".into(), "AGE".into()];
    if ns.is_none() {
        head.insert(0, "NAMESPACE".into());
    }
    let mut rows = vec![head];
    for s in &services {
        let Spec::Service(spec) = &s.object.spec else {
            continue;
        };
        let addresses = world
            .apiserver
            .endpoints
            .get(&s.key())
            .map(|e| e.addresses.clone())
            .unwrap_or_default();
        let mut list = Vec::new();
        for (pod, ip, _) in &addresses {
            for port in &spec.ports {
                let target = match &port.target_port {
                    PortRef::Number(n) => n.to_string(),
                    PortRef::Name(p) => container_port(world, pod, p).unwrap_or_else(|| p.clone()),
                };
                list.push(format!("{ip}:{target}"));
            }
        }
        let shown = match list.len() {
            0 => "<none>".to_string(),
            1..=3 => list.join(","),
            n => format!(
                "{} + {} more...",
                list.iter().take(3).cloned().collect::<Vec<_>>().join(","),
                n - 3
            ),
        };
        let mut row = vec![
            s.object.meta.name.to_string(),
            shown,
            age(now.saturating_sub(s.created.0)),
        ];
        if ns.is_none() {
            row.insert(0, s.object.meta.namespace.to_string());
        }
        rows.push(row);
    }
    Ok(table(&rows))
}

/// The number of a pod's container port called `name`.
fn container_port(
    world: &World,
    pod: &crate::k8s::objects::ObjectKey,
    name: &str,
) -> Option<String> {
    let o = world.apiserver.get(pod)?;
    let Spec::Pod(ps) = &o.object.spec else {
        return None;
    };
    ps.containers
        .iter()
        .flat_map(|c| &c.ports)
        .find(|cp| cp.name.as_deref() == Some(name))
        .map(|cp| cp.container_port.to_string())
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
mod base64_tests {
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
