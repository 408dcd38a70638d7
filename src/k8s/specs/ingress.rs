//! An Ingress's `spec` in both API versions: the default backend, the rules with their
//! paths and backends, and `tls`.

use super::{error, list, port_number, port_ref};
use crate::diag::{Diagnostics, Origin};
use crate::k8s::objects::{
    IngressBackend, IngressPath, IngressRule, IngressSpec, IngressTls, PathType, PortRef, WrittenAt,
};
use crate::k8s::validation;
use crate::yaml::{Node, Value};

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
