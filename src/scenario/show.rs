//! The text of a `show:` step into a [`Show`].

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use crate::k8s::objects::Kind;
use crate::scenario::model::{GetOutput, Show};
use crate::topology::names;

/// What `show:` accepts, for hints.
pub const SHOW_FORMS: &str = "kubectl get ingress|svc|pods|deployments|namespaces [NAME] [-o wide|yaml], \
     loadbalancers, processes [NODE], haproxy.conf ingress/NAME [on NODE], gateway routes [detail], \
     control routes, flows NODE, timeline";

/// Parses a show string; the error is (message, hint).
pub fn parse_show(text: &str) -> Result<Show, (String, String)> {
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
        ["flows", node] => Show::Flows {
            node: compute(node)?,
        },
        ["timeline"] => Show::Timeline,
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
        "secret" | "secrets" => Kind::Secret,
        other => {
            return Err((
                format!("`kubectl get` of unknown kind {other:?}"),
                "kinds: ingress, svc, pods, deployments, namespaces, secrets".to_string(),
            ));
        }
    };
    let (name, output) = match rest {
        [] => (None, GetOutput::Table),
        ["-o", o] => (None, output(o)?),
        [n] => (Some(n), GetOutput::Table),
        [n, "-o", o] | ["-o", o, n] => (Some(n), output(o)?),
        _ => {
            return Err((
                format!("cannot read `kubectl get {}`", rest.join(" ")),
                "kubectl get KIND [NAME] [-o wide|yaml]".to_string(),
            ));
        }
    };
    Ok(Show::Get {
        kind,
        name: name.map(|n| n.to_string()),
        output,
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

fn ingress_ref(word: &str) -> Result<String, (String, String)> {
    match word.split_once('/') {
        Some(("ingress", name)) if !name.is_empty() => Ok(name.to_string()),
        _ => Err((
            format!("expected ingress/NAME, found {word:?}"),
            "e.g. haproxy.conf ingress/ingress-sf".to_string(),
        )),
    }
}

fn compute(node: &str) -> Result<String, (String, String)> {
    if names::is_compute(node) {
        Ok(node.to_string())
    } else {
        Err((
            format!("{node:?} is not a compute node"),
            format!("the compute nodes are {}", names::COMPUTES.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(
            parse_show("kubectl get svc web -o wide").unwrap(),
            Show::Get {
                kind: Kind::Service,
                name: Some("web".into()),
                output: GetOutput::Wide
            }
        );
        assert_eq!(
            parse_show("show route table k8s-test detail").unwrap(),
            Show::GatewayRoutes { detail: true }
        );
        assert_eq!(
            parse_show("haproxy.conf ingress/i on cent333").unwrap(),
            Show::HaproxyConf {
                ingress: "i".into(),
                node: Some("cent333".into())
            }
        );
        assert!(parse_show("flows camaro").is_err());
        assert!(parse_show("kubectl get foo").is_err());
        assert!(parse_show("routes").is_err());
    }
}
