//! `run --pcap FILE`: the capture decoded by Debian's tshark (the referee), and the capture's own
//! invariants without it.
//!
//! The tshark tests need `tshark` on `PATH` (or `$TSHARK`): see `.ci/tshark-deps.sh`. Without it
//! they fail, unless `CONTRAIL_SIM_SKIP_TSHARK=1` is set outside CI.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use contrail_sim::k8s::objects::Kind;
use contrail_sim::scenario::load::load_scenario;
use contrail_sim::scenario::model::{AddressField, AddressRef};
use contrail_sim::scenario::resolve;
use contrail_sim::scenario::run::{Output, Run};
use contrail_sim::sim::Time;
use contrail_sim::trace::capture::{Capture, PacketSink};
use contrail_sim::wire::Packet;
use contrail_sim::wire::bytes::Ethernet;

use crate::support::{TempDir, contrail_sim, scenario_path, text};

/// The tshark binary (`$TSHARK`, else `tshark` on `PATH`), or `None` when it is missing and
/// skipping is allowed. Panics when it is missing in CI (`CI` set) or without
/// `CONTRAIL_SIM_SKIP_TSHARK=1`.
fn tshark() -> Option<PathBuf> {
    crate::support::referee("tshark", "--version")
}

/// A scenario run twice: by the binary with `--pcap`, and by the library for its addresses.
struct Captured {
    _dir: TempDir,
    file: PathBuf,
    run: Run,
}

fn capture(scenario: &str) -> Captured {
    let dir = TempDir::new("pcap");
    let file = dir.path().join("run.pcapng");
    let path = scenario_path(scenario);
    let out = contrail_sim(&[
        "run",
        &path.to_string_lossy(),
        "--pcap",
        &file.to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let loaded = load_scenario(&path).unwrap_or_else(|d| panic!("{scenario}: {d:?}"));
    let run = Run::execute(&loaded, loaded.seed).unwrap_or_else(|e| panic!("{:?}", e.1));
    Captured {
        _dir: dir,
        file,
        run,
    }
}

impl Captured {
    fn address(&self, kind: Kind, name: &str, field: AddressField) -> Ipv4Addr {
        let r = AddressRef {
            kind,
            namespace: None,
            name: name.into(),
            field,
        };
        resolve::address(&self.run.world, &r, "ns-user-1")
            .unwrap_or_else(|| panic!("{r} has no address"))
    }

    /// (node name, pod IP) of every running pod whose name starts with `prefix`.
    fn pods(&self, prefix: &str) -> Vec<(String, Ipv4Addr)> {
        let world = &self.run.world;
        world
            .computes
            .iter()
            .flatten()
            .flat_map(|c| {
                c.pods
                    .iter()
                    .filter(|p| p.live && p.key.name.starts_with(prefix))
                    .map(|p| (c.name.to_string(), p.ip))
            })
            .collect()
    }

    /// The compute running the active haproxy.
    fn active_haproxy(&self) -> String {
        let world = &self.run.world;
        world
            .computes
            .iter()
            .flatten()
            .find(|c| {
                c.haproxies
                    .iter()
                    .any(|h| h.running && h.instance.index == 0)
            })
            .map(|c| c.name.to_string())
            .expect("an active haproxy")
    }
}

/// One decoded frame: the capture point and the fields the tests read. Addresses and ports
/// are the innermost ones; `tunnel` names the outer encapsulation.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    point: String,
    src: String,
    dst: String,
    sport: String,
    dport: String,
    host: String,
    uri: String,
    xff: String,
    tunnel: &'static str,
}

const FIELDS: [&str; 11] = [
    "frame.interface_name",
    "ip.src",
    "ip.dst",
    "tcp.srcport",
    "tcp.dstport",
    "http.host",
    "http.request.uri",
    "http.x_forwarded_for",
    "udp.dstport",
    "gre.proto",
    "mpls.label",
];

/// tshark's reading of the frames that match `filter`. Every packet appears once per point it
/// crosses, so TCP sequence analysis (which would call the later copies retransmissions and
/// not decode their HTTP again) is turned off; checksums are verified.
fn decode(bin: &Path, file: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new(bin);
    cmd.arg("-r").arg(file);
    for pref in [
        "tcp.analyze_sequence_numbers:FALSE",
        "tcp.check_checksum:TRUE",
        "ip.check_checksum:TRUE",
    ] {
        cmd.args(["-o", pref]);
    }
    cmd.args(["-Y", filter, "-T", "fields", "-E", "separator=/t"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark: {}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn last(values: &str) -> String {
    values.rsplit(',').next().unwrap_or_default().to_string()
}

fn rows(bin: &Path, file: &Path, filter: &str) -> Vec<Row> {
    decode(bin, file, filter, &FIELDS)
        .into_iter()
        .map(|v| {
            let get = |i: usize| v.get(i).cloned().unwrap_or_default();
            let tunnel = match (get(8).as_str(), get(9).as_str(), get(10).is_empty()) {
                ("6635", _, false) => "mpls-udp",
                (_, "0x8847", false) => "mpls-gre",
                ("", "", true) => "",
                _ => "other",
            };
            Row {
                point: get(0),
                src: last(&get(1)),
                dst: last(&get(2)),
                sport: get(3),
                dport: get(4),
                host: get(5),
                uri: get(6),
                xff: get(7),
                tunnel,
            }
        })
        .collect()
}

fn link(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}-{b}")
    } else {
        format!("{b}-{a}")
    }
}

fn is_tap_of(point: &str, node: &str) -> bool {
    point
        .strip_prefix(node)
        .and_then(|rest| rest.strip_prefix(":tapeth0-"))
        .is_some_and(|id| id.len() == 6)
}

#[test]
fn an_ingress_request_decodes_as_http_at_every_point_through_both_tunnels() {
    let Some(bin) = tshark() else { return };
    let c = capture("ingress-simple-fanout.yaml");
    let fip = c.address(Kind::Ingress, "ingress-sf", AddressField::Fip);
    let vip = c.address(Kind::Ingress, "ingress-sf", AddressField::Vip);
    let cluster_ip = c.address(Kind::Service, "webservice-1", AddressField::ClusterIp);
    let active = c.active_haproxy();
    let [(pod_node, pod_ip)] = c
        .pods("webserver-1")
        .try_into()
        .expect("one webserver-1 pod");
    // The external request for /dev and haproxy's request on its behalf.
    let path: Vec<Row> = rows(&bin, &c.file, "http.request")
        .into_iter()
        .filter(|r| r.host == "www.juniper.net" && r.uri == "/dev")
        .filter(|r| r.src == "15.15.15.2" || r.xff == "15.15.15.2")
        .collect();
    let got: Vec<_> = path
        .iter()
        .map(|r| {
            (
                r.point.clone(),
                r.dst.clone(),
                r.dport.clone(),
                r.xff.clone(),
                r.tunnel,
            )
        })
        .collect();
    let mut want = vec![
        // The gateway's link to the internet and its tunnel carry the floating IP (before NAT).
        ("camaro-cent-client".to_string(), fip, "80", "", ""),
        (link("camaro", &active), fip, "80", "", "mpls-gre"),
        // On haproxy's tap the vRouter has NATed the floating IP to the VIP.
        (String::new(), vip, "80", "", ""),
        // haproxy's own connection, with X-Forwarded-For, to the Service.
        (String::new(), cluster_ip, "8888", "15.15.15.2", ""),
    ];
    if pod_node != active {
        want.push((
            link(&active, &pod_node),
            cluster_ip,
            "8888",
            "15.15.15.2",
            "mpls-udp",
        ));
    }
    // NAT to the pod happens on the pod's compute.
    want.push((String::new(), pod_ip, "80", "15.15.15.2", ""));
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if w.0.is_empty() {
            let node = if i + 1 == want.len() {
                &pod_node
            } else {
                &active
            };
            assert!(
                is_tap_of(&g.0, node),
                "hop {i}: {} is no tap of {node}",
                g.0
            );
        } else {
            assert_eq!(g.0, w.0, "hop {i}");
        }
        assert_eq!(
            (g.1.as_str(), g.2.as_str(), g.3.as_str(), g.4),
            (w.1.to_string().as_str(), w.2, w.3, w.4),
            "hop {i} at {}",
            g.0
        );
    }
}

#[test]
fn a_loadbalancer_service_is_reached_on_its_floating_ip_and_natted_on_the_pods_compute() {
    let Some(bin) = tshark() else { return };
    let c = capture("service-loadbalancer.yaml");
    let fip = c.address(Kind::Service, "service-web-lb", AddressField::ExternalIp);
    let pods = c.pods("webserver");
    let rows = rows(&bin, &c.file, "http.request");
    let mut links = BTreeSet::new();
    let mut served = BTreeSet::new();
    for pair in rows.windows(2).filter(|w| w[0].tunnel == "mpls-gre") {
        let (gre, tap) = (&pair[0], &pair[1]);
        assert_eq!(
            (gre.dst.as_str(), gre.dport.as_str()),
            (fip.to_string().as_str(), "8888")
        );
        let node = gre.point.strip_prefix("camaro-").expect("a gateway link");
        assert!(is_tap_of(&tap.point, node), "{tap:?} follows {gre:?}");
        assert!(
            pods.iter()
                .any(|(n, ip)| n == node && ip.to_string() == tap.dst),
            "{} is no pod on {node}",
            tap.dst
        );
        assert_eq!(tap.dport, "80");
        links.insert(gre.point.clone());
        served.insert(tap.dst.clone());
    }
    let requests = rows
        .iter()
        .filter(|r| r.point == "camaro-cent-client")
        .count();
    assert_eq!(requests, 20);
    assert_eq!(
        links,
        BTreeSet::from(["camaro-cent222".to_string(), "camaro-cent333".to_string()]),
        "multipath uses both computes"
    );
    assert_eq!(served.len(), pods.len(), "every pod served");
}

#[test]
fn a_clusterip_request_crosses_mpls_over_udp_before_nat_and_returns_after_it() {
    let Some(bin) = tshark() else { return };
    let c = capture("service-clusterip.yaml");
    let cluster_ip = c
        .address(
            Kind::Service,
            "service-web-clusterip",
            AddressField::ClusterIp,
        )
        .to_string();
    let tunnelled = rows(&bin, &c.file, "http.request && udp.dstport == 6635");
    assert!(
        !tunnelled.is_empty(),
        "some requests go to the other compute"
    );
    for r in &tunnelled {
        assert_eq!(
            (r.dst.as_str(), r.dport.as_str()),
            (cluster_ip.as_str(), "8888")
        );
        assert_eq!(
            (r.point.as_str(), r.tunnel),
            ("cent222-cent333", "mpls-udp")
        );
    }
    // The reply leaves the backend's compute already translated back to the clusterIP.
    let answers = rows(&bin, &c.file, "http.response && udp.dstport == 6635");
    assert_eq!(answers.len(), tunnelled.len());
    for r in &answers {
        assert_eq!(
            (r.src.as_str(), r.sport.as_str()),
            (cluster_ip.as_str(), "8888")
        );
    }
}

#[test]
fn captures_have_valid_checksums_and_nothing_malformed() {
    let Some(bin) = tshark() else { return };
    for scenario in [
        "ingress-simple-fanout.yaml",
        "service-loadbalancer.yaml",
        "service-clusterip.yaml",
    ] {
        let c = capture(scenario);
        let all = decode(
            &bin,
            &c.file,
            "frame",
            &["tcp.checksum.status", "ip.checksum.status", "_ws.malformed"],
        );
        assert!(all.len() > 100, "{scenario}: {} frames", all.len());
        for (i, v) in all.iter().enumerate() {
            // 1 is "Good": every TCP checksum and every IPv4 header (outer and inner).
            assert_eq!(v[0], "1", "{scenario} frame {}: TCP checksum", i + 1);
            assert!(
                v[1].split(',').all(|s| s == "1"),
                "{scenario} frame {}: IPv4 checksums {}",
                i + 1,
                v[1]
            );
            assert!(
                v.get(2).is_none_or(String::is_empty),
                "{scenario} frame {}: malformed",
                i + 1
            );
        }
        let errors = decode(
            &bin,
            &c.file,
            "_ws.expert.severity >= warning",
            &["frame.number"],
        );
        assert!(errors.is_empty(), "{scenario}: expert warnings {errors:?}");
    }
}

/// Counts what a capture receives.
#[derive(Clone, Default)]
struct Counter {
    packets: Arc<AtomicUsize>,
    names: Arc<Mutex<Vec<String>>>,
}

impl PacketSink for Counter {
    fn interface(&mut self, id: u32, name: &str, _description: &str) {
        let mut names = self.names.lock().expect("names");
        assert_eq!(id as usize, names.len(), "ids count from 0");
        names.push(name.to_string());
    }

    fn packet(&mut self, id: u32, _at: Time, _l2: Ethernet, _packet: &Packet) {
        assert!(
            (id as usize) < self.names.lock().expect("names").len(),
            "declared first"
        );
        self.packets.fetch_add(1, Ordering::Relaxed);
    }

    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_packet_delivery_is_captured_once_at_a_named_point() {
    let path = scenario_path("ingress-simple-fanout.yaml");
    let scenario = load_scenario(&path).unwrap();
    let counter = Counter::default();
    let capture = Capture::new(Box::new(counter.clone()));
    let run = Run::execute_with(&scenario, scenario.seed, Some(capture))
        .unwrap_or_else(|e| panic!("{:?}", e.1));
    // Every delivered packet opens one trace hop; so does each request's start.
    let requests: usize = run
        .steps
        .iter()
        .map(|s| match &s.output {
            Output::Curl(r) | Output::Compare(r) => r.len(),
            _ => 0,
        })
        .sum();
    let packets = counter.packets.load(Ordering::Relaxed);
    assert_eq!(packets, run.world.trace.hops.len() - requests);
    let names = counter.names.lock().unwrap().clone();
    for link in ["camaro-cent-client", "cent222-cent333"] {
        assert!(
            names.iter().any(|n| n == link),
            "{link} missing from {names:?}"
        );
    }
    // The gateway's tunnel to whichever compute holds the active haproxy.
    assert!(
        names.iter().any(|n| n
            .strip_prefix("camaro-cent")
            .is_some_and(|c| c.parse::<u32>().is_ok())),
        "no gateway tunnel in {names:?}"
    );
    for name in &names {
        let tap = ["cent222", "cent333"].iter().any(|n| is_tap_of(name, n));
        let link = [
            "camaro-cent-client",
            "camaro-cent222",
            "camaro-cent333",
            "cent222-cent333",
        ]
        .contains(&name.as_str());
        assert!(tap || link, "unexpected capture point {name}");
    }
    assert_eq!(
        names.len(),
        names.iter().collect::<BTreeSet<_>>().len(),
        "one interface per point"
    );
}

#[test]
fn the_same_seed_writes_the_same_capture() {
    let dir = TempDir::new("pcap-determinism");
    let scenario = scenario_path("service-clusterip.yaml");
    let mut files = Vec::new();
    for name in ["a.pcapng", "b.pcapng"] {
        let file = dir.path().join(name);
        let out = contrail_sim(&[
            "run",
            &scenario.to_string_lossy(),
            "--pcap",
            &file.to_string_lossy(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        files.push(std::fs::read(file).unwrap());
    }
    assert!(files[0].len() > 1000);
    assert!(files[0] == files[1], "two runs wrote different captures");
}

#[test]
fn an_unwritable_capture_is_an_error_before_the_run() {
    let out = contrail_sim(&[
        "run",
        "scenarios/service-clusterip.yaml",
        "--pcap",
        "/nonexistent-dir/run.pcapng",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("cannot write the capture to /nonexistent-dir/run.pcapng"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_determinism_compares_the_captures_too() {
    let dir = TempDir::new("pcap-check");
    let file = dir.path().join("run.pcapng");
    let out = contrail_sim(&[
        "run",
        "scenarios/ingress-failover.yaml",
        "--pcap",
        &file.to_string_lossy(),
        "--check-determinism",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("byte-identical") && text(&out.stderr).contains("captures"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn https_requests_cross_as_tls_records_and_only_plain_http_to_443_is_readable() {
    let Some(bin) = tshark() else { return };
    let c = capture("ingress-tls.yaml");
    let records = decode(
        &bin,
        &c.file,
        "tls.record",
        &[
            "tcp.srcport",
            "tcp.dstport",
            "tls.record.content_type",
            "tls.record.length",
            "tcp.len",
            "tcp.checksum.status",
        ],
    );
    assert!(records.len() >= 8, "{records:?}");
    for r in &records {
        // One application-data record per message, filling the segment, on the TLS frontend.
        let n = |i: usize| r[i].parse::<usize>().expect("a number");
        assert!(r[0] == "443" || r[1] == "443", "{r:?}");
        assert_eq!(r[2], "23", "{r:?}");
        assert_eq!(n(3) + 5, n(4), "{r:?}");
        assert_eq!(r[5], "1", "{r:?}");
    }
    // The requests inside TLS are never readable; the one plain request to 443 is.
    let plain: BTreeSet<Vec<String>> = decode(
        &bin,
        &c.file,
        "http.request and tcp.dstport == 443",
        &["http.host", "http.request.uri"],
    )
    .into_iter()
    .collect();
    assert_eq!(
        plain,
        BTreeSet::from([vec!["www.juniper.net:443".to_string(), "/dev".to_string()]])
    );
}
