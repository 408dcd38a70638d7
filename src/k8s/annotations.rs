//! Contrail's annotations on Kubernetes objects, read as kube-manager reads them.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

/// The floating-IP pool an Ingress, a LoadBalancer Service or a namespace asks for.
pub const FIP_POOL: &str = "opencontrail.org/fip-pool";

/// The example given in hints.
pub const FIP_POOL_EXAMPLE: &str = "{'domain': 'default-domain', 'project': 'k8s-ns-user-1', \
'network': 'vn-ns-default', 'name': 'pool-ns-default'}";

/// The keys of the fip-pool dictionary, in fully-qualified-name order.
const FQ_NAME_KEYS: [&str; 4] = ["domain", "project", "network", "name"];

/// The pool's fully qualified name (`domain:project:network:name`) from the annotation's value,
/// a Python dictionary literal (kube-manager's `get_fip_pool_fq_name_from_dict_string`; the
/// domain defaults to `default-domain`), or why it is not one.
pub fn fip_pool_fq_name(value: &str) -> Result<String, String> {
    let entries = dict_literal(value)
        .ok_or_else(|| format!("{value:?} is not a dictionary such as {FIP_POOL_EXAMPLE}"))?;
    if let Some((k, _)) = entries
        .iter()
        .find(|(k, _)| !FQ_NAME_KEYS.contains(&k.as_str()))
    {
        return Err(format!("the dictionary has an unknown key {k:?}"));
    }
    let mut parts = Vec::with_capacity(4);
    for key in FQ_NAME_KEYS {
        match entries.iter().find(|(k, _)| k == key) {
            Some((_, v)) if !v.is_empty() => parts.push(v.as_str()),
            None if key == "domain" => parts.push("default-domain"),
            _ => return Err(format!("the dictionary has no {key:?}")),
        }
    }
    Ok(parts.join(":"))
}

/// `{'k': 'v', "k2": "v2"}`: string keys and values only.
fn dict_literal(text: &str) -> Option<Vec<(String, String)>> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut rest = inner.trim_start();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (key, after) = string_literal(rest)?;
        let after = after.trim_start().strip_prefix(':')?.trim_start();
        let (value, after) = string_literal(after)?;
        out.push((key, value));
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(out)
}

/// A `'…'` or `"…"` string at the start of `text`, and what follows it.
fn string_literal(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = text.get(1..)?;
    let end = body.find(quote)?;
    Some((body.get(..end)?.to_string(), body.get(end + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lab_pool() {
        assert_eq!(
            fip_pool_fq_name(FIP_POOL_EXAMPLE).unwrap(),
            "default-domain:k8s-ns-user-1:vn-ns-default:pool-ns-default"
        );
        assert_eq!(
            fip_pool_fq_name(r#"{"name": "p", "network": "n", "project": "j", "domain": "d",}"#)
                .unwrap(),
            "d:j:n:p"
        );
        assert!(fip_pool_fq_name("pool-ns-default").is_err());
        assert!(
            fip_pool_fq_name("{'domain': 'd'}")
                .unwrap_err()
                .contains("project")
        );
        assert!(fip_pool_fq_name("{'domain': 'd' 'x'}").is_err());
        assert_eq!(
            fip_pool_fq_name("{'project': 'j', 'network': 'n', 'name': 'p'}").unwrap(),
            "default-domain:j:n:p"
        );
        let extra = "{'project': 'j', 'network': 'n', 'name': 'p', 'x': 'y'}";
        assert!(fip_pool_fq_name(extra).unwrap_err().contains("unknown key"));
    }
}
