//! The data plane hop by hop (section 4 of the Contrail model), read from the trace of the
//! book's scenarios: where the flows are created, what they do, and which tunnels carry them.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;

use contrail_sim::k8s::objects::Kind;
use contrail_sim::scenario::load::load_scenario;
use contrail_sim::scenario::model::ObjectKey;
use contrail_sim::scenario::run::{CurlResult, Output, Run};
use contrail_sim::topology::NodeId;
use contrail_sim::trace::{Component, FlowAction, Step};
use contrail_sim::wire::Tunnel;

const CENT222: NodeId = NodeId(1);

fn run(file: &str) -> Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let scenario = load_scenario(&path).unwrap_or_else(|d| panic!("{file}: {d:?}"));
    match Run::execute(&scenario, scenario.seed) {
        Ok(run) => run,
        Err(e) => panic!("{file}: {:?}", e.1),
    }
}

fn curls(run: &Run) -> Vec<&CurlResult> {
    run.steps
        .iter()
        .flat_map(|s| match &s.output {
            Output::Curl(r) => r.iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// The node hosting a pod.
fn node_of(run: &Run, pod: &ObjectKey) -> NodeId {
    run.world
        .computes
        .iter()
        .flatten()
        .find(|c| c.pods.iter().any(|p| &p.key == pod))
        .map(|c| c.id)
        .expect("pod runs on a compute")
}

/// The steps of the first packet (the SYN) of connection `conn` of a request, per hop.
fn syn_hops(run: &Run, request: u32, conn: u8) -> Vec<(NodeId, Component, Vec<Step>)> {
    let trace = &run.world.trace;
    trace
        .hops_of(request)
        .filter(|h| h.tag.conn == conn && h.tag.packet == 0)
        .map(|h| (h.node, h.component, trace.steps_of(h).to_vec()))
        .collect()
}

fn flow_action(steps: &[Step]) -> Option<FlowAction> {
    steps.iter().find_map(|s| match s {
        Step::FlowCreated { action, .. } => Some(*action),
        _ => None,
    })
}

fn tunnels(steps: &[Step], encap: bool) -> Vec<(Tunnel, Ipv4Addr, Ipv4Addr)> {
    steps
        .iter()
        .filter_map(|s| match (s, encap) {
            (
                Step::Encap {
                    tunnel,
                    outer_src,
                    outer_dst,
                    ..
                },
                true,
            )
            | (
                Step::Decap {
                    tunnel,
                    outer_src,
                    outer_dst,
                    ..
                },
                false,
            ) => Some((*tunnel, *outer_src, *outer_dst)),
            _ => None,
        })
        .collect()
}

fn is_udp(t: &Tunnel) -> bool {
    matches!(t, Tunnel::MplsOverUdp { .. })
}

/// The vRouter hop of `node` among the hops.
fn vrouter(hops: &[(NodeId, Component, Vec<Step>)], node: NodeId) -> &[Step] {
    hops.iter()
        .find(|(n, c, _)| *n == node && *c == Component::VRouter)
        .map(|(_, _, s)| s.as_slice())
        .unwrap_or_else(|| panic!("no vRouter hop on {node:?}"))
}

#[test]
fn clusterip_nat_happens_only_on_the_backend_compute_and_the_client_vrouter_forwards() {
    let run = run("service-clusterip.yaml");
    let mut served_nodes = BTreeSet::new();
    let mut pods = BTreeSet::new();
    for r in curls(&run) {
        assert_eq!(r.response.as_ref().map(|x| x.status), Some(200));
        let pod = r.served_by.clone().expect("served");
        let backend = node_of(&run, &pod);
        served_nodes.insert(backend);
        pods.insert(pod);
        let hops = syn_hops(&run, r.request_id, 0);
        let client = vrouter(&hops, CENT222);
        // One route per compute: ECMP over the 2 computes, then over the 2 pods of the
        // chosen one (its local composite).
        assert!(
            client.iter().any(|s| matches!(s, Step::Ecmp { of: 2, .. })),
            "ECMP over the 2 computes"
        );
        let inside = vrouter(&hops, backend);
        // On the client's own compute both choices are made in one hop.
        let choices = if backend == CENT222 { 2 } else { 1 };
        assert_eq!(
            inside
                .iter()
                .filter(|s| matches!(s, Step::Ecmp { of: 2, to, .. } if *to == backend))
                .count(),
            choices,
            "ECMP over the backend compute's 2 pods"
        );
        if backend == CENT222 {
            assert_eq!(flow_action(client), Some(FlowAction::NatDstPort));
            assert!(tunnels(client, true).is_empty());
        } else {
            assert_eq!(
                flow_action(client),
                Some(FlowAction::Forward),
                "client vRouter: F"
            );
            let encap = tunnels(client, true);
            assert_eq!(encap.len(), 1);
            assert!(is_udp(&encap[0].0), "compute to compute is MPLSoUDP");
            let remote = vrouter(&hops, backend);
            assert!(is_udp(&tunnels(remote, false)[0].0));
            assert_eq!(
                flow_action(remote),
                Some(FlowAction::NatDstPort),
                "N(DPd) on the backend"
            );
            let nat = remote.iter().find_map(|s| match s {
                Step::Nat {
                    dst: true,
                    old,
                    new,
                } => Some((*old, *new)),
                _ => None,
            });
            let (old, new) = nat.expect("destination NAT");
            assert_eq!(old, (r.destination, 8888));
            assert_eq!(new.1, 80, "servicePort 8888 -> targetPort 80");
        }
    }
    assert_eq!(
        served_nodes.len(),
        2,
        "requests reach pods on both computes"
    );
    assert_eq!(pods.len(), 4, "and every pod of the Service");
}

#[test]
fn ingress_from_the_internet_is_gre_from_the_gateway_and_fip_to_vip_nat_on_the_active_compute() {
    let run = run("ingress-simple-fanout.yaml");
    let w = &run.world;
    let ing = ObjectKey {
        kind: Kind::Ingress,
        namespace: "ns-user-1".into(),
        name: "ingress-sf".into(),
    };
    let lb = &w.kube_manager.loadbalancers[&ing];
    let (fip, vip) = (lb.fip.expect("fip"), lb.vip);
    let active = w.svc_monitor.instances[lb.uuid.as_str()].vms[0].expect("active");
    let active_address = w.env.topology.node(active).address;
    let external: Vec<&CurlResult> = curls(&run)
        .into_iter()
        .filter(|r| r.destination == fip && r.response.as_ref().is_some_and(|x| x.status == 200))
        .collect();
    assert_eq!(external.len(), 2, "/dev and /qa from the internet host");
    let mut remote_seen = false;
    for r in external {
        let hops = syn_hops(&run, r.request_id, 0);
        let gateway = hops
            .iter()
            .find(|(_, c, _)| *c == Component::Gateway)
            .map(|(_, _, s)| s.as_slice())
            .expect("through the gateway");
        let gre = tunnels(gateway, true);
        assert_eq!(gre.len(), 1);
        assert_eq!(gre[0].0, Tunnel::MplsOverGre);
        assert_eq!(gre[0].2, active_address, "to the active compute");
        let at_active = vrouter(&hops, active);
        assert_eq!(tunnels(at_active, false)[0].0, Tunnel::MplsOverGre);
        assert_eq!(flow_action(at_active), Some(FlowAction::NatDst), "N(D)");
        assert!(at_active.contains(&Step::Nat {
            dst: true,
            old: (fip, 80),
            new: (vip, 80),
        }));
        assert!(
            hops.iter()
                .any(|(n, c, _)| *n == active && matches!(c, Component::Haproxy(_)))
        );
        // haproxy's own connection to the Service.
        let pod = r.served_by.clone().expect("served");
        let backend = node_of(&run, &pod);
        let back = syn_hops(&run, r.request_id, 1);
        let from_active = vrouter(&back, active);
        if backend == active {
            assert_eq!(flow_action(from_active), Some(FlowAction::NatDstPort));
        } else {
            remote_seen = true;
            assert_eq!(flow_action(from_active), Some(FlowAction::Forward));
            assert!(
                is_udp(&tunnels(from_active, true)[0].0),
                "MPLSoUDP between computes"
            );
            assert_eq!(
                flow_action(vrouter(&back, backend)),
                Some(FlowAction::NatDstPort)
            );
        }
    }
    assert!(
        remote_seen,
        "one of the backends is on the standby's compute"
    );
}

#[test]
fn unmatched_ingress_requests_get_haproxy_503_and_open_no_backend_connection() {
    let run = run("ingress-simple-fanout.yaml");
    let unmatched: Vec<&CurlResult> = curls(&run)
        .into_iter()
        .filter(|r| r.request.url.path == "/abc" || r.host_header.starts_with("www.cisco.com"))
        .collect();
    assert_eq!(unmatched.len(), 2);
    for r in unmatched {
        let response = r.response.as_ref().expect("answered");
        assert_eq!(
            (response.status, response.reason),
            (503, "Service Unavailable")
        );
        assert!(
            response
                .body
                .contains("No server is available to handle this request.")
        );
        assert_eq!(r.disposition, "no-backend");
        assert_eq!(r.served_by, None);
        assert!(
            syn_hops(&run, r.request_id, 1).is_empty(),
            "no connection to a backend"
        );
    }
}

#[test]
fn loadbalancer_service_from_the_internet_reaches_pods_on_both_computes_with_multipath() {
    let run = run("service-loadbalancer.yaml");
    let nodes: BTreeSet<NodeId> = curls(&run)
        .iter()
        .map(|r| node_of(&run, r.served_by.as_ref().expect("served")))
        .collect();
    assert_eq!(nodes.len(), 2);
    for r in curls(&run) {
        let hops = syn_hops(&run, r.request_id, 0);
        let backend = node_of(&run, r.served_by.as_ref().expect("served"));
        let at = vrouter(&hops, backend);
        assert_eq!(
            tunnels(at, false)[0].0,
            Tunnel::MplsOverGre,
            "straight from the gateway"
        );
        assert_eq!(flow_action(at), Some(FlowAction::NatDstPort));
    }
}
