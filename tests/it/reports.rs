//! `--report DIR`: the charts and the text output of a run.

use std::process::Command;

#[test]
fn report_draws_one_bar_per_serving_pod_and_a_timeline() {
    let dir = std::env::temp_dir().join(format!("contrail-sim-report-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_contrail-sim"))
        .args(["run", "scenarios/service-clusterip.yaml", "--report"])
        .arg(&dir)
        .output()
        .expect("run contrail-sim");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(dir.join("service-clusterip.txt")).expect("text report");
    let served =
        std::fs::read_to_string(dir.join("service-clusterip-step8-served-by.svg")).expect("chart");
    // The scenario's deployment has four replicas spread over both computes: four bars, each
    // labelled with a pod that the text output shows serving requests.
    // The first repeated step's table: "40 requests:" then "  <count>  pod/<name>" lines.
    let pods: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.ends_with(" requests:"))
        .skip(1)
        .map_while(|l| {
            l.trim()
                .split_once("  pod/")
                .filter(|(n, _)| n.trim().parse::<u32>().is_ok())
                .map(|(_, p)| p)
        })
        .collect();
    assert!(!pods.is_empty(), "{text}");
    for pod in &pods {
        assert!(served.contains(pod), "{pod} missing from the chart");
    }
    let bars = served.matches("fill=\"#00FF00\"").count();
    assert_eq!(bars, pods.len(), "one bar per pod that served");
    let timeline =
        std::fs::read_to_string(dir.join("service-clusterip-timeline.svg")).expect("timeline");
    for lane in [
        "kube-apiserver",
        "contrail-kube-manager",
        "contrail-svc-monitor",
        "contrail-control",
    ] {
        assert!(timeline.contains(lane), "{lane} lane missing");
    }
}
