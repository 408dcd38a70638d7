//! The vRouter's kernel tables on one compute, as the agent programs them: virtual interfaces
//! (vifs) with their floating IPs, MPLS labels and the next hop each selects, the routes to
//! local interfaces, and the routes learned from the control node. The kernel keeps them when
//! the agent dies; a reboot empties them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::routing::{Prefix, Rib, RouteAttrs, Vrf, host};
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

impl Fip {
    fn key(&self) -> RouteKey {
        (self.vrf.clone(), host(self.ip))
    }
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

impl LocalRoute {
    /// The route as a path among the learned ones: this compute (`origin`, at `address`) as
    /// its next hop, with the MED the control node would give it.
    pub fn attrs(&self, origin: crate::topology::NodeId, address: Ipv4Addr) -> RouteAttrs {
        RouteAttrs {
            origin,
            next_hop: address,
            label: self.label,
            local_pref: self.local_pref,
            med: crate::routing::med_from_local_pref(self.local_pref),
        }
    }
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

/// A local route's key: the VRF and the /32.
pub type RouteKey = (Vrf, Prefix);

/// The live interfaces that hold a route key: as their own address, or as a floating IP. Both
/// lists are in interface order.
#[derive(Clone, Debug, Default)]
struct Holders {
    own: Vec<u32>,
    fip: Vec<u32>,
}

impl Holders {
    fn is_empty(&self) -> bool {
        self.own.is_empty() && self.fip.is_empty()
    }
}

/// Inserts `x` into a sorted list, once.
fn insert_sorted(list: &mut Vec<u32>, x: u32) {
    if let Err(at) = list.binary_search(&x) {
        list.insert(at, x);
    }
}

fn remove_sorted(list: &mut Vec<u32>, x: u32) {
    if let Ok(at) = list.binary_search(&x) {
        list.remove(at);
    }
}

/// The kernel tables. Interfaces change through the methods below, which note the route keys
/// they affect; [`Tables::refresh`] then computes those routes again, so the agent's work per
/// change is proportional to the change, not to the node's interfaces.
#[derive(Clone, Debug)]
pub struct Tables {
    /// Every interface ever plumbed since boot, by `index - FIRST_VIF`.
    pub vifs: Vec<Vif>,
    pub by_label: FastMap<u32, LocalNh>,
    /// Live interfaces by their address (the latest one, should two hold it).
    pub by_ip: FastMap<Ipv4Addr, u32>,
    /// Routes to local interfaces, per VRF.
    pub local: BTreeMap<RouteKey, LocalRoute>,
    pub learned: Learned,
    /// Labels of the composites, kept while the prefix has one.
    composite_labels: BTreeMap<RouteKey, u32>,
    holders: FastMap<RouteKey, Holders>,
    /// Keys whose route may have changed since the last refresh.
    dirty: BTreeSet<RouteKey>,
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
            holders: FastMap::default(),
            dirty: BTreeSet::new(),
        }
    }
}

impl Tables {
    pub fn vif(&self, index: u32) -> Option<&Vif> {
        self.vifs.get(index.checked_sub(FIRST_VIF)? as usize)
    }

    fn vif_mut(&mut self, index: u32) -> Option<&mut Vif> {
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
            vrf: vrf.clone(),
            owner,
            label,
            fips: Vec::new(),
            live: true,
            traffic_seen: false,
            rx: 0,
            tx: 0,
        });
        self.by_ip.insert(ip, index);
        self.by_label.insert(label, LocalNh::Vif(index));
        self.hold((vrf, host(ip)), index, false);
        index
    }

    /// The interface is gone: its routes and floating IPs go with it.
    pub fn retire(&mut self, index: u32) {
        self.set_fips(index, Vec::new());
        let Some(v) = self.vif_mut(index).filter(|v| v.live) else {
            return;
        };
        v.live = false;
        let (ip, label, key) = (v.ip, v.label, (v.vrf.clone(), host(v.ip)));
        self.by_label.remove(&label);
        if self.by_ip.get(&ip) == Some(&index) {
            self.by_ip.remove(&ip);
            // Another live interface with the address (the latest) takes it over.
            if let Some(other) = self.vifs.iter().rev().find(|v| v.live && v.ip == ip) {
                self.by_ip.insert(ip, other.index);
            }
        }
        self.release(key, index, false);
    }

    /// Replaces a live interface's floating IPs.
    pub fn set_fips(&mut self, index: u32, fips: Vec<Fip>) {
        let Some(v) = self.vif_mut(index).filter(|v| v.live) else {
            return;
        };
        if v.fips == fips {
            return;
        }
        let old = std::mem::replace(&mut v.fips, fips);
        let new: Vec<RouteKey> = v.fips.iter().map(Fip::key).collect();
        for key in old.iter().map(Fip::key) {
            self.release(key, index, true);
        }
        for key in new {
            self.hold(key, index, true);
        }
    }

    /// Moves a live interface to another VRF.
    pub fn set_vrf(&mut self, index: u32, vrf: Vrf) {
        let Some(v) = self.vif_mut(index).filter(|v| v.live) else {
            return;
        };
        if v.vrf == vrf {
            return;
        }
        let old = (std::mem::replace(&mut v.vrf, vrf.clone()), host(v.ip));
        let new = (vrf, old.1);
        self.release(old, index, false);
        self.hold(new, index, false);
    }

    /// Notes the first packet from a pod's interface; true when that changes its preference.
    pub fn mark_traffic_seen(&mut self, index: u32) -> bool {
        let Some(v) = self.vif_mut(index) else {
            return false;
        };
        if v.traffic_seen || !matches!(v.owner, Component::Pod(_)) {
            return false;
        }
        v.traffic_seen = true;
        self.touch(index);
        true
    }

    /// The preferences of a live interface's routes may have changed.
    pub fn touch(&mut self, index: u32) {
        let Some(v) = self.vif(index).filter(|v| v.live) else {
            return;
        };
        let keys: Vec<RouteKey> = std::iter::once((v.vrf.clone(), host(v.ip)))
            .chain(v.fips.iter().map(Fip::key))
            .collect();
        self.dirty.extend(keys);
    }

    /// Every local route is to be computed (and advertised) again.
    pub fn touch_all(&mut self) {
        self.dirty.extend(self.local.keys().cloned());
        self.dirty.extend(self.holders.keys().cloned());
    }

    /// Counts a packet from a live interface.
    pub fn received(&mut self, index: u32) {
        if let Some(v) = self.vif_mut(index) {
            v.rx += 1;
        }
    }

    /// Counts a packet to an interface; its owner, or `None` when it is gone.
    pub fn sent(&mut self, index: u32) -> Option<Component> {
        let v = self.vif_mut(index).filter(|v| v.live)?;
        v.tx += 1;
        Some(v.owner)
    }

    fn hold(&mut self, key: RouteKey, index: u32, fip: bool) {
        let h = self.holders.entry(key.clone()).or_default();
        insert_sorted(if fip { &mut h.fip } else { &mut h.own }, index);
        self.dirty.insert(key);
    }

    fn release(&mut self, key: RouteKey, index: u32, fip: bool) {
        if let Some(h) = self.holders.get_mut(&key) {
            remove_sorted(if fip { &mut h.fip } else { &mut h.own }, index);
            if h.is_empty() {
                self.holders.remove(&key);
            }
        }
        self.dirty.insert(key);
    }

    /// Computes the routes of the keys changed since the last refresh and returns those keys
    /// in order. `lp` gives an interface's own local preference, `fip_lp` that of a floating
    /// IP on it; `label` hands out labels for new composites (in key order). A floating IP on
    /// one interface is a route to it; on several, to an ECMP composite of them; a floating
    /// IP's route replaces an interface's own route to the same address.
    pub fn refresh(
        &mut self,
        lp: impl Fn(&Vif) -> u32,
        fip_lp: impl Fn(&Vif) -> u32,
        mut label: impl FnMut() -> u32,
    ) -> Vec<RouteKey> {
        let keys: Vec<RouteKey> = std::mem::take(&mut self.dirty).into_iter().collect();
        for key in &keys {
            let holders = self.holders.get(key);
            let fip_members: &[u32] = holders.map_or(&[], |h| &h.fip);
            let own = holders.and_then(|h| h.own.last().copied());
            if fip_members.len() <= 1
                && let Some(old) = self.composite_labels.remove(key)
            {
                self.by_label.remove(&old);
            }
            let route = match fip_members {
                [] => own.and_then(|i| self.vif(i)).map(|v| LocalRoute {
                    label: v.label,
                    nh: LocalNh::Vif(v.index),
                    local_pref: lp(v),
                }),
                [one] => self.vif(*one).map(|v| LocalRoute {
                    label: v.label,
                    nh: LocalNh::Vif(v.index),
                    local_pref: fip_lp(v),
                }),
                many => {
                    let local_pref = many
                        .iter()
                        .filter_map(|i| self.vif(*i))
                        .map(&fip_lp)
                        .max()
                        .unwrap_or_default();
                    let nh = LocalNh::Composite(many.into());
                    let label = *self
                        .composite_labels
                        .entry(key.clone())
                        .or_insert_with(&mut label);
                    self.by_label.insert(label, nh.clone());
                    Some(LocalRoute {
                        label,
                        nh,
                        local_pref,
                    })
                }
            };
            match route {
                Some(r) => self.local.insert(key.clone(), r),
                None => self.local.remove(key),
            };
        }
        keys
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::VnKind;

    fn ip(last: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, 47, 255, last)
    }

    /// A table with two pod interfaces in `pods`, both holding the floating IP 10.96.0.5 of
    /// `services`; labels 20 and 21, composites from 30.
    fn two_backends() -> (Tables, Vrf, u32, u32, u32) {
        let (pods, services) = (
            Vrf::new(1, "p", "pods", VnKind::Pod),
            Vrf::new(2, "p", "services", VnKind::Service),
        );
        let mut t = Tables::default();
        let a = t.plumb("a".into(), ip(1), pods.clone(), Component::Pod(0), 20);
        let b = t.plumb("b".into(), ip(2), pods, Component::Pod(1), 21);
        let fip = |vrf: &Vrf| Fip {
            ip: Ipv4Addr::new(10, 96, 0, 5),
            vrf: vrf.clone(),
            port_map: vec![(80, 8080)],
        };
        t.set_fips(a, vec![fip(&services)]);
        t.set_fips(b, vec![fip(&services)]);
        (t, services, a, b, 30)
    }

    fn refresh(t: &mut Tables, next_label: &mut u32) -> Vec<RouteKey> {
        t.refresh(
            |_| 100,
            |_| 200,
            || {
                *next_label += 1;
                *next_label - 1
            },
        )
    }

    #[test]
    fn a_floating_ip_on_two_interfaces_is_one_composite_until_one_goes() {
        let (mut t, services, a, b, mut label) = two_backends();
        let key = (services, host(Ipv4Addr::new(10, 96, 0, 5)));
        let changed = refresh(&mut t, &mut label);
        assert_eq!(changed.len(), 3, "two interface routes and the floating IP");
        let route = t.local.get(&key).cloned().expect("the floating IP's route");
        assert_eq!(route.label, 30);
        assert_eq!(route.nh, LocalNh::Composite(vec![a, b].into()));
        assert_eq!(t.by_label.get(&30), Some(&route.nh));

        // Nothing changed: nothing to compute again.
        assert!(refresh(&mut t, &mut label).is_empty());

        t.retire(b);
        let changed = refresh(&mut t, &mut label);
        assert!(changed.contains(&key));
        let route = t.local.get(&key).expect("still held by a");
        assert_eq!((route.label, &route.nh), (20, &LocalNh::Vif(a)));
        assert_eq!(t.by_label.get(&30), None, "the composite's label is gone");
        assert_eq!(t.by_label.get(&21), None, "so is the retired interface's");
        assert_eq!(t.by_ip.get(&ip(2)), None);

        t.retire(a);
        refresh(&mut t, &mut label);
        assert!(t.local.is_empty());
        assert_eq!(label, 31, "one composite label was handed out");
    }

    #[test]
    fn first_traffic_recomputes_the_interface_routes() {
        let (mut t, _, a, _, mut label) = two_backends();
        refresh(&mut t, &mut label);
        assert!(t.mark_traffic_seen(a));
        assert!(!t.mark_traffic_seen(a), "once");
        let changed = refresh(&mut t, &mut label);
        let own = (t.vif(a).expect("a").vrf.clone(), host(ip(1)));
        assert!(changed.contains(&own));
    }
}
