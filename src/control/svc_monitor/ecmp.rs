//! The ECMP driver (`native` loadbalancers, Services): the clusterIP, and for a LoadBalancer
//! Service its public floating IP, become floating IPs on every backend pod's interface, with
//! the port map servicePort → targetPort. Each compute hears only when its part changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::SvcMonitor;
use crate::control::config::{Loadbalancer, PodInterface};
use crate::topology::NodeId;
use crate::world::msg::{FipAttachment, ServiceFips};
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

impl SvcMonitor {
    pub(super) fn ecmp(&mut self, lb: &Loadbalancer, deleted: bool, ctx: &mut Ctx) {
        let uuid: Arc<str> = lb.uuid.as_str().into();
        let mut per_iface: BTreeMap<PodInterface, Vec<(u16, u16)>> = BTreeMap::new();
        if !deleted {
            for listener in &lb.listeners {
                for member in &listener.pool.members {
                    if let Some(iface) = &member.target {
                        per_iface
                            .entry(iface.clone())
                            .or_default()
                            .push((listener.port, member.port));
                    }
                }
            }
        }
        let mut per_node: BTreeMap<NodeId, Vec<FipAttachment>> = BTreeMap::new();
        for (iface, port_map) in &per_iface {
            let fips = [
                Some((lb.vip, lb.vrf.clone())),
                lb.fip.zip(lb.fip_vrf.clone()),
            ];
            for (fip, vrf) in fips.into_iter().flatten() {
                per_node.entry(iface.node).or_default().push(FipAttachment {
                    fip,
                    vrf,
                    interface: iface.clone(),
                    port_map: port_map.clone(),
                });
            }
        }
        // Computes that had a part and lose it hear so too.
        let before: Vec<NodeId> = self
            .ecmp_sent
            .range((uuid.clone(), NodeId(0))..=(uuid.clone(), NodeId(u16::MAX)))
            .map(|((_, n), _)| *n)
            .collect();
        for node in before {
            per_node.entry(node).or_default();
        }
        for (node, attachments) in per_node {
            let fips = Arc::new(ServiceFips {
                lb_uuid: uuid.clone(),
                service: lb.owner.clone(),
                attachments,
            });
            let key = (uuid.clone(), node);
            if self.ecmp_sent.get(&key) == Some(&fips) {
                continue;
            }
            if fips.attachments.is_empty() {
                self.ecmp_sent.remove(&key);
            } else {
                self.ecmp_sent.insert(key, fips.clone());
            }
            ctx.send(
                Addr::Compute(node, Part::Agent),
                ctx.env.delays.svc_monitor,
                Msg::ServiceFips(fips),
            );
        }
        if !deleted {
            ctx.note(
                Actor::SvcMonitor,
                What::EcmpFloatingIps {
                    service: lb.owner.clone(),
                    fip: lb.vip,
                    interfaces: per_iface.len(),
                },
            );
        }
    }
}
