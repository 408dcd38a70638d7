//! Route tables: one per VRF, host routes in a hash map and shorter prefixes in a short list,
//! looked up longest prefix first; and the [`Rib`], a set of VRF tables with the imports that
//! network policies add (route leaking between connected networks).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use super::{Paths, Prefix, Vrf};
use crate::sim::hash::FastMap;

/// One VRF's routes: the paths of each prefix.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    hosts: FastMap<Ipv4Addr, Paths>,
    /// Shorter prefixes, longest first.
    nets: Vec<(Prefix, Paths)>,
}

impl RouteTable {
    pub fn insert(&mut self, prefix: Prefix, paths: Paths) {
        if prefix.prefix_len() == 32 {
            self.hosts.insert(prefix.addr(), paths);
            return;
        }
        match self.nets.iter_mut().find(|(p, _)| *p == prefix) {
            Some(entry) => entry.1 = paths,
            None => {
                self.nets.push((prefix, paths));
                self.nets
                    .sort_by(|a, b| b.0.prefix_len().cmp(&a.0.prefix_len()).then(a.0.cmp(&b.0)));
            }
        }
    }

    pub fn remove(&mut self, prefix: Prefix) {
        if prefix.prefix_len() == 32 {
            self.hosts.remove(&prefix.addr());
        } else {
            self.nets.retain(|(p, _)| *p != prefix);
        }
    }

    pub fn get(&self, prefix: Prefix) -> Option<&Paths> {
        if prefix.prefix_len() == 32 {
            self.hosts.get(&prefix.addr())
        } else {
            self.nets.iter().find(|(p, _)| *p == prefix).map(|(_, v)| v)
        }
    }

    /// Longest-prefix match.
    pub fn lookup(&self, addr: Ipv4Addr) -> Option<(Prefix, &Paths)> {
        if let Some(paths) = self.hosts.get(&addr) {
            return Some((super::host(addr), paths));
        }
        self.nets
            .iter()
            .find(|(p, _)| p.contains(&addr))
            .map(|(p, paths)| (*p, paths))
    }

    /// Every route, in prefix order.
    pub fn routes(&self) -> Vec<(Prefix, &Paths)> {
        let mut all: Vec<(Prefix, &Paths)> = self
            .hosts
            .iter()
            .map(|(a, p)| (super::host(*a), p))
            .chain(self.nets.iter().map(|(p, v)| (*p, v)))
            .collect();
        all.sort_by_key(|(p, _)| *p);
        all
    }

    pub fn len(&self) -> usize {
        self.hosts.len() + self.nets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A set of VRF tables and the VRFs each one imports. Cloning is cheap (tables are shared
/// until changed), so a vRouter agent can keep a snapshot when its session stops.
#[derive(Clone, Debug, Default)]
pub struct Rib {
    tables: BTreeMap<Vrf, Arc<RouteTable>>,
    imports: BTreeMap<Vrf, Vec<Vrf>>,
}

impl Rib {
    /// Sets (or, with no path, removes) the paths of a prefix in a VRF.
    pub fn set(&mut self, vrf: &Vrf, prefix: Prefix, paths: Paths) {
        let table = self.tables.entry(vrf.clone()).or_default();
        if paths.is_empty() {
            Arc::make_mut(table).remove(prefix);
        } else {
            Arc::make_mut(table).insert(prefix, paths);
        }
    }

    /// `vrf` also sees the routes of `from` (a network policy connects them).
    pub fn import(&mut self, vrf: &Vrf, from: &Vrf) {
        let list = self.imports.entry(vrf.clone()).or_default();
        if !list.contains(from) {
            list.push(from.clone());
            list.sort();
        }
    }

    pub fn imports(&self, vrf: &Vrf) -> &[Vrf] {
        self.imports.get(vrf).map_or(&[], Vec::as_slice)
    }

    pub fn table(&self, vrf: &Vrf) -> Option<&RouteTable> {
        self.tables.get(vrf).map(|t| &**t)
    }

    /// The route for `addr` as seen from `vrf`: its own table first, then the tables it
    /// imports, in order. Returns the VRF whose table holds it.
    pub fn lookup(&self, vrf: &Vrf, addr: Ipv4Addr) -> Option<(&Vrf, Prefix, &Paths)> {
        std::iter::once(vrf).chain(self.imports(vrf)).find_map(|v| {
            let (key, table) = self.tables.get_key_value(v)?;
            let (prefix, paths) = table.lookup(addr)?;
            Some((key, prefix, paths))
        })
    }

    /// The VRFs with a table, in order.
    pub fn vrfs(&self) -> impl Iterator<Item = &Vrf> {
        self.tables.keys()
    }

    /// Forgets every route but keeps the imports.
    pub fn clear_routes(&mut self) {
        self.tables.clear();
    }
}
