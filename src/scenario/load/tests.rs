use super::*;
use crate::scenario::model::Wait;

const MANIFESTS: &str = r#"
      - apiVersion: v1
        kind: Pod
        metadata: {name: client, labels: {app: client}}
        spec: {nodeName: cent222, containers: [{name: client, image: busybox}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: webserver}
        spec:
          selector: {matchLabels: {app: webserver}}
          template:
            metadata: {labels: {app: webserver}}
            spec: {containers: [{name: w, image: contrailk8sdayone/contrail-webserver, ports: [{containerPort: 80}]}]}
      - apiVersion: v1
        kind: Service
        metadata: {name: service-web-clusterip}
        spec: {ports: [{port: 8888, targetPort: 80}], selector: {app: webserver}}
      - apiVersion: extensions/v1beta1
        kind: Ingress
        metadata: {name: ingress-ss}
        spec: {backend: {serviceName: service-web-clusterip, servicePort: 8888}}
"#;

fn scenario(steps: &str) -> String {
    format!("name: t\nsteps:\n  - apply:{MANIFESTS}{steps}")
}

fn load(text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    load_scenario_str(text, "s.yaml", Path::new("."))
}

fn first_error(steps: &str) -> String {
    let e = load(&scenario(steps)).unwrap_err();
    let d = &e[0];
    format!(
        "{}: {}",
        d.origin.as_ref().map(|o| o.to_string()).unwrap_or_default(),
        d.message
    )
}

#[test]
fn loads_a_full_scenario() {
    let s = load(&scenario(
        r#"  - wait: converged
  - wait: 500ms
  - curl: "-H 'Host: www.juniper.net' http://{ingress/ingress-ss.vip}/dev"
    from: pod/client
    repeat: 3
    expect: {status: 200, served_by: deployment/webserver, via: [cent222, cent222/haproxy], body_contains: Hostname}
  - show: gateway routes
    expect:
      contains: ["101.101.101.1/32"]
      routes: [{prefix: 101.101.101.1/32, next_hop: 10.169.25.20, local_preference: 200, paths: 2}]
  - compare: ["http://{service/service-web-clusterip.clusterIP}:8888/", "http://{ingress/ingress-ss.vip}/"]
    from: pod/client
  - fail: node/cent222
  - recover: node/cent222
  - hosts: ["101.101.101.1 www.juniper.net www.cisco.com"]
  - delete: ingress/ingress-ss
"#,
    ))
    .unwrap();
    assert_eq!(s.seed, 1);
    assert_eq!(s.namespace, "ns-user-1");
    assert_eq!(s.steps.len(), 10);
    let Action::Apply(objs) = &s.steps[0].action else {
        panic!()
    };
    assert_eq!(objs.len(), 4);
    assert!(matches!(
        s.steps[2].action,
        Action::Wait(Wait::For(500_000_000))
    ));
    let Action::Curl(c) = &s.steps[3].action else {
        panic!()
    };
    assert_eq!(c.repeat, 3);
    assert_eq!(c.expect.via[1].component.as_deref(), Some("haproxy"));
    assert_eq!(s.steps[3].origin.line, 26);
}

#[test]
fn reference_errors() {
    assert_eq!(
        first_error("  - curl: http://{ingress/nope.vip}/\n    from: pod/client\n"),
        "s.yaml:24:11: no ingress \"nope\" is created by an earlier `apply` step"
    );
    assert!(first_error("  - curl: http://1.1.1.1/\n    from: pod/x\n").contains("no pod \"x\""));
    assert!(
        first_error("  - curl: http://1.1.1.1/\n    from: pod/webserver\n")
            .contains("is a Deployment")
    );
    assert!(first_error("  - curl: http://1.1.1.1/\n").contains("missing required field `from`"));
    assert!(first_error("  - fail: node/cent111\n").contains("not a compute"));
    assert!(first_error("  - fail: node/x\n").contains("no node \"x\""));
    assert!(first_error("  - curl: http://1.1.1.1/\n    from: host/x\n").contains("unknown host"));
    assert!(
        first_error(
            "  - curl: http://1.1.1.1/\n    from: pod/client\n    expect: {via: [cent999]}\n"
        )
        .contains("no node")
    );
    assert!(first_error("  - delete: ingress/zzz\n").contains("no ingress"));
    assert!(first_error("  - show: haproxy.conf ingress/zzz\n").contains("no ingress"));
}

#[test]
fn step_shape_errors() {
    assert!(first_error("  - wiat: converged\n").contains("a step needs an action"));
    assert!(first_error("  - wait: 0s\n").contains("zero"));
    assert!(first_error("  - wait: 2h\n").contains("longer than one hour"));
    assert!(first_error("  - wait: 5\n").contains("must be `converged` or a duration"));
    assert!(first_error("  - wait: 1s\n    show: timeline\n").contains("one action"));
    assert!(first_error("  - wait: 1s\n    expect: {}\n").contains("unknown field `expect`"));
    assert!(
        first_error("  - curl: http://1.1.1.1/\n    from: pod/client\n    repeat: 1000000\n")
            .contains("at most 100000")
    );
    assert!(first_error("  - show: routes\n").contains("unknown show"));
    assert!(first_error("  - apply: nope.yaml\n").contains("no such file"));
}

#[test]
fn durations() {
    assert_eq!(parse_duration("1m"), Ok(60_000_000_000));
    assert_eq!(parse_duration("10us"), Ok(10_000));
    assert!(parse_duration("-1s").is_err());
    assert!(parse_duration("s").is_err());
    assert!(parse_duration("99999999999999999999h").is_err());
}

#[test]
fn topology_forms() {
    let s = load("name: t\ntopology: {name: book, hosts: [\"101.101.101.1 www.juniper.net\", {address: 1.2.3.4, names: [a.b]}], gateway_multipath: true}\nsteps: []\n").unwrap();
    assert_eq!(s.topology.hosts.len(), 2);
    assert!(s.topology.gateway_multipath);
    assert!(load("name: t\ntopology: lab\nsteps: []\n").is_err());
}
