//! A scenario file into a validated [`Scenario`]: the YAML shape, the manifests it applies, and
//! static reference checks (every object, node and host a step names must exist by then).

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dataplane::haproxy::Semantics;
use crate::diag::{Diagnostic, Diagnostics, Origin, SourceMap};
use crate::k8s::manifest;
use crate::k8s::objects::{Kind, Object, PortRef, ServicePort, Spec};
use crate::scenario::curl::{parse_curl, placeholders};
use crate::scenario::model::{
    Action, CompareStep, CurlExpect, CurlRequest, CurlStep, Endpoint, ExpectedText, FaultTarget,
    HostsEntry, MAX_REPEAT, ObjectKey, Prefix, RouteExpect, Scenario, ServedBy, Show, ShowExpect,
    ShowStep, Step, TopologySpec, ViaName, Wait,
};
use crate::scenario::show::parse_show;
use crate::topology::names::{self as topo, BOOK_NODES};
use crate::yaml::{self, MapReader, Node, Value, closest};

/// Largest scenario or manifest file read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Longest `wait` (simulated): one hour.
pub const MAX_WAIT_NS: u64 = 3_600 * 1_000_000_000;
/// The default namespace when a scenario names none.
pub const DEFAULT_NAMESPACE: &str = "ns-user-1";

/// The keys that make a step what it is.
const ACTIONS: &[&str] = &[
    "apply", "delete", "wait", "show", "curl", "compare", "fail", "recover", "hosts",
];

/// Components that may follow a node in `via` (`cent222/haproxy`), besides pod names.
const COMPONENTS: &[&str] = &["vrouter", "agent", "haproxy"];

/// The outcome of loading: the scenario when there was no error, every diagnostic (errors and
/// warnings, in the order found), and the texts of the files read, for [`crate::diag::render`].
#[derive(Debug, Default)]
pub struct Loaded {
    pub scenario: Option<Scenario>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Loaded {
    /// The errors among the diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Loads a scenario file. See [`load_str`].
pub fn load(path: &Path) -> Loaded {
    let file = path.to_string_lossy();
    let mut sources = SourceMap::default();
    match read_file(path, &file, None) {
        Ok(text) => {
            let base = path.parent().unwrap_or(Path::new(""));
            let mut loaded = load_str(&text, &file, base);
            sources.insert(file.as_ref(), text);
            loaded.sources.merge(sources);
            loaded
        }
        Err(d) => Loaded {
            scenario: None,
            diagnostics: vec![d],
            sources,
        },
    }
}

/// Loads a scenario from text; `file` names it in diagnostics and `base_dir` resolves the
/// manifest paths it names.
pub fn load_str(text: &str, file: &str, base_dir: &Path) -> Loaded {
    let mut l = Loader {
        base_dir,
        namespace: DEFAULT_NAMESPACE.to_string(),
        diags: Diagnostics::default(),
        sources: SourceMap::default(),
        created: BTreeSet::new(),
        service_ports: BTreeMap::new(),
    };
    l.sources.insert(file, text);
    let scenario = match yaml::parse_document(text, file) {
        Ok(root) => l.scenario(&root, file),
        Err(d) => {
            l.diags.push(d);
            None
        }
    };
    let has_errors = l.diags.has_errors();
    Loaded {
        scenario: scenario.filter(|_| !has_errors),
        diagnostics: l.diags.into_vec(),
        sources: l.sources,
    }
}

/// Loads a scenario file: the scenario, or its errors (warnings are dropped).
pub fn load_scenario(path: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    into_result(load(path))
}

/// Loads a scenario from text: the scenario, or its errors (warnings are dropped).
pub fn load_scenario_str(
    text: &str,
    file: &str,
    base_dir: &Path,
) -> Result<Scenario, Vec<Diagnostic>> {
    into_result(load_str(text, file, base_dir))
}

fn into_result(l: Loaded) -> Result<Scenario, Vec<Diagnostic>> {
    match l.scenario {
        Some(s) => Ok(s),
        None => Err(l
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect()),
    }
}

/// Reads a user file with the size limit; `at` is where the scenario names it (`None`: the
/// scenario file itself, named on the command line).
fn read_file(path: &Path, shown: &str, at: Option<&Origin>) -> Result<String, Diagnostic> {
    let err = |m: String| Diagnostic::error(at.cloned(), m);
    let meta = std::fs::metadata(path).map_err(|e| {
        let d = err(format!("cannot read {shown:?}: {}", io_reason(&e)));
        // Only a relative path written in a scenario starts at the scenario's folder.
        match (at, path.is_absolute()) {
            (Some(_), false) => d.with_hint("paths are relative to the scenario file's folder"),
            (None, false) => d.with_hint("the scenario path is relative to the current directory"),
            (_, true) => d,
        }
    })?;
    if !meta.is_file() {
        return Err(err(format!("{shown:?} is not a file")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "{shown:?} is {} bytes; files larger than {MAX_FILE_BYTES} bytes are refused",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| err(format!("cannot read {shown:?}: {}", io_reason(&e))))?;
    String::from_utf8(bytes).map_err(|_| err(format!("{shown:?} is not UTF-8 text")))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn err(node: &Node, m: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Some(node.origin.clone()), m)
}

struct Loader<'a> {
    base_dir: &'a Path,
    namespace: String,
    diags: Diagnostics,
    sources: SourceMap,
    /// Objects created by the apply steps so far: (kind, name).
    created: BTreeSet<(Kind, String)>,
    /// The ports of the Services applied so far, by (namespace, name).
    service_ports: BTreeMap<(String, String), Vec<ServicePort>>,
}

impl Loader<'_> {
    fn scenario(&mut self, root: &Node, file: &str) -> Option<Scenario> {
        let mut m = root.as_map("", &mut self.diags)?;
        let name = m
            .require("name", &mut self.diags)
            .and_then(|n| n.as_nonempty_str("`name`", &mut self.diags))
            .map(str::to_string);
        let description = m
            .take("description")
            .and_then(|n| n.as_str("`description`", &mut self.diags))
            .map(str::to_string);
        let seed = m.take("seed").and_then(|n| self.seed(n)).unwrap_or(1);
        let semantics = m
            .take("semantics")
            .and_then(|n| self.semantics(n))
            .unwrap_or_default();
        let topology = m
            .take("topology")
            .map(|t| self.topology(t))
            .unwrap_or_default();
        if let Some(ns) = m.take("namespace")
            && let Some(s) = ns.as_str("`namespace`", &mut self.diags)
        {
            match crate::k8s::validation::dns1123_label(s) {
                Some(why) => self
                    .diags
                    .push(err(ns, format!("invalid namespace: {why}"))),
                None => self.namespace = s.to_string(),
            }
        }
        let mut steps = Vec::new();
        if let Some(list) = m.require("steps", &mut self.diags)
            && let Some(items) = list.as_seq("`steps`", &mut self.diags)
        {
            for (i, s) in items.iter().enumerate() {
                if let Some(step) = self.step(s, i) {
                    steps.push(step);
                }
            }
        }
        m.finish(&mut self.diags);
        Some(Scenario {
            name: name?,
            description,
            seed,
            semantics,
            topology,
            namespace: self.namespace.clone(),
            steps,
            file: Arc::from(file),
        })
    }

    /// `seed`: an unsigned 64-bit integer.
    fn seed(&mut self, node: &Node) -> Option<u64> {
        let mut found = Diagnostics::default();
        let seed = node
            .as_int("`seed`", 0, i128::from(u64::MAX), &mut found)
            .and_then(|s| u64::try_from(s).ok());
        self.diags.extend(
            found
                .into_vec()
                .into_iter()
                .map(|d| d.with_hint("a seed is an unsigned 64-bit integer")),
        );
        seed
    }

    fn semantics(&mut self, node: &Node) -> Option<Semantics> {
        let s = node.as_str("`semantics`", &mut self.diags)?;
        let found = Semantics::parse(s);
        if found.is_none() {
            let names: Vec<&str> = Semantics::ALL.iter().map(|s| s.as_str()).collect();
            self.diags.push(
                err(node, format!("unknown semantics {s:?}")).with_hint(format!(
                    "`semantics` is one of: {} (the default is contrail)",
                    names.join(", ")
                )),
            );
        }
        found
    }

    fn topology(&mut self, node: &Node) -> TopologySpec {
        let mut spec = TopologySpec::default();
        let check_name = |this: &mut Self, n: &Node| {
            if let Some(s) = n.as_str("`topology`", &mut this.diags)
                && s != topo::BOOK_TOPOLOGY
            {
                this.diags.push(
                    err(n, format!("unknown topology {s:?}"))
                        .with_hint("the only topology is `book`, the lab of the Day One book"),
                );
            }
        };
        if let Value::Map(_) = node.value {
            let Some(mut m) = node.as_map("topology", &mut self.diags) else {
                return spec;
            };
            if let Some(n) = m.take("name") {
                check_name(self, n);
            }
            if let Some(h) = m.take("hosts") {
                spec.hosts = self.hosts(h);
            }
            if let Some(d) = m.take("delays")
                && let Some(mut dm) = d.as_map("topology.delays", &mut self.diags)
            {
                for name in crate::world::Delays::NAMES {
                    let Some(v) = dm.take(name) else { continue };
                    let Some(text) = v.as_str("a duration such as `2ms`", &mut self.diags) else {
                        continue;
                    };
                    match parse_duration(text) {
                        Ok(ns) => spec.delays.push((name, ns)),
                        Err(msg) => self
                            .diags
                            .push(err(v, msg).with_hint("write a positive duration: 5us, 2ms, 1s")),
                    }
                }
                dm.finish(&mut self.diags);
            }
            if let Some(g) = m.take("gateway_multipath") {
                spec.gateway_multipath = g
                    .as_bool("`topology.gateway_multipath`", &mut self.diags)
                    .unwrap_or(false);
            }
            m.finish(&mut self.diags);
        } else {
            check_name(self, node);
        }
        spec
    }

    fn hosts(&mut self, node: &Node) -> Vec<HostsEntry> {
        let mut out = Vec::new();
        for item in node.one_or_many() {
            let entry = match &item.value {
                Value::Str(line) => {
                    let mut words = line.split_whitespace();
                    let addr = words.next().unwrap_or_default();
                    self.hosts_entry(item, addr, words.map(str::to_string).collect())
                }
                Value::Map(_) => {
                    let Some(mut m) = item.as_map("hosts[]", &mut self.diags) else {
                        continue;
                    };
                    let addr = m
                        .require("address", &mut self.diags)
                        .and_then(|a| a.as_str("`address`", &mut self.diags));
                    let names = m
                        .require("names", &mut self.diags)
                        .map(|n| n.as_str_list("a host name", &mut self.diags));
                    m.finish(&mut self.diags);
                    match (addr, names) {
                        (Some(a), Some(n)) => self.hosts_entry(item, a, n),
                        _ => None,
                    }
                }
                _ => {
                    self.diags.push(
                        err(
                            item,
                            format!(
                                "a hosts entry must be a line or a mapping, found {}",
                                item.value.describe()
                            ),
                        )
                        .with_hint("e.g. \"101.101.101.1 www.juniper.net www.cisco.com\""),
                    );
                    None
                }
            };
            out.extend(entry);
        }
        out
    }

    fn hosts_entry(&mut self, at: &Node, addr: &str, names: Vec<String>) -> Option<HostsEntry> {
        let Ok(address) = addr.parse() else {
            self.diags.push(
                err(at, format!("{addr:?} is not an IPv4 address")).with_hint(
                    "a hosts line is an address then names: \"101.101.101.1 www.juniper.net\"",
                ),
            );
            return None;
        };
        if names.is_empty() {
            self.diags
                .push(err(at, format!("hosts entry for {addr} names no host")));
            return None;
        }
        let names = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        Some(HostsEntry { address, names })
    }

    fn step(&mut self, node: &Node, index: usize) -> Option<Step> {
        let mut m = node.as_map(&format!("steps[{index}]"), &mut self.diags)?;
        let present: Vec<&'static str> = ACTIONS.iter().copied().filter(|a| m.has(a)).collect();
        let action = match present.as_slice() {
            [one] => *one,
            [] => {
                let mut d = err(node, "a step needs an action")
                    .with_hint(format!("actions: {}", ACTIONS.join(", ")));
                if let Value::Map(entries) = &node.value
                    && let Some(typo) = entries.iter().find_map(|(k, _)| match &k.value {
                        Value::Str(s) => closest(s, ACTIONS).map(|c| (s, c)),
                        _ => None,
                    })
                {
                    d = d.with_hint(format!(
                        "did you mean `{}` instead of `{}`?",
                        typo.1, typo.0
                    ));
                }
                self.diags.push(d);
                return None;
            }
            [first, second, ..] => {
                self.diags.push(
                    err(
                        node,
                        format!("a step has one action; this one has `{first}` and `{second}`"),
                    )
                    .with_hint("split it into two steps"),
                );
                return None;
            }
        };
        let value = m.take_entry(action).map(|(_, v)| v)?;
        let action = match action {
            "apply" => self.apply(value),
            "delete" => self.delete(value),
            "wait" => self.wait(value),
            "show" => self.show(value, &mut m),
            "curl" => self.curl(value, &mut m),
            "compare" => self.compare(value, &mut m),
            "fail" => self.fault(value).map(Action::Fail),
            "recover" => self.fault(value).map(Action::Recover),
            _ => Some(Action::Hosts(self.hosts(value))),
        };
        m.finish(&mut self.diags);
        Some(Step {
            origin: node.origin.clone(),
            action: action?,
        })
    }

    fn apply(&mut self, value: &Node) -> Option<Action> {
        let before = self.diags.error_count();
        let objects = match &value.value {
            Value::Str(_) => self.manifest_file(value)?,
            Value::Seq(items) => {
                manifest::objects_from_documents(items, &self.namespace, &mut self.diags)
            }
            Value::Map(_) => manifest::objects_from_documents(
                std::slice::from_ref(value),
                &self.namespace,
                &mut self.diags,
            ),
            _ => {
                self.diags.push(err(
                    value,
                    format!(
                        "`apply` takes a manifest path or a list of manifests, found {}",
                        value.value.describe()
                    ),
                ));
                return None;
            }
        };
        if objects.is_empty() && self.diags.error_count() == before {
            self.diags.push(no_objects(value, "apply"));
            return None;
        }
        for o in &objects {
            self.created.insert((o.kind(), o.meta.name.clone()));
            if let Spec::Service(s) = &o.spec {
                let key = (o.meta.namespace.clone(), o.meta.name.clone());
                self.service_ports.insert(key, s.ports.clone());
            }
        }
        for o in &objects {
            self.check_backend_ports(o);
        }
        (self.diags.error_count() == before).then_some(Action::Apply(objects))
    }

    /// An Ingress backend that names a port its Service (applied by now) does not have: the
    /// apiserver takes it, but no loadbalancer member can be made for it.
    fn check_backend_ports(&mut self, o: &Object) {
        let Spec::Ingress(spec) = &o.spec else { return };
        let backends = spec
            .rules
            .iter()
            .flat_map(|r| r.paths.iter().map(|p| &p.backend))
            .chain(&spec.default_backend);
        for b in backends {
            let PortRef::Name(name) = &b.service_port else {
                continue;
            };
            let key = (o.meta.namespace.clone(), b.service_name.clone());
            let Some(ports) = self.service_ports.get(&key) else {
                continue;
            };
            if ports
                .iter()
                .any(|p| p.name.as_deref() == Some(name.as_str()))
            {
                continue;
            }
            let named: Vec<String> = ports
                .iter()
                .filter_map(|p| p.name.as_ref().map(|n| format!("{n} ({})", p.port)))
                .collect();
            let hint = if named.is_empty() {
                let numbers: Vec<String> = ports.iter().map(|p| p.port.to_string()).collect();
                format!(
                    "its ports have no names: refer to one by number ({})",
                    numbers.join(", ")
                )
            } else {
                format!("its named ports: {}", named.join(", "))
            };
            self.diags.push(
                Diagnostic::error(
                    b.port_at.0.clone(),
                    format!("service {:?} has no port named {name:?}", b.service_name),
                )
                .with_hint(hint),
            );
        }
    }

    /// Reads and parses the manifest file a step names.
    fn manifest_file(&mut self, value: &Node) -> Option<Vec<Object>> {
        let rel = value.as_nonempty_str("a manifest path", &mut self.diags)?;
        let path: PathBuf = self.base_dir.join(rel);
        let shown = path.to_string_lossy().into_owned();
        match read_file(&path, &shown, Some(&value.origin)) {
            Ok(text) => {
                let objects =
                    manifest::read_manifests(&text, &shown, &self.namespace, &mut self.diags);
                self.sources.insert(shown, text);
                Some(objects)
            }
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn delete(&mut self, value: &Node) -> Option<Action> {
        let mut keys = Vec::new();
        for item in value.one_or_many() {
            let s = item.as_nonempty_str("a `delete` target", &mut self.diags)?;
            match object_ref(s) {
                Some((kind, name)) => {
                    if kind == Kind::Service {
                        let ns = self.namespace.clone();
                        self.service_ports.remove(&(ns, name.to_string()));
                    }
                    if self.require_created(item, kind, name) {
                        keys.push(ObjectKey {
                            kind,
                            namespace: String::new(),
                            name: name.to_string(),
                        });
                    }
                }
                None if matches!(value.value, Value::Str(_)) => {
                    let objects = self.manifest_file(item)?;
                    if objects.is_empty() {
                        self.diags.push(no_objects(item, "delete"));
                        return None;
                    }
                    keys.extend(objects.into_iter().map(|o| ObjectKey {
                        kind: o.kind(),
                        namespace: o.meta.namespace.clone(),
                        name: o.meta.name,
                    }));
                }
                None => {
                    self.diags.push(
                        err(item, format!("{s:?} is not an object reference"))
                            .with_hint("a list of `delete` targets holds references like ingress/NAME or service/NAME"),
                    );
                    return None;
                }
            }
        }
        Some(Action::Delete(keys))
    }

    /// Reports a reference to an object no earlier apply step created.
    fn require_created(&mut self, at: &Node, kind: Kind, name: &str) -> bool {
        if self.created.contains(&(kind, name.to_string())) {
            return true;
        }
        let known: Vec<&str> = self
            .created
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect();
        let word = kind.reference_word();
        let mut d = err(
            at,
            format!("no {word} {name:?} is created by an earlier `apply` step"),
        );
        d = match (closest(name, &known), known.is_empty()) {
            (Some(c), _) => d.with_hint(format!("did you mean {word}/{c}?")),
            (None, true) => d.with_hint(format!(
                "apply a manifest with the {} before this step",
                kind.as_str()
            )),
            (None, false) => d.with_hint(format!("known: {}", known.join(", "))),
        };
        self.diags.push(d);
        false
    }

    fn wait(&mut self, value: &Node) -> Option<Action> {
        let hint = "wait: converged, or a duration such as 500ms, 2s, 1m";
        match &value.value {
            Value::Str(s) if s == "converged" => Some(Action::Wait(Wait::Converged)),
            Value::Str(s) => match parse_duration(s) {
                Ok(ns) => Some(Action::Wait(Wait::For(ns))),
                Err(m) => {
                    self.diags.push(err(value, m).with_hint(hint));
                    None
                }
            },
            other => {
                self.diags.push(
                    err(
                        value,
                        format!(
                            "`wait` must be `converged` or a duration, found {}",
                            other.describe()
                        ),
                    )
                    .with_hint(hint),
                );
                None
            }
        }
    }

    fn show(&mut self, value: &Node, step: &mut MapReader) -> Option<Action> {
        let text = value.as_str("`show`", &mut self.diags)?;
        let what = match parse_show(text) {
            Ok(w) => w,
            Err((m, h)) => {
                self.diags.push(err(value, m).with_hint(h));
                return None;
            }
        };
        if let Show::HaproxyConf { ingress, .. } = &what {
            self.require_created(value, Kind::Ingress, ingress);
        }
        let expect = match step.take("expect") {
            Some(e) => self.show_expect(e, &what)?,
            None => ShowExpect::default(),
        };
        Some(Action::Show(ShowStep { what, expect }))
    }

    fn show_expect(&mut self, node: &Node, what: &Show) -> Option<ShowExpect> {
        let mut m = node.as_map("expect", &mut self.diags)?;
        let mut e = ShowExpect::default();
        if let Some(c) = m.take("contains") {
            e.contains = c.as_str_list("`expect.contains`", &mut self.diags);
        }
        if let Some(c) = m.take("not_contains") {
            e.not_contains = c.as_str_list("`expect.not_contains`", &mut self.diags);
        }
        if let Some(f) = m.take("equals_file")
            && let Some(rel) = f.as_nonempty_str("`expect.equals_file`", &mut self.diags)
        {
            let path = self.base_dir.join(rel);
            let shown = path.to_string_lossy().into_owned();
            match read_file(&path, &shown, Some(&f.origin)) {
                Ok(text) => e.equals = Some(ExpectedText { file: shown, text }),
                Err(d) => self.diags.push(d),
            }
        }
        if let Some(r) = m.take("routes") {
            if !matches!(what, Show::GatewayRoutes { .. } | Show::ControlRoutes) {
                self.diags.push(err(
                    r,
                    "`expect.routes` applies to `gateway routes` and `control routes` only",
                ));
            }
            for item in r
                .as_seq("`expect.routes`", &mut self.diags)
                .unwrap_or_default()
            {
                e.routes.extend(self.route_expect(item));
            }
        }
        m.finish(&mut self.diags);
        Some(e)
    }

    fn route_expect(&mut self, node: &Node) -> Option<RouteExpect> {
        let mut m = node.as_map("expect.routes[]", &mut self.diags)?;
        let prefix = m.require("prefix", &mut self.diags).and_then(|p| {
            let s = p.as_str("`prefix`", &mut self.diags)?;
            let parsed = parse_prefix(s);
            if parsed.is_none() {
                self.diags.push(
                    err(p, format!("{s:?} is not an IPv4 prefix"))
                        .with_hint("e.g. 101.101.101.1/32"),
                );
            }
            parsed
        });
        let next_hop = m.take("next_hop").and_then(|n| {
            let s = n.as_str("`next_hop`", &mut self.diags)?;
            let ip = s.parse().ok();
            if ip.is_none() {
                self.diags
                    .push(err(n, format!("{s:?} is not an IPv4 address")));
            }
            ip
        });
        let local_preference = m
            .take("local_preference")
            .and_then(|n| {
                n.as_int(
                    "`local_preference`",
                    0,
                    i128::from(u32::MAX),
                    &mut self.diags,
                )
            })
            .and_then(|v| u32::try_from(v).ok());
        let paths = m
            .take("paths")
            .and_then(|n| n.as_int("`paths`", 1, 64, &mut self.diags))
            .and_then(|v| usize::try_from(v).ok());
        m.finish(&mut self.diags);
        Some(RouteExpect {
            prefix: prefix?,
            next_hop,
            local_preference,
            paths,
        })
    }

    fn curl_request(&mut self, node: &Node) -> Option<CurlRequest> {
        let s = node.as_nonempty_str("a curl command", &mut self.diags)?;
        match parse_curl(s, &node.origin) {
            Ok(r) => {
                let mut ok = true;
                for p in placeholders(&r) {
                    ok &= self.require_created(node, p.kind, &p.name);
                }
                ok.then_some(r)
            }
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn curl(&mut self, value: &Node, step: &mut MapReader) -> Option<Action> {
        let request = self.curl_request(value);
        let from = self.from(step);
        let repeat = match step.take("repeat") {
            Some(r) => match r.value {
                Value::Int(n) if n > i128::from(MAX_REPEAT) => {
                    self.diags.push(
                        err(r, format!("`repeat` is {n}; at most {MAX_REPEAT} requests per step are simulated"))
                            .with_hint("the simulator refuses work it cannot finish in reasonable time"),
                    );
                    None
                }
                _ => r
                    .as_int("`repeat`", 1, i128::from(MAX_REPEAT), &mut self.diags)
                    .and_then(|n| u32::try_from(n).ok()),
            },
            None => Some(1),
        };
        let expect = match step.take("expect") {
            Some(e) => self.curl_expect(e),
            None => Some(CurlExpect::default()),
        };
        Some(Action::Curl(Box::new(CurlStep {
            request: request?,
            from: from?,
            repeat: repeat?,
            expect: expect?,
        })))
    }

    fn compare(&mut self, value: &Node, step: &mut MapReader) -> Option<Action> {
        let items = value.as_seq("`compare`", &mut self.diags)?;
        if items.len() < 2 {
            self.diags
                .push(err(value, "`compare` needs at least two curl commands"));
        }
        let requests: Vec<Option<CurlRequest>> =
            items.iter().map(|i| self.curl_request(i)).collect();
        let from = self.from(step)?;
        let requests: Option<Vec<CurlRequest>> = requests.into_iter().collect();
        (items.len() >= 2).then_some(())?;
        Some(Action::Compare(Box::new(CompareStep {
            from,
            requests: requests?,
        })))
    }

    /// The step's `from:` (required).
    fn from(&mut self, step: &mut MapReader) -> Option<Endpoint> {
        let hint = "from: pod/NAME (a Pod applied earlier), host/cent-client, or node/NAME";
        let Some(node) = step.take("from") else {
            self.diags
                .push(err(step.node(), "missing required field `from`").with_hint(hint));
            return None;
        };
        let s = node.as_str("`from`", &mut self.diags)?;
        match s.split_once('/') {
            Some(("pod", name)) => self
                .require_bare_pod(node, name)
                .then(|| Endpoint::Pod(name.to_string())),
            Some(("host", name)) if name == topo::INTERNET_HOST => {
                Some(Endpoint::Host(name.to_string()))
            }
            Some(("host", name)) => {
                self.diags.push(
                    err(node, format!("unknown host {name:?}"))
                        .with_hint(format!("the internet host is host/{}", topo::INTERNET_HOST)),
                );
                None
            }
            Some(("node", name)) if topo::is_book_node(name) => {
                Some(Endpoint::Node(name.to_string()))
            }
            Some(("node", name)) => {
                self.diags.push(unknown_node(node, name));
                None
            }
            _ => {
                self.diags
                    .push(err(node, format!("{s:?} is not a request source")).with_hint(hint));
                None
            }
        }
    }

    /// `from: pod/x` must name a bare Pod: Deployment pods get generated names at run time.
    fn require_bare_pod(&mut self, at: &Node, name: &str) -> bool {
        if self.created.contains(&(Kind::Deployment, name.to_string()))
            && !self.created.contains(&(Kind::Pod, name.to_string()))
        {
            self.diags.push(
                err(
                    at,
                    format!("{name:?} is a Deployment; its pods get generated names"),
                )
                .with_hint("send from a bare Pod (kind: Pod), e.g. the book's `client` pod"),
            );
            return false;
        }
        self.require_created(at, Kind::Pod, name)
    }

    fn curl_expect(&mut self, node: &Node) -> Option<CurlExpect> {
        let mut m = node.as_map("expect", &mut self.diags)?;
        let before = self.diags.error_count();
        let mut e = CurlExpect {
            status: m
                .take("status")
                .and_then(|s| s.as_int("`expect.status`", 100, 599, &mut self.diags))
                .and_then(|s| u16::try_from(s).ok()),
            ..CurlExpect::default()
        };
        if let Some(s) = m.take("served_by") {
            e.served_by = self.served_by(s);
        }
        if let Some(b) = m.take("body_contains") {
            e.body_contains = b.as_str_list("`expect.body_contains`", &mut self.diags);
        }
        if let Some(v) = m.take("via") {
            for item in v.one_or_many() {
                e.via.extend(self.via(item));
            }
        }
        if let Some(d) = m.take("disposition")
            && let Some(s) = d.as_nonempty_str("`expect.disposition`", &mut self.diags)
        {
            if crate::trace::record::DISPOSITIONS.contains(&s) {
                e.disposition = Some(s.to_string());
            } else {
                self.diags.push(
                    err(d, format!("unknown disposition {s:?}")).with_hint(format!(
                        "one of: {}",
                        crate::trace::record::DISPOSITIONS.join(", ")
                    )),
                );
            }
        }
        m.finish(&mut self.diags);
        (self.diags.error_count() == before).then_some(e)
    }

    fn served_by(&mut self, node: &Node) -> Option<ServedBy> {
        let s = node.as_str("`expect.served_by`", &mut self.diags)?;
        let (kind, name) = match s.split_once('/') {
            Some(("pod", n)) => (Kind::Pod, n),
            Some(("deployment", n)) => (Kind::Deployment, n),
            Some(("service" | "svc", n)) => (Kind::Service, n),
            _ => {
                self.diags.push(
                    err(
                        node,
                        format!("{s:?} is not pod/NAME, deployment/NAME or service/NAME"),
                    )
                    .with_hint("served_by names the pod, Deployment or Service that must answer"),
                );
                return None;
            }
        };
        if kind == Kind::Pod && self.deployment_of_pod(name) {
            return Some(ServedBy::Pod(name.to_string()));
        }
        self.require_created(node, kind, name).then(|| match kind {
            Kind::Pod => ServedBy::Pod(name.to_string()),
            Kind::Deployment => ServedBy::Deployment(name.to_string()),
            _ => ServedBy::Service(name.to_string()),
        })
    }

    /// Whether `pod` looks like a pod of a Deployment applied earlier (`<deployment>-<hash>`).
    fn deployment_of_pod(&self, pod: &str) -> bool {
        self.created.iter().any(|(k, n)| {
            *k == Kind::Deployment
                && pod
                    .strip_prefix(n.as_str())
                    .is_some_and(|r| r.starts_with('-') && r.len() > 1)
        })
    }

    fn via(&mut self, node: &Node) -> Option<ViaName> {
        let s = node.as_nonempty_str("a `via` name", &mut self.diags)?;
        let (name, component) = match s.split_once('/') {
            Some((n, c)) => (n, Some(c)),
            None => (s, None),
        };
        if !topo::is_book_node(name) {
            self.diags.push(unknown_node(node, name));
            return None;
        }
        if let Some(c) = component {
            let known = COMPONENTS.contains(&c)
                || self.created.contains(&(Kind::Pod, c.to_string()))
                || self.deployment_of_pod(c);
            if !known {
                self.diags.push(
                    err(node, format!("unknown component {c:?} of {name}")).with_hint(format!(
                        "components: {}, or a pod name",
                        COMPONENTS.join(", ")
                    )),
                );
                return None;
            }
        }
        Some(ViaName {
            node: name.to_string(),
            component: component.map(str::to_string),
        })
    }

    fn fault(&mut self, value: &Node) -> Option<FaultTarget> {
        let s = value.as_str("a fault target", &mut self.diags)?;
        let hint = format!(
            "faults apply to compute nodes: {}",
            topo::COMPUTES
                .iter()
                .map(|c| format!("node/{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let Some(("node", name)) = s.split_once('/') else {
            self.diags
                .push(err(value, format!("{s:?} is not node/NAME")).with_hint(hint));
            return None;
        };
        if topo::is_compute(name) {
            return Some(FaultTarget::Node(name.to_string()));
        }
        let d = if topo::is_book_node(name) {
            err(
                value,
                format!("{name:?} is not a compute node; only computes can be failed"),
            )
            .with_hint(hint)
        } else {
            unknown_node(value, name).with_hint(hint)
        };
        self.diags.push(d);
        None
    }
}

/// kubectl's refusal of a manifest without objects.
fn no_objects(at: &Node, verb: &str) -> Diagnostic {
    let what = match &at.value {
        Value::Str(file) => format!("{file:?} holds no Kubernetes object"),
        _ => "the list holds no Kubernetes object".to_string(),
    };
    err(at, format!("no objects passed to {verb}: {what}"))
        .with_hint("kubectl refuses an empty manifest; give at least one document with `kind`")
}

fn unknown_node(at: &Node, name: &str) -> Diagnostic {
    let d = err(at, format!("no node {name:?} in the book topology"));
    match closest(name, BOOK_NODES) {
        Some(c) => d.with_hint(format!(
            "did you mean `{c}`? nodes: {}",
            BOOK_NODES.join(", ")
        )),
        None => d.with_hint(format!("nodes: {}", BOOK_NODES.join(", "))),
    }
}

/// `ingress/NAME`, `svc/NAME`, ... → (kind, name).
fn object_ref(s: &str) -> Option<(Kind, &str)> {
    let (word, name) = s.split_once('/')?;
    let kind = match word {
        "ingress" => Kind::Ingress,
        "service" | "svc" => Kind::Service,
        "pod" => Kind::Pod,
        "deployment" => Kind::Deployment,
        "namespace" => Kind::Namespace,
        _ => return None,
    };
    (!name.is_empty() && !name.contains('/')).then_some((kind, name))
}

/// `500ms`, `2s`, `1m`, `1h`, `10us`, `5ns` → nanoseconds, in (0, one hour].
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let digits = s.trim_start_matches(|c: char| c.is_ascii_digit());
    let number = s.get(..s.len() - digits.len()).unwrap_or_default();
    let unit = match digits {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return Err(format!("{s:?} is not a duration")),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration"))?;
    let ns = n.checked_mul(unit).filter(|ns| *ns <= MAX_WAIT_NS);
    match ns {
        Some(0) => Err(format!("duration {s:?} is zero")),
        Some(ns) => Ok(ns),
        None => Err(format!("duration {s:?} is longer than one hour")),
    }
}

fn parse_prefix(s: &str) -> Option<Prefix> {
    let (addr, len) = s.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    Some(Prefix {
        address: addr.parse().ok()?,
        len,
    })
}

#[cfg(test)]
mod tests;
