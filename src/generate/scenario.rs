//! The scenario of a generated cluster: the topology, an `apply` per manifest file, `wait:
//! converged`, then the checks: every node is listed, the first Service has its endpoints, a
//! request from the client pod reaches it, and one from the internet host through the first
//! Ingress does too.

use std::fmt::Write;
use std::path::Path;

use super::Cluster;
use super::manifests::{PORT, compute_names};

/// The scenario's file name in the output folder.
pub const FILE: &str = "scenario.yaml";

pub(super) fn text(c: &Cluster, manifests: &[&Path]) -> String {
    let mut out = format!(
        "# Written by `{command}`.\n\
         name: generated-{computes}-computes\n\
         description: >-\n  {computes} computes; {services} ClusterIP Services, each with its own \
         Deployment, {pods} pods in all, over {namespaces} namespaces ({isolated} isolated); \
         {ingresses}; a client pod.\n\
         seed: {seed}\n\
         topology:\n  computes: {computes}\n\
         namespace: {first}\n\
         steps:\n",
        command = command(c),
        computes = c.computes,
        services = c.services,
        pods = c.pods,
        namespaces = c.namespaces,
        isolated = c.isolated,
        ingresses = match c.ingresses {
            1 => "1 Ingress".to_string(),
            n => format!("{n} Ingresses"),
        },
        seed = c.seed,
        first = c.namespace(1),
    );
    for m in manifests {
        let _ = writeln!(out, "  - apply: {}", m.display());
    }
    out.push_str("  - wait: converged\n");
    let last = compute_names(c).pop().unwrap_or_default();
    let _ = writeln!(
        out,
        "  - show: kubectl get nodes\n    expect: {{contains: [\"{last} \"]}}"
    );
    if c.services == 0 {
        return out;
    }
    let ns = c.namespace(1);
    let replicas = c.replicas(1);
    let endpoints = match replicas {
        0 => "<none>".to_string(),
        1..=3 => format!(":{PORT}"),
        r => format!("+ {} more...", r - 3),
    };
    let _ = writeln!(
        out,
        "  - show: kubectl get endpoints svc-1 -n {ns}\n    expect: {{contains: [\"{endpoints}\"]}}"
    );
    if replicas == 0 {
        return out;
    }
    let _ = writeln!(
        out,
        "  - curl: \"http://{{service/{ns}/svc-1.clusterIP}}/\"\n    from: pod/{ns}/client\n    \
         expect: {{status: 200, served_by: service/{ns}/svc-1}}"
    );
    if c.ingresses > 0 {
        let _ = writeln!(
            out,
            "  - curl: \"http://{{ingress/{ns}/ing-1.fip}}/\"\n    from: host/cent-client\n    \
             expect: {{status: 200, served_by: service/{ns}/svc-1, via: [cent-client, camaro]}}"
        );
    }
    out
}

/// The command that writes this cluster.
fn command(c: &Cluster) -> String {
    format!(
        "contrail-sim generate --computes {} --services {} --pods {} --namespaces {} \
         --isolated {} --ingresses {} --seed {}",
        c.computes, c.services, c.pods, c.namespaces, c.isolated, c.ingresses, c.seed
    )
}
