//! The haproxy.conf the simulator writes for the book's three Ingresses, end to end: apply the
//! manifests, converge, read the file on both computes, and compare it with hand-written text
//! (section 3 of the Contrail model) into which the uuids and addresses of this run are
//! substituted from `kube_manager.loadbalancers` and the apiserver. Also `run --export`.

use std::net::Ipv4Addr;

use contrail_sim::control::config::{Loadbalancer, PoolRule};
use contrail_sim::k8s::objects::Kind;
use contrail_sim::scenario::model::ObjectKey;
use contrail_sim::world::World;

use super::support::{TempDir, apply_and_converge, contrail_sim, manifest, text, world};

const HEADER: &str = "global
\tdaemon
\tuser haproxy
\tgroup haproxy
\tlog /var/log/contrail/lbaas/haproxy.log.sock local0
\tlog /var/log/contrail/lbaas/haproxy.log.sock local1 notice
\ttune.ssl.default-dh-param 2048
\tssl-default-bind-ciphers ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:ECDH+3DES:DH+3DES:RSA+AESGCM:RSA+AES:RSA+3DES:!aNULL:!MD5:!DSS
\tulimit-n 200000
\tmaxconn 65000
\tstats socket /var/lib/contrail/loadbalancer/haproxy/{LB}/haproxy.sock mode 0666 level user

defaults
\tlog global
\tretries 3
\toption redispatch
\ttimeout connect 5000
\ttimeout client 300000
\ttimeout server 300000

frontend {L0}
\toption tcplog
\tbind {VIP}:80 
\tmode http
\toption forwardfor
";

/// ingress-ss: `spec.backend` only.
const SINGLE_SERVICE: &str = "\tdefault_backend {P0}
\t

backend {P0}
\tmode http
\tbalance roundrobin
\toption forwardfor
\tserver {M0} {service-web-clusterip}:8888 weight 1

";

/// ingress-sf: www.juniper.net /dev and /qa, no default.
const SIMPLE_FANOUT: &str = "\tacl {P0}_host hdr(host) -i www.juniper.net
\tacl {P0}_path path /dev
\tuse_backend {P0} if {P0}_host {P0}_path
\t

\tacl {P1}_host hdr(host) -i www.juniper.net
\tacl {P1}_path path /qa
\tuse_backend {P1} if {P1}_host {P1}_path
\t

backend {P0}
\tmode http
\tbalance roundrobin
\toption forwardfor
\tserver {M0} {webservice-1}:8888 weight 1

backend {P1}
\tmode http
\tbalance roundrobin
\toption forwardfor
\tserver {M1} {webservice-2}:8888 weight 1

";

/// ingress-vh: the rules in manifest order, then the default backend (the simulator's
/// documented pool order).
const VIRTUAL_HOST: &str = "\tacl {P0}_host hdr(host) -i www.juniper.net
\tacl {P0}_path path /
\tuse_backend {P0} if {P0}_host {P0}_path
\t

\tacl {P1}_host hdr(host) -i www.cisco.com
\tacl {P1}_path path /
\tuse_backend {P1} if {P1}_host {P1}_path
\t

\tdefault_backend {P2}
\t

backend {P0}
\tmode http
\tbalance roundrobin
\toption forwardfor
\tserver {M0} {webservice-1}:8888 weight 1

backend {P1}
\tmode http
\tbalance roundrobin
\toption forwardfor
\tserver {M1} {webservice-2}:8888 weight 1

backend {P2}
\tmode http
\tbalance roundrobin
\toption forwardfor
\tserver {M2} {webservice-1}:8888 weight 1

";

fn ingress_key(name: &str) -> ObjectKey {
    ObjectKey {
        kind: Kind::Ingress,
        namespace: "ns-user-1".into(),
        name: name.into(),
    }
}

fn cluster_ip(w: &World, service: &str) -> Ipv4Addr {
    let key = ObjectKey {
        kind: Kind::Service,
        namespace: "ns-user-1".into(),
        name: service.into(),
    };
    w.apiserver
        .get(&key)
        .and_then(|s| s.status.cluster_ip)
        .expect("clusterIP")
}

/// The expected file: the template with `{LB}`, `{VIP}`, `{Ln}`/`{Pn}`/`{Mn}` (listener, pool
/// and member uuid of the n-th backend) and `{<service>}` (its clusterIP) filled in.
fn expected(w: &World, lb: &Loadbalancer, body: &str, services: &[&str]) -> String {
    let mut text = format!("{HEADER}{body}")
        .replace("{LB}", &lb.uuid)
        .replace("{VIP}", &lb.vip.to_string());
    for (n, l) in lb.listeners.iter().enumerate() {
        assert_eq!(l.pool.members.len(), 1);
        text = text
            .replace(&format!("{{L{n}}}"), &l.uuid)
            .replace(&format!("{{P{n}}}"), &l.pool.uuid)
            .replace(&format!("{{M{n}}}"), &l.pool.members[0].uuid);
    }
    for s in services {
        text = text.replace(&format!("{{{s}}}"), &cluster_ip(w, s).to_string());
    }
    assert!(!text.contains('{'), "unfilled placeholder in\n{text}");
    text
}

/// The haproxy.conf of every running instance of the loadbalancer, by node name.
fn written_confs(w: &World, lb: &Loadbalancer) -> Vec<(String, String)> {
    let path = format!(
        "/var/lib/contrail/loadbalancer/haproxy/{}/haproxy.conf",
        lb.uuid
    );
    w.computes
        .iter()
        .flatten()
        .filter_map(|c| {
            let conf = c.files().into_iter().find(|(p, _)| *p == path)?.1;
            Some((c.name.clone(), conf))
        })
        .collect()
}

fn check(manifests: &[&str], ingress: &str, body: &str, services: &[&str]) {
    for seed in [1, 2, 3] {
        let mut w = world(seed);
        for m in manifests {
            apply_and_converge(&mut w, manifest(m));
        }
        let lb = w.kube_manager.loadbalancers[&ingress_key(ingress)].clone();
        let want = expected(&w, &lb, body, services);
        let confs = written_confs(&w, &lb);
        assert_eq!(confs.len(), 2, "seed {seed}: haproxy.conf on both computes");
        for (node, conf) in confs {
            assert!(
                conf == want,
                "seed {seed}, {node}: haproxy.conf of {ingress} differs:\n{}",
                super::golden_traces::first_difference(&want, &conf, 3).unwrap_or_default()
            );
        }
    }
}

#[test]
fn single_service_ingress_conf_has_only_a_default_backend() {
    check(
        &["ingress-ss.yaml"],
        "ingress-ss",
        SINGLE_SERVICE,
        &["service-web-clusterip"],
    );
}

#[test]
fn simple_fanout_ingress_conf_has_exact_host_and_path_acls_and_no_default() {
    check(
        &["webservers.yaml", "ingress-sf.yaml"],
        "ingress-sf",
        SIMPLE_FANOUT,
        &["webservice-1", "webservice-2"],
    );
}

#[test]
fn virtual_host_ingress_conf_has_host_rules_then_the_default_backend() {
    check(
        &["webservers.yaml", "ingress-vh.yaml"],
        "ingress-vh",
        VIRTUAL_HOST,
        &["webservice-1", "webservice-2"],
    );
}

#[test]
fn the_pool_order_in_the_conf_is_the_listener_order_rules_first() {
    let mut w = world(3);
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    apply_and_converge(&mut w, manifest("ingress-vh.yaml"));
    let lb = &w.kube_manager.loadbalancers[&ingress_key("ingress-vh")];
    let rules: Vec<&PoolRule> = lb.listeners.iter().map(|l| &l.pool.rule).collect();
    assert!(matches!(
        rules[..],
        [
            PoolRule::Acl { .. },
            PoolRule::Acl { .. },
            PoolRule::Default
        ]
    ));
}

#[test]
fn export_writes_the_same_haproxy_conf_on_both_computes() {
    let dir = TempDir::new("export");
    let out = contrail_sim(&[
        "run",
        "scenarios/ingress-simple-fanout.yaml",
        "--format",
        "jsonl",
        "--export",
        &dir.path().to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The loadbalancer uuid is the Ingress uid, which the run reports for `show loadbalancers`.
    let stdout = text(&out.stdout);
    let uuid = stdout
        .split("loadbalancer ns-user-1__ingress-sf  ")
        .nth(1)
        .map(|rest| rest[..36].to_string())
        .expect("the loadbalancers show names the ingress loadbalancer");
    let read = |node: &str| {
        let path = dir
            .path()
            .join(node)
            .join("var/lib/contrail/loadbalancer/haproxy")
            .join(&uuid)
            .join("haproxy.conf");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let (a, b) = (read("cent222"), read("cent333"));
    assert_eq!(a, b);
    assert!(a.starts_with("global\n\tdaemon\n"));
    assert!(a.contains(&format!(
        "stats socket /var/lib/contrail/loadbalancer/haproxy/{uuid}/haproxy.sock"
    )));
    assert!(a.contains("\tacl ") && a.contains(" path /dev\n") && a.contains(" path /qa\n"));
    assert!(
        !dir.path().join("cent111").exists(),
        "the master runs no haproxy"
    );
}
