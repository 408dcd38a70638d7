//! `--report DIR`: the charts and the text output of a run.

use std::collections::BTreeMap;
use std::path::Path;

use contrail_sim::scenario::load::load_scenario;
use contrail_sim::scenario::run::{Output, Run};

use crate::support::{TempDir, contrail_sim, scenario_path, text};

/// Runs `scenario` with `--report` into a fresh folder.
fn report(scenario: &str) -> TempDir {
    let dir = TempDir::new("report");
    let path = scenario_path(scenario);
    let out = contrail_sim(&[
        "run",
        &path.to_string_lossy(),
        "--report",
        &dir.path().to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The text elements of an SVG: (x, y, content).
fn texts(svg: &str) -> Vec<(f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let (tag, rest) = part.split_once('>')?;
            let (content, _) = rest.split_once("</text>")?;
            let content = content
                .trim()
                .replace("&apos;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            Some((attr(tag, "x"), attr(tag, "y"), content))
        })
        .collect()
}

const LANES: [&str; 11] = [
    "kube-apiserver",
    "kube-scheduler",
    "kube-controller-manager",
    "contrail-kube-manager",
    "contrail-svc-monitor",
    "contrail-control",
    "cent222/kubelet",
    "cent222/vrouter-agent",
    "cent333/kubelet",
    "cent333/vrouter-agent",
    "camaro",
];

/// Lanes labelled in the one fixed order; tick labels with units, never like `20000.0`, some
/// of them in `unit`.
fn assert_readable_timeline(svg: &str, unit: &str) {
    let texts = texts(svg);
    let ys: Vec<f64> = LANES
        .iter()
        .map(|lane| {
            texts
                .iter()
                .find(|(_, _, t)| t == lane)
                .unwrap_or_else(|| panic!("{lane} lane missing"))
                .1
        })
        .collect();
    assert!(
        ys.windows(2).all(|w| w[0] < w[1]),
        "lanes out of order: {ys:?}"
    );
    for (_, _, t) in &texts {
        assert!(
            !(t.contains('.') && t.parse::<f64>().is_ok()),
            "a bare number as a tick label: {t}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|(_, _, t)| t.ends_with(&format!(" {unit}"))),
        "no tick in {unit}"
    );
}

#[test]
fn served_by_groups_pods_by_compute_local_or_remote_to_the_client() {
    let dir = report("service-clusterip.yaml");
    let svg = read(dir.path(), "service-clusterip-step8-served-by.svg");
    let texts = texts(&svg);
    let title = "curl http://{service/service-web-clusterip.clusterIP}:8888/";
    assert_eq!(texts.first().map(|t| t.2.as_str()), Some(title));
    assert!(
        texts
            .iter()
            .any(|t| t.2.starts_with("from pod/client to 10."))
    );
    // Which pod served how often, and where each pod runs, from the library's own run.
    let scenario = load_scenario(&scenario_path("service-clusterip.yaml")).expect("loads");
    let run = Run::execute(&scenario, scenario.seed).unwrap_or_else(|e| panic!("{:?}", e.1));
    let Output::Curl(results) = &run.steps[7].output else {
        panic!("step 8 is a curl");
    };
    let node_of = |name: &str| {
        run.world
            .computes
            .iter()
            .flatten()
            .find(|c| c.pods.iter().any(|p| *p.key.name == *name))
            .map(|c| c.name.clone())
            .expect("pod placed")
    };
    let client = node_of("client");
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for r in results {
        *counts
            .entry(r.served_by.as_ref().expect("served").name.to_string())
            .or_default() += 1;
    }
    let local_bars = counts.keys().filter(|p| node_of(p) == client).count();
    assert!(
        local_bars > 0 && local_bars < counts.len(),
        "pods on both computes"
    );
    assert_eq!(
        svg.matches("fill=\"#2F9E44\"").count(),
        local_bars,
        "green: local"
    );
    assert_eq!(
        svg.matches("fill=\"#1971C2\"").count(),
        counts.len() - local_bars,
        "blue: remote"
    );
    for (pod, n) in &counts {
        let label = texts
            .iter()
            .position(|t| t.2 == format!("pod/{pod}"))
            .unwrap_or_else(|| panic!("{pod} has no bar"));
        // The bar's count is the next text on the same row.
        let (_, y, count) = &texts[label + 1];
        assert_eq!(
            (count.as_str(), *y),
            (n.to_string().as_str(), texts[label].1)
        );
    }
    let header = |local: bool| {
        texts.iter().any(|t| {
            t.2.starts_with(client.as_str()) == local
                && t.2
                    .contains(if local { " · local · " } else { " · remote" })
        })
    };
    assert!(header(true) && header(false), "compute headers");
    assert_readable_timeline(&read(dir.path(), "service-clusterip-timeline.svg"), "ms");
    assert!(
        !dir.path().join("service-clusterip-requests.svg").exists(),
        "no fault, no requests chart"
    );
    assert!(read(dir.path(), "service-clusterip.txt").contains("40 requests:"));
}

#[test]
fn a_failover_report_marks_the_fault_and_shows_each_request_outcome() {
    let dir = report("ingress-failover.yaml");
    let scenario = load_scenario(&scenario_path("ingress-failover.yaml")).expect("loads");
    let run = Run::execute(&scenario, scenario.seed).unwrap_or_else(|e| panic!("{:?}", e.1));
    // The node the scenario fails is the one its active haproxy was on.
    let failed = run
        .steps
        .iter()
        .find_map(|s| match &s.output {
            Output::Fault { resolved, .. } => Some(resolved.clone()),
            _ => None,
        })
        .expect("a fault step");
    let node = failed
        .strip_prefix("node/")
        .expect("a node fault")
        .to_string();

    let timeline = read(dir.path(), "ingress-failover-timeline.svg");
    assert_readable_timeline(&timeline, "s");
    let texts_of = |svg: &str| texts(svg).into_iter().map(|t| t.2).collect::<Vec<_>>();
    let t = texts_of(&timeline);
    for marker in [format!("fail {failed}"), format!("recover {failed}")] {
        assert!(t.contains(&marker), "{marker} missing: {t:?}");
    }
    // Every step is listed under the chart, as written, and numbered on a marker.
    assert!(
        t.iter()
            .any(|s| s == "fail node/{ingress/web.active} (as lost)")
    );
    assert!(
        t.iter().any(|s| s.contains('–')),
        "steps at one instant share a marker"
    );
    // Quiet minutes are cut out, with the time skipped written at the cut.
    assert!(t.iter().any(|s| s.starts_with('+') && s.ends_with(" s")));

    let requests = texts_of(&read(dir.path(), "ingress-failover-requests.svg"));
    let listed: Vec<&String> = requests.iter().filter(|s| s.starts_with("at ")).collect();
    assert_eq!(listed.len(), 4, "{requests:?}");
    assert!(
        listed[0].contains("→ 200 from webserver-… on "),
        "{}",
        listed[0]
    );
    assert!(
        listed[0].ends_with(&format!("via {node}/haproxy")),
        "{}",
        listed[0]
    );
    assert!(
        listed[1].contains("→ no answer (node-down)"),
        "{}",
        listed[1]
    );
    // After the failover the standby on the other compute answers.
    assert!(
        listed[2].contains("→ 200 from webserver-… on "),
        "{}",
        listed[2]
    );
    assert!(
        !listed[2].ends_with(&format!("via {node}/haproxy")),
        "{}",
        listed[2]
    );
    assert!(listed[3].contains("→ 200"), "{}", listed[3]);
    for lane in ["delivered", "node-down"] {
        assert!(requests.iter().any(|s| s == lane), "{lane} lane missing");
    }
    assert!(requests.iter().any(|s| *s == format!("fail {failed}")));
}

#[test]
fn a_compare_report_draws_one_connection_for_a_service_and_two_for_an_ingress() {
    let dir = report("service-vs-ingress.yaml");
    let svg = read(dir.path(), "service-vs-ingress-step5-paths.svg");
    let t: Vec<String> = texts(&svg).into_iter().map(|t| t.2).collect();
    let scenario = load_scenario(&scenario_path("service-vs-ingress.yaml")).expect("loads");
    let run = Run::execute(&scenario, scenario.seed).unwrap_or_else(|e| panic!("{:?}", e.1));
    let Output::Compare(results) = &run.steps[4].output else {
        panic!("step 5 compares");
    };
    let service = results[0].destination;
    let pod_ip = run
        .world
        .computes
        .iter()
        .flatten()
        .flat_map(|c| &c.pods)
        .find(|p| Some(&p.key) == results[0].served_by.as_ref())
        .map(|p| p.ip)
        .expect("served");
    let headline = |i: usize| {
        let title = format!("curl {}", results[i].request.raw);
        let at = t.iter().position(|s| *s == title).expect("request title");
        t[at + 1].clone()
    };
    assert!(
        headline(0).starts_with("1 TCP connection · 1 NAT · 200"),
        "{}",
        headline(0)
    );
    assert!(
        headline(1).starts_with("2 TCP connections · 1 NAT · 200"),
        "{}",
        headline(1)
    );
    // Both paths end with the NAT to the pod on its compute; only the ingress has haproxy's rule.
    let dnat = format!("DNAT → {pod_ip}:80");
    assert_eq!(t.iter().filter(|s| **s == dnat).count(), 2, "{t:?}");
    assert!(t.iter().any(|s| *s == format!("to {service}:8888")));
    assert!(
        t.iter()
            .any(|s| s.starts_with("rule → 10.") && s.ends_with(":8888"))
    );
    assert!(t.iter().any(|s| s == "opens its own connection"));
    assert!(t.iter().any(|s| s == "MPLSoUDP"));
}

#[test]
fn a_large_topology_keeps_the_lane_order_and_leaves_idle_agents_out() {
    let dir = TempDir::new("report-large");
    let manifest = scenario_path("manifests/service-clusterip.yaml");
    let scenario = dir.write(
        "large.yaml",
        &format!(
            "name: large\ntopology:\n  computes: 20\nsteps:\n  - apply: {}\n  - wait: converged\n",
            manifest.display()
        ),
    );
    let out = contrail_sim(&[
        "run",
        &scenario.to_string_lossy(),
        "--report",
        &dir.path().to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let texts = texts(&read(dir.path(), "large-timeline.svg"));
    let agents: Vec<(f64, u32)> = texts
        .iter()
        .filter_map(|(_, y, t)| {
            let n = t.strip_prefix("compute-")?.strip_suffix("/vrouter-agent")?;
            Some((*y, n.parse().ok()?))
        })
        .collect();
    // Four replicas: the agents of the computes they run on, not all twenty.
    assert!(!agents.is_empty() && agents.len() < 20, "{agents:?}");
    assert!(
        agents
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1),
        "{agents:?}"
    );
    let y = |lane: &str| texts.iter().find(|t| t.2 == lane).map(|t| t.1).expect(lane);
    assert!(y("contrail-control") < agents[0].0 && agents[agents.len() - 1].0 < y("camaro"));
}
