//! Readers for the `spec` of each supported kind, one module per kind: `pod`, `service`,
//! `deployment`, `ingress`, `secret`; this module holds the readers they share (string
//! maps, ports, protocols, lists). Fields that Kubernetes accepts but the simulator does not
//! model are accepted and ignored; anything else is an unknown field.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod deployment;
mod ingress;
mod pod;
mod secret;
mod service;

use crate::diag::{Diagnostic, Diagnostics};
use crate::k8s::objects::{Labels, PortRef, Protocol};
use crate::k8s::validation;
use crate::yaml::{MapReader, Node, Value, join};

pub use deployment::{MAX_REPLICAS, deployment_spec};
pub use ingress::{IngressApi, ingress_spec};
pub use pod::pod_spec;
pub use secret::secret;
pub use service::service_spec;

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
