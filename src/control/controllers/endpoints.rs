//! The Endpoints controller: each Service's endpoints are the Ready pods it selects that have
//! an address, are bound to a node and are not being deleted (not-ready pods move to
//! `notReadyAddresses`, which contrail-kube-manager does not read).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::k8s::objects::{ObjectKey, Spec};
use crate::k8s::store::{Endpoints, StoredObject};
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

#[derive(Default)]
pub struct EndpointsState {
    /// The pods each Service selects, as last seen.
    selected: BTreeMap<ObjectKey, BTreeMap<ObjectKey, Arc<StoredObject>>>,
    /// What was last published.
    published: BTreeMap<ObjectKey, Arc<Endpoints>>,
}

/// A selected pod's entry in its Service's endpoints, if it has one.
fn address<'a>(
    key: &'a ObjectKey,
    pod: &'a StoredObject,
) -> Option<(&'a ObjectKey, Ipv4Addr, &'a str)> {
    if !pod.status.ready || pod.deletion.is_some() {
        return None;
    }
    let Spec::Pod(spec) = &pod.object.spec else {
        return None;
    };
    Some((key, pod.status.pod_ip?, spec.node_name.as_deref()?))
}

impl EndpointsState {
    pub fn set_selected(
        &mut self,
        service: &ObjectKey,
        pods: BTreeMap<ObjectKey, Arc<StoredObject>>,
    ) {
        self.selected.insert(service.clone(), pods);
    }

    /// A pod the Service selects now (`Some`, as stored now) or no longer (`None`).
    pub fn pod_changed(
        &mut self,
        service: &ObjectKey,
        pod: &ObjectKey,
        selected: Option<&Arc<StoredObject>>,
    ) {
        if !self.selected.contains_key(service) {
            self.selected.insert(service.clone(), BTreeMap::new());
        }
        let Some(set) = self.selected.get_mut(service) else {
            return;
        };
        match (selected, set.get_mut(pod)) {
            (Some(stored), Some(slot)) => *slot = stored.clone(),
            (Some(stored), None) => {
                set.insert(pod.clone(), stored.clone());
            }
            (None, _) => {
                set.remove(pod);
            }
        }
    }

    pub fn forget(&mut self, service: &ObjectKey) {
        self.selected.remove(service);
        self.published.remove(service);
    }

    /// Publishes the Service's endpoints when they changed (the first time, always).
    pub fn sync(&mut self, service: &ObjectKey, ctx: &mut Ctx) {
        let selected = self.selected.get(service);
        let addresses = || {
            selected
                .into_iter()
                .flatten()
                .filter_map(|(key, pod)| address(key, pod))
        };
        let unchanged = self.published.get(service).is_some_and(|e| {
            addresses().eq(e
                .addresses
                .iter()
                .map(|(k, ip, node)| (k, *ip, node.as_str())))
        });
        if unchanged {
            return;
        }
        let endpoints = Arc::new(Endpoints {
            service: service.clone(),
            addresses: addresses()
                .map(|(k, ip, node)| (k.clone(), ip, node.to_string()))
                .collect(),
        });
        ctx.note(
            Actor::ControllerManager,
            What::Endpoints {
                service: service.clone(),
                count: endpoints.addresses.len(),
            },
        );
        self.published.insert(service.clone(), endpoints.clone());
        ctx.send(
            Addr::ApiServer,
            ctx.env.delays.api_write,
            Msg::EndpointsChanged(endpoints),
        );
    }
}
