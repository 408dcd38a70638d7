//! Kubernetes manifests (multi-document YAML) into typed [`Object`]s, as strictly as
//! `kubectl apply --validate=strict`: unknown fields, wrong types and values the apiserver would
//! refuse are errors with their position; fields valid in Kubernetes but not modelled are ignored.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics, Origin};
use crate::k8s::annotations;
use crate::k8s::objects::{Kind, Labels, Meta, Object, PodSpec, PortRef, Spec};
use crate::k8s::specs::{self, IngressApi};
use crate::k8s::validation;
use crate::yaml::{self, Node, Value};

pub use crate::k8s::specs::MAX_REPLICAS;
pub use crate::yaml::MAX_DOCUMENTS as MAX_OBJECTS;

/// The `apiVersion`/`kind` pairs the simulator understands.
pub const SUPPORTED: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1beta1", "Ingress"),
    ("extensions/v1beta1", "Ingress"),
    ("v1", "Secret"),
];

fn supported_list() -> String {
    let parts: Vec<String> = SUPPORTED
        .iter()
        .map(|(a, k)| format!("{k} ({a})"))
        .collect();
    format!("supported: {}", parts.join(", "))
}

/// Parses a manifest file. Errors and warnings both go to `diags`; objects are returned even
/// when some documents had errors, so callers can go on checking.
pub fn read_manifests(
    text: &str,
    file: &str,
    default_namespace: &str,
    diags: &mut Diagnostics,
) -> Vec<Object> {
    match yaml::parse_documents(text, file) {
        Ok(docs) => objects_from_documents(&docs, default_namespace, diags),
        Err(d) => {
            diags.push(d);
            Vec::new()
        }
    }
}

/// Parses a manifest file into objects, or every error found. Warnings are dropped; use
/// [`read_manifests`] to keep them.
pub fn parse_manifests(
    text: &str,
    file: &str,
    default_namespace: &str,
) -> Result<Vec<Object>, Vec<Diagnostic>> {
    let mut diags = Diagnostics::default();
    let objects = read_manifests(text, file, default_namespace, &mut diags);
    if diags.has_errors() {
        Err(diags.split().0)
    } else {
        Ok(objects)
    }
}

/// Turns already-parsed YAML documents into objects, then checks the batch as a whole
/// (duplicate names, Service ports no selected container exposes).
/// Diagnostics are reported in source order.
pub fn objects_from_documents(
    docs: &[Node],
    default_namespace: &str,
    diags: &mut Diagnostics,
) -> Vec<Object> {
    if docs.len() > MAX_OBJECTS {
        let at = docs.get(MAX_OBJECTS).map(|d| d.origin.clone());
        diags.push(Diagnostic::error(
            at,
            format!("more than {MAX_OBJECTS} objects in one manifest"),
        ));
        return Vec::new();
    }
    let mut found = Diagnostics::default();
    let objects: Vec<Object> = docs
        .iter()
        .filter_map(|d| object(d, default_namespace, &mut found))
        .collect();
    check_duplicates(&objects, &mut found);
    check_target_ports(&objects, &mut found);
    let mut found = found.into_vec();
    found.sort_by(|a, b| a.origin.cmp(&b.origin));
    diags.extend(found);
    objects
}

fn object(doc: &Node, default_namespace: &str, diags: &mut Diagnostics) -> Option<Object> {
    let before = diags.error_count();
    let mut m = doc.as_map("", diags)?;
    let api = m
        .require("apiVersion", diags)
        .and_then(|n| Some((n, n.as_str("`apiVersion`", diags)?)));
    let kind_node = m
        .require("kind", diags)
        .and_then(|n| Some((n, n.as_str("`kind`", diags)?)));
    let (Some((api_node, api)), Some((kind_node, kind_name))) = (api, kind_node) else {
        m.ignore(&["metadata", "spec", "status"]);
        return None;
    };
    let Some(kind) = resolve_kind(api_node, api, kind_node, kind_name, diags) else {
        m.ignore(&["metadata", "spec", "status"]);
        return None;
    };
    let meta = m
        .require("metadata", diags)
        .and_then(|n| metadata(n, kind, default_namespace, diags));
    let spec_node = m.take("spec");
    let spec = match kind {
        Kind::Namespace => {
            m.ignore(&["spec"]);
            Some(Spec::Namespace)
        }
        Kind::Secret => {
            if let Some(s) = spec_node {
                diags.push(
                    Diagnostic::error(Some(s.origin.clone()), "unknown field `spec`")
                        .with_hint("a Secret has no spec: write `type`, `data` and `stringData` at the top level"),
                );
            }
            Some(Spec::Secret(specs::secret(&mut m, diags)))
        }
        _ => match spec_node {
            None => {
                m.report_missing("spec", diags);
                None
            }
            Some(n) => Some(match kind {
                Kind::Pod => Spec::Pod(specs::pod_spec(n, "spec", diags)),
                Kind::Service => Spec::Service(specs::service_spec(n, diags)),
                Kind::Deployment => {
                    let misplaced = metadata_has(doc, "selector");
                    Spec::Deployment(specs::deployment_spec(n, misplaced, diags))
                }
                _ => {
                    let v = if api == "networking.k8s.io/v1" {
                        IngressApi::V1
                    } else {
                        IngressApi::V1beta1
                    };
                    Spec::Ingress(specs::ingress_spec(n, v, diags))
                }
            }),
        },
    };
    m.ignore(&["status"]);
    m.finish(diags);
    let mut meta = meta?;
    let mut spec = spec?;
    if let Spec::Ingress(ing) = &mut spec {
        ing.api_version = SUPPORTED
            .iter()
            .find(|(a, _)| *a == api)
            .map_or("", |(a, _)| a);
        if let Some(class) = meta.annotations.get("kubernetes.io/ingress.class") {
            // The apiserver refuses an Ingress whose class annotation and
            // `spec.ingressClassName` name two classes.
            if let Some(name) = ing.class.as_ref().filter(|n| *n != class) {
                let at = field(doc, &["spec", "ingressClassName"]).unwrap_or(doc);
                diags.push(
                    Diagnostic::error(
                        Some(at.origin.clone()),
                        format!(
                            "`spec.ingressClassName` {name:?} and the annotation \
                             kubernetes.io/ingress.class {class:?} name two classes"
                        ),
                    )
                    .with_hint(
                        "the annotation must match `ingressClassName` when both are set; keep one",
                    ),
                );
            }
            ing.class = Some(class.clone());
        }
    }
    if kind == Kind::Namespace {
        meta.namespace = "".into();
    }
    (diags.error_count() == before).then(|| Object {
        meta,
        spec,
        origin: doc.origin.clone(),
    })
}

/// Contrail's fip-pool annotation must name a pool as kube-manager reads it (a dictionary of
/// domain, project, network and name); kube-manager fails on anything else.
fn check_fip_pool(annotations: &Node, diags: &mut Diagnostics) {
    let Value::Map(entries) = &annotations.value else {
        return;
    };
    for (k, v) in entries {
        let (Value::Str(key), Value::Str(value)) = (&k.value, &v.value) else {
            continue;
        };
        if key != annotations::FIP_POOL {
            continue;
        }
        if let Err(why) = annotations::fip_pool_fq_name(value) {
            diags.push(
                Diagnostic::error(
                    Some(v.origin.clone()),
                    format!("annotation {}: {why}", annotations::FIP_POOL),
                )
                .with_hint(format!(
                    "contrail-kube-manager reads the pool as a dictionary, e.g. \"{}\"",
                    annotations::FIP_POOL_EXAMPLE
                )),
            );
        }
    }
}

/// The node at `path` (map keys) under `doc`.
fn field<'a>(doc: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(doc, |node, key| match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
            .map(|(_, v)| v),
        _ => None,
    })
}

/// Whether the document's `metadata` has `key`.
fn metadata_has(doc: &Node, key: &str) -> bool {
    let Value::Map(entries) = &doc.value else {
        return false;
    };
    entries.iter().any(|(k, v)| {
        matches!(&k.value, Value::Str(s) if s == "metadata")
            && matches!(&v.value, Value::Map(m) if m.iter().any(|(mk, _)| matches!(&mk.value, Value::Str(s) if s == key)))
    })
}

fn resolve_kind(
    api_node: &Node,
    api: &str,
    kind_node: &Node,
    kind: &str,
    diags: &mut Diagnostics,
) -> Option<Kind> {
    if SUPPORTED.contains(&(api, kind)) {
        return Some(match kind {
            "Namespace" => Kind::Namespace,
            "Pod" => Kind::Pod,
            "Service" => Kind::Service,
            "Deployment" => Kind::Deployment,
            "Secret" => Kind::Secret,
            _ => Kind::Ingress,
        });
    }
    let versions: Vec<&str> = SUPPORTED
        .iter()
        .filter(|(_, k)| *k == kind)
        .map(|(a, _)| *a)
        .collect();
    if versions.is_empty() {
        let kinds: Vec<&str> = SUPPORTED.iter().map(|(_, k)| *k).collect();
        let mut d = Diagnostic::error(
            Some(kind_node.origin.clone()),
            format!("unsupported kind {kind:?}"),
        );
        d = match yaml::closest(kind, &kinds) {
            Some(k) => d.with_hint(format!("did you mean `{k}`? {}", supported_list())),
            None => d.with_hint(supported_list()),
        };
        diags.push(d);
    } else {
        diags.push(
            Diagnostic::error(
                Some(api_node.origin.clone()),
                format!("unsupported apiVersion {api:?} for kind {kind}"),
            )
            .with_hint(format!(
                "{kind} is served by apiVersion {}",
                versions.join(" or ")
            )),
        );
    }
    None
}

fn metadata(
    node: &Node,
    kind: Kind,
    default_namespace: &str,
    diags: &mut Diagnostics,
) -> Option<Meta> {
    let mut m = node.as_map("metadata", diags)?;
    if let Some(g) = m.take("generateName") {
        diags.push(
            Diagnostic::error(
                Some(g.origin.clone()),
                "`metadata.generateName` is not supported",
            )
            .with_hint("give the object a fixed `metadata.name`, so steps can refer to it"),
        );
    }
    let name = m.require("name", diags).and_then(|n| {
        let s = n.as_str("`metadata.name`", diags)?;
        let why = match kind {
            Kind::Namespace => validation::dns1123_label(s),
            Kind::Service => validation::dns1035_label(s),
            _ => validation::dns1123_subdomain(s),
        };
        if let Some(why) = why {
            diags.push(Diagnostic::error(
                Some(n.origin.clone()),
                format!("invalid {} name: {why}", kind.as_str()),
            ));
            return None;
        }
        Some(s.to_string())
    });
    let namespace = match m.take("namespace") {
        Some(n) => {
            let s = n.as_str("`metadata.namespace`", diags)?;
            if let Some(why) = validation::dns1123_label(s) {
                diags.push(Diagnostic::error(
                    Some(n.origin.clone()),
                    format!("invalid namespace: {why}"),
                ));
            }
            s.to_string()
        }
        None => default_namespace.to_string(),
    };
    let labels = m
        .take("labels")
        .map(|l| specs::string_map(l, "metadata.labels", true, diags))
        .unwrap_or_default();
    let annotations_node = m.take("annotations");
    if let Some(a) = annotations_node {
        check_fip_pool(a, diags);
    }
    let annotations = annotations_node
        .map(|a| specs::string_map(a, "metadata.annotations", false, diags))
        .unwrap_or_default();
    if kind == Kind::Deployment
        && let Some((key, _)) = m.take_entry("selector")
    {
        diags.push(
            Diagnostic::error(
                Some(key.origin.clone()),
                "`selector` stands under `metadata`; it belongs under `spec`",
            )
            .with_hint("move it to `spec.selector` (with `matchLabels`), next to `spec.template`"),
        );
    }
    m.ignore(&[
        "creationTimestamp",
        "deletionGracePeriodSeconds",
        "deletionTimestamp",
        "finalizers",
        "generation",
        "managedFields",
        "ownerReferences",
        "resourceVersion",
        "selfLink",
        "uid",
    ]);
    m.finish(diags);
    Some(Meta {
        name: name?.into(),
        namespace: namespace.into(),
        labels,
        annotations,
        ..Meta::default()
    })
}

fn check_duplicates(objects: &[Object], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(Kind, &str, &str), &Origin> = BTreeMap::new();
    for o in objects {
        let key = (o.kind(), &*o.meta.namespace, &*o.meta.name);
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    Some(o.origin.clone()),
                    format!(
                        "duplicate {} {:?} in one manifest",
                        o.kind().as_str(),
                        o.meta.name
                    ),
                )
                .with_hint(format!(
                    "the first one is at line {}; give each object its own name",
                    first.line
                )),
            );
        } else {
            seen.insert(key, &o.origin);
        }
    }
}

/// The pods (bare or templated) in the batch with their labels, namespace and spec.
fn workloads(objects: &[Object]) -> impl Iterator<Item = (&str, &Labels, &PodSpec)> {
    objects.iter().filter_map(|o| match &o.spec {
        Spec::Pod(p) => Some((&*o.meta.namespace, &o.meta.labels, p)),
        Spec::Deployment(d) => Some((&*o.meta.namespace, &d.template_labels, &d.template)),
        _ => None,
    })
}

/// Warns when a Service's targetPort is exposed by no container it selects in the same batch.
/// Kubernetes accepts this (a numeric targetPort need not be declared), so it is a warning.
fn check_target_ports(objects: &[Object], diags: &mut Diagnostics) {
    // The workloads by namespace and label, so a Service looks only at those with one of its
    // selector's labels.
    type Workload<'a> = (&'a Labels, &'a PodSpec);
    let mut by_label: BTreeMap<(&str, &str, &str), Vec<Workload>> = BTreeMap::new();
    for (ns, labels, spec) in workloads(objects) {
        for (k, v) in labels {
            by_label.entry((ns, k, v)).or_default().push((labels, spec));
        }
    }
    for o in objects {
        let Spec::Service(svc) = &o.spec else {
            continue;
        };
        let Some((k, v)) = svc.selector.iter().next() else {
            continue;
        };
        let candidates = by_label.get(&(&*o.meta.namespace, k.as_str(), v.as_str()));
        let selected: Vec<&PodSpec> = candidates
            .into_iter()
            .flatten()
            .filter(|(labels, _)| svc.selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
            .map(|(_, p)| *p)
            .collect();
        if selected.is_empty() {
            continue;
        }
        for port in &svc.ports {
            let exposed = selected
                .iter()
                .flat_map(|p| &p.containers)
                .flat_map(|c| &c.ports)
                .any(|cp| match &port.target_port {
                    PortRef::Number(n) => cp.container_port == *n,
                    PortRef::Name(n) => cp.name.as_deref() == Some(n.as_str()),
                });
            if !exposed {
                let tp = match &port.target_port {
                    PortRef::Number(n) => n.to_string(),
                    PortRef::Name(n) => format!("{n:?}"),
                };
                diags.push(
                    Diagnostic::warning(
                        Some(o.origin.clone()),
                        format!(
                            "Service {:?} targets port {tp}, which no container it selects declares",
                            o.meta.name
                        ),
                    )
                    .with_hint("check `targetPort` against the pods' `containerPort`s"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::objects::{PathType, ServiceType};

    const FANOUT: &str = r#"apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: ingress-sf
spec:
  rules:
    - host: www.juniper.net
      http:
        paths:
          - path: /dev
            backend:
              serviceName: webservice-1
              servicePort: 8888
---
apiVersion: v1
kind: Service
metadata:
  name: webservice-1
spec:
  ports:
    - port: 8888
      targetPort: 80
  selector:
    app: webserver-1
  sessionAffinity: None
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: webserver-1
  labels: {app: webserver-1}
spec:
  replicas: 2
  selector:
    matchLabels: {app: webserver-1}
  strategy: {type: RollingUpdate}
  template:
    metadata:
      labels: {app: webserver-1}
    spec:
      containers:
        - name: webserver-1
          image: contrailk8sdayone/contrail-webserver
          imagePullPolicy: IfNotPresent
          resources: {}
          ports:
            - containerPort: 80
"#;

    fn errors(text: &str) -> Vec<String> {
        match parse_manifests(text, "m.yaml", "ns") {
            Ok(_) => vec![],
            Err(ds) => ds
                .iter()
                .map(|d| {
                    format!(
                        "{}: {}",
                        d.origin.as_ref().map(|o| o.to_string()).unwrap_or_default(),
                        d.message
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn parses_the_fanout_manifest() {
        let objs = parse_manifests(FANOUT, "m.yaml", "ns-user-1").unwrap();
        assert_eq!(objs.len(), 3);
        let Spec::Ingress(ing) = &objs[0].spec else {
            panic!()
        };
        assert_eq!(ing.rules[0].host.as_deref(), Some("www.juniper.net"));
        assert_eq!(
            ing.rules[0].paths[0].backend.service_port,
            PortRef::Number(8888)
        );
        let Spec::Service(svc) = &objs[1].spec else {
            panic!()
        };
        assert_eq!(svc.service_type, ServiceType::ClusterIp);
        assert_eq!(svc.ports[0].target_port, PortRef::Number(80));
        let Spec::Deployment(d) = &objs[2].spec else {
            panic!()
        };
        assert_eq!(d.replicas, 2);
        assert_eq!(objs[2].origin.line, 27);
        assert_eq!(&*objs[2].meta.namespace, "ns-user-1");
    }

    #[test]
    fn parses_v1_ingress() {
        let text = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ingress-vh
  annotations: {kubernetes.io/ingress.class: opencontrail}
spec:
  ingressClassName: opencontrail
  defaultBackend:
    service: {name: webservice-1, port: {number: 8888}}
  rules:
    - host: www.cisco.com
      http:
        paths:
          - path: /
            pathType: Exact
            backend:
              service: {name: webservice-2, port: {name: http}}
"#;
        let objs = parse_manifests(text, "m.yaml", "ns").unwrap();
        let Spec::Ingress(ing) = &objs[0].spec else {
            panic!()
        };
        assert_eq!(ing.class.as_deref(), Some("opencontrail"));
        assert_eq!(
            ing.default_backend.as_ref().unwrap().service_name,
            "webservice-1"
        );
        assert_eq!(ing.rules[0].paths[0].path_type, Some(PathType::Exact));
        assert_eq!(
            ing.rules[0].paths[0].backend.service_port,
            PortRef::Name("http".into())
        );
    }

    #[test]
    fn rejects_unknown_field_with_position() {
        let e = errors("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspce: {}\n");
        assert_eq!(e, vec!["m.yaml:4:1: unknown field `spce`"]);
    }

    #[test]
    fn rejects_selector_mismatch_and_misplaced_selector() {
        let text = FANOUT.replace(
            "matchLabels: {app: webserver-1}",
            "matchLabels: {app: other}",
        );
        assert!(errors(&text).iter().any(|e| e.contains("does not match")));
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  selector: {matchLabels: {a: b}}\nspec:\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n";
        let e = errors(text);
        assert!(
            e[0].starts_with("m.yaml:5:3: `selector` stands under `metadata`"),
            "{e:?}"
        );
        assert_eq!(
            e.len(),
            1,
            "the missing spec.selector is not reported twice"
        );
    }

    #[test]
    fn ingress_validation() {
        let base = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n    - host: HOST\n      http:\n        paths:\n          - path: PATH\n            pathType: Exact\n            backend: BACKEND\n";
        let ok_backend = "{service: {name: s, port: {number: 80}}}";
        let case = |host: &str, path: &str, backend: &str| {
            errors(
                &base
                    .replace("HOST", host)
                    .replace("PATH", path)
                    .replace("BACKEND", backend),
            )
        };
        assert!(case("a.b", "/x", ok_backend).is_empty());
        assert!(case("a.b:80", "/x", ok_backend)[0].contains("must not contain a port"));
        assert!(case("a.*.b", "/x", ok_backend)[0].contains("wildcard"));
        assert!(case("A.b", "/x", ok_backend)[0].contains("lower case"));
        assert!(case("a.b", "x", ok_backend)[0].contains("absolute path"));
        let both = "{service: {name: s, port: {number: 80}}, resource: {kind: K, name: n}}";
        assert!(case("a.b", "/x", both)[0].contains("both a service and a resource"));
        let no_type = base
            .replace("            pathType: Exact\n", "")
            .replace("HOST", "a")
            .replace("PATH", "/")
            .replace("BACKEND", ok_backend);
        assert!(errors(&no_type)[0].contains("pathType"));
    }

    #[test]
    fn kinds_versions_ports_duplicates() {
        assert!(
            errors("apiVersion: v1\nkind: Pood\nmetadata: {name: a}\n")[0]
                .contains("unsupported kind")
        );
        assert!(
            errors("apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: a}\n")[0]
                .contains("unsupported apiVersion")
        );
        assert!(errors("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 70000}]}\n")[0].contains("between 1 and 65535"));
        let dup = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
        assert_eq!(
            errors(dup),
            vec!["m.yaml:5:1: duplicate Namespace \"a\" in one manifest"]
        );
        assert!(errors("apiVersion: v1\nkind: Pod\nmetadata: {name: a, annotations: {x: true}}\nspec: {containers: [{name: c, image: i}]}\n")[0].contains("must be a string"));
    }

    #[test]
    fn warns_about_undeclared_target_port() {
        let text = FANOUT.replace("targetPort: 80", "targetPort: 8080");
        let mut diags = Diagnostics::default();
        read_manifests(&text, "m.yaml", "ns", &mut diags);
        assert!(!diags.has_errors());
        assert!(diags.items()[0].message.contains("targets port 8080"));
    }
}

#[cfg(test)]
mod ingress_path_tests {
    use super::*;

    fn ingress(api: &str, path: &str, path_type: Option<&str>) -> String {
        let backend = if api == "networking.k8s.io/v1" {
            "{service: {name: web, port: {number: 80}}}"
        } else {
            "{serviceName: web, servicePort: 80}"
        };
        let t = path_type
            .map(|t| format!(", pathType: {t}"))
            .unwrap_or_default();
        format!(
            "apiVersion: {api}\nkind: Ingress\nmetadata: {{name: i}}\nspec:\n  rules:\n  - http:\n      paths:\n      - {{path: {path:?}{t}, backend: {backend}}}\n"
        )
    }

    /// Kubernetes checks `//`, `.` and `..` segments only for Exact and Prefix paths.
    #[test]
    fn double_slash_is_accepted_where_kubernetes_accepts_it() {
        let ok = |text: &str| parse_manifests(text, "m.yaml", "ns").is_ok();
        let v1 = "networking.k8s.io/v1";
        assert!(ok(&ingress(v1, "//a/../b", Some("ImplementationSpecific"))));
        assert!(ok(&ingress("extensions/v1beta1", "/a//b", None)));
        assert!(!ok(&ingress(v1, "/a//b", Some("Prefix"))));
        assert!(!ok(&ingress(v1, "/a/%2Fb", Some("Exact"))));
        assert!(!ok(&ingress(v1, "a//b", Some("ImplementationSpecific"))));
        assert!(ok(&ingress(v1, "/a b#c", Some("Exact"))));
        assert!(!ok(&ingress(v1, "/a\nb", Some("ImplementationSpecific"))));
    }
}
