//! Single components driven through `World`: what each one does with the book's manifests,
//! checked against sections 2 and 4 of the Contrail model.

use std::net::Ipv4Addr;

use contrail_sim::control::config::{PoolRule, Provider};
use contrail_sim::k8s::objects::{Kind, Spec};
use contrail_sim::k8s::store::WatchKind;
use contrail_sim::routing::Vrf;
use contrail_sim::scenario::model::ObjectKey;
use contrail_sim::topology::NodeId;

fn contains((net, len): (Ipv4Addr, u8), ip: Ipv4Addr) -> bool {
    ipnet::Ipv4Net::new_assert(net, len).contains(&ip)
}
use contrail_sim::world::timeline::What;
use contrail_sim::world::{Addr, Msg, World};

use super::support::{BUDGET, apply, apply_and_converge, manifest, objects, world};

const NS: &str = "ns-user-1";
const CENT222: NodeId = NodeId(1);
const CENT333: NodeId = NodeId(2);

fn key(kind: Kind, name: &str) -> ObjectKey {
    ObjectKey {
        kind,
        namespace: NS.into(),
        name: name.into(),
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

fn cluster_ip(world: &World, service: &str) -> Ipv4Addr {
    world
        .apiserver
        .get(&key(Kind::Service, service))
        .and_then(|s| s.status.cluster_ip)
        .expect("service has a clusterIP")
}

/// Pods of a Deployment (by the name prefix the controller gives them), in name order.
fn pods_of(world: &World, deployment: &str) -> Vec<ObjectKey> {
    world
        .apiserver
        .list(Kind::Pod)
        .filter(|p| p.owner.as_deref() == Some(deployment))
        .map(|p| p.key())
        .collect()
}

fn node_of(world: &World, pod: &ObjectKey) -> String {
    match &world.apiserver.get(pod).expect("pod exists").object.spec {
        Spec::Pod(spec) => spec.node_name.clone().expect("pod is bound"),
        _ => unreachable!("not a pod"),
    }
}

fn pod_ip(world: &World, pod: &ObjectKey) -> Ipv4Addr {
    world
        .apiserver
        .get(pod)
        .and_then(|p| p.status.pod_ip)
        .expect("pod is running")
}

/// The book's fanout lab: client, webserver-1/2 with webservice-1/2, ingress-sf.
fn fanout(seed: u64) -> World {
    let mut w = world(seed);
    apply_and_converge(&mut w, manifest("client.yaml"));
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    apply_and_converge(&mut w, manifest("ingress-sf.yaml"));
    w
}

const TWO_PORT_SERVICE: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: contrailk8sdayone/contrail-webserver
        ports: [{containerPort: 80, name: http}, {containerPort: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 8888, targetPort: http}
  - {name: tls, port: 443, targetPort: 8443}
";

// ---- kube-apiserver ----

#[test]
fn apiserver_assigns_uid_resource_version_and_a_cluster_ip_from_the_service_range() {
    let mut w = world(3);
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    let s1 = w
        .apiserver
        .get(&key(Kind::Service, "webservice-1"))
        .expect("stored")
        .clone();
    let s2 = w
        .apiserver
        .get(&key(Kind::Service, "webservice-2"))
        .expect("stored")
        .clone();
    for s in [&s1, &s2] {
        assert!(is_uuid(&s.object.meta.uid), "{}", s.object.meta.uid);
        assert!(s.resource_version > 1000);
        let ip = s.status.cluster_ip.expect("clusterIP");
        assert!(contains((Ipv4Addr::new(10, 96, 0, 0), 12), ip), "{ip}");
        assert!(![Ipv4Addr::new(10, 96, 0, 1), Ipv4Addr::new(10, 96, 0, 10)].contains(&ip));
    }
    assert_ne!(s1.object.meta.uid, s2.object.meta.uid);
    assert_ne!(s1.status.cluster_ip, s2.status.cluster_ip);
    assert_ne!(s1.resource_version, s2.resource_version);
    // Every stored object got a distinct resourceVersion.
    let mut versions: Vec<u64> = w
        .apiserver
        .objects
        .values()
        .map(|o| o.resource_version)
        .collect();
    let n = versions.len();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(versions.len(), n);
}

#[test]
fn apiserver_reapply_of_an_identical_object_is_unchanged_and_a_change_is_modified() {
    let mut w = world(3);
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    let svc = key(Kind::Service, "webservice-1");
    let before = w.apiserver.get(&svc).expect("stored").clone();
    let notes = w.timeline.len();
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    let after = w.apiserver.get(&svc).expect("stored").clone();
    assert_eq!(before.resource_version, after.resource_version);
    assert!(
        w.timeline[notes..]
            .iter()
            .any(|n| n.what == What::Unchanged { key: svc.clone() }),
        "no Unchanged note"
    );
    assert!(
        !w.timeline[notes..]
            .iter()
            .any(|n| matches!(&n.what, What::Stored { key, .. } if *key == svc)),
        "an identical re-apply stored the Service again"
    );
    let changed = objects(
        "apiVersion: v1\nkind: Service\nmetadata: {name: webservice-1, labels: {tier: web}}\nspec:\n  selector: {app: webserver-1}\n  ports: [{port: 8888, targetPort: 80}]\n",
    );
    apply_and_converge(&mut w, changed);
    let modified = w.apiserver.get(&svc).expect("stored");
    assert_eq!(
        modified.object.meta.uid, before.object.meta.uid,
        "uid survives an update"
    );
    assert!(modified.resource_version > before.resource_version);
    assert_eq!(modified.status.cluster_ip, before.status.cluster_ip);
    assert!(w.timeline.iter().any(|n| matches!(&n.what,
        What::Stored { key, watch: WatchKind::Modified, .. } if *key == svc)));
}

#[test]
fn apiserver_delete_removes_the_object_and_emits_deleted() {
    let mut w = world(3);
    apply_and_converge(&mut w, manifest("client.yaml"));
    let client = key(Kind::Pod, "client");
    assert!(w.apiserver.get(&client).is_some());
    w.inject(Addr::ApiServer, 0, Msg::Delete(client.clone()));
    w.run_until_idle(BUDGET).expect("converges");
    assert!(w.apiserver.get(&client).is_none());
    assert!(w.timeline.iter().any(|n| matches!(&n.what,
        What::Stored { key, watch: WatchKind::Deleted, .. } if *key == client)));
    // kube-manager saw the DELETED event: the interface is gone and its address is free again.
    assert!(w.kube_manager.pod_interface(&client).is_none());
    apply_and_converge(&mut w, manifest("client.yaml"));
    assert_eq!(pod_ip(&w, &client), Ipv4Addr::new(10, 47, 255, 252));
}

// ---- kube-scheduler ----

#[test]
fn scheduler_binds_each_pod_to_the_least_loaded_compute_deterministically() {
    let placements = |seed| {
        let mut w = world(seed);
        // The client is pinned to cent222, so the first replica must go to cent333.
        apply_and_converge(&mut w, manifest("client.yaml"));
        apply_and_converge(&mut w, manifest("service-clusterip.yaml"));
        let pods = pods_of(&w, "webserver");
        let nodes: Vec<String> = pods.iter().map(|p| node_of(&w, p)).collect();
        let first = w
            .timeline
            .iter()
            .find_map(|n| match &n.what {
                What::Scheduled { node, .. } => Some(node.clone()),
                _ => None,
            })
            .expect("a scheduling decision");
        (nodes, first)
    };
    let (nodes, first) = placements(11);
    assert_eq!(
        first, "cent333",
        "the first replica goes to the empty compute"
    );
    assert_eq!(nodes.len(), 4);
    let on = |n: &str| nodes.iter().filter(|x| *x == n).count();
    // With the client on cent222, least-loaded placement alternates: 2 replicas on each.
    assert_eq!((on("cent222"), on("cent333")), (2, 2));
    for seed in [11, 12] {
        let again = placements(seed);
        assert_eq!(again.1, "cent333");
    }
    assert_eq!(placements(11).0, nodes, "same seed, same placement");
}

// ---- kube-controller-manager ----

#[test]
fn deployment_creates_replicas_named_deploy_hash_suffix_and_deletes_them_with_it() {
    let mut w = world(5);
    apply_and_converge(&mut w, manifest("service-clusterip.yaml"));
    let pods = pods_of(&w, "webserver");
    assert_eq!(pods.len(), 4, "replicas: 4");
    const ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";
    let mut hashes = std::collections::BTreeSet::new();
    for pod in &pods {
        let stored = w.apiserver.get(pod).expect("stored");
        let rest = pod
            .name
            .strip_prefix("webserver-")
            .expect("deployment prefix");
        let (hash, suffix) = rest.split_once('-').expect("<hash>-<suffix>");
        assert_eq!(hash.len(), 10, "{}", pod.name);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(suffix.len(), 5, "{}", pod.name);
        assert!(suffix.chars().all(|c| ALPHABET.contains(c)), "{}", pod.name);
        let labels = &stored.object.meta.labels;
        assert_eq!(labels.get("app").map(String::as_str), Some("webserver"));
        assert_eq!(
            labels.get("pod-template-hash").map(String::as_str),
            Some(hash)
        );
        hashes.insert(hash.to_string());
    }
    assert_eq!(hashes.len(), 1, "one template hash for all replicas");
    w.inject(
        Addr::ApiServer,
        0,
        Msg::Delete(key(Kind::Deployment, "webserver")),
    );
    w.run_until_idle(BUDGET).expect("converges");
    assert!(pods_of(&w, "webserver").is_empty());
    assert!(w.apiserver.list(Kind::Pod).next().is_none());
}

#[test]
fn endpoints_follow_the_ready_pods_of_the_service() {
    let mut w = world(5);
    let svc = key(Kind::Service, "service-web-clusterip");
    let mut objs = manifest("service-clusterip.yaml");
    apply(&mut w, objs.clone());
    // While the pods start, every endpoint is a pod that runs with that address.
    let mut counts = Vec::new();
    for _ in 0..400 {
        w.run_for(1_000_000, BUDGET).expect("runs");
        let addresses = w.apiserver.endpoints.get(&svc).map(|e| e.addresses.clone());
        for (pod, ip, _) in addresses.iter().flatten() {
            assert_eq!(
                w.apiserver.get(pod).and_then(|p| p.status.pod_ip),
                Some(*ip)
            );
        }
        counts.push(addresses.map_or(0, |a| a.len()));
    }
    counts.dedup();
    assert_eq!(counts.first(), Some(&0), "no endpoint before a pod runs");
    assert_eq!(counts.last(), Some(&4));
    let expected: Vec<(ObjectKey, Ipv4Addr, String)> = pods_of(&w, "webserver")
        .into_iter()
        .map(|p| (p.clone(), pod_ip(&w, &p), node_of(&w, &p)))
        .collect();
    assert_eq!(w.apiserver.endpoints[&svc].addresses, expected);
    // Scale down to one replica: the endpoints shrink to the pod that is left.
    for o in &mut objs {
        if let Spec::Deployment(d) = &mut o.spec {
            d.replicas = 1;
        }
    }
    apply_and_converge(&mut w, objs);
    let left = pods_of(&w, "webserver");
    assert_eq!(left.len(), 1);
    let addresses = &w.apiserver.endpoints[&svc].addresses;
    assert_eq!(addresses.len(), 1);
    assert_eq!(addresses[0].0, left[0]);
}

// ---- contrail-kube-manager ----

#[test]
fn kube_manager_gives_pod_interfaces_addresses_from_the_top_of_the_pod_subnet() {
    let mut w = world(1);
    apply_and_converge(&mut w, manifest("client.yaml"));
    apply_and_converge(&mut w, manifest("service-clusterip.yaml"));
    let client = key(Kind::Pod, "client");
    assert_eq!(pod_ip(&w, &client), Ipv4Addr::new(10, 47, 255, 252));
    let iface = w.kube_manager.pod_interface(&client).expect("interface");
    assert_eq!(iface.ip, Ipv4Addr::new(10, 47, 255, 252));
    assert_eq!(iface.node, CENT222);
    assert!(is_uuid(&iface.vmi));
    let mut ips: Vec<Ipv4Addr> = pods_of(&w, "webserver")
        .iter()
        .map(|p| pod_ip(&w, p))
        .collect();
    ips.sort();
    let expected: Vec<Ipv4Addr> = (248..=251).map(|d| Ipv4Addr::new(10, 47, 255, d)).collect();
    assert_eq!(ips, expected, "next four addresses down, no gaps");
}

#[test]
fn kube_manager_turns_a_service_into_a_native_loadbalancer() {
    let mut w = world(2);
    apply_and_converge(&mut w, objects(TWO_PORT_SERVICE));
    let svc = key(Kind::Service, "web");
    let stored = w.apiserver.get(&svc).expect("stored");
    let lb = w
        .kube_manager
        .loadbalancers
        .get(&svc)
        .expect("loadbalancer");
    assert_eq!(lb.provider, Provider::Native);
    assert_eq!(lb.uuid, stored.object.meta.uid);
    assert_eq!(lb.display_name, "ns-user-1__web");
    assert_eq!(Some(lb.vip), stored.status.cluster_ip);
    assert_eq!(lb.fip, None, "a ClusterIP Service has no floating IP");
    let ports: Vec<u16> = lb.listeners.iter().map(|l| l.port).collect();
    assert_eq!(ports, [8888, 443], "one listener per service port");
    let mut pod_ips: Vec<Ipv4Addr> = pods_of(&w, "web").iter().map(|p| pod_ip(&w, p)).collect();
    pod_ips.sort();
    for (listener, target) in lb.listeners.iter().zip([80, 8443]) {
        assert_eq!(listener.protocol, "TCP");
        assert_eq!(listener.pool.rule, PoolRule::Service);
        let mut members: Vec<(Ipv4Addr, u16)> = listener
            .pool
            .members
            .iter()
            .map(|m| (m.address, m.port))
            .collect();
        members.sort();
        let expected: Vec<(Ipv4Addr, u16)> = pod_ips.iter().map(|ip| (*ip, target)).collect();
        assert_eq!(members, expected, "members are pod IP:targetPort");
    }
    let mut uuids: Vec<&str> = lb
        .listeners
        .iter()
        .flat_map(|l| {
            [l.uuid.as_str(), l.pool.uuid.as_str()]
                .into_iter()
                .chain(l.pool.members.iter().map(|m| m.uuid.as_str()))
        })
        .collect();
    assert!(uuids.iter().all(|u| is_uuid(u)));
    let n = uuids.len();
    uuids.sort_unstable();
    uuids.dedup();
    assert_eq!(
        uuids.len(),
        n,
        "listener, pool and member uuids are distinct"
    );
}

#[test]
fn kube_manager_turns_an_ingress_into_an_opencontrail_loadbalancer_with_vip_and_fip() {
    let w = fanout(7);
    let ing = key(Kind::Ingress, "ingress-sf");
    let stored = w.apiserver.get(&ing).expect("stored");
    let lb = w
        .kube_manager
        .loadbalancers
        .get(&ing)
        .expect("loadbalancer");
    assert_eq!(lb.provider, Provider::Opencontrail);
    assert_eq!(lb.uuid, stored.object.meta.uid);
    assert_eq!(lb.display_name, "ns-user-1__ingress-sf");
    assert!(
        contains((Ipv4Addr::new(10, 32, 0, 0), 12), lb.vip),
        "{}",
        lb.vip
    );
    assert!(
        lb.vip < Ipv4Addr::new(10, 47, 255, 253),
        "below gateway and DNS"
    );
    assert_eq!(lb.fip, Some(Ipv4Addr::new(101, 101, 101, 1)));
    assert_eq!(
        lb.fip_pool.as_deref(),
        Some("default-domain:k8s-ns-user-1:vn-ns-default:pool-ns-default")
    );
    assert!(lb.vmi.as_deref().is_some_and(is_uuid));
    // The VIP is not any pod's address.
    assert!(
        w.apiserver
            .list(Kind::Pod)
            .all(|p| p.status.pod_ip != Some(lb.vip))
    );
    let rules: Vec<(PoolRule, Ipv4Addr, u16)> = lb
        .listeners
        .iter()
        .map(|l| {
            assert_eq!((l.protocol, l.port), ("HTTP", 80));
            assert_eq!(l.pool.members.len(), 1, "one member per backend");
            let m = &l.pool.members[0];
            (l.pool.rule.clone(), m.address, m.port)
        })
        .collect();
    let acl = |path: &str| PoolRule::Acl {
        host: Some("www.juniper.net".into()),
        path: Some(path.into()),
        path_type: None,
    };
    assert_eq!(
        rules,
        [
            (acl("/dev"), cluster_ip(&w, "webservice-1"), 8888),
            (acl("/qa"), cluster_ip(&w, "webservice-2"), 8888),
        ],
        "members are the Services' clusterIP:servicePort"
    );
    assert_eq!(
        stored.status.load_balancer,
        [Ipv4Addr::new(101, 101, 101, 1), lb.vip],
        "ingress status is [FIP, VIP]"
    );
}

#[test]
fn kube_manager_takes_the_fip_from_the_global_pool_in_a_namespace_without_the_annotation() {
    let mut w = world(4);
    apply_and_converge(
        &mut w,
        objects(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: plain}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: plain}\nspec:\n  selector: {app: web}\n  ports: [{port: 8888, targetPort: 80}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing, namespace: plain}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 8888}}}\n",
        ),
    );
    let ing = ObjectKey {
        kind: Kind::Ingress,
        namespace: "plain".into(),
        name: "ing".into(),
    };
    let lb = w
        .kube_manager
        .loadbalancers
        .get(&ing)
        .expect("loadbalancer");
    assert_eq!(lb.fip, Some(Ipv4Addr::new(102, 102, 102, 1)));
    assert_eq!(
        lb.fip_pool.as_deref(),
        Some("default-domain:k8s-default:vn-global-default:pool-global-default")
    );
    assert_eq!(lb.display_name, "plain__ing");
    assert_eq!(lb.listeners.len(), 1);
    assert_eq!(lb.listeners[0].pool.rule, PoolRule::Default);
}

#[test]
fn kube_manager_adds_the_backend_of_an_ingress_created_before_its_service() {
    let mut w = world(9);
    apply_and_converge(&mut w, manifest("ingress-sf.yaml"));
    let ing = key(Kind::Ingress, "ingress-sf");
    let lb = w
        .kube_manager
        .loadbalancers
        .get(&ing)
        .expect("loadbalancer")
        .clone();
    assert!(lb.listeners.is_empty(), "no backend Service exists yet");
    assert!(w.timeline.iter().any(|n| matches!(&n.what,
        What::Waiting { key, .. } if *key == ing)));
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    let lb2 = w
        .kube_manager
        .loadbalancers
        .get(&ing)
        .expect("loadbalancer");
    assert_eq!(lb2.uuid, lb.uuid);
    assert_eq!((lb2.vip, lb2.fip), (lb.vip, lb.fip), "addresses are kept");
    let members: Vec<(Ipv4Addr, u16)> = lb2
        .listeners
        .iter()
        .map(|l| (l.pool.members[0].address, l.pool.members[0].port))
        .collect();
    assert_eq!(
        members,
        [
            (cluster_ip(&w, "webservice-1"), 8888),
            (cluster_ip(&w, "webservice-2"), 8888)
        ]
    );
    // svc-monitor re-rendered: the running haproxy.conf now names both backends.
    for c in w.computes.iter().flatten() {
        for h in c.haproxies.iter().filter(|h| h.running) {
            assert!(
                h.instance
                    .conf
                    .contains(&format!("{}:8888", cluster_ip(&w, "webservice-2")))
            );
        }
    }
}

#[test]
fn kube_manager_ignores_an_ingress_of_another_class() {
    let mut w = world(9);
    apply_and_converge(&mut w, manifest("webservers.yaml"));
    apply_and_converge(
        &mut w,
        objects(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: nginx-ing\n  annotations: {kubernetes.io/ingress.class: nginx}\nspec:\n  defaultBackend: {service: {name: webservice-1, port: {number: 8888}}}\n",
        ),
    );
    let ing = key(Kind::Ingress, "nginx-ing");
    assert!(w.apiserver.get(&ing).is_some());
    assert!(!w.kube_manager.loadbalancers.contains_key(&ing));
    assert!(
        w.apiserver
            .get(&ing)
            .expect("stored")
            .status
            .load_balancer
            .is_empty()
    );
    assert!(w.computes.iter().flatten().all(|c| c.haproxies.is_empty()));
    // The same Ingress with class opencontrail is served.
    apply_and_converge(
        &mut w,
        objects(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ours\n  annotations: {kubernetes.io/ingress.class: opencontrail}\nspec:\n  defaultBackend: {service: {name: webservice-1, port: {number: 8888}}}\n",
        ),
    );
    assert!(
        w.kube_manager
            .loadbalancers
            .contains_key(&key(Kind::Ingress, "ours"))
    );
    // Handing it to another controller releases the loadbalancer and stops both haproxies.
    apply_and_converge(
        &mut w,
        objects(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ours\n  annotations: {kubernetes.io/ingress.class: nginx}\nspec:\n  defaultBackend: {service: {name: webservice-1, port: {number: 8888}}}\n",
        ),
    );
    assert!(
        !w.kube_manager
            .loadbalancers
            .contains_key(&key(Kind::Ingress, "ours"))
    );
    assert!(
        w.computes
            .iter()
            .flatten()
            .all(|c| c.haproxies.iter().all(|h| !h.running))
    );
}

// ---- contrail-svc-monitor and the vRouter agents ----

/// (node, pid, index) of every running haproxy of a loadbalancer.
fn haproxies(w: &World, lb_uuid: &str) -> Vec<(NodeId, u32, u8)> {
    w.computes
        .iter()
        .flatten()
        .flat_map(|c| {
            c.haproxies
                .iter()
                .filter(|h| h.running && &*h.instance.lb_uuid == lb_uuid)
                .map(|h| (c.id, h.pid, h.instance.index))
        })
        .collect()
}

#[test]
fn svc_monitor_places_active_and_standby_on_two_different_computes() {
    for seed in 1..=12 {
        let w = fanout(seed);
        let lb = &w.kube_manager.loadbalancers[&key(Kind::Ingress, "ingress-sf")];
        let vms = w.svc_monitor.instances[lb.uuid.as_str()].vms;
        let nodes: Vec<NodeId> = vms.iter().flatten().copied().collect();
        assert_eq!(nodes.len(), 2);
        assert_ne!(
            nodes[0], nodes[1],
            "seed {seed}: both instances on one node"
        );
        let mut running = haproxies(&w, &lb.uuid);
        running.sort_by_key(|(_, _, index)| *index);
        assert_eq!(
            running.iter().map(|(n, _, i)| (*n, *i)).collect::<Vec<_>>(),
            [(nodes[0], 0), (nodes[1], 1)],
            "seed {seed}: index 0 (active) and 1 (standby) run where placed"
        );
    }
    // The choice is random per seed: both computes get to be active for some seed.
    let actives: std::collections::BTreeSet<NodeId> = (1..=12)
        .map(|seed| {
            let w = fanout(seed);
            let lb = &w.kube_manager.loadbalancers[&key(Kind::Ingress, "ingress-sf")];
            w.svc_monitor.instances[lb.uuid.as_str()].vms[0].expect("active")
        })
        .collect();
    assert_eq!(actives.len(), 2);
}

#[test]
fn svc_monitor_rerenders_haproxy_conf_and_reloads_both_instances_on_a_change() {
    let mut w = fanout(7);
    let ing = key(Kind::Ingress, "ingress-sf");
    let uuid = w.kube_manager.loadbalancers[&ing].uuid.clone();
    let before = haproxies(&w, &uuid);
    let conf_before = w.svc_monitor.instances[uuid.as_str()].base.conf.clone();
    assert!(!conf_before.contains("path /ops"));
    apply_and_converge(
        &mut w,
        objects(
            "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: ingress-sf}\nspec:\n  rules:\n  - host: www.juniper.net\n    http:\n      paths:\n      - {path: /dev, backend: {serviceName: webservice-1, servicePort: 8888}}\n      - {path: /qa, backend: {serviceName: webservice-2, servicePort: 8888}}\n      - {path: /ops, backend: {serviceName: webservice-2, servicePort: 8888}}\n",
        ),
    );
    let after = haproxies(&w, &uuid);
    assert_eq!(after.len(), 2);
    for ((n0, pid0, i0), (n1, pid1, i1)) in before.iter().zip(&after) {
        assert_eq!((n0, i0), (n1, i1), "placement is kept");
        assert_ne!(pid0, pid1, "a reload starts a new process");
        assert!(w.timeline.iter().any(|n| n.what
            == What::HaproxyStarted {
                uuid: uuid.as_str().into(),
                pid: *pid1,
                previous: Some(*pid0),
            }));
    }
    for c in w.computes.iter().flatten() {
        for h in c.haproxies.iter().filter(|h| h.running) {
            assert!(h.instance.conf.contains("acl "), "{}", h.instance.conf);
            assert!(
                h.instance.conf.contains(" path /ops\n"),
                "not re-rendered on {}",
                c.name
            );
        }
    }
}

/// Paths of a prefix in the control node's table: (origin, local preference, MED).
fn control_paths(w: &World, vrf: &Vrf, address: Ipv4Addr) -> Vec<(NodeId, u32, u32)> {
    let mut paths: Vec<_> = w
        .control_node
        .table
        .get(&(vrf.clone(), contrail_sim::routing::host(address)))
        .map(|p| p.iter().map(|a| (a.origin, a.local_pref, a.med)).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

#[test]
fn agents_run_haproxy_on_both_computes_and_advertise_vip_and_fip_with_200_and_100() {
    let w = fanout(7);
    let lb = &w.kube_manager.loadbalancers[&key(Kind::Ingress, "ingress-sf")];
    let vms = w.svc_monitor.instances[lb.uuid.as_str()].vms;
    let (active, standby) = (vms[0].expect("active"), vms[1].expect("standby"));
    let fip = lb.fip.expect("fip");
    let fip_vrf = lb.fip_vrf.clone().expect("public network");
    let mut expected = vec![(active, 200, 100), (standby, 100, 200)];
    expected.sort();
    assert_eq!(control_paths(&w, &lb.vrf, lb.vip), expected, "VIP");
    assert_eq!(control_paths(&w, &fip_vrf, fip), expected, "FIP");
    // Files on both nodes: the same haproxy.conf under the loadbalancer's folder.
    let conf_path = format!(
        "/var/lib/contrail/loadbalancer/haproxy/{}/haproxy.conf",
        lb.uuid
    );
    let confs: Vec<String> = [active, standby]
        .iter()
        .map(|n| {
            let files = w.compute(*n).expect("compute").files();
            files
                .into_iter()
                .find(|(p, _)| *p == conf_path)
                .map(|(_, t)| t)
                .expect("haproxy.conf written")
        })
        .collect();
    assert_eq!(confs[0], confs[1]);
}

#[test]
fn deleting_the_ingress_stops_both_haproxies_and_withdraws_every_route() {
    let mut w = fanout(7);
    let ing = key(Kind::Ingress, "ingress-sf");
    let lb = w.kube_manager.loadbalancers[&ing].clone();
    let fip = lb.fip.expect("fip");
    assert_eq!(haproxies(&w, &lb.uuid).len(), 2);
    w.inject(Addr::ApiServer, 0, Msg::Delete(ing.clone()));
    w.run_until_idle(BUDGET).expect("converges");
    assert!(haproxies(&w, &lb.uuid).is_empty());
    let stopped = w
        .timeline
        .iter()
        .filter(|n| matches!(&n.what, What::HaproxyStopped { uuid, .. } if **uuid == *lb.uuid))
        .count();
    assert_eq!(stopped, 2);
    let fip_vrf = lb.fip_vrf.clone().expect("public network");
    assert!(control_paths(&w, &lb.vrf, lb.vip).is_empty());
    assert!(control_paths(&w, &fip_vrf, fip).is_empty());
    assert!(
        !w.gateway
            .vrf
            .contains_key(&contrail_sim::routing::host(fip))
    );
    for c in w.computes.iter().flatten() {
        assert!(
            c.files().is_empty(),
            "{} still holds {:?}",
            c.name,
            c.files()
        );
        let rib = c.tables.learned.rib(&w.rib);
        assert!(
            rib.table(&fip_vrf)
                .is_none_or(|t| t.get(contrail_sim::routing::host(fip)).is_none())
        );
    }
    assert!(!w.kube_manager.loadbalancers.contains_key(&ing));
}

// ---- control node and gateway ----

#[test]
fn control_node_reflects_only_the_best_path_of_an_ingress_fip_to_the_gateway() {
    let w = fanout(7);
    let lb = &w.kube_manager.loadbalancers[&key(Kind::Ingress, "ingress-sf")];
    let active = w.svc_monitor.instances[lb.uuid.as_str()].vms[0].expect("active");
    let paths = &w.gateway.vrf[&contrail_sim::routing::host(lb.fip.expect("fip"))];
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0].origin, active);
    assert_eq!(paths[0].next_hop, w.env.topology.node(active).address);
    assert_eq!((paths[0].local_pref, paths[0].med), (200, 100));
}

fn loadbalancer_service(multipath: bool) -> World {
    let mut w = World::new(
        contrail_sim::world::Env {
            gateway_multipath: multipath,
            ..contrail_sim::world::Env::book(5)
        },
        &[],
    );
    apply_and_converge(&mut w, manifest("service-loadbalancer.yaml"));
    w
}

#[test]
fn control_node_reflects_both_paths_of_a_loadbalancer_service_with_pods_on_both_computes() {
    let w = loadbalancer_service(false);
    let svc = key(Kind::Service, "service-web-lb");
    let nodes: std::collections::BTreeSet<String> = pods_of(&w, "webserver")
        .iter()
        .map(|p| node_of(&w, p))
        .collect();
    assert_eq!(nodes.len(), 2, "pods on both computes");
    let lb = &w.kube_manager.loadbalancers[&svc];
    let fip = lb
        .fip
        .expect("a LoadBalancer Service gets a public floating IP");
    assert_eq!(
        w.apiserver.get(&svc).expect("stored").status.load_balancer,
        [fip],
        "externalIP"
    );
    let expected = vec![(CENT222, 200, 100), (CENT333, 200, 100)];
    let fip_vrf = lb.fip_vrf.clone().expect("public network");
    assert_eq!(control_paths(&w, &fip_vrf, fip), expected);
    assert_eq!(control_paths(&w, &lb.vrf, lb.vip), expected, "clusterIP");
    let paths = &w.gateway.vrf[&contrail_sim::routing::host(fip)];
    let mut origins: Vec<NodeId> = paths.iter().map(|p| p.origin).collect();
    origins.sort();
    assert_eq!(
        origins,
        [CENT222, CENT333],
        "ECMP: both paths reach the gateway"
    );
}

#[test]
fn gateway_uses_one_path_without_multipath_and_both_with_it() {
    for multipath in [false, true] {
        let w = loadbalancer_service(multipath);
        let fip = w.kube_manager.loadbalancers[&key(Kind::Service, "service-web-lb")]
            .fip
            .expect("fip");
        let paths = w.gateway.vrf[&contrail_sim::routing::host(fip)].clone();
        let used = w.gateway.active_paths(&paths, multipath);
        assert_eq!(used.len(), if multipath { 2 } else { 1 });
    }
}
