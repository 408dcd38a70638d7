//! A scenario file into a validated [`Scenario`]: the YAML shape, the topology, the manifests it
//! applies, and static reference checks (every object, node and host a step names must exist
//! by then). One module per part of the file: [`topology`], [`steps`], [`refs`], [`expect`],
//! [`fault`].

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod expect;
mod fault;
mod refs;
mod steps;
mod topology;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::dataplane::haproxy::Semantics;
use crate::diag::{Diagnostic, Diagnostics, Origin, SourceMap};
use crate::k8s::objects::{ObjectKey, ServicePort};
use crate::scenario::model::{Action, Scenario, Step, TopologySpec};
use crate::yaml::{self, Node, Value, closest};

pub use steps::parse_duration;

/// Largest scenario or manifest file read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Longest `wait` (simulated): one hour.
pub const MAX_WAIT_NS: u64 = 3_600 * 1_000_000_000;
/// The default namespace when a scenario names none.
pub const DEFAULT_NAMESPACE: &str = "ns-user-1";

/// The keys that make a step what it is.
const ACTIONS: &[&str] = &[
    "apply", "delete", "wait", "show", "curl", "compare", "fail", "recover", "hosts",
];

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
        topology: TopologySpec::default(),
        diags: Diagnostics::default(),
        sources: SourceMap::default(),
        created: BTreeSet::new(),
        service_ports: BTreeMap::new(),
        aliases: BTreeSet::new(),
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
    /// The scenario's topology, read before its steps.
    topology: TopologySpec,
    diags: Diagnostics,
    sources: SourceMap,
    /// Objects created by the apply steps so far, with their namespaces filled in.
    created: BTreeSet<ObjectKey>,
    /// The ports of the Services applied so far.
    service_ports: BTreeMap<ObjectKey, Vec<ServicePort>>,
    /// Names that `as:` gave nodes so far.
    aliases: BTreeSet<String>,
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
        if let Some(t) = m.take("topology") {
            self.topology(t);
        }
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
            topology: self.topology.clone(),
            namespace: self.namespace.clone(),
            steps,
            file: Arc::from(file),
        })
    }

    /// `seed`: an unsigned 64-bit integer.
    fn seed(&mut self, n: &Node) -> Option<u64> {
        let mut found = Diagnostics::default();
        let seed = n
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

    /// `semantics`: `contrail` or `kubernetes`.
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
            "fail" | "recover" => self.fault_step(value, action == "recover", &mut m),
            _ => Some(Action::Hosts(self.hosts(value))),
        };
        m.finish(&mut self.diags);
        Some(Step {
            origin: node.origin.clone(),
            action: action?,
        })
    }
}

#[cfg(test)]
mod tests;
