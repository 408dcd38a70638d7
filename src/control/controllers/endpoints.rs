//! The Endpoints controller: each Service's endpoints are the Ready pods it selects that have
//! an address, are bound to a node and are not being deleted (not-ready pods move to
//! `notReadyAddresses`, which contrail-kube-manager does not read).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::k8s::objects::{ObjectKey, Spec};
use crate::k8s::store::{Endpoints, StoredObject};
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

#[derive(Default)]
pub struct EndpointsState {
    /// The pods each Service selects.
    selected: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// What was last published.
    published: BTreeMap<ObjectKey, Endpoints>,
}

impl EndpointsState {
    pub fn set_selected(&mut self, service: &ObjectKey, pods: BTreeSet<ObjectKey>) {
        self.selected.insert(service.clone(), pods);
    }

    pub fn pod_changed(&mut self, service: &ObjectKey, pod: &ObjectKey, selected: bool) {
        let set = self.selected.entry(service.clone()).or_default();
        if selected {
            set.insert(pod.clone());
        } else {
            set.remove(pod);
        }
    }

    pub fn forget(&mut self, service: &ObjectKey) {
        self.selected.remove(service);
        self.published.remove(service);
    }

    /// Publishes the Service's endpoints when they changed.
    pub fn sync(
        &mut self,
        service: &ObjectKey,
        pods: &BTreeMap<ObjectKey, Arc<StoredObject>>,
        ctx: &mut Ctx,
    ) {
        let addresses = self
            .selected
            .get(service)
            .into_iter()
            .flatten()
            .filter_map(|key| {
                let p = pods.get(key)?;
                if !p.status.ready || p.deletion.is_some() {
                    return None;
                }
                let Spec::Pod(spec) = &p.object.spec else {
                    return None;
                };
                Some((key.clone(), p.status.pod_ip?, spec.node_name.clone()?))
            })
            .collect();
        let endpoints = Endpoints {
            service: service.clone(),
            addresses,
        };
        if self.published.get(service) == Some(&endpoints) {
            return;
        }
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
            Msg::EndpointsChanged(Arc::new(endpoints)),
        );
    }
}
