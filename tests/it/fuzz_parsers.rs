//! Property-based fuzzing of every parser that reads user text: arbitrary input and mutations
//! of valid scenarios, manifests and curl strings must give a value or positioned diagnostics,
//! never a panic. `PROPTEST_CASES=20000 cargo test --test it fuzz` runs longer.

use std::path::Path;

use contrail_sim::diag::{Origin, render};
use contrail_sim::k8s::manifest::parse_manifests;
use contrail_sim::report::text::Text;
use contrail_sim::scenario::curl::parse_curl;
use contrail_sim::scenario::load::load_str;
use contrail_sim::scenario::run::{Keep, Run};
use contrail_sim::scenario::show::parse_show;
use proptest::prelude::*;

const SCENARIO: &str = r#"name: fuzz
seed: 7
topology:
  computes: [cent222, cent333, {name: cent444, address: 10.169.25.30}]
  hosts: ["101.101.101.1 www.juniper.net www.cisco.com"]
  timers: {xmpp_hold: 30s, svc_check: 20s}
steps:
  - apply:
      - apiVersion: v1
        kind: Pod
        metadata: {name: client, labels: {app: client}}
        spec: {nodeName: cent222, containers: [{name: client, image: busybox}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: webserver-1}
        spec:
          replicas: 2
          selector: {matchLabels: {app: webserver-1}}
          template:
            metadata: {labels: {app: webserver-1}}
            spec: {containers: [{name: w, image: contrailk8sdayone/contrail-webserver, ports: [{containerPort: 80}]}]}
      - apiVersion: v1
        kind: Service
        metadata: {name: webservice-1}
        spec: {ports: [{port: 8888, targetPort: 80}], selector: {app: webserver-1}}
      - apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: ingress-sf}
        spec:
          rules:
            - host: www.juniper.net
              http:
                paths:
                  - {path: /dev, pathType: Exact, backend: {service: {name: webservice-1, port: {number: 8888}}}}
  - wait: converged
  - curl: "-v -H 'Host: www.juniper.net' http://{ingress/ingress-sf.vip}/dev?q=1"
    from: pod/client
    repeat: 2
    expect: {status: 200, served_by: deployment/webserver-1, via: ["{ingress/ingress-sf.active}/haproxy"]}
  - show: gateway routes detail
    expect: {contains: [101.101.101.1], routes: [{prefix: 101.101.101.1/32, local_preference: 200}]}
  - show: rt --dump k8s-ns-user-1-pod-network on {ingress/ingress-sf.standby}
    expect: {not_contains: ["{pod/client.ip}/24", "{ingress/ingress-sf.active}"]}
  - fail: node/{ingress/ingress-sf.active}
    as: lost
  - curl: "--connect-timeout 2 -m 5 http://www.juniper.net/dev"
    from: host/cent-client
    expect: {exit_code: 28, disposition: node-down}
  - wait: 95s
  - show: kubectl get pods -A -o wide
  - fail: link/camaro-{lost}
  - recover: node/{lost}
  - fail: xmpp/cent333
  - fail: pod/client
  - show: timeline last 1m
  - recover: link/camaro-{lost}
  - delete: ingress/ingress-sf
"#;

const CURL: &str = "-v -H 'Host: www.juniper.net' --resolve www.juniper.net:80:{ingress/i.fip} http://{ingress/i.vip}:80/dev?x=1";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One edit of a valid text: delete, duplicate, insert or replace a span.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, usize, String),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        ":",
        "-",
        " ",
        "\n",
        "  ",
        "{",
        "}",
        "[",
        "]",
        "'",
        "\"",
        "#",
        "---\n",
        "&a ",
        "*a",
        "!!str ",
        "~",
        "null",
        "0",
        "-1",
        "99999999999999999999",
        "1e309",
        "/",
        "{ingress/",
        ".vip}",
        "\t",
        "é",
        "\u{0}",
        "<<: ",
        "? ",
        "|\n",
        ">-\n",
        "%YAML 1.2\n",
        "kind",
        "spec",
        "metadata",
    ]);
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![tokens.clone().prop_map(String::from), ".{0,12}"]
        )
            .prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), 0usize..12, tokens.prop_map(String::from))
            .prop_map(|(a, n, s)| Edit::Replace(a, n, s)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

/// Applies edits on char boundaries.
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match e {
            Edit::Delete(a, n) => {
                let a = a % len;
                let b = (a + n).min(chars.len());
                chars.drain(a.min(b)..b);
            }
            Edit::Insert(a, s) => {
                let a = a % (chars.len() + 1);
                chars.splice(a..a, s.chars());
            }
            Edit::Replace(a, n, s) => {
                let a = a % len;
                let b = (a + n).min(chars.len());
                chars.splice(a.min(b)..b, s.chars());
            }
            Edit::Duplicate(a, n) => {
                let a = a % len;
                let b = (a + n).min(chars.len());
                let copy: Vec<char> = chars.get(a.min(b)..b).unwrap_or_default().to_vec();
                chars.splice(b..b, copy);
            }
        }
    }
    chars.into_iter().collect()
}

/// Loads a scenario text and checks the invariants of the result; one that loads is run too
/// (a run may stop with an error, never panic).
fn check_scenario(text: &str) {
    let loaded = load_str(text, "fuzz.yaml", Path::new("tests/bad_inputs/yaml-syntax"));
    assert_eq!(loaded.scenario.is_some(), loaded.errors().next().is_none());
    for d in &loaded.diagnostics {
        assert!(d.origin.is_some(), "diagnostic without a position: {d}");
        assert!(!d.message.is_empty());
    }
    let _ = render(&loaded.diagnostics, &loaded.sources);
    if let Some(scenario) = &loaded.scenario {
        let mut text = Text::new(scenario, scenario.seed, true, std::io::sink());
        if let Ok(run) = Run::stream(scenario, scenario.seed, None, Keep::Verdicts, &mut text) {
            let _ = text.finish(&run.world);
        }
    }
}

fn check_manifest(text: &str) {
    if let Err(ds) = parse_manifests(text, "m.yaml", "ns-user-1") {
        assert!(!ds.is_empty());
        assert!(ds.iter().all(|d| d.origin.is_some()), "{ds:?}");
    }
}

fn check_curl(text: &str) {
    let _ = parse_curl(text, &Origin::new("s.yaml", 1, 1));
    let _ = parse_show(text, "ns-user-1");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_scenario_arbitrary_text(text in "\\PC{0,300}") {
        check_scenario(&text);
    }

    #[test]
    fn fuzz_scenario_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_scenario(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn fuzz_scenario_mutations(edits in prop::collection::vec(edit(), 1..6)) {
        check_scenario(&mutate(SCENARIO, &edits));
    }

    #[test]
    fn fuzz_manifest_mutations(edits in prop::collection::vec(edit(), 1..6)) {
        let manifest = include_str!("../bad_inputs/wrong-type/manifest.yaml").replace("replicas: one", "replicas: 2");
        check_manifest(&mutate(&manifest, &edits));
    }

    #[test]
    fn fuzz_curl_and_show(text in "\\PC{0,120}", edits in prop::collection::vec(edit(), 1..4)) {
        check_curl(&text);
        check_curl(&mutate(CURL, &edits));
        check_curl(&mutate("haproxy.conf ingress/ingress-sf on cent222", &edits));
    }
}

/// Found by fuzzing (`text = "\u{2000}"`): rendering a caret under a multi-byte whitespace
/// character panicked inside the snippet renderer.
#[test]
fn regression_multibyte_whitespace_scenario() {
    check_scenario("\u{2000}");
    check_scenario("name: \u{2000}\u{3000}x\nsteps: \u{2000}");
}

#[test]
fn seeds_are_valid() {
    let loaded = load_str(SCENARIO, "fuzz.yaml", Path::new("."));
    assert!(loaded.scenario.is_some(), "{:?}", loaded.diagnostics);
    let scenario = loaded.scenario.expect("loads");
    let run = Run::execute(&scenario, scenario.seed).unwrap_or_else(|e| panic!("{:?}", e.1.0));
    let failures: Vec<_> = run.steps.iter().flat_map(|s| &s.failures).collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(parse_curl(CURL, &Origin::new("s", 1, 1)).is_ok());
}
