//! Readers for the `spec` of each supported kind. Fields that Kubernetes accepts but the
//! simulator does not model are accepted and ignored; anything else is an unknown field.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::collections::BTreeSet;

use crate::diag::{Diagnostic, Diagnostics, Origin};
use crate::k8s::certificate::base64_decode;
use crate::k8s::objects::{
    Container, ContainerPort, DeploymentSpec, IngressBackend, IngressPath, IngressRule,
    IngressSpec, IngressTls, Labels, PathType, PodSpec, PortRef, Protocol, SecretSpec, ServicePort,
    ServiceSpec, ServiceType, TLS_SECRET_TYPE, WrittenAt,
};
use crate::k8s::validation;
use crate::yaml::{MapReader, Node, Value, join};

/// Largest `replicas` a Deployment may ask for.
pub const MAX_REPLICAS: u32 = 1_000;

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

const IGNORED_DEPLOYMENT_FIELDS: &[&str] = &[
    "minReadySeconds",
    "paused",
    "progressDeadlineSeconds",
    "revisionHistoryLimit",
    "strategy",
];

fn error(node: &Node, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Some(node.origin.clone()), message)
}

/// A `map[string]string` such as labels, annotations or a selector.
pub fn string_map(
    node: &Node,
    path: &str,
    values_are_labels: bool,
    diags: &mut Diagnostics,
) -> Labels {
    let mut out = Labels::new();
    let Value::Map(entries) = &node.value else {
        if !node.is_null() {
            diags.push(error(
                node,
                format!(
                    "`{path}` must be a mapping, found {}",
                    node.value.describe()
                ),
            ));
        }
        return out;
    };
    for (k, v) in entries {
        let Some(key) = k.as_str(&format!("a key of `{path}`"), diags) else {
            continue;
        };
        if let Some(why) = validation::qualified_name(key) {
            diags.push(error(k, format!("invalid key in `{path}`: {why}")));
        }
        let what = format!("`{}`", join(path, key));
        let value = match &v.value {
            Value::Null => String::new(),
            _ => match v.as_str(&what, diags) {
                Some(s) => s.to_string(),
                None => continue,
            },
        };
        if values_are_labels && let Some(why) = validation::label_value(&value) {
            diags.push(error(v, format!("invalid value of {what}: {why}")));
        }
        out.insert(key.to_string(), value);
    }
    out
}

fn port_number(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<u16> {
    node.as_int(what, 1, 65535, diags)
        .and_then(|p| u16::try_from(p).ok())
}

/// A port given by number or by name (`targetPort`, `servicePort`).
fn port_ref(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<PortRef> {
    match &node.value {
        Value::Int(_) => port_number(node, what, diags).map(PortRef::Number),
        Value::Str(s) => {
            if let Some(why) = validation::port_name(s) {
                diags.push(error(node, format!("{what}: {why}")).with_hint(
                    "a port is a number (1-65535) or the name of a container port; numbers are written without quotes",
                ));
                return None;
            }
            Some(PortRef::Name(s.clone()))
        }
        _ => {
            diags.push(error(
                node,
                format!(
                    "{what} must be a port number or name, found {}",
                    node.value.describe()
                ),
            ));
            None
        }
    }
}

fn protocol(m: &mut MapReader, diags: &mut Diagnostics) -> Protocol {
    let Some(node) = m.take("protocol") else {
        return Protocol::Tcp;
    };
    match node.as_str(&format!("`{}`", m.field_path("protocol")), diags) {
        Some("TCP") => Protocol::Tcp,
        Some("UDP") => Protocol::Udp,
        Some(other) => {
            diags.push(
                error(node, format!("unsupported protocol {other:?}"))
                    .with_hint("supported protocols: TCP, UDP (upper case)"),
            );
            Protocol::Tcp
        }
        None => Protocol::Tcp,
    }
}

/// A list under `key`; `required` lists must hold at least one item.
fn list<'a>(
    m: &mut MapReader<'a>,
    key: &'static str,
    required: bool,
    diags: &mut Diagnostics,
) -> &'a [Node] {
    let path = m.field_path(key);
    let node = if required {
        m.require(key, diags)
    } else {
        m.take(key)
    };
    let Some(node) = node else { return &[] };
    let items = node.as_seq(&format!("`{path}`"), diags).unwrap_or_default();
    if required && items.is_empty() && matches!(node.value, Value::Seq(_)) {
        diags.push(error(node, format!("`{path}` must hold at least one item")));
    }
    items
}

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

/// A Deployment's `spec`. When the selector was misplaced under `metadata` (already reported),
/// its absence here is not reported again.
pub fn deployment_spec(
    node: &Node,
    selector_misplaced: bool,
    diags: &mut Diagnostics,
) -> DeploymentSpec {
    let mut spec = DeploymentSpec {
        replicas: 1,
        ..Default::default()
    };
    let Some(mut m) = node.as_map("spec", diags) else {
        return spec;
    };
    if let Some(r) = m.take("replicas") {
        let max = i128::from(MAX_REPLICAS);
        match r.value {
            Value::Int(n) if n > max => diags.push(
                error(
                    r,
                    format!(
                        "`spec.replicas` is {n}; at most {MAX_REPLICAS} replicas are simulated"
                    ),
                )
                .with_hint("the simulator refuses work it cannot finish in reasonable time"),
            ),
            _ => {
                if let Some(n) = r.as_int("`spec.replicas`", 0, max, diags) {
                    spec.replicas = u32::try_from(n).unwrap_or(1);
                }
            }
        }
    }
    let selector_node = if selector_misplaced {
        m.take("selector")
    } else {
        m.require("selector", diags)
    };
    if let Some(sel) = selector_node
        && let Some(mut s) = sel.as_map("spec.selector", diags)
    {
        if let Some(ml) = s.take("matchLabels") {
            spec.selector = string_map(ml, "spec.selector.matchLabels", true, diags);
        }
        if let Some(me) = s.take("matchExpressions") {
            diags.push(
                error(me, "`matchExpressions` selectors are not supported")
                    .with_hint("use `matchLabels`"),
            );
        }
        s.finish(diags);
        if spec.selector.is_empty() {
            diags.push(
                error(sel, "a Deployment's `spec.selector` must not be empty").with_hint(
                    "add `matchLabels` with the labels of `spec.template.metadata.labels`",
                ),
            );
        }
    }
    let mut labels_node = None;
    if let Some(t) = m.require("template", diags)
        && let Some(mut tm) = t.as_map("spec.template", diags)
    {
        if let Some(meta) = tm.take("metadata")
            && let Some(mut mm) = meta.as_map("spec.template.metadata", diags)
        {
            if let Some(l) = mm.take("labels") {
                spec.template_labels = string_map(l, "spec.template.metadata.labels", true, diags);
                labels_node = Some(l);
            }
            if let Some(a) = mm.take("annotations") {
                string_map(a, "spec.template.metadata.annotations", false, diags);
            }
            mm.ignore(&["name", "namespace", "creationTimestamp", "generateName"]);
            mm.finish(diags);
        }
        if let Some(ps) = tm.require("spec", diags) {
            spec.template = pod_spec(ps, "spec.template.spec", diags);
        }
        tm.finish(diags);
    }
    if let Some(sel) = selector_node
        && !spec.selector.is_empty()
        && !spec
            .selector
            .iter()
            .all(|(k, v)| spec.template_labels.get(k) == Some(v))
    {
        let at = labels_node.unwrap_or(sel);
        diags.push(
            error(sel, "`spec.selector` does not match the template's labels (`spec.template.metadata.labels`)")
                .with_hint(format!(
                    "the selector {} must be a subset of the template labels {} (declared at line {})",
                    show_labels(&spec.selector),
                    show_labels(&spec.template_labels),
                    at.origin.line
                )),
        );
    }
    m.ignore(IGNORED_DEPLOYMENT_FIELDS);
    m.finish(diags);
    spec
}

fn show_labels(l: &Labels) -> String {
    let parts: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// The two Ingress API shapes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IngressApi {
    /// `extensions/v1beta1`, `networking.k8s.io/v1beta1`: `serviceName`/`servicePort`.
    V1beta1,
    /// `networking.k8s.io/v1`: `service.name`/`service.port.{number,name}`, `pathType` required.
    V1,
}

/// An Ingress's `spec`.
pub fn ingress_spec(node: &Node, api: IngressApi, diags: &mut Diagnostics) -> IngressSpec {
    let mut spec = IngressSpec::default();
    let Some(mut m) = node.as_map("spec", diags) else {
        return spec;
    };
    let default_key = match api {
        IngressApi::V1beta1 => "backend",
        IngressApi::V1 => "defaultBackend",
    };
    if let Some(b) = m.take(default_key) {
        spec.default_backend = backend(b, &format!("spec.{default_key}"), api, diags);
    }
    if let Some(c) = m.take("ingressClassName") {
        spec.class = c
            .as_str("`spec.ingressClassName`", diags)
            .map(str::to_string);
    }
    for (i, r) in list(&mut m, "rules", false, diags).iter().enumerate() {
        if let Some(rule) = rule(r, &format!("spec.rules[{i}]"), api, diags) {
            spec.rules.push(rule);
        }
    }
    for (i, t) in list(&mut m, "tls", false, diags).iter().enumerate() {
        spec.tls
            .extend(ingress_tls(t, &format!("spec.tls[{i}]"), diags));
    }
    let other = match api {
        IngressApi::V1beta1 => "defaultBackend",
        IngressApi::V1 => "backend",
    };
    let wrong_version = m.take(other);
    m.finish(diags);
    if let Some(w) = wrong_version {
        let hint = match api {
            IngressApi::V1beta1 => {
                "`defaultBackend` is the networking.k8s.io/v1 name; with this apiVersion write `backend: {serviceName, servicePort}`"
            }
            IngressApi::V1 => {
                "`backend` is the v1beta1 name; with networking.k8s.io/v1 write `defaultBackend: {service: {name, port: {number}}}`"
            }
        };
        diags.push(
            error(
                w,
                format!("unknown field `spec.{other}` for this apiVersion"),
            )
            .with_hint(hint),
        );
    }
    if spec.default_backend.is_none() && spec.rules.is_empty() && !m_had(node, default_key) {
        diags.push(error(
            node,
            format!("an Ingress needs `spec.{default_key}` or `spec.rules`"),
        ));
    }
    spec
}

fn m_had(node: &Node, key: &str) -> bool {
    matches!(&node.value, Value::Map(e) if e.iter().any(|(k, _)| matches!(&k.value, Value::Str(s) if s == key)))
}

fn rule(node: &Node, path: &str, api: IngressApi, diags: &mut Diagnostics) -> Option<IngressRule> {
    let mut m = node.as_map(path, diags)?;
    let mut rule = IngressRule::default();
    if let Some(h) = m.take("host")
        && let Some(host) = h.as_str(&format!("`{path}.host`"), diags)
    {
        match validation::ingress_host(host) {
            Some((why, hint)) => diags.push(error(h, why).with_hint(hint)),
            None => rule.host = Some(host.to_string()),
        }
    }
    if let Some(http) = m.take("http")
        && let Some(mut hm) = http.as_map(&format!("{path}.http"), diags)
    {
        for (i, p) in list(&mut hm, "paths", true, diags).iter().enumerate() {
            if let Some(p) = ingress_path(p, &format!("{path}.http.paths[{i}]"), api, diags) {
                rule.paths.push(p);
            }
        }
        hm.finish(diags);
    }
    m.finish(diags);
    Some(rule)
}

fn ingress_path(
    node: &Node,
    path: &str,
    api: IngressApi,
    diags: &mut Diagnostics,
) -> Option<IngressPath> {
    let mut m = node.as_map(path, diags)?;
    let value = m
        .take("path")
        .and_then(|p| Some((p, p.as_str(&format!("`{path}.path`"), diags)?)));
    let type_node = m.take("pathType");
    let path_type =
        type_node.and_then(|t| match t.as_str(&format!("`{path}.pathType`"), diags)? {
            "Exact" => Some(PathType::Exact),
            "Prefix" => Some(PathType::Prefix),
            "ImplementationSpecific" => Some(PathType::ImplementationSpecific),
            other => {
                diags.push(
                    error(t, format!("unknown pathType {other:?}"))
                        .with_hint("pathType is one of Exact, Prefix, ImplementationSpecific"),
                );
                None
            }
        });
    if api == IngressApi::V1 && type_node.is_none() {
        diags.push(
            error(node, format!("missing required field `{path}.pathType`")).with_hint(
                "networking.k8s.io/v1 requires pathType: Exact, Prefix or ImplementationSpecific",
            ),
        );
    }
    let mut ok_path = None;
    match value {
        Some((p, v)) => {
            // As the apiserver checks: Exact and Prefix paths strictly, an ImplementationSpecific
            // (or v1beta1) path only for being absolute.
            let strict = matches!(path_type, Some(PathType::Exact | PathType::Prefix));
            let relative = (strict || !v.is_empty())
                .then(|| validation::absolute_path(v))
                .flatten();
            let bad = relative.clone().or_else(|| {
                validation::path_characters(v)
                    .or_else(|| strict.then(|| validation::ingress_path(v)).flatten())
            });
            match bad {
                Some(why) => {
                    let mut d = error(p, why);
                    if let Some(t) = path_type.filter(|_| strict) {
                        d = d.with_hint(if relative.is_some() {
                            format!(
                                "pathType {t:?} requires a path starting with '/', e.g. /{}",
                                v.trim_start_matches('/')
                            )
                        } else {
                            format!(
                                "pathType {t:?} refuses '//', '.' and '..' segments and an encoded '/'; \
                                 ImplementationSpecific takes the path as written"
                            )
                        });
                    }
                    diags.push(d);
                }
                None if !v.is_empty() => ok_path = Some(v.to_string()),
                None => {}
            }
        }
        None if matches!(path_type, Some(PathType::Exact | PathType::Prefix)) => {
            diags.push(
                error(node, format!("missing required field `{path}.path`"))
                    .with_hint("pathType Exact and Prefix need a path"),
            );
        }
        None => {}
    }
    let backend = m
        .require("backend", diags)
        .and_then(|b| backend(b, &format!("{path}.backend"), api, diags));
    m.finish(diags);
    Some(IngressPath {
        path: ok_path,
        path_type,
        backend: backend?,
    })
}

fn backend(
    node: &Node,
    path: &str,
    api: IngressApi,
    diags: &mut Diagnostics,
) -> Option<IngressBackend> {
    let mut m = node.as_map(path, diags)?;
    let resource = m.take("resource");
    let result = match api {
        IngressApi::V1beta1 => {
            let has_service = m.has("serviceName") || m.has("servicePort");
            if resource.is_some() && has_service {
                None
            } else if resource.is_some() {
                m.ignore(&["serviceName", "servicePort"]);
                None
            } else {
                let name = m
                    .require("serviceName", diags)
                    .and_then(|n| service_name(n, &format!("`{path}.serviceName`"), diags));
                let port = m.require("servicePort", diags).and_then(|n| {
                    port_ref(n, &format!("`{path}.servicePort`"), diags)
                        .map(|p| (p, n.origin.clone()))
                });
                Some((name, port))
            }
        }
        IngressApi::V1 => {
            let service = m.take("service");
            match (service, resource) {
                (Some(_), Some(_)) | (None, Some(_)) => None,
                (None, None) => {
                    diags.push(error(
                        node,
                        format!("missing required field `{path}.service`"),
                    ));
                    Some((None, None))
                }
                (Some(s), None) => Some(v1_service(s, &format!("{path}.service"), diags)),
            }
        }
    };
    let both =
        resource.is_some() && (m.has("service") || m.has("serviceName") || m.has("servicePort"));
    m.ignore(&["service", "serviceName", "servicePort"]);
    m.finish(diags);
    if let Some(r) = resource {
        let d = if both {
            error(r, format!("`{path}` names both a service and a resource"))
                .with_hint("a backend is either a service or a resource, not both")
        } else {
            error(
                r,
                format!("`{path}.resource`: resource backends are not supported"),
            )
            .with_hint("use a service backend")
        };
        diags.push(d);
    }
    let (name, port) = result?;
    let (service_port, at) = port?;
    Some(IngressBackend {
        service_name: name?,
        service_port,
        port_at: WrittenAt(Some(at)),
    })
}

fn service_name(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<String> {
    let s = node.as_str(what, diags)?;
    if let Some(why) = validation::dns1035_label(s) {
        diags.push(error(node, format!("{what}: {why}")));
        return None;
    }
    Some(s.to_string())
}

fn v1_service(
    node: &Node,
    path: &str,
    diags: &mut Diagnostics,
) -> (Option<String>, Option<(PortRef, Origin)>) {
    let Some(mut m) = node.as_map(path, diags) else {
        return (None, None);
    };
    let name = m
        .require("name", diags)
        .and_then(|n| service_name(n, &format!("`{path}.name`"), diags));
    let port = m.require("port", diags).and_then(|p| {
        let mut pm = p.as_map(&format!("{path}.port"), diags)?;
        let number = pm.take("number");
        let pname = pm.take("name");
        pm.finish(diags);
        match (number, pname) {
            (Some(n), None) => port_number(n, &format!("`{path}.port.number`"), diags)
                .map(|p| (PortRef::Number(p), n.origin.clone())),
            (None, Some(n)) => {
                let what = format!("`{path}.port.name`");
                n.as_str(&what, diags)?;
                port_ref(n, &what, diags).map(|p| (p, n.origin.clone()))
            }
            (Some(_), Some(_)) => {
                diags.push(error(
                    p,
                    format!("`{path}.port` may have `number` or `name`, not both"),
                ));
                None
            }
            (None, None) => {
                diags.push(error(p, format!("`{path}.port` needs `number` or `name`")));
                None
            }
        }
    });
    m.finish(diags);
    (name, port)
}

/// One `spec.tls` entry: `hosts` (checked like rule hosts) and `secretName`.
fn ingress_tls(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<IngressTls> {
    let mut m = node.as_map(path, diags)?;
    let mut tls = IngressTls::default();
    if let Some(h) = m.take("hosts") {
        for item in h
            .as_seq(&format!("`{path}.hosts`"), diags)
            .unwrap_or_default()
        {
            let Some(host) = item.as_str(&format!("a host of `{path}.hosts`"), diags) else {
                continue;
            };
            match validation::ingress_host(host) {
                Some((why, hint)) => diags.push(error(item, why).with_hint(hint)),
                None => tls.hosts.push(host.to_string()),
            }
        }
    }
    if let Some(s) = m.take("secretName")
        && let Some(name) = s.as_str(&format!("`{path}.secretName`"), diags)
    {
        match validation::dns1123_subdomain(name) {
            Some(why) => diags.push(error(s, format!("invalid secretName: {why}"))),
            None => tls.secret_name = Some(name.to_string()),
        }
    }
    m.finish(diags);
    Some(tls)
}

/// A Secret's `type`, `data` (base64) and `stringData`, from the object's top level. A
/// `kubernetes.io/tls` Secret must hold `tls.crt` and `tls.key`, as the apiserver requires.
pub fn secret(m: &mut MapReader, diags: &mut Diagnostics) -> SecretSpec {
    let mut spec = SecretSpec {
        secret_type: "Opaque".into(),
        ..SecretSpec::default()
    };
    let type_node = m.take("type");
    if let Some(t) = type_node
        && let Some(s) = t.as_nonempty_str("`type`", diags)
    {
        spec.secret_type = s.to_string();
    }
    if let Some(d) = m.take("data") {
        for (key, value) in string_map(d, "data", false, diags) {
            match base64_decode(&value) {
                Some(bytes) => {
                    spec.data.insert(key, bytes);
                }
                None => diags
                    .push(error(d, format!("`data.{key}` is not base64")).with_hint(
                        "`data` values are base64; write plain text under `stringData`",
                    )),
            }
        }
    }
    if let Some(s) = m.take("stringData") {
        for (key, value) in string_map(s, "stringData", false, diags) {
            spec.data.insert(key, value.into_bytes());
        }
    }
    m.ignore(&["immutable"]);
    if spec.secret_type == TLS_SECRET_TYPE {
        for key in ["tls.crt", "tls.key"] {
            if !spec.data.contains_key(key) {
                let at = type_node.unwrap_or(m.node());
                diags.push(
                    error(at, format!("a {TLS_SECRET_TYPE} Secret needs `data.{key}`"))
                        .with_hint("put the PEM certificate in tls.crt and its key in tls.key (base64 under `data`, or text under `stringData`)"),
                );
            }
        }
    }
    spec
}
