//! The vRouter's kernel tables on one compute, as the agent programs them: virtual interfaces
//! (vifs) with their floating IPs, MPLS labels and the next hop each selects, the routes to
//! local interfaces, and the routes learned from the control node. The kernel keeps them when
//! the agent dies; a reboot empties them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::routing::{Prefix, Rib, RouteAttrs, Vrf};
use crate::sim::hash::FastMap;
use crate::trace::Component;

/// The first vif index of a virtual interface: 0 is the fabric (eth0), 1 vhost0, 2 pkt0.
pub const FIRST_VIF: u32 = 3;
/// A vif index no interface ever has: what a process's interface becomes when the tables it
/// was in are gone (the node rebooted).
pub const NO_VIF: u32 = u32::MAX;

/// A floating IP on an interface: its address, the network it comes from, and the port map
/// servicePort → targetPort of a Service (empty for an ingress floating IP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fip {
    pub ip: Ipv4Addr,
    pub vrf: Vrf,
    pub port_map: Vec<(u16, u16)>,
}

/// A virtual-machine interface plumbed on this vRouter.
#[derive(Clone, Debug)]
pub struct Vif {
    /// `vif0/<index>`.
    pub index: u32,
    pub vmi: Arc<str>,
    pub ip: Ipv4Addr,
    pub vrf: Vrf,
    pub owner: Component,
    /// The label that selects this interface.
    pub label: u32,
    pub fips: Vec<Fip>,
    pub live: bool,
    /// The agent saw traffic from it: its route goes from local preference 100 to 200.
    pub traffic_seen: bool,
    /// Packets received from it and sent to it.
    pub rx: u64,
    pub tx: u64,
}

impl Vif {
    /// `tapeth0-` and the first six characters of the VMI uuid, as the agent names taps.
    pub fn tap(&self) -> String {
        format!("tapeth0-{}", self.vmi.get(..6).unwrap_or(&self.vmi))
    }
}

/// What a label (or a local route) leads to: one interface, or an ECMP composite of several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalNh {
    Vif(u32),
    /// Several local interfaces hold the address (a Service's pods on this compute).
    Composite(Arc<[u32]>),
}

/// A route to local interfaces, as the agent advertises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalRoute {
    pub label: u32,
    pub nh: LocalNh,
    pub local_pref: u32,
}

/// The routes learned from the control node: the agents' shared view while the session is in
/// step, else the copy the kernel kept when it stopped.
#[derive(Clone, Debug)]
pub enum Learned {
    Shared,
    Kept(Rib),
}

impl Learned {
    /// The table to read, given the shared one.
    pub fn rib<'a>(&'a self, shared: &'a Rib) -> &'a Rib {
        match self {
            Learned::Shared => shared,
            Learned::Kept(r) => r,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Tables {
    /// Every interface ever plumbed since boot, by `index - FIRST_VIF`.
    pub vifs: Vec<Vif>,
    pub by_label: FastMap<u32, LocalNh>,
    /// Live interfaces by their address.
    pub by_ip: FastMap<Ipv4Addr, u32>,
    /// Routes to local interfaces, per VRF.
    pub local: BTreeMap<(Vrf, Prefix), LocalRoute>,
    pub learned: Learned,
    /// Labels of the composites, kept while the prefix has one.
    composite_labels: BTreeMap<(Vrf, Prefix), u32>,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            vifs: Vec::new(),
            by_label: FastMap::default(),
            by_ip: FastMap::default(),
            local: BTreeMap::new(),
            learned: Learned::Shared,
            composite_labels: BTreeMap::new(),
        }
    }
}

impl Tables {
    pub fn vif(&self, index: u32) -> Option<&Vif> {
        self.vifs.get(index.checked_sub(FIRST_VIF)? as usize)
    }

    pub fn vif_mut(&mut self, index: u32) -> Option<&mut Vif> {
        self.vifs.get_mut(index.checked_sub(FIRST_VIF)? as usize)
    }

    /// Adds an interface and returns its index.
    pub fn plumb(
        &mut self,
        vmi: Arc<str>,
        ip: Ipv4Addr,
        vrf: Vrf,
        owner: Component,
        label: u32,
    ) -> u32 {
        let index = FIRST_VIF + self.vifs.len() as u32;
        self.vifs.push(Vif {
            index,
            vmi,
            ip,
            vrf,
            owner,
            label,
            fips: Vec::new(),
            live: true,
            traffic_seen: false,
            rx: 0,
            tx: 0,
        });
        index
    }

    /// Rebuilds the local routes and the label map from the live interfaces; `lp` gives an
    /// interface's own local preference, `fip_lp` that of a floating IP on it; `label` hands
    /// out labels for new composites.
    pub fn rebuild(
        &mut self,
        lp: impl Fn(&Vif) -> u32,
        fip_lp: impl Fn(&Vif) -> u32,
        mut label: impl FnMut() -> u32,
    ) {
        let mut local: BTreeMap<(Vrf, Prefix), LocalRoute> = BTreeMap::new();
        let mut fip_members: BTreeMap<(Vrf, Prefix), (Vec<u32>, u32)> = BTreeMap::new();
        self.by_ip.clear();
        self.by_label.clear();
        for vif in self.vifs.iter().filter(|v| v.live) {
            self.by_ip.insert(vif.ip, vif.index);
            self.by_label.insert(vif.label, LocalNh::Vif(vif.index));
            local.insert(
                (vif.vrf.clone(), crate::routing::host(vif.ip)),
                LocalRoute {
                    label: vif.label,
                    nh: LocalNh::Vif(vif.index),
                    local_pref: lp(vif),
                },
            );
            for fip in &vif.fips {
                let entry = fip_members
                    .entry((fip.vrf.clone(), crate::routing::host(fip.ip)))
                    .or_insert_with(|| (Vec::new(), fip_lp(vif)));
                entry.0.push(vif.index);
                entry.1 = entry.1.max(fip_lp(vif));
            }
        }
        self.composite_labels
            .retain(|k, _| fip_members.get(k).is_some_and(|(m, _)| m.len() > 1));
        for (key, (members, local_pref)) in fip_members {
            let route = match members.as_slice() {
                [one] => LocalRoute {
                    label: self.vif(*one).map_or(0, |v| v.label),
                    nh: LocalNh::Vif(*one),
                    local_pref,
                },
                _ => {
                    let label = *self
                        .composite_labels
                        .entry(key.clone())
                        .or_insert_with(&mut label);
                    let nh = LocalNh::Composite(members.into());
                    self.by_label.insert(label, nh.clone());
                    LocalRoute {
                        label,
                        nh,
                        local_pref,
                    }
                }
            };
            local.insert(key, route);
        }
        self.local = local;
    }

    /// The routes for `dst` seen from `vrf`: in the first VRF (its own, then the ones it
    /// imports) that has any, the local route and the learned paths of other computes.
    pub fn lookup<'a>(
        &'a self,
        shared: &'a Rib,
        vrf: &Vrf,
        dst: Ipv4Addr,
        me: crate::topology::NodeId,
    ) -> Option<Lookup<'a>> {
        let rib = self.learned.rib(shared);
        let host = crate::routing::host(dst);
        std::iter::once(vrf).chain(rib.imports(vrf)).find_map(|v| {
            let local = self.local.get(&(v.clone(), host));
            let learned = rib.table(v).and_then(|t| t.lookup(dst));
            if local.is_none() && learned.is_none() {
                return None;
            }
            let prefix = learned.as_ref().map_or(host, |(p, _)| *p);
            let remote: Vec<RouteAttrs> = learned
                .map(|(_, paths)| paths.iter().filter(|p| p.origin != me).copied().collect())
                .unwrap_or_default();
            Some(Lookup {
                vrf: v.clone(),
                prefix,
                local,
                remote,
            })
        })
    }
}

/// What a lookup found.
pub struct Lookup<'a> {
    /// The VRF whose table holds the route (the interface's, or one it imports).
    pub vrf: Vrf,
    pub prefix: Prefix,
    pub local: Option<&'a LocalRoute>,
    /// Paths through other computes.
    pub remote: Vec<RouteAttrs>,
}
