//! A Service's `spec`: its type, ports, selector and cluster IP.

use std::collections::BTreeSet;

use super::{error, list, port_number, port_ref, protocol, string_map};
use crate::diag::Diagnostics;
use crate::k8s::objects::{PortRef, ServicePort, ServiceSpec, ServiceType};
use crate::k8s::validation;
use crate::yaml::{MapReader, Node};

const IGNORED_SERVICE_FIELDS: &[&str] = &[
    "allocateLoadBalancerNodePorts",
    "clusterIPs",
    "externalIPs",
    "externalTrafficPolicy",
    "healthCheckNodePort",
    "internalTrafficPolicy",
    "ipFamilies",
    "ipFamilyPolicy",
    "loadBalancerSourceRanges",
    "publishNotReadyAddresses",
    "sessionAffinity",
    "sessionAffinityConfig",
];

/// A Service's `spec`.
pub fn service_spec(node: &Node, diags: &mut Diagnostics) -> ServiceSpec {
    let mut spec = ServiceSpec::default();
    let Some(mut m) = node.as_map("spec", diags) else {
        return spec;
    };
    if let Some(t) = m.take("type")
        && let Some(s) = t.as_str("`spec.type`", diags)
    {
        spec.service_type = match s {
            "ClusterIP" => ServiceType::ClusterIp,
            "LoadBalancer" => ServiceType::LoadBalancer,
            "NodePort" => ServiceType::NodePort,
            other => {
                diags.push(
                    error(t, format!("unsupported Service type {other:?}"))
                        .with_hint("supported types: ClusterIP, LoadBalancer, NodePort"),
                );
                ServiceType::ClusterIp
            }
        };
    }
    if let Some(sel) = m.take("selector") {
        spec.selector = string_map(sel, "spec.selector", true, diags);
    }
    spec.cluster_ip = ipv4_field(&mut m, "clusterIP", diags);
    spec.load_balancer_ip = ipv4_field(&mut m, "loadBalancerIP", diags);
    let items = list(&mut m, "ports", true, diags);
    let mut names = BTreeSet::new();
    for (i, p) in items.iter().enumerate() {
        if let Some(port) = service_port(p, &format!("spec.ports[{i}]"), items.len() > 1, diags) {
            if let Some(n) = &port.name
                && !names.insert(n.clone())
            {
                diags.push(error(p, format!("duplicate port name {n:?}")));
            }
            spec.ports.push(port);
        }
    }
    m.ignore(IGNORED_SERVICE_FIELDS);
    m.finish(diags);
    spec
}

fn ipv4_field(
    m: &mut MapReader,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Option<std::net::Ipv4Addr> {
    let node = m.take(key)?;
    let s = node.as_str(&format!("`{}`", m.field_path(key)), diags)?;
    if s.is_empty() {
        return None;
    }
    if key == "clusterIP" && s == "None" {
        diags.push(error(
            node,
            "headless Services (`clusterIP: None`) are not supported",
        ));
        return None;
    }
    match s.parse() {
        Ok(ip) => Some(ip),
        Err(_) => {
            diags.push(error(
                node,
                format!(
                    "`{}` must be an IPv4 address, found {s:?}",
                    m.field_path(key)
                ),
            ));
            None
        }
    }
}

fn service_port(
    node: &Node,
    path: &str,
    several: bool,
    diags: &mut Diagnostics,
) -> Option<ServicePort> {
    let mut m = node.as_map(path, diags)?;
    let name = m.take("name").and_then(|n| {
        let s = n.as_str(&format!("`{path}.name`"), diags)?;
        if let Some(why) = validation::dns1123_label(s) {
            diags.push(error(n, format!("invalid port name: {why}")));
        }
        Some(s.to_string())
    });
    if several && name.is_none() {
        diags.push(error(
            node,
            format!("`{path}.name` is required when a Service has more than one port"),
        ));
    }
    let protocol = protocol(&mut m, diags);
    let port = m
        .require("port", diags)
        .and_then(|n| port_number(n, &format!("`{path}.port`"), diags));
    let target_port = match m.take("targetPort") {
        Some(n) => Some(port_ref(n, &format!("`{path}.targetPort`"), diags)?),
        None => None,
    };
    m.ignore(&["nodePort", "appProtocol"]);
    m.finish(diags);
    let port = port?;
    Some(ServicePort {
        name,
        protocol,
        port,
        target_port: target_port.unwrap_or(PortRef::Number(port)),
    })
}
