//! The reference forms steps share, parsed without diagnostics: objects (`KIND/NAME`,
//! `KIND/NAMESPACE/NAME`) and machines (a node name, or a role such as
//! `{ingress/NAME.active}`). The loader checks what they name.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use crate::k8s::objects::{Kind, ObjectKey};
use crate::scenario::model::NodeRef;

/// The roles a node reference may name, for hints.
pub const NODE_ROLES: &str =
    "{ingress/NAME.active}, {ingress/NAME.standby}, {pod/NAME.node}, or {NAME} bound by `as:`";

/// The kind a reference word names: `ingress`, `svc`, `pod`, ...
pub fn kind_word(word: &str) -> Option<Kind> {
    Some(match word {
        "ingress" => Kind::Ingress,
        "service" | "svc" => Kind::Service,
        "pod" => Kind::Pod,
        "deployment" => Kind::Deployment,
        "namespace" | "ns" => Kind::Namespace,
        _ => return None,
    })
}

/// `KIND/NAME` or `KIND/NAMESPACE/NAME` → (kind, namespace as written, name).
pub fn object_ref(s: &str) -> Option<(Kind, Option<&str>, &str)> {
    let (word, rest) = s.split_once('/')?;
    let kind = kind_word(word)?;
    let (ns, name) = match rest.split_once('/') {
        Some((ns, name)) if kind != Kind::Namespace => (Some(ns), name),
        Some(_) => return None,
        None => (None, rest),
    };
    let ok = |p: &str| !p.is_empty() && !p.contains(['/', '{', '}']);
    (ok(name) && ns.is_none_or(ok)).then_some((kind, ns, name))
}

/// The key an object reference names, `default` standing for an unwritten namespace.
pub fn object_key(s: &str, default: &str) -> Option<ObjectKey> {
    let (kind, ns, name) = object_ref(s)?;
    let ns = match kind {
        Kind::Namespace => "",
        _ => ns.unwrap_or(default),
    };
    Some(ObjectKey::new(kind, ns, name))
}

/// A node name, or `{ingress/[NS/]NAME.active|standby}` or `{pod/[NS/]NAME.node}`. The error
/// says what is wrong with a role placeholder.
pub fn node_ref(s: &str, default_ns: &str) -> Result<NodeRef, String> {
    let Some(inner) = s.strip_prefix('{') else {
        if s.is_empty() || s.contains(['{', '}', '/', ' ']) {
            return Err(format!("{s:?} is not a node name"));
        }
        return Ok(NodeRef::Name(s.to_string()));
    };
    let inner = inner
        .strip_suffix('}')
        .ok_or_else(|| format!("{s:?} is not a role placeholder"))?;
    if !inner.is_empty() && !inner.contains(['/', '.', '{', '}', ' ']) {
        return Ok(NodeRef::Alias(inner.to_string()));
    }
    let Some((reference, role)) = inner.rsplit_once('.') else {
        return Err(format!("{s:?} is not a role placeholder"));
    };
    let key = object_key(reference, default_ns)
        .ok_or_else(|| format!("{reference:?} is not an object reference"))?;
    match (key.kind, role) {
        (Kind::Ingress, "active") => Ok(NodeRef::Haproxy {
            ingress: key,
            standby: false,
        }),
        (Kind::Ingress, "standby") => Ok(NodeRef::Haproxy {
            ingress: key,
            standby: true,
        }),
        (Kind::Pod, "node") => Ok(NodeRef::PodNode(key)),
        _ => Err(format!("{s:?} names no node role")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_references_take_an_optional_namespace() {
        assert_eq!(object_ref("pod/client"), Some((Kind::Pod, None, "client")));
        assert_eq!(
            object_ref("svc/team-b/web"),
            Some((Kind::Service, Some("team-b"), "web"))
        );
        assert_eq!(object_ref("pod/a/b/c"), None);
        assert_eq!(object_ref("pod/"), None);
        assert_eq!(object_ref("namespace/a/b"), None);
        assert_eq!(object_ref("cat/x"), None);
        assert_eq!(
            object_key("ns/dev", "x"),
            Some(ObjectKey::new(Kind::Namespace, "", "dev"))
        );
    }

    #[test]
    fn node_references_name_a_node_or_a_role() {
        assert_eq!(
            node_ref("cent222", "d"),
            Ok(NodeRef::Name("cent222".into()))
        );
        assert_eq!(
            node_ref("{ingress/ingress-sf.standby}", "d"),
            Ok(NodeRef::Haproxy {
                ingress: ObjectKey::new(Kind::Ingress, "d", "ingress-sf"),
                standby: true
            })
        );
        assert_eq!(
            node_ref("{pod/team/client.node}", "d"),
            Ok(NodeRef::PodNode(ObjectKey::new(
                Kind::Pod,
                "team",
                "client"
            )))
        );
        assert!(node_ref("{pod/client.ip}", "d").is_err());
        assert_eq!(node_ref("{lost}", "d"), Ok(NodeRef::Alias("lost".into())));
        assert!(node_ref("{ingress/x.active", "d").is_err());
        assert!(node_ref("a/b", "d").is_err());
    }
}
