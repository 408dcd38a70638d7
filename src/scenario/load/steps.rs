//! The actions of steps: apply, delete, wait, show, curl and compare.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Loader, MAX_WAIT_NS, err, read_file};
use crate::diag::Diagnostic;
use crate::k8s::manifest;
use crate::k8s::objects::{Kind, Object, ObjectKey, PortRef, Spec};
use crate::scenario::curl::{parse_curl, placeholders};
use crate::scenario::model::{
    Action, CompareStep, CurlExpect, CurlRequest, CurlStep, MAX_REPEAT, Show, ShowExpect, ShowStep,
    Wait,
};
use crate::scenario::refs::object_ref;
use crate::scenario::show::parse_show;
use crate::yaml::{MapReader, Node, Value};

impl Loader<'_> {
    /// The namespace an object of a manifest lands in.
    pub(super) fn key_of(&self, o: &Object) -> ObjectKey {
        let ns = match (o.kind(), &*o.meta.namespace) {
            (Kind::Namespace, _) => "",
            (_, "") => self.namespace.as_str(),
            (_, ns) => ns,
        };
        ObjectKey::new(o.kind(), ns, &o.meta.name)
    }

    pub(super) fn apply(&mut self, value: &Node) -> Option<Action> {
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
            let key = self.key_of(o);
            if let Spec::Service(s) = &o.spec {
                self.service_ports.insert(key.clone(), s.ports.clone());
            }
            self.created.insert(key);
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
        let ns = self.key_of(o).namespace;
        let backends = spec
            .rules
            .iter()
            .flat_map(|r| r.paths.iter().map(|p| &p.backend))
            .chain(&spec.default_backend);
        for b in backends {
            let PortRef::Name(name) = &b.service_port else {
                continue;
            };
            let key = ObjectKey::new(Kind::Service, &ns, &b.service_name);
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

    pub(super) fn delete(&mut self, value: &Node) -> Option<Action> {
        let mut keys = Vec::new();
        for item in value.one_or_many() {
            let s = item.as_nonempty_str("a `delete` target", &mut self.diags)?;
            match object_ref(s) {
                Some((kind, ns, name)) => {
                    let key = self.object_key(kind, ns, name);
                    self.service_ports.remove(&key);
                    let known = match kind {
                        Kind::Pod => self.require_pod(item, &key),
                        _ => self.require_created(item, &key),
                    };
                    if known {
                        keys.push(key);
                    }
                }
                None if matches!(value.value, Value::Str(_)) => {
                    let objects = self.manifest_file(item)?;
                    if objects.is_empty() {
                        self.diags.push(no_objects(item, "delete"));
                        return None;
                    }
                    keys.extend(objects.iter().map(|o| self.key_of(o)));
                }
                None => {
                    self.diags.push(
                        err(item, format!("{s:?} is not an object reference")).with_hint(
                            "a list of `delete` targets holds references like ingress/NAME or \
                             service/NAMESPACE/NAME",
                        ),
                    );
                    return None;
                }
            }
        }
        Some(Action::Delete(keys))
    }

    pub(super) fn wait(&mut self, value: &Node) -> Option<Action> {
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

    pub(super) fn show(&mut self, value: &Node, step: &mut MapReader) -> Option<Action> {
        let text = value.as_str("`show`", &mut self.diags)?;
        let what = match parse_show(text, &self.namespace) {
            Ok(w) => w,
            Err((m, h)) => {
                self.diags.push(err(value, m).with_hint(h));
                return None;
            }
        };
        let before = self.diags.error_count();
        match &what {
            Show::HaproxyConf { ingress, node } => {
                self.require_created(value, ingress);
                if let Some(n) = node {
                    self.require_compute(value, n);
                }
            }
            Show::Processes { node: Some(n) } | Show::VRouter { node: n, .. } => {
                self.require_compute(value, n);
            }
            _ => {}
        }
        let expect = match step.take("expect") {
            Some(e) => self.show_expect(e, &what)?,
            None => ShowExpect::default(),
        };
        (self.diags.error_count() == before).then_some(Action::Show(ShowStep { what, expect }))
    }

    fn curl_request(&mut self, node: &Node) -> Option<CurlRequest> {
        let s = node.as_nonempty_str("a curl command", &mut self.diags)?;
        match parse_curl(s, &node.origin) {
            Ok(r) => {
                let mut ok = true;
                for p in placeholders(&r) {
                    let key = p.key(&self.namespace);
                    ok &= self.require_created(node, &key);
                }
                ok.then_some(r)
            }
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    pub(super) fn curl(&mut self, value: &Node, step: &mut MapReader) -> Option<Action> {
        let request = self.curl_request(value);
        let from = self.from(step);
        let repeat = match step.take("repeat") {
            Some(r) => match r.value {
                Value::Int(n) if n > i128::from(MAX_REPEAT) => {
                    self.diags.push(
                        err(
                            r,
                            format!(
                                "`repeat` is {n}; at most {MAX_REPEAT} requests per step are simulated"
                            ),
                        )
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
            request: Arc::new(request?),
            from: from?,
            repeat: repeat?,
            expect: expect?,
        })))
    }

    pub(super) fn compare(&mut self, value: &Node, step: &mut MapReader) -> Option<Action> {
        let items = value.as_seq("`compare`", &mut self.diags)?;
        if items.len() < 2 {
            self.diags
                .push(err(value, "`compare` needs at least two curl commands"));
        }
        let requests: Vec<Option<CurlRequest>> =
            items.iter().map(|i| self.curl_request(i)).collect();
        let from = self.from(step)?;
        let requests: Option<Vec<Arc<CurlRequest>>> =
            requests.into_iter().map(|r| r.map(Arc::new)).collect();
        (items.len() >= 2).then_some(())?;
        Some(Action::Compare(Box::new(CompareStep {
            from,
            requests: requests?,
        })))
    }
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

/// kubectl's refusal of a manifest without objects.
fn no_objects(at: &Node, verb: &str) -> Diagnostic {
    let what = match &at.value {
        Value::Str(file) => format!("{file:?} holds no Kubernetes object"),
        _ => "the list holds no Kubernetes object".to_string(),
    };
    err(at, format!("no objects passed to {verb}: {what}"))
        .with_hint("kubectl refuses an empty manifest; give at least one document with `kind`")
}
