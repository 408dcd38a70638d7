//! Pods: a virtual-machine interface and an address (the pod subnet, from the top) in the pod
//! network of the pod's namespace, sent to the agent of its node.

use std::sync::Arc;

use super::KubeManager;
use crate::control::config::PodInterface;
use crate::control::ipam;
use crate::k8s::objects::Spec;
use crate::k8s::store::{StoredObject, WatchKind};
use crate::sim::rng;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

impl KubeManager {
    pub(super) fn on_pod(&mut self, kind: WatchKind, stored: Arc<StoredObject>, ctx: &mut Ctx) {
        let key = stored.key();
        let delay = ctx.env.delays.config;
        if kind == WatchKind::Deleted {
            if let Some((_, iface)) = self.pods.remove(&key) {
                self.pod_ipam.release(iface.ip);
                ctx.send(
                    Addr::Compute(iface.node, Part::Agent),
                    delay,
                    Msg::PodInterfaceDel(iface),
                );
            }
            return;
        }
        if let Some(entry) = self.pods.get_mut(&key) {
            entry.0 = stored;
            return;
        }
        let Spec::Pod(spec) = &stored.object.spec else {
            return;
        };
        let Some(node) = spec
            .node_name
            .as_deref()
            .and_then(|n| ctx.env.topology.find(n))
        else {
            return;
        };
        let ip = match self.pod_ipam.allocate() {
            Ok(ip) => ip,
            Err(ipam::Exhausted) => {
                ctx.note(
                    Actor::KubeManager,
                    What::Failed {
                        key,
                        reason: "pod subnet 10.32.0.0/12 exhausted".into(),
                    },
                );
                return;
            }
        };
        let vmi: Arc<str> = rng::uuid(&mut self.rng).into();
        let vrf = self.networks.of(&key.namespace).pods.clone();
        let iface = PodInterface {
            pod: key.clone(),
            vmi: vmi.clone(),
            ip,
            node,
            vrf: vrf.clone(),
        };
        ctx.note(
            Actor::KubeManager,
            What::Interface {
                pod: key.clone(),
                vmi,
                ip,
                node,
                vrf,
            },
        );
        ctx.send(
            Addr::Compute(node, Part::Agent),
            delay,
            Msg::PodInterfaceAdd(iface.clone()),
        );
        self.pods.insert(key, (stored, iface));
    }
}
