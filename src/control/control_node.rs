//! The Contrail control node: collects routes from the vRouter agents over XMPP, keeps every
//! path, and sends the best ones back to the agents and, for floating IPs, to the gateway over
//! MP-BGP (as a route reflector).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::routing::{Prefix, RouteAttrs, Vrf, best_paths};
use crate::topology::NodeId;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg, Part};

#[derive(Default)]
pub struct ControlNode {
    /// Every path of every prefix, as advertised.
    pub table: BTreeMap<(Vrf, Prefix), Vec<RouteAttrs>>,
    /// What was last sent for each prefix.
    best: BTreeMap<(Vrf, Prefix), Arc<[RouteAttrs]>>,
}

impl ControlNode {
    pub fn handle(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::XmppPublish {
                vrf, prefix, attrs, ..
            } => {
                let paths = self.table.entry((vrf, prefix)).or_default();
                paths.retain(|p| !(p.origin == attrs.origin && p.label == attrs.label));
                paths.push(attrs);
                self.reselect(vrf, prefix, ctx);
            }
            Msg::XmppRetract {
                from,
                vrf,
                prefix,
                label,
            } => {
                if let Some(paths) = self.table.get_mut(&(vrf, prefix)) {
                    paths.retain(|p| !(p.origin == from && p.label == label));
                }
                self.reselect(vrf, prefix, ctx);
            }
            Msg::NodeDown(node) => self.session_lost(node, ctx),
            Msg::NodeUp(node) => {
                // A new XMPP session: the agent gets every best path.
                for ((vrf, prefix), paths) in &self.best {
                    let msg = Msg::XmppRoutes {
                        vrf: *vrf,
                        prefix: *prefix,
                        paths: paths.clone(),
                    };
                    ctx.send(Addr::Compute(node, Part::Agent), ctx.env.delays.xmpp, msg);
                }
            }
            _ => {}
        }
    }

    /// An agent's XMPP session dropped: every path it advertised is gone.
    fn session_lost(&mut self, node: NodeId, ctx: &mut Ctx) {
        let touched: Vec<(Vrf, Prefix)> = self
            .table
            .iter()
            .filter(|(_, paths)| paths.iter().any(|p| p.origin == node))
            .map(|(k, _)| *k)
            .collect();
        for (vrf, prefix) in touched {
            if let Some(paths) = self.table.get_mut(&(vrf, prefix)) {
                paths.retain(|p| p.origin != node);
            }
            self.reselect(vrf, prefix, ctx);
        }
    }

    fn reselect(&mut self, vrf: Vrf, prefix: Prefix, ctx: &mut Ctx) {
        let all = self.table.get(&(vrf, prefix)).cloned().unwrap_or_default();
        if all.is_empty() {
            self.table.remove(&(vrf, prefix));
        }
        let best: Arc<[RouteAttrs]> = best_paths(&all).into();
        if self.best.get(&(vrf, prefix)).is_some_and(|b| *b == best)
            || (best.is_empty() && !self.best.contains_key(&(vrf, prefix)))
        {
            return;
        }
        ctx.note(
            Actor::ControlNode,
            What::BestPath {
                vrf,
                prefix,
                next_hops: best.iter().map(|p| p.next_hop).collect(),
                local_pref: best.first().map_or(0, |p| p.local_pref),
            },
        );
        for &node in ctx.env.topology.computes() {
            let msg = Msg::XmppRoutes {
                vrf,
                prefix,
                paths: best.clone(),
            };
            ctx.send(Addr::Compute(node, Part::Agent), ctx.env.delays.xmpp, msg);
        }
        if vrf == Vrf::Public {
            ctx.send(
                Addr::Gateway,
                ctx.env.delays.bgp,
                Msg::BgpRoutes {
                    prefix,
                    paths: best.clone(),
                },
            );
        }
        if best.is_empty() {
            self.best.remove(&(vrf, prefix));
        } else {
            self.best.insert((vrf, prefix), best);
        }
    }
}
