//! A pod spec (a Pod's `spec`, a Deployment's `spec.template.spec`): the node it is bound
//! to, its containers and their ports.

use std::collections::BTreeSet;

use super::{error, list, port_number, protocol};
use crate::diag::Diagnostics;
use crate::k8s::objects::{Container, ContainerPort, PodSpec};
use crate::k8s::validation;
use crate::yaml::Node;

/// Pod fields Kubernetes accepts that the simulator does not model.
const IGNORED_POD_FIELDS: &[&str] = &[
    "affinity",
    "automountServiceAccountToken",
    "dnsConfig",
    "dnsPolicy",
    "enableServiceLinks",
    "hostname",
    "imagePullSecrets",
    "initContainers",
    "nodeSelector",
    "priority",
    "priorityClassName",
    "restartPolicy",
    "schedulerName",
    "securityContext",
    "serviceAccount",
    "serviceAccountName",
    "subdomain",
    "terminationGracePeriodSeconds",
    "tolerations",
    "topologySpreadConstraints",
    "volumes",
];

/// Container fields Kubernetes accepts that the simulator does not model.
const IGNORED_CONTAINER_FIELDS: &[&str] = &[
    "args",
    "command",
    "env",
    "envFrom",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "readinessProbe",
    "resources",
    "securityContext",
    "startupProbe",
    "stdin",
    "stdinOnce",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tty",
    "volumeDevices",
    "volumeMounts",
    "workingDir",
];

/// A pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment).
pub fn pod_spec(node: &Node, path: &str, diags: &mut Diagnostics) -> PodSpec {
    let Some(mut m) = node.as_map(path, diags) else {
        return PodSpec::default();
    };
    let node_name = m
        .take("nodeName")
        .and_then(|n| n.as_nonempty_str(&format!("`{}`", m.field_path("nodeName")), diags))
        .map(str::to_string);
    let mut containers = Vec::new();
    let mut names = BTreeSet::new();
    for (i, c) in list(&mut m, "containers", true, diags).iter().enumerate() {
        if let Some(container) =
            container(c, &format!("{}[{i}]", m.field_path("containers")), diags)
        {
            if !names.insert(container.name.clone()) {
                diags.push(error(
                    c,
                    format!("duplicate container name {:?}", container.name),
                ));
            }
            containers.push(container);
        }
    }
    m.ignore(IGNORED_POD_FIELDS);
    m.finish(diags);
    PodSpec {
        node_name,
        containers,
    }
}

fn container(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<Container> {
    let mut m = node.as_map(path, diags)?;
    let name = m.require("name", diags).and_then(|n| {
        let s = n.as_str(&format!("`{path}.name`"), diags)?;
        if let Some(why) = validation::dns1123_label(s) {
            diags.push(error(n, format!("invalid container name: {why}")));
        }
        Some(s.to_string())
    });
    let image = m
        .require("image", diags)
        .and_then(|n| n.as_nonempty_str(&format!("`{path}.image`"), diags))
        .map(str::to_string);
    let mut ports = Vec::new();
    for (i, p) in list(&mut m, "ports", false, diags).iter().enumerate() {
        if let Some(port) = container_port(p, &format!("{path}.ports[{i}]"), diags) {
            ports.push(port);
        }
    }
    m.ignore(IGNORED_CONTAINER_FIELDS);
    m.finish(diags);
    Some(Container {
        name: name?,
        image: image?,
        ports,
    })
}

fn container_port(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<ContainerPort> {
    let mut m = node.as_map(path, diags)?;
    let container_port = m
        .require("containerPort", diags)
        .and_then(|n| port_number(n, &format!("`{path}.containerPort`"), diags));
    let name = m.take("name").and_then(|n| {
        let s = n.as_str(&format!("`{path}.name`"), diags)?;
        if let Some(why) = validation::port_name(s) {
            diags.push(error(n, why));
        }
        Some(s.to_string())
    });
    let protocol = protocol(&mut m, diags);
    m.ignore(&["hostIP", "hostPort"]);
    m.finish(diags);
    Some(ContainerPort {
        name,
        container_port: container_port?,
        protocol,
    })
}
