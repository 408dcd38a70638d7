use std::net::Ipv4Addr;

use super::*;
use crate::dataplane::haproxy::Semantics;
use crate::dataplane::haproxy::config::Member;

fn pool(id: &str, rule: PoolRule) -> FrontendPool {
    FrontendPool {
        pool_uuid: id.into(),
        rule,
        origin: None,
    }
}

fn acl(host: Option<&str>, path: Option<&str>) -> PoolRule {
    PoolRule::Acl {
        host: host.map(Into::into),
        path: path.map(Into::into),
    }
}

fn backend(id: &str, member: &str, last_octet: u8) -> Backend {
    Backend {
        pool_uuid: id.into(),
        members: vec![Member {
            member_uuid: member.into(),
            address: Ipv4Addr::new(10, 96, 0, last_octet),
            port: 8888,
            weight: 1,
        }],
    }
}

fn cfg(frontends: Vec<Frontend>, backends: Vec<Backend>) -> LbConfig {
    LbConfig {
        lb_uuid: "lb".into(),
        vip: Ipv4Addr::new(10, 47, 255, 252),
        semantics: Semantics::Contrail,
        frontends,
        backends,
    }
}

/// Everything after the `defaults` section.
fn tail(text: &str) -> &str {
    let i = text.find("frontend ").expect("a frontend");
    &text[i..]
}

const HEAD: &str = "global\n\tdaemon\n\tuser haproxy\n\tgroup haproxy\n\
\tlog /var/log/contrail/lbaas/haproxy.log.sock local0\n\
\tlog /var/log/contrail/lbaas/haproxy.log.sock local1 notice\n\
\ttune.ssl.default-dh-param 2048\n\
\tssl-default-bind-ciphers ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:\
ECDH+3DES:DH+3DES:RSA+AESGCM:RSA+AES:RSA+3DES:!aNULL:!MD5:!DSS\n\
\tulimit-n 200000\n\tmaxconn 65000\n\
\tstats socket /var/lib/contrail/loadbalancer/haproxy/lb/haproxy.sock mode 0666 level user\n\
\ndefaults\n\tlog global\n\tretries 3\n\toption redispatch\n\ttimeout connect 5000\n\
\ttimeout client 300000\n\ttimeout server 300000\n\n";

#[test]
fn global_and_defaults() {
    let fe = Frontend {
        listener_uuid: "l1".into(),
        port: 80,
        pools: vec![pool("p", PoolRule::Default)],
        tls: None,
    };
    let text = render(&cfg(vec![fe], vec![backend("p", "m", 1)]));
    assert!(text.starts_with(HEAD), "{text}");
    assert_eq!(
        &text[HEAD.len()..],
        "frontend l1\n\toption tcplog\n\tbind 10.47.255.252:80 \n\tmode http\n\
         \toption forwardfor\n\tdefault_backend p\n\t\n\n\
         backend p\n\tmode http\n\tbalance roundrobin\n\toption forwardfor\n\
         \tserver m 10.96.0.1:8888 weight 1\n\n"
    );
}

#[test]
fn acl_lines_keep_contrails_spacing() {
    let fe = Frontend {
        listener_uuid: "l1".into(),
        port: 80,
        pools: vec![
            pool("h", acl(Some("a.example"), None)),
            pool("p", acl(None, Some("/x"))),
            pool("n", acl(None, None)),
        ],
        tls: None,
    };
    let text = render(&cfg(vec![fe], vec![]));
    let expected = "frontend l1\n\toption tcplog\n\tbind 10.47.255.252:80 \n\tmode http\n\
        \toption forwardfor\n\
        \tacl h_host hdr(host) -i a.example\n\tuse_backend h if h_host \n\t\n\n\
        \tacl p_path path /x\n\tuse_backend p if  p_path\n\t\n\n\
        \tuse_backend n if  \n\t\n\n\
        backend h\n\tmode http\n\tbalance roundrobin\n\toption forwardfor\n\n\
        backend p\n\tmode http\n\tbalance roundrobin\n\toption forwardfor\n\n\
        backend n\n\tmode http\n\tbalance roundrobin\n\toption forwardfor\n\n";
    assert_eq!(tail(&text), expected);
}

#[test]
fn frontends_follow_each_other_and_backends_follow_pool_order() {
    let f1 = Frontend {
        listener_uuid: "l1".into(),
        port: 80,
        pools: vec![pool("b", PoolRule::Default)],
        tls: None,
    };
    let f2 = Frontend {
        listener_uuid: "l2".into(),
        port: 8080,
        pools: vec![pool("a", acl(Some("h"), Some("/")))],
        tls: None,
    };
    // `backends` order and unreferenced entries do not matter.
    let backends = vec![
        backend("a", "ma", 2),
        backend("zz", "mz", 9),
        backend("b", "mb", 3),
    ];
    let text = render(&cfg(vec![f1, f2], backends));
    let expected = "frontend l1\n\toption tcplog\n\tbind 10.47.255.252:80 \n\tmode http\n\
        \toption forwardfor\n\tdefault_backend b\n\t\n\
        frontend l2\n\toption tcplog\n\tbind 10.47.255.252:8080 \n\tmode http\n\
        \toption forwardfor\n\tacl a_host hdr(host) -i h\n\tacl a_path path /\n\
        \tuse_backend a if a_host a_path\n\t\n\n\
        backend b\n\tmode http\n\tbalance roundrobin\n\toption forwardfor\n\
        \tserver mb 10.96.0.3:8888 weight 1\n\n\
        backend a\n\tmode http\n\tbalance roundrobin\n\toption forwardfor\n\
        \tserver ma 10.96.0.2:8888 weight 1\n\n";
    assert_eq!(tail(&text), expected);
}

#[test]
fn several_members_and_weights() {
    let fe = Frontend {
        listener_uuid: "l".into(),
        port: 80,
        pools: vec![pool("p", PoolRule::Default)],
        tls: None,
    };
    let mut b = backend("p", "m1", 1);
    b.members.push(Member {
        member_uuid: "m2".into(),
        address: Ipv4Addr::new(10, 96, 0, 2),
        port: 80,
        weight: 3,
    });
    let text = render(&cfg(vec![fe], vec![b]));
    assert!(
        text.ends_with(
            "\tserver m1 10.96.0.1:8888 weight 1\n\tserver m2 10.96.0.2:80 weight 3\n\n"
        )
    );
}

#[test]
fn empty_frontend_is_newline_terminated() {
    let empty = |id: &str| Frontend {
        listener_uuid: id.into(),
        port: 80,
        pools: vec![],
        tls: None,
    };
    let text = render(&cfg(vec![empty("l1"), empty("l2")], vec![]));
    assert_eq!(
        tail(&text),
        "frontend l1\n\toption tcplog\n\tbind 10.47.255.252:80 \n\tmode http\n\toption forwardfor\n\
         frontend l2\n\toption tcplog\n\tbind 10.47.255.252:80 \n\tmode http\n\toption forwardfor\n"
    );
}

#[test]
fn paths() {
    assert_eq!(
        stats_socket_path("u"),
        "/var/lib/contrail/loadbalancer/haproxy/u/haproxy.sock"
    );
    assert_eq!(
        config_path("u"),
        "/var/lib/contrail/loadbalancer/haproxy/u/haproxy.conf"
    );
}
