//! `topology:`: the book's lab by name, or a mapping with the computes, the internet host's
//! /etc/hosts, the gateway's multipath setting and the delays and timers to override.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::{Loader, err, steps::parse_duration};
use crate::scenario::model::HostsEntry;
use crate::topology::{MAX_COMPUTES, Topology, names};
use crate::world::delays::{Delays, Timers};
use crate::yaml::{Node, Value};

const COMPUTES_HINT: &str =
    "computes: a count (`computes: 3`), or a list of names or {name, address} mappings";

impl Loader<'_> {
    pub(super) fn topology(&mut self, node: &Node) {
        let Value::Map(_) = node.value else {
            self.topology_name(node);
            return;
        };
        let Some(mut m) = node.as_map("topology", &mut self.diags) else {
            return;
        };
        if let Some(n) = m.take("name") {
            self.topology_name(n);
        }
        if let Some(c) = m.take("computes")
            && let Some(t) = self.computes(c)
        {
            self.topology.nodes = Arc::new(t);
        }
        if let Some(h) = m.take("hosts") {
            self.topology.hosts = self.hosts(h);
        }
        if let Some(d) = m.take("delays") {
            self.durations(d, "topology.delays", &Delays::NAMES);
        }
        if let Some(t) = m.take("timers") {
            self.durations(t, "topology.timers", &Timers::NAMES);
        }
        if let Some(g) = m.take("gateway_multipath") {
            self.topology.gateway_multipath = g
                .as_bool("`topology.gateway_multipath`", &mut self.diags)
                .unwrap_or(false);
        }
        m.finish(&mut self.diags);
    }

    fn topology_name(&mut self, n: &Node) {
        if let Some(s) = n.as_str("`topology`", &mut self.diags)
            && s != names::BOOK_TOPOLOGY
        {
            self.diags
                .push(err(n, format!("unknown topology {s:?}")).with_hint(
                    "`book` is the lab of the Day One book; describe another cluster with \
                     `topology: {computes: [...]}`",
                ));
        }
    }

    /// `computes: 3`, `computes: [a, b]` or `computes: [{name: a, address: 10.0.0.1}]`.
    fn computes(&mut self, node: &Node) -> Option<Topology> {
        let list: Vec<(String, Option<Ipv4Addr>)> = match &node.value {
            Value::Int(_) => {
                let n = node.as_int(
                    "`topology.computes`",
                    1,
                    MAX_COMPUTES as i128,
                    &mut self.diags,
                )?;
                names::numbered(usize::try_from(n).ok()?)
                    .into_iter()
                    .map(|name| (name, None))
                    .collect()
            }
            Value::Seq(items) => {
                let before = self.diags.error_count();
                let list: Vec<_> = items.iter().filter_map(|i| self.compute_entry(i)).collect();
                if self.diags.error_count() > before {
                    return None;
                }
                list
            }
            other => {
                self.diags.push(
                    err(
                        node,
                        format!("`topology.computes` cannot be {}", other.describe()),
                    )
                    .with_hint(COMPUTES_HINT),
                );
                return None;
            }
        };
        match Topology::new(&list) {
            Ok(t) => Some(t),
            Err(e) => {
                self.diags
                    .push(err(node, e.to_string()).with_hint(COMPUTES_HINT));
                None
            }
        }
    }

    fn compute_entry(&mut self, item: &Node) -> Option<(String, Option<Ipv4Addr>)> {
        let (name_node, address) = match &item.value {
            Value::Map(_) => {
                let mut m = item.as_map("topology.computes[]", &mut self.diags)?;
                let name = m.require("name", &mut self.diags);
                let address = m.take("address").and_then(|a| {
                    let s = a.as_str("`address`", &mut self.diags)?;
                    let ip = s.parse::<Ipv4Addr>().ok();
                    if ip.is_none() {
                        self.diags
                            .push(err(a, format!("{s:?} is not an IPv4 address")));
                    }
                    ip
                });
                m.finish(&mut self.diags);
                (name?, address)
            }
            _ => (item, None),
        };
        let name = name_node.as_nonempty_str("a compute name", &mut self.diags)?;
        if let Some(why) = crate::k8s::validation::dns1123_label(name) {
            self.diags.push(err(
                name_node,
                format!("invalid compute name {name:?}: {why}"),
            ));
            return None;
        }
        Some((name.to_string(), address))
    }

    /// A mapping of durations whose keys are `names`.
    fn durations(&mut self, node: &Node, path: &str, names: &[&'static str]) {
        let Some(mut m) = node.as_map(path, &mut self.diags) else {
            return;
        };
        for &name in names {
            let Some(v) = m.take(name) else { continue };
            let Some(text) = v.as_str("a duration such as `2ms`", &mut self.diags) else {
                continue;
            };
            match parse_duration(text) {
                Ok(ns) => self.topology.delays.push((name, ns)),
                Err(msg) => self
                    .diags
                    .push(err(v, msg).with_hint("write a positive duration: 5us, 2ms, 1s")),
            }
        }
        m.finish(&mut self.diags);
    }

    pub(super) fn hosts(&mut self, node: &Node) -> Vec<HostsEntry> {
        let mut out = Vec::new();
        for item in node.one_or_many() {
            let entry = match &item.value {
                Value::Str(line) => {
                    let mut words = line.split_whitespace();
                    let addr = words.next().unwrap_or_default();
                    self.hosts_entry(item, addr, words.map(str::to_string).collect())
                }
                Value::Map(_) => {
                    let Some(mut m) = item.as_map("hosts[]", &mut self.diags) else {
                        continue;
                    };
                    let addr = m
                        .require("address", &mut self.diags)
                        .and_then(|a| a.as_str("`address`", &mut self.diags));
                    let names = m
                        .require("names", &mut self.diags)
                        .map(|n| n.as_str_list("a host name", &mut self.diags));
                    m.finish(&mut self.diags);
                    match (addr, names) {
                        (Some(a), Some(n)) => self.hosts_entry(item, a, n),
                        _ => None,
                    }
                }
                _ => {
                    self.diags.push(
                        err(
                            item,
                            format!(
                                "a hosts entry must be a line or a mapping, found {}",
                                item.value.describe()
                            ),
                        )
                        .with_hint("e.g. \"101.101.101.1 www.juniper.net www.cisco.com\""),
                    );
                    None
                }
            };
            out.extend(entry);
        }
        out
    }

    fn hosts_entry(&mut self, at: &Node, addr: &str, names: Vec<String>) -> Option<HostsEntry> {
        let Ok(address) = addr.parse() else {
            self.diags.push(
                err(at, format!("{addr:?} is not an IPv4 address")).with_hint(
                    "a hosts line is an address then names: \"101.101.101.1 www.juniper.net\"",
                ),
            );
            return None;
        };
        if names.is_empty() {
            self.diags
                .push(err(at, format!("hosts entry for {addr} names no host")));
            return None;
        }
        let names = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        Some(HostsEntry { address, names })
    }
}
