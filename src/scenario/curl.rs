//! A curl command line (as written in a scenario's `curl:` or `compare:` step) into a
//! [`CurlRequest`]. Quoting follows the shell (`shell-words`); options keep curl's meaning.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::net::Ipv4Addr;

use crate::diag::{Diagnostic, Origin};
use crate::k8s::objects::Kind;
use crate::scenario::model::{
    AddressField, AddressRef, CurlRequest, Resolve, Scheme, Url, UrlHost,
};
use crate::yaml::closest;

/// The options understood, for hints.
const OPTIONS: &[&str] = &[
    "-H",
    "--header",
    "-X",
    "--request",
    "-v",
    "--verbose",
    "-s",
    "--silent",
    "-i",
    "--include",
    "-k",
    "--insecure",
    "--path-as-is",
    "--resolve",
    "--connect-timeout",
    "-m",
    "--max-time",
];

const OPTIONS_HINT: &str = "supported options: -H/--header 'Name: value', -X/--request METHOD, \
     -v/--verbose, -s/--silent, -i/--include, -k/--insecure, --path-as-is, \
     --resolve host:port:address, --connect-timeout SECONDS, -m/--max-time SECONDS";

const PLACEHOLDER_HINT: &str = "placeholders: {ingress/NAME.vip}, {ingress/NAME.fip}, \
     {service/NAME.clusterIP}, {service/NAME.externalIP}, {pod/NAME.ip}; a namespace may \
     precede the name: {pod/NAMESPACE/NAME.ip}";

/// Parses `raw`; every error is positioned at `origin` (the curl string in the scenario).
pub fn parse_curl(raw: &str, origin: &Origin) -> Result<CurlRequest, Diagnostic> {
    let err = |msg: String| Diagnostic::error(Some(origin.clone()), msg);
    let words = shell_words::split(raw).map_err(|e| {
        err(format!("cannot split the curl command: {e}")).with_hint("close every quote")
    })?;
    let mut words = words.into_iter().peekable();
    if words.peek().map(String::as_str) == Some("curl") {
        words.next();
    }
    let mut req = CurlRequest {
        raw: raw.to_string(),
        method: "GET".to_string(),
        url: Url {
            scheme: Scheme::Http,
            host: UrlHost::Name(String::new()),
            port: None,
            path: "/".into(),
            query: None,
        },
        headers: Vec::new(),
        verbose: false,
        include: false,
        insecure: false,
        resolve: Vec::new(),
        connect_timeout_ms: None,
        max_time_ms: None,
    };
    let mut url = None;
    let mut path_as_is = false;
    while let Some(word) = words.next() {
        let mut value = |name: &str, attached: Option<&str>| -> Result<String, Diagnostic> {
            match attached.filter(|a| !a.is_empty()) {
                Some(a) => Ok(a.to_string()),
                None => words
                    .next()
                    .ok_or_else(|| err(format!("curl option `{name}` needs a value"))),
            }
        };
        let (opt, attached) = split_short(&word);
        match opt {
            "-H" | "--header" => {
                let h = value(opt, attached)?;
                req.headers.push(header(&h).map_err(|m| {
                    err(m).with_hint(
                        "write a header as 'Name: value', e.g. -H 'Host: www.juniper.net'",
                    )
                })?);
            }
            "-X" | "--request" => {
                let m = value(opt, attached)?;
                if m.is_empty() || !m.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(
                        err(format!("invalid HTTP method {m:?}")).with_hint("e.g. -X GET, -X POST")
                    );
                }
                req.method = m;
            }
            "--resolve" => {
                let r = value(opt, attached)?;
                req.resolve.push(resolve(&r).map_err(|m| {
                    err(m).with_hint(
                        "--resolve takes host:port:address, e.g. www.juniper.net:80:101.101.101.1",
                    )
                })?);
            }
            "--connect-timeout" | "-m" | "--max-time" => {
                let v = value(opt, attached)?;
                let ms = seconds(&v).map_err(|m| {
                    err(format!("{opt} {v:?}: {m}"))
                        .with_hint("give seconds, e.g. --connect-timeout 5 or -m 2.5")
                })?;
                if opt == "--connect-timeout" {
                    req.connect_timeout_ms = Some(ms);
                } else {
                    req.max_time_ms = Some(ms);
                }
            }
            "-v" | "--verbose" => req.verbose = true,
            "-i" | "--include" => req.include = true,
            "-k" | "--insecure" => req.insecure = true,
            "-s" | "--silent" => {}
            "--path-as-is" => path_as_is = true,
            _ if is_flag_cluster(&word) => {
                req.verbose |= word.contains('v');
                req.include |= word.contains('i');
                req.insecure |= word.contains('k');
            }
            _ if word.starts_with('-') && word.len() > 1 => {
                let mut d = err(format!("unsupported curl option `{word}`"));
                d = match closest(&word, OPTIONS) {
                    Some(c) => d.with_hint(format!("did you mean `{c}`? {OPTIONS_HINT}")),
                    None => d.with_hint(OPTIONS_HINT),
                };
                return Err(d);
            }
            _ => {
                if url.is_some() {
                    return Err(err(format!(
                        "a second URL {word:?}: a curl step sends one request"
                    ))
                    .with_hint("use one curl step per request, or `compare:` for several"));
                }
                url = Some(parse_url(&word).map_err(|(m, h)| err(m).with_hint(h))?);
            }
        }
    }
    req.url = url.ok_or_else(|| {
        err("the curl command has no URL".to_string())
            .with_hint("e.g. curl http://{ingress/NAME.vip}/path")
    })?;
    if !path_as_is {
        req.url.path = remove_dot_segments(&req.url.path);
    }
    if req.url.scheme == Scheme::Https && !req.insecure {
        return Err(err(
            "https:// without -k: curl would verify the server's certificate, which the simulator does not model".to_string()
        )
        .with_hint("add -k (--insecure), as for a self-signed certificate; the handshake is abstracted, not checked"));
    }
    Ok(req)
}

/// The path curl 7.x sends: `.` and `..` segments resolved (RFC 3986, section 5.2.4), unless
/// `--path-as-is`. `/a/../b` becomes `/b`; `//` is kept.
pub fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut out = String::with_capacity(path.len());
    while !input.is_empty() {
        if let Some(rest) = input
            .strip_prefix("../")
            .or_else(|| input.strip_prefix("./"))
        {
            input = rest;
        } else if input.starts_with("/./") {
            input = input.get(2..).unwrap_or("");
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." {
                "/"
            } else {
                input.get(3..).unwrap_or("")
            };
            let cut = out.rfind('/').unwrap_or(0);
            out.truncate(cut);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input
                .get(start..)
                .and_then(|r| r.find('/'))
                .map_or(input.len(), |i| i + start);
            out.push_str(input.get(..end).unwrap_or(input));
            input = input.get(end..).unwrap_or("");
        }
    }
    if out.is_empty() { "/".to_string() } else { out }
}

/// Seconds as curl takes them (a decimal number, at most a day) → milliseconds.
fn seconds(v: &str) -> Result<u64, String> {
    let secs: f64 = v
        .parse()
        .map_err(|_| "not a number of seconds".to_string())?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err("must be above 0 and at most 86400".to_string());
    }
    Ok((secs * 1000.0).round() as u64)
}

/// `-Hvalue` → (`-H`, Some(`value`)); long options and others are returned whole.
fn split_short(word: &str) -> (&str, Option<&str>) {
    for opt in ["-H", "-X", "-m"] {
        if let Some(rest) = word.strip_prefix(opt) {
            return (opt, Some(rest));
        }
    }
    (word, None)
}

/// `-sv`, `-vik`, ...: several flag letters at once.
fn is_flag_cluster(word: &str) -> bool {
    word.strip_prefix('-')
        .is_some_and(|r| r.len() > 1 && r.chars().all(|c| "vsik".contains(c)))
}

fn header(h: &str) -> Result<(String, String), String> {
    let (name, value) = h
        .split_once(':')
        .ok_or_else(|| format!("header {h:?} has no ':' between name and value"))?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!("invalid header name {name:?}"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

fn resolve(r: &str) -> Result<Resolve, String> {
    let mut parts = r.splitn(3, ':');
    let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("--resolve {r:?} is not host:port:address"));
    };
    if host.is_empty() {
        return Err(format!("--resolve {r:?} has no host"));
    }
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("--resolve {r:?}: {port:?} is not a port (1-65535)"))?;
    let address = match host_part(addr).map_err(|(m, _)| m)? {
        UrlHost::Name(n) => {
            return Err(format!(
                "--resolve {r:?}: {n:?} is not an IPv4 address or placeholder"
            ));
        }
        a => a,
    };
    Ok(Resolve {
        host: host.to_ascii_lowercase(),
        port,
        address,
    })
}

/// Parses a URL: `[http[s]://]host[:port][/path][?query][#fragment]`.
pub fn parse_url(word: &str) -> Result<Url, (String, &'static str)> {
    if word.chars().any(char::is_whitespace) {
        // curl 7.x: "URL using bad/illegal format or missing URL".
        return Err((
            format!("the URL {word:?} holds a blank, which curl refuses (error 3)"),
            "write a space in a path as %20",
        ));
    }
    let (scheme, rest) = match word.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
        Some((scheme, _)) => {
            return Err((
                format!("unsupported URL scheme {scheme:?}"),
                "use http:// or https://",
            ));
        }
        None => (Scheme::Http, word),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    // A placeholder holds a '/', so the authority ends after its closing brace.
    let skip = if rest.starts_with('{') {
        rest.find('}').unwrap_or(0)
    } else {
        0
    };
    let (authority, path_query) = match rest.get(skip..).and_then(|r| r.find(['/', '?'])) {
        Some(i) => rest.split_at(skip + i),
        None => (rest, ""),
    };
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (path_query, None),
    };
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    };
    if authority.contains('@') {
        return Err((
            format!("user information in URL {word:?} is not supported"),
            "write http://host/path",
        ));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains('}') => {
            let port = p.parse::<u16>().ok().filter(|p| *p > 0).ok_or((
                format!("invalid port {p:?} in URL {word:?}"),
                "a port is a number from 1 to 65535",
            ))?;
            (h, Some(port))
        }
        _ => (authority, None),
    };
    if host.is_empty() {
        return Err((
            format!("the URL {word:?} has no host"),
            "e.g. http://{ingress/NAME.vip}/dev",
        ));
    }
    Ok(Url {
        scheme,
        host: host_part(host)?,
        port,
        path,
        query,
    })
}

fn host_part(host: &str) -> Result<UrlHost, (String, &'static str)> {
    if let Some(inner) = host.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or((format!("unclosed placeholder {host:?}"), PLACEHOLDER_HINT))?;
        return parse_placeholder(inner).map(UrlHost::Placeholder);
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(UrlHost::Ip(ip));
    }
    let numeric = host.chars().all(|c| c.is_ascii_digit() || c == '.');
    let valid = !numeric
        && host.len() <= 253
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !valid {
        return Err((
            format!("{host:?} is neither an IPv4 address, a host name nor a placeholder"),
            PLACEHOLDER_HINT,
        ));
    }
    Ok(UrlHost::Name(host.to_ascii_lowercase()))
}

/// `ingress/NAME.vip` and its siblings (without the braces).
pub fn parse_placeholder(inner: &str) -> Result<AddressRef, (String, &'static str)> {
    let bad = || (format!("unknown placeholder {{{inner}}}"), PLACEHOLDER_HINT);
    let (kind, rest) = inner.split_once('/').ok_or_else(bad)?;
    let (name, field) = rest.rsplit_once('.').ok_or_else(bad)?;
    let (kind, field) = match (kind, field) {
        ("ingress", "vip") => (Kind::Ingress, AddressField::Vip),
        ("ingress", "fip") => (Kind::Ingress, AddressField::Fip),
        ("service" | "svc", "clusterIP") => (Kind::Service, AddressField::ClusterIp),
        ("service" | "svc", "externalIP") => (Kind::Service, AddressField::ExternalIp),
        ("pod", "ip") => (Kind::Pod, AddressField::Ip),
        _ => return Err(bad()),
    };
    let (namespace, name) = match name.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, name),
    };
    let valid = |p: &str| !p.is_empty() && !p.contains(['/', '{', '}']);
    if !valid(name) || !namespace.is_none_or(valid) {
        return Err(bad());
    }
    Ok(AddressRef {
        kind,
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
        field,
    })
}

/// The Host header curl sends for `url` connected at `destination`: the URL's host (the address
/// for a placeholder) and its port, unless the port is the scheme's default (curl 7.x leaves an
/// explicit `:80` out of `http://host:80/`).
pub fn host_header(url: &Url, destination: Ipv4Addr) -> String {
    let host = match &url.host {
        UrlHost::Ip(ip) => ip.to_string(),
        UrlHost::Name(n) => n.clone(),
        UrlHost::Placeholder(_) => destination.to_string(),
    };
    match url.port.filter(|p| *p != url.scheme.default_port()) {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// The server name curl sends in its TLS ClientHello: the URL's host name; none for an address
/// (curl sends no SNI for an IP literal, and a placeholder is an address).
pub fn sni(url: &Url) -> Option<&str> {
    match (&url.scheme, &url.host) {
        (Scheme::Https, UrlHost::Name(n)) => Some(n),
        _ => None,
    }
}

/// Every placeholder a request names (URL host and `--resolve` addresses).
pub fn placeholders(req: &CurlRequest) -> impl Iterator<Item = &AddressRef> {
    std::iter::once(&req.url.host)
        .chain(req.resolve.iter().map(|r| &r.address))
        .filter_map(|h| match h {
            UrlHost::Placeholder(a) => Some(a),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<CurlRequest, Diagnostic> {
        parse_curl(s, &Origin::new("s.yaml", 3, 11))
    }

    #[test]
    fn parses_the_book_request() {
        let r =
            parse("-H 'Host: www.juniper.net' http://{ingress/ingress-sf.vip}/dev?x=1").unwrap();
        assert_eq!(r.headers, vec![("Host".into(), "www.juniper.net".into())]);
        assert_eq!(
            r.url.host,
            UrlHost::Placeholder(AddressRef {
                kind: Kind::Ingress,
                namespace: None,
                name: "ingress-sf".into(),
                field: AddressField::Vip
            })
        );
        assert_eq!(r.url.path, "/dev");
        assert_eq!(r.url.query.as_deref(), Some("x=1"));
        assert_eq!(r.method, "GET");
        let r = parse("http://{pod/team-b/target.ip}/").unwrap();
        let UrlHost::Placeholder(p) = &r.url.host else {
            panic!("placeholder")
        };
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str()),
            (Some("team-b"), "target")
        );
    }

    #[test]
    fn parses_literals_ports_and_options() {
        let r = parse("curl -sv -X POST 10.47.255.238:8080").unwrap();
        assert_eq!(r.url.host, UrlHost::Ip(Ipv4Addr::new(10, 47, 255, 238)));
        assert_eq!((r.url.port, r.url.path.as_str()), (Some(8080), "/"));
        assert!(r.verbose);
        assert_eq!(r.method, "POST");
        let r = parse("--resolve www.juniper.net:80:{ingress/i.fip} http://WWW.juniper.net/qa")
            .unwrap();
        assert_eq!(r.resolve[0].port, 80);
        assert_eq!(r.url.host, UrlHost::Name("www.juniper.net".into()));
        assert_eq!(placeholders(&r).count(), 1);
    }

    #[test]
    fn dot_segments_are_resolved_as_curl_does() {
        for (given, sent) in [
            ("/a/../b", "/b"),
            ("/a/./b/", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("/../x", "/x"),
            ("//a//b", "//a//b"),
            ("/a/.", "/a/"),
            ("/", "/"),
            ("/.hidden/..x", "/.hidden/..x"),
        ] {
            assert_eq!(remove_dot_segments(given), sent, "{given}");
        }
        assert_eq!(parse("http://a/x/../y").unwrap().url.path, "/y");
        assert_eq!(
            parse("--path-as-is http://a/x/../y").unwrap().url.path,
            "/x/../y"
        );
    }

    #[test]
    fn host_header_leaves_the_default_port_out() {
        let url = |s: &str| parse_url(s).unwrap();
        let d = Ipv4Addr::new(10, 47, 255, 250);
        assert_eq!(host_header(&url("http://a.io:80/"), d), "a.io");
        assert_eq!(host_header(&url("http://a.io:8080/"), d), "a.io:8080");
        assert_eq!(host_header(&url("https://a.io:443/"), d), "a.io");
        assert_eq!(host_header(&url("https://a.io:80/"), d), "a.io:80");
        assert_eq!(
            host_header(&url("http://{ingress/i.vip}:81/"), d),
            "10.47.255.250:81"
        );
        let r = parse("-ki https://A.io/x").unwrap();
        assert!(r.insecure && r.include);
        assert_eq!((r.url.port_or_default(), sni(&r.url)), (443, Some("a.io")));
        assert_eq!(sni(&url("https://10.1.1.1/")), None);
    }

    #[test]
    fn rejects_bad_input() {
        let msg = |s: &str| parse(s).unwrap_err().message;
        assert!(msg("https://a/").contains("-k"));
        assert!(msg("'http://a/b c'").contains("blank"));
        assert!(msg("--max-tme 3 http://a/").contains("unsupported curl option `--max-tme`"));
        assert!(msg("-m 0 http://a/").contains("above 0"));
        assert!(msg("--connect-timeout x http://a/").contains("not a number"));
        let r = parse("--connect-timeout 2.5 -m 10 http://a/").unwrap();
        assert_eq!(
            (r.connect_timeout_ms, r.max_time_ms),
            (Some(2500), Some(10_000))
        );
        assert!(msg("-H 'Host' http://a/").contains("no ':'"));
        assert!(msg("'http://a/").contains("cannot split"));
        assert!(msg("http://{ingress/x.clusterIP}/").contains("unknown placeholder"));
        assert!(msg("http://a:0/").contains("invalid port"));
        assert!(msg("-v").contains("no URL"));
        assert!(msg("-H").contains("needs a value"));
        assert!(msg("http://a/ http://b/").contains("second URL"));
        assert!(msg("http://999.1.1.1/").contains("neither"));
        assert_eq!(
            parse("--hedaer x")
                .unwrap_err()
                .hint
                .unwrap()
                .split('?')
                .next(),
            Some("did you mean `--header`")
        );
    }
}
