//! The text of a `show:` step into a [`Show`].

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use crate::k8s::objects::{Kind, ObjectKey};
use crate::scenario::model::{GetOutput, Namespaces, NodeRef, Show, VRouterView};
use crate::scenario::refs::{self, NODE_ROLES};

/// What `show:` accepts, for hints.
pub const SHOW_FORMS: &str = "kubectl get ingress|svc|pods|deployments|namespaces|nodes|endpoints \
     [NAME] [-n NAMESPACE|-A] [-o wide|yaml], loadbalancers, processes [NODE], \
     haproxy.conf ingress/NAME [on NODE], gateway routes [detail], control routes, \
     flow -l|vif --list|rt --dump VRF|nh --list|mpls --dump|dropstats on NODE, \
     timeline [last DURATION]";

/// Parses a show string; `ns` is the scenario's namespace. The error is (message, hint). Node
/// names are checked by the loader, which knows the topology.
pub fn parse_show(text: &str, ns: &str) -> Result<Show, (String, String)> {
    let compute = |word: &str| node(word, ns);
    let ingress_ref = |word: &str| ingress(word, ns);
    let vrouter = |word: &str, view| {
        Ok::<_, (String, String)>(Show::VRouter {
            node: node(word, ns)?,
            view,
        })
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let bad = || {
        (
            format!("unknown show {text:?}"),
            format!("show one of: {SHOW_FORMS}"),
        )
    };
    let show = match words.as_slice() {
        ["kubectl", "get", rest @ ..] => get(rest)?,
        ["loadbalancers"] => Show::Loadbalancers,
        ["processes"] => Show::Processes { node: None },
        ["processes", node] => Show::Processes {
            node: Some(compute(node)?),
        },
        ["haproxy.conf", ing] => Show::HaproxyConf {
            ingress: ingress_ref(ing)?,
            node: None,
        },
        ["haproxy.conf", ing, "on", node] => Show::HaproxyConf {
            ingress: ingress_ref(ing)?,
            node: Some(compute(node)?),
        },
        ["gateway", "routes"] | ["show", "route", "table", "k8s-test"] => {
            Show::GatewayRoutes { detail: false }
        }
        ["gateway", "routes", "detail"] | ["show", "route", "table", "k8s-test", "detail"] => {
            Show::GatewayRoutes { detail: true }
        }
        ["control", "routes"] => Show::ControlRoutes,
        ["flows", node] => vrouter(node, VRouterView::Flows)?,
        [tool @ .., "on", node] => match tool {
            ["flow", "-l"] => vrouter(node, VRouterView::Flows)?,
            ["vif", "--list"] => vrouter(node, VRouterView::Interfaces)?,
            ["rt", "--dump", vrf] => vrouter(node, VRouterView::Routes(vrf.to_string()))?,
            ["nh", "--list"] => vrouter(node, VRouterView::NextHops)?,
            ["mpls", "--dump"] => vrouter(node, VRouterView::Labels)?,
            ["dropstats"] => vrouter(node, VRouterView::Drops)?,
            _ => return Err(bad()),
        },
        ["timeline"] => Show::Timeline { last: None },
        ["timeline", "last", d] => Show::Timeline {
            last: Some(
                crate::scenario::load::parse_duration(d)
                    .map_err(|m| (m, "e.g. timeline last 2m".to_string()))?,
            ),
        },
        _ => return Err(bad()),
    };
    Ok(show)
}

fn get(rest: &[&str]) -> Result<Show, (String, String)> {
    let (kind_word, rest) = rest.split_first().ok_or_else(|| {
        (
            "`kubectl get` needs a kind".to_string(),
            "e.g. kubectl get pods -o wide".to_string(),
        )
    })?;
    let kind = match *kind_word {
        "ingress" | "ingresses" | "ing" => Kind::Ingress,
        "svc" | "service" | "services" => Kind::Service,
        "pod" | "pods" | "po" => Kind::Pod,
        "deployment" | "deployments" | "deploy" => Kind::Deployment,
        "namespace" | "namespaces" | "ns" => Kind::Namespace,
        "node" | "nodes" | "no" => Kind::Node,
        "endpoints" | "ep" => Kind::Service,
        "secret" | "secrets" => Kind::Secret,
        other => {
            return Err((
                format!("`kubectl get` of unknown kind {other:?}"),
                "kinds: ingress, svc, pods, deployments, namespaces, nodes, endpoints, secrets"
                    .to_string(),
            ));
        }
    };
    let unreadable = || {
        (
            format!("cannot read `kubectl get {}`", rest.join(" ")),
            "kubectl get KIND [NAME] [-n NAMESPACE|-A] [-o wide|yaml]".to_string(),
        )
    };
    let (mut name, mut out, mut namespace) = (None, GetOutput::Table, Namespaces::Default);
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        match *word {
            "-o" => out = output(words.next().ok_or_else(unreadable)?)?,
            "-n" | "--namespace" => {
                let ns = words.next().ok_or_else(unreadable)?;
                namespace = Namespaces::Named(ns.to_string());
            }
            "-A" | "--all-namespaces" => namespace = Namespaces::All,
            w if w.starts_with('-') || name.is_some() => return Err(unreadable()),
            w => name = Some(w.to_string()),
        }
    }
    if matches!(kind, Kind::Namespace | Kind::Node) && namespace != Namespaces::Default {
        return Err((
            format!("{}s are not namespaced", kind.reference_word()),
            format!("write `kubectl get {}s`", kind.reference_word()),
        ));
    }
    if matches!(*kind_word, "endpoints" | "ep") {
        if out != GetOutput::Table {
            return Err((
                "`kubectl get endpoints` prints a table only".to_string(),
                "drop the -o option".to_string(),
            ));
        }
        return Ok(Show::Endpoints { name, namespace });
    }
    Ok(Show::Get {
        kind,
        name,
        namespace,
        output: out,
    })
}

fn output(o: &str) -> Result<GetOutput, (String, String)> {
    match o {
        "wide" => Ok(GetOutput::Wide),
        "yaml" => Ok(GetOutput::Yaml),
        _ => Err((
            format!("unknown output format {o:?}"),
            "use -o wide or -o yaml".to_string(),
        )),
    }
}

fn ingress(word: &str, ns: &str) -> Result<ObjectKey, (String, String)> {
    match refs::object_key(word, ns) {
        Some(key) if key.kind == Kind::Ingress => Ok(key),
        _ => Err((
            format!("expected ingress/NAME, found {word:?}"),
            "e.g. haproxy.conf ingress/ingress-sf".to_string(),
        )),
    }
}

fn node(word: &str, ns: &str) -> Result<NodeRef, (String, String)> {
    refs::node_ref(word, ns).map_err(|m| (m, format!("name a compute, or a role: {NODE_ROLES}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(
            parse_show("kubectl get svc web -o wide", "d").unwrap(),
            Show::Get {
                kind: Kind::Service,
                name: Some("web".into()),
                namespace: Namespaces::Default,
                output: GetOutput::Wide
            }
        );
        assert_eq!(
            parse_show("kubectl get pods -A -o wide", "d").unwrap(),
            Show::Get {
                kind: Kind::Pod,
                name: None,
                namespace: Namespaces::All,
                output: GetOutput::Wide
            }
        );
        assert!(matches!(
            parse_show("kubectl get pods -n dev", "d").unwrap(),
            Show::Get { namespace: Namespaces::Named(n), .. } if n == "dev"
        ));
        assert_eq!(
            parse_show("show route table k8s-test detail", "d").unwrap(),
            Show::GatewayRoutes { detail: true }
        );
        assert_eq!(
            parse_show("haproxy.conf ingress/i on cent333", "d").unwrap(),
            Show::HaproxyConf {
                ingress: ObjectKey::new(Kind::Ingress, "d", "i"),
                node: Some(NodeRef::Name("cent333".into()))
            }
        );
        assert!(parse_show("kubectl get foo", "d").is_err());
        assert!(parse_show("kubectl get pods -n", "d").is_err());
        assert!(parse_show("kubectl get ns -A", "d").is_err());
        assert!(parse_show("routes", "d").is_err());
    }
}
