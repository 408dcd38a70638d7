//! Generated cases: a cluster (client pod, 1-4 Services of 1-4 replicas on both computes, one
//! Ingress), a seed and requests, all written out as a scenario file. Hosts and paths come from
//! small alphabets so that rules and requests collide often.

use contrail_sim::dataplane::haproxy::Semantics;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

/// Host names the internet host's /etc/hosts maps to the floating IP.
pub const HOSTS: &[&str] = &["a.io", "b.io", "www.a.io"];
/// Rule hosts (lower case, as Kubernetes requires): the names, and a wildcard over them.
pub const RULE_HOSTS: &[&str] = &["a.io", "b.io", "www.a.io", "*.a.io"];
/// Rule paths.
pub const PATHS: &[&str] = &["/", "/a", "/a/", "/b", "/a/b"];
/// The Ingress's name in every case.
pub const INGRESS: &str = "ing";
/// The floating IP the first Ingress of the namespace gets (pool-ns-default).
pub const FIRST_FIP: &str = "101.101.101.1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Cent222,
    Cent333,
}

impl Node {
    fn name(self) -> &'static str {
        match self {
            Node::Cent222 => "cent222",
            Node::Cent333 => "cent333",
        }
    }
}

/// How a Service's pods come to be.
#[derive(Clone, Debug)]
pub enum Pods {
    /// A Deployment of this many replicas; the scheduler places them.
    Deployment(u32),
    /// Bare pods pinned with `nodeName`.
    Pinned(Vec<Node>),
}

#[derive(Clone, Debug)]
pub struct Service {
    pub port: u16,
    pub pods: Pods,
}

/// A backend: the index of a Service, or a Service that does not exist (`None`).
pub type Backend = Option<usize>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    ExtensionsV1beta1,
    NetworkingV1beta1,
    V1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific,
}

#[derive(Clone, Debug)]
pub struct IngressPath {
    pub path: Option<&'static str>,
    /// Only with `networking.k8s.io/v1`.
    pub path_type: PathType,
    pub backend: Backend,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub host: Option<&'static str>,
    pub paths: Vec<IngressPath>,
}

#[derive(Clone, Debug)]
pub struct Ingress {
    pub api: Api,
    pub default: Option<Backend>,
    pub rules: Vec<Rule>,
}

/// Where a request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The Ingress VIP, from the client pod.
    Vip,
    /// The Ingress floating IP, from the internet host (by address).
    Fip,
    /// The floating IP by one of [`HOSTS`], which the internet host's /etc/hosts maps to it.
    FipByName(usize),
    /// A Service's clusterIP and port, from the client pod.
    ClusterIp(usize),
}

/// The Host header a request carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostHeader {
    /// curl's own: the URL's `host[:port]`.
    Curl,
    /// `-H 'Host:'`: none at all.
    Absent,
    /// `-H 'Host: <value>'`.
    Value(String),
}

#[derive(Clone, Debug)]
pub struct Request {
    pub target: Target,
    /// A port written in the URL.
    pub url_port: Option<u16>,
    pub host: HostHeader,
    /// Starts with `/`.
    pub path: String,
    pub query: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub seed: u64,
    /// The scenario's `semantics:`.
    pub semantics: Semantics,
    pub services: Vec<Service>,
    pub ingress: Ingress,
    /// 0 keeps the objects in creation order; otherwise it seeds a shuffle of the apply list.
    pub order: u64,
    pub requests: Vec<Request>,
}

pub fn service_name(i: usize) -> String {
    format!("svc-{i}")
}

/// The name a backend refers to.
pub fn backend_name(b: Backend) -> String {
    b.map_or_else(|| "svc-missing".to_owned(), service_name)
}

fn node() -> impl Strategy<Value = Node> {
    prop_oneof![Just(Node::Cent222), Just(Node::Cent333)]
}

fn service() -> impl Strategy<Value = Service> {
    let pods = prop_oneof![
        (1u32..=4).prop_map(Pods::Deployment),
        proptest::collection::vec(node(), 1..=4).prop_map(Pods::Pinned),
    ];
    (select(&[80u16, 8080, 8888][..]), pods).prop_map(|(port, pods)| Service { port, pods })
}

/// A backend among `services` Services, now and then one that does not exist.
fn backend(services: usize) -> impl Strategy<Value = Backend> {
    prop_oneof![
        12 => (0..services).prop_map(Some),
        1 => Just(None),
    ]
}

fn ingress(services: usize) -> impl Strategy<Value = Ingress> {
    let api = prop_oneof![
        Just(Api::ExtensionsV1beta1),
        Just(Api::NetworkingV1beta1),
        Just(Api::V1)
    ];
    let path = (
        proptest::option::weighted(0.85, select(PATHS)),
        prop_oneof![
            Just(PathType::Exact),
            Just(PathType::Prefix),
            Just(PathType::ImplementationSpecific)
        ],
        backend(services),
    )
        .prop_map(|(path, path_type, backend)| IngressPath {
            path,
            path_type,
            backend,
        });
    let rule = (
        proptest::option::weighted(0.75, select(RULE_HOSTS)),
        proptest::collection::vec(path, 1..=3),
    )
        .prop_map(|(host, paths)| Rule { host, paths });
    (
        api,
        proptest::option::of((0..services).prop_map(Some)),
        proptest::collection::vec(rule, 0..=4),
    )
        .prop_map(|(api, default, rules)| {
            normalize(Ingress {
                api,
                default,
                rules,
            })
        })
}

/// Makes the Ingress valid: v1 `Exact`/`Prefix` need a path, an Ingress needs a backend, and
/// at least one backend names an existing Service (so that haproxy has a frontend).
fn normalize(mut ing: Ingress) -> Ingress {
    for rule in &mut ing.rules {
        for p in &mut rule.paths {
            if ing.api == Api::V1 && p.path.is_none() {
                p.path_type = PathType::ImplementationSpecific;
            }
        }
    }
    let exists = ing.default.flatten().is_some()
        || ing
            .rules
            .iter()
            .flat_map(|r| &r.paths)
            .any(|p| p.backend.is_some());
    if !exists {
        match ing.rules.first_mut().and_then(|r| r.paths.first_mut()) {
            Some(p) => p.backend = Some(0),
            None => ing.default = Some(Some(0)),
        }
    }
    ing
}

/// A rule host in random ASCII case.
fn host_case() -> impl Strategy<Value = String> {
    (select(HOSTS), any::<u16>()).prop_map(|(h, mask)| {
        h.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask >> (i % 16) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    })
}

fn host_header() -> impl Strategy<Value = HostHeader> {
    prop_oneof![
        3 => Just(HostHeader::Curl),
        1 => Just(HostHeader::Absent),
        3 => select(HOSTS).prop_map(|h| HostHeader::Value(h.to_owned())),
        3 => host_case().prop_map(HostHeader::Value),
        1 => (host_case(), select(&[80u16, 8080][..]))
            .prop_map(|(h, p)| HostHeader::Value(format!("{h}:{p}"))),
        1 => Just(HostHeader::Value("x.org".to_owned())),
        1 => select(&["x.a.io", "X.A.io:8080", "y.x.a.io"][..])
            .prop_map(|h| HostHeader::Value(h.to_owned())),
    ]
}

/// A path near the rule paths: as is, another case, a trailing slash, a sub-path.
fn request_path() -> impl Strategy<Value = String> {
    (select(PATHS), 0u8..8).prop_map(|(p, variant)| match variant {
        0 => p.to_ascii_uppercase(),
        1 => format!("{}/", p.trim_end_matches('/')),
        2 => format!("{}/x", p.trim_end_matches('/')),
        3 => "/other".to_owned(),
        _ => p.to_owned(),
    })
}

fn request(services: usize) -> impl Strategy<Value = Request> {
    let target = prop_oneof![
        5 => Just(Target::Vip),
        3 => Just(Target::Fip),
        2 => (0..HOSTS.len()).prop_map(Target::FipByName),
        2 => (0..services).prop_map(Target::ClusterIp),
    ];
    let url_port = prop_oneof![
        10 => Just(None),
        2 => Just(Some(80)),
        1 => Just(Some(8080)),
    ];
    (
        target,
        url_port,
        host_header(),
        request_path(),
        select(&[None, None, Some(""), Some("x=1"), Some("p=/a"), Some("a&b")][..]),
    )
        .prop_map(|(target, url_port, host, path, query)| Request {
            // A clusterIP is only reached on its Service port.
            url_port: if matches!(target, Target::ClusterIp(_)) {
                None
            } else {
                url_port
            },
            target,
            host,
            path,
            query,
        })
}

/// A case with `requests` requests.
pub fn case(requests: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Case> {
    (1usize..=4)
        .prop_flat_map(move |n| {
            // Shrinking goes element by element: requests first, the seed last.
            (
                proptest::collection::vec(request(n), requests.clone()),
                ingress(n),
                proptest::collection::vec(service(), n),
                prop_oneof![Just(0u64), any::<u64>()],
                any::<u64>(),
                prop_oneof![2 => Just(Semantics::Contrail), 1 => Just(Semantics::Kubernetes)],
            )
        })
        .prop_map(
            |(requests, ingress, services, order, seed, semantics)| Case {
                seed,
                semantics,
                services,
                ingress,
                order,
                requests,
            },
        )
}

impl Request {
    /// The curl command line of the scenario step.
    pub fn curl(&self, case: &Case) -> String {
        let (host, port) = match self.target {
            Target::Vip => (format!("{{ingress/{INGRESS}.vip}}"), self.url_port),
            Target::Fip => (format!("{{ingress/{INGRESS}.fip}}"), self.url_port),
            Target::FipByName(i) => (HOSTS[i].to_owned(), self.url_port),
            Target::ClusterIp(i) => (
                format!("{{service/{}.clusterIP}}", service_name(i)),
                Some(case.services[i].port),
            ),
        };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let query = self.query.map(|q| format!("?{q}")).unwrap_or_default();
        let url = format!("'http://{host}{port}{}{query}'", self.path);
        match &self.host {
            HostHeader::Curl => url,
            HostHeader::Absent => format!("-H 'Host:' {url}"),
            HostHeader::Value(v) => format!("-H 'Host: {v}' {url}"),
        }
    }

    /// Where the request starts.
    pub fn from(&self) -> &'static str {
        match self.target {
            Target::Vip | Target::ClusterIp(_) => "pod/client",
            Target::Fip | Target::FipByName(_) => "host/cent-client",
        }
    }

    /// The request target: path and query.
    pub fn target(&self) -> String {
        match self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

impl Case {
    /// The objects to apply, in creation order (before the shuffle).
    pub fn objects(&self) -> Vec<Value> {
        let mut out = vec![json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "client", "labels": {"app": "client"}},
            "spec": {"nodeName": "cent222", "containers": [{"name": "client", "image": "contrailk8sdayone/contrail-webserver"}]},
        })];
        for (i, s) in self.services.iter().enumerate() {
            let name = service_name(i);
            let container = json!([{"name": "web", "image": "contrailk8sdayone/contrail-webserver", "ports": [{"containerPort": 80}]}]);
            match &s.pods {
                Pods::Deployment(replicas) => out.push(json!({
                    "apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": format!("web-{i}"), "labels": {"app": name}},
                    "spec": {
                        "replicas": replicas,
                        "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": container}},
                    },
                })),
                Pods::Pinned(nodes) => {
                    for (j, n) in nodes.iter().enumerate() {
                        out.push(json!({
                            "apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": format!("web-{i}-{j}"), "labels": {"app": name}},
                            "spec": {"nodeName": n.name(), "containers": container},
                        }));
                    }
                }
            }
            out.push(json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name},
                "spec": {"selector": {"app": name}, "ports": [{"port": s.port, "targetPort": 80}]},
            }));
        }
        out.push(self.ingress_manifest());
        out
    }

    fn backend_json(&self, b: Backend) -> Value {
        let name = backend_name(b);
        let port = b.map_or(80, |i| self.services[i].port);
        match self.ingress.api {
            Api::V1 => json!({"service": {"name": name, "port": {"number": port}}}),
            _ => json!({"serviceName": name, "servicePort": port}),
        }
    }

    fn ingress_manifest(&self) -> Value {
        let ing = &self.ingress;
        let v1 = ing.api == Api::V1;
        let rules: Vec<Value> = ing
            .rules
            .iter()
            .map(|r| {
                let paths: Vec<Value> = r
                    .paths
                    .iter()
                    .map(|p| {
                        let mut v = json!({"backend": self.backend_json(p.backend)});
                        if let Some(path) = p.path {
                            v["path"] = json!(path);
                        }
                        if v1 {
                            v["pathType"] = json!(format!("{:?}", p.path_type));
                        }
                        v
                    })
                    .collect();
                let mut v = json!({"http": {"paths": paths}});
                if let Some(h) = r.host {
                    v["host"] = json!(h);
                }
                v
            })
            .collect();
        let mut spec = json!({});
        if !rules.is_empty() {
            spec["rules"] = json!(rules);
        }
        if let Some(d) = ing.default {
            spec[if v1 { "defaultBackend" } else { "backend" }] = self.backend_json(d);
        }
        let api = match ing.api {
            Api::ExtensionsV1beta1 => "extensions/v1beta1",
            Api::NetworkingV1beta1 => "networking.k8s.io/v1beta1",
            Api::V1 => "networking.k8s.io/v1",
        };
        json!({"apiVersion": api, "kind": "Ingress", "metadata": {"name": INGRESS}, "spec": spec})
    }

    /// The objects in apply order.
    fn apply_list(&self) -> Vec<Value> {
        let mut objects = self.objects();
        if self.order != 0 {
            let mut state = self.order;
            for i in (1..objects.len()).rev() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                objects.swap(i, (state >> 33) as usize % (i + 1));
            }
        }
        objects
    }

    /// The scenario file: apply everything, wait, then one curl step per request.
    pub fn scenario_yaml(&self) -> String {
        let mut out = format!(
            "name: props\nseed: {}\nsemantics: {}\ntopology:\n  name: book\n  hosts:\n    - \"{FIRST_FIP} {}\"\nsteps:\n  - apply:\n",
            self.seed,
            self.semantics,
            HOSTS.join(" ")
        );
        for o in self.apply_list() {
            out.push_str(&format!("      - {o}\n"));
        }
        out.push_str("  - wait: converged\n");
        for r in &self.requests {
            out.push_str(&format!(
                "  - curl: {}\n    from: {}\n",
                json!(r.curl(self)),
                r.from()
            ));
        }
        out
    }
}
