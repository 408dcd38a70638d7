//! The manifests of a generated cluster: `namespaces.yaml`, one file per namespace with its
//! Deployments, Services and Ingresses, and `client.yaml` with the pod requests start from.

use std::fmt::Write;
use std::path::PathBuf;

use super::{Cluster, File};
use crate::topology::names;

/// The folder of the manifests, relative to the scenario.
pub const DIR: &str = "manifests";
/// The image of the backend pods: the book's web server.
const WEB_IMAGE: &str = "contrailk8sdayone/contrail-webserver";
/// The port every Service listens on and every pod serves.
pub const PORT: u16 = 80;

pub(super) fn files(c: &Cluster) -> Vec<File> {
    let mut files = vec![file("namespaces.yaml", namespaces(c))];
    for n in 1..=c.namespaces {
        let text = namespace_objects(c, n);
        if !text.is_empty() {
            files.push(file(&format!("{}.yaml", c.namespace(n)), text));
        }
    }
    files.push(file("client.yaml", client(c)));
    files
}

fn file(name: &str, text: String) -> File {
    File {
        path: PathBuf::from(DIR).join(name),
        text,
    }
}

fn namespaces(c: &Cluster) -> String {
    let mut out = String::new();
    for n in 1..=c.namespaces {
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n",
            c.namespace(n)
        );
        if n <= c.isolated {
            out.push_str("  annotations: {opencontrail.org/isolation: \"true\"}\n");
        }
    }
    out
}

/// The Deployments and Services of namespace `n`, then its Ingresses.
fn namespace_objects(c: &Cluster, n: u32) -> String {
    let ns = c.namespace(n);
    let mut out = String::new();
    let mine = c.services_in(n);
    for i in mine.clone() {
        let _ = write!(
            out,
            "---\napiVersion: apps/v1\nkind: Deployment\n\
             metadata: {{name: web-{i}, namespace: {ns}}}\n\
             spec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web-{i}}}}}\n  \
             template:\n    metadata: {{labels: {{app: web-{i}}}}}\n    \
             spec: {{containers: [{{name: web, image: {WEB_IMAGE}, \
             ports: [{{containerPort: {PORT}}}]}}]}}\n\
             ---\napiVersion: v1\nkind: Service\n\
             metadata: {{name: svc-{i}, namespace: {ns}}}\n\
             spec: {{selector: {{app: web-{i}}}, ports: [{{port: {PORT}, targetPort: {PORT}}}]}}\n",
            replicas = c.replicas(i),
        );
    }
    for i in mine.filter(|&i| i <= c.ingresses) {
        let _ = write!(
            out,
            "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n\
             metadata: {{name: ing-{i}, namespace: {ns}}}\n\
             spec: {{defaultBackend: {{service: {{name: svc-{i}, port: {{number: {PORT}}}}}}}}}\n"
        );
    }
    out
}

/// A bare pod on the first compute, in the first namespace.
fn client(c: &Cluster) -> String {
    let node = compute_names(c).into_iter().next().unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Pod\n\
         metadata: {{name: client, namespace: {ns}, labels: {{app: client}}}}\n\
         spec: {{nodeName: {node}, containers: [{{name: client, image: {WEB_IMAGE}}}]}}\n",
        ns = c.namespace(1),
    )
}

/// The computes' names, as `topology: {computes: N}` gives them.
pub(super) fn compute_names(c: &Cluster) -> Vec<String> {
    names::numbered(c.computes as usize)
}
