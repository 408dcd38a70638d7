use std::net::Ipv4Addr;

use super::*;
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::cfgline::words;
use crate::dataplane::haproxy::config::{Backend, Member, Route};

fn route(id: &str, host: HostMatch, path: PathMatch) -> FrontendPool {
    FrontendPool {
        pool_uuid: id.into(),
        rule: PoolRule::Route(Route { host, path }),
        origin: None,
    }
}

fn exact(h: &str) -> HostMatch {
    HostMatch::Exact(h.into())
}

fn prefix(p: &str) -> PathMatch {
    PathMatch::Prefix(p.into())
}

fn fe(pools: Vec<FrontendPool>) -> Frontend {
    Frontend {
        listener_uuid: HTTP_FRONTEND.into(),
        port: 80,
        pools,
        tls: None,
    }
}

fn cfg(fe: Frontend) -> LbConfig {
    let backends = fe
        .pools
        .iter()
        .map(|p| Backend {
            pool_uuid: p.pool_uuid.clone(),
            members: vec![Member {
                member_uuid: format!("m-{}", p.pool_uuid),
                address: Ipv4Addr::new(10, 96, 0, 20),
                port: 8888,
                weight: 1,
            }],
        })
        .collect();
    LbConfig {
        lb_uuid: "lb".into(),
        vip: Ipv4Addr::new(10, 47, 255, 250),
        semantics: Semantics::Kubernetes,
        frontends: vec![fe],
        backends,
    }
}

const J: Option<&str> = Some("www.juniper.net");

#[test]
fn host_port_is_ignored_and_case_folded() {
    let f = fe(vec![route("dev", exact("www.juniper.net"), prefix("/dev"))]);
    assert_eq!(select(&f, Some("www.juniper.net:80"), "/dev"), Some("dev"));
    assert_eq!(
        select(&f, Some("WWW.Juniper.NET:8080"), "/dev"),
        Some("dev")
    );
    assert_eq!(select(&f, Some("www.juniper.net."), "/dev"), None);
    assert_eq!(select(&f, None, "/dev"), None);
}

#[test]
fn prefix_is_element_wise() {
    let f = fe(vec![route(
        "p",
        exact("www.juniper.net"),
        prefix("/aaa/bbb"),
    )]);
    for (path, hit) in [
        ("/aaa/bbb", true),
        ("/aaa/bbb/", true),
        ("/aaa/bbb/ccc", true),
        ("/aaa/bbbxyz", false),
        ("/aaa", false),
        ("/AAA/bbb", false),
    ] {
        assert_eq!(select(&f, J, path).is_some(), hit, "{path}");
    }
    let root = fe(vec![route("r", HostMatch::Any, prefix(""))]);
    assert_eq!(select(&root, None, "/anything"), Some("r"));
    assert_eq!(select(&root, None, ""), None);
}

#[test]
fn wildcard_takes_exactly_one_label() {
    let f = fe(vec![route(
        "w",
        HostMatch::Wildcard(".foo.com".into()),
        prefix(""),
    )]);
    assert_eq!(select(&f, Some("bar.foo.com"), "/"), Some("w"));
    assert_eq!(select(&f, Some("BAR.foo.com:443"), "/"), Some("w"));
    assert_eq!(select(&f, Some("baz.bar.foo.com"), "/"), None);
    assert_eq!(select(&f, Some("foo.com"), "/"), None);
    assert_eq!(select(&f, Some(".foo.com"), "/"), None);
}

#[test]
fn the_host_picks_its_rules_first() {
    let f = fe(vec![
        route("exact", exact("a.foo.com"), PathMatch::Exact("/x".into())),
        route("wild", HostMatch::Wildcard(".foo.com".into()), prefix("")),
        route("any", HostMatch::Any, prefix("")),
    ]);
    assert_eq!(select(&f, Some("a.foo.com"), "/x"), Some("exact"));
    // a.foo.com is named by a rule: no fall-through to the wildcard or the catch-all.
    assert_eq!(select(&f, Some("a.foo.com"), "/y"), None);
    assert_eq!(select(&f, Some("b.foo.com"), "/y"), Some("wild"));
    assert_eq!(select(&f, Some("other.org"), "/y"), Some("any"));
    assert_eq!(select(&f, None, "/y"), Some("any"));
}

#[test]
fn default_backend_then_404() {
    let mut pools = vec![route("dev", exact("www.juniper.net"), prefix("/dev"))];
    assert_eq!(select(&fe(pools.clone()), J, "/qa"), None);
    pools.push(FrontendPool {
        pool_uuid: "d".into(),
        rule: PoolRule::Default,
        origin: None,
    });
    assert_eq!(select(&fe(pools), J, "/qa"), Some("d"));
}

#[test]
fn render_writes_the_program_select_evaluates() {
    let f = fe(vec![
        route(
            "e",
            exact("www.juniper.net"),
            PathMatch::Exact("/a b".into()),
        ),
        route(
            "w",
            HostMatch::Wildcard(".juniper.net".into()),
            prefix("/dev"),
        ),
        route("any", HostMatch::Any, prefix("")),
    ]);
    let text = render(&cfg(f));
    for line in [
        "\thttp-request set-var(txn.host) req.fhdr(host),field(1,:),lower\n",
        "\tacl exact_hosts var(txn.host) -m str www.juniper.net\n",
        "\tacl wildcard_hosts var(txn.host) -m reg '^[^.]+\\.juniper\\.net$'\n",
        "\tacl e_path path /a\\ b\n",
        "\tacl w_path path /dev\n\tacl w_path path_beg /dev/\n",
        "\tuse_backend w if w_host !exact_hosts w_path\n",
        "\tacl any_path path_beg /\n\tuse_backend any if !exact_hosts !wildcard_hosts any_path\n",
        "\tdefault_backend not_found\n",
        "backend not_found\n\tmode http\n\thttp-request deny deny_status 404\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let path_line = text
        .lines()
        .find(|l| l.starts_with("\tacl e_path"))
        .unwrap();
    assert_eq!(words(path_line).unwrap(), ["acl", "e_path", "path", "/a b"]);
    assert_eq!(HTTP_404_BODY.len(), 83);
}

#[test]
fn shared_pools_get_one_backend_section() {
    let pools = vec![route("p", HostMatch::Any, prefix(""))];
    let mut c = cfg(fe(pools.clone()));
    c.frontends.push(Frontend {
        listener_uuid: HTTPS_FRONTEND.into(),
        port: 443,
        pools,
        tls: None,
    });
    let text = render(&c);
    assert_eq!(text.matches("backend p\n").count(), 1, "{text}");
    assert_eq!(text.matches("use_backend p if").count(), 2, "{text}");
}
