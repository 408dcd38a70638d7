//! Kubernetes' name, label, host and path rules, with Kubernetes' wording. Each check returns
//! `None` when the value is valid, or a sentence saying why it is not.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

fn is_label_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

fn alnum_ends(s: &str) -> bool {
    let ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    ok(s.chars().next()) && ok(s.chars().last())
}

/// RFC 1123 label: at most 63 lower-case alphanumerics or '-', starting and ending alphanumeric.
pub fn dns1123_label(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > 63 || !s.chars().all(is_label_char) || !alnum_ends(s) {
        return Some(format!(
            "{s:?} is not a valid DNS-1123 label: at most 63 lower-case letters, digits or '-', \
             starting and ending with a letter or digit"
        ));
    }
    None
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn dns1123_subdomain(s: &str) -> Option<String> {
    let bad = s.is_empty()
        || s.len() > 253
        || s.split('.')
            .any(|l| l.is_empty() || !l.chars().all(is_label_char) || !alnum_ends(l));
    bad.then(|| {
        format!(
            "{s:?} is not a valid DNS-1123 subdomain: lower-case letters, digits, '-' and '.', \
             each part starting and ending with a letter or digit"
        )
    })
}

/// Service names are RFC 1035 labels: like a DNS-1123 label, but starting with a letter.
pub fn dns1035_label(s: &str) -> Option<String> {
    if dns1123_label(s).is_some() || !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some(format!(
            "{s:?} is not a valid DNS-1035 label: at most 63 lower-case letters, digits or '-', \
             starting with a letter and ending with a letter or digit"
        ));
    }
    None
}

/// Named ports (`IANA_SVC_NAME`): at most 15 characters, lower-case letters, digits and '-',
/// at least one letter, no leading, trailing or doubled '-'.
pub fn port_name(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.len() <= 15
        && s.chars().all(is_label_char)
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    (!ok).then(|| {
        format!(
            "{s:?} is not a valid port name: at most 15 lower-case letters, digits or '-', \
             with at least one letter"
        )
    })
}

fn qualified_name_part(s: &str) -> bool {
    let ok_end = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && ok_end(s.chars().next())
        && ok_end(s.chars().last())
}

/// Label and annotation keys: `[prefix/]name`, the prefix a DNS subdomain.
pub fn qualified_name(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let ok = qualified_name_part(name) && prefix.is_none_or(|p| dns1123_subdomain(p).is_none());
    (!ok).then(|| {
        format!(
            "{s:?} is not a valid key: an optional DNS subdomain prefix and '/', then at most 63 \
             letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    })
}

/// Label values: empty, or like a qualified name's name part.
pub fn label_value(s: &str) -> Option<String> {
    (!s.is_empty() && !qualified_name_part(s)).then(|| {
        format!(
            "{s:?} is not a valid label value: at most 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        )
    })
}

/// An Ingress rule's host: a DNS subdomain, optionally with `*` as its whole first label; no
/// port and no IP address.
pub fn ingress_host(s: &str) -> Option<(String, &'static str)> {
    if s.contains(':') {
        return Some((
            format!("host {s:?} must not contain a port"),
            "the Host header is matched without a port; write only the name, e.g. www.juniper.net",
        ));
    }
    if s.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some((
            format!("host {s:?} must be a DNS name, not an IP address"),
            "leave `host` out to match requests to any address",
        ));
    }
    if let Some(rest) = s.strip_prefix("*.") {
        if rest.contains('*') {
            return Some(wildcard_error(s));
        }
        return dns1123_subdomain(rest).map(|m| (m, HOST_HINT));
    }
    if s.contains('*') {
        return Some(wildcard_error(s));
    }
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return Some((
            format!("host {s:?} must be lower case (a DNS-1123 subdomain)"),
            HOST_HINT,
        ));
    }
    dns1123_subdomain(s).map(|m| (m, HOST_HINT))
}

const HOST_HINT: &str = "a host is a lower-case DNS name such as www.juniper.net or *.juniper.net";

fn wildcard_error(s: &str) -> (String, &'static str) {
    (
        format!("host {s:?}: a wildcard `*` may only be the whole first label"),
        "write the wildcard as the first label only, e.g. *.juniper.net",
    )
}

/// An Ingress path for `Exact` and `Prefix`, as the apiserver checks it: absolute, no `//`, no
/// `.`/`..` segments, no encoded slash (`%2f`, `%2F`).
pub fn ingress_path(path: &str) -> Option<String> {
    if let Some(why) = absolute_path(path) {
        return Some(why);
    }
    for bad in ["//", "/./", "/../", "%2f", "%2F"] {
        if path.contains(bad) {
            return Some(format!("path {path:?} must not contain '{bad}'"));
        }
    }
    if path.ends_with("/..") || path.ends_with("/.") {
        return Some(format!(
            "path {path:?} must not end with a '.' or '..' segment"
        ));
    }
    None
}

/// An `ImplementationSpecific` (or v1beta1) path: the apiserver only asks that a non-empty one
/// be absolute, so `//a` and `/a/../b` are accepted.
pub fn absolute_path(path: &str) -> Option<String> {
    (!path.starts_with('/'))
        .then(|| format!("path {path:?} must be an absolute path (start with '/')"))
}

/// Any rule path: no control character. Kubernetes does not check it, but no HTTP request
/// line can carry one and a newline would cut the haproxy.conf line it is rendered into.
pub fn path_characters(path: &str) -> Option<String> {
    path.chars().find(|c| c.is_control()).map(|c| {
        format!(
            "path {path:?} contains the control character {:?}",
            c.escape_default().to_string()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1123_subdomain("webserver-1").is_none());
        assert!(dns1123_subdomain("a.b-c").is_none());
        assert!(dns1123_subdomain("Web").is_some());
        assert!(dns1123_subdomain("-a").is_some());
        assert!(dns1123_label("a.b").is_some());
        assert!(dns1035_label("1abc").is_some());
        assert!(dns1035_label("service-web-clusterip").is_none());
    }

    #[test]
    fn ports_and_labels() {
        assert!(port_name("http").is_none());
        assert!(port_name("80").is_some());
        assert!(port_name("a--b").is_some());
        assert!(qualified_name("app").is_none());
        assert!(qualified_name("kubernetes.io/ingress.class").is_none());
        assert!(qualified_name("a/b/c").is_some());
        assert!(label_value("").is_none());
        assert!(label_value("web server").is_some());
    }

    #[test]
    fn hosts() {
        assert!(ingress_host("www.juniper.net").is_none());
        assert!(ingress_host("*.juniper.net").is_none());
        assert!(ingress_host("www.juniper.net:80").is_some());
        assert!(ingress_host("www.*.net").is_some());
        assert!(ingress_host("WWW.juniper.net").is_some());
        assert!(ingress_host("10.1.1.1").is_some());
    }

    #[test]
    fn paths() {
        assert!(ingress_path("/dev").is_none());
        assert!(ingress_path("dev").is_some());
        assert!(ingress_path("/a//b").is_some());
        assert!(ingress_path("/a/..").is_some());
        assert!(ingress_path("/a%2Fb").is_some());
        assert!(absolute_path("//a").is_none());
        assert!(absolute_path("/a/../b").is_none());
        assert!(absolute_path("a").is_some());
        assert!(path_characters("/a b#c").is_none());
        assert!(path_characters("/a\nb").is_some());
    }
}
