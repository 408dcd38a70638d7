//! Why a placeholder (`{ingress/NAME.fip}`, ...) names no address at run time: the object does
//! not exist yet, or it exists without that address — and then what the timeline said about it.

use crate::diag::{Diagnostic, Origin};
use crate::scenario::model::{AddressField, AddressRef};
use crate::world::World;
use crate::world::timeline::What;

/// The error for a placeholder `r` that resolves to nothing in `world`.
pub fn unresolved(world: &World, r: &AddressRef, ns: &str, origin: &Origin) -> Diagnostic {
    let key = r.key(ns);
    if world.apiserver.get(&key).is_none() {
        return Diagnostic::error(
            Some(origin.clone()),
            format!("{r} does not exist at this point of the run"),
        )
        .with_hint("apply it in an earlier step and `wait: converged` before using it");
    }
    let field = match r.field {
        AddressField::Vip => "VIP",
        AddressField::Fip => "floating IP",
        AddressField::ClusterIp => "clusterIP",
        AddressField::ExternalIp => "external IP",
        AddressField::Ip => "IP address",
    };
    let said = world.timeline.iter().rev().find_map(|n| match &n.what {
        What::NoFloatingIp { key: k, pool } if *k == key => Some(format!(
            "its fip-pool annotation names {pool}, a pool that does not exist, so \
             contrail-kube-manager gave it no floating IP"
        )),
        What::Failed { key: k, reason } if *k == key => Some(reason.clone()),
        _ => None,
    });
    Diagnostic::error(
        Some(origin.clone()),
        format!("{r}: {}/{} has no {field}", r.kind.reference_word(), r.name),
    )
    .with_hint(said.unwrap_or_else(|| {
        "it may not have one yet: `wait: converged` after applying it".to_string()
    }))
}
