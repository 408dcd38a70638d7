//! A Secret: its `type`, `data` (base64) and `stringData`.

use super::{error, string_map};
use crate::diag::Diagnostics;
use crate::k8s::certificate::base64_decode;
use crate::k8s::objects::{SecretSpec, TLS_SECRET_TYPE};
use crate::yaml::MapReader;

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
