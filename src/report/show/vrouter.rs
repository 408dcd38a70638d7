//! A compute's vRouter as its own tools print it: `flow -l`, `vif --list`, `rt --dump <vrf>`,
//! `nh --list`, `mpls --dump` and `dropstats`. Next-hop ids are numbered for the view: the
//! drop and receive next hops, then one per interface, per tunnel and per ECMP composite, in
//! that order.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::dataplane::Compute;
use crate::dataplane::compute::tables::LocalNh;
use crate::report::table::render as table;
use crate::routing::{Prefix, RouteAttrs, Vrf};
use crate::scenario::model::VRouterView;
use crate::topology::NodeId;
use crate::trace::{Component, FlowAction};
use crate::world::World;

pub(super) fn render(world: &World, c: &Compute, view: &VRouterView) -> Result<String, String> {
    let prompt = format!("[root@{} ~]# ", c.name);
    if !c.powered {
        return Ok(format!("{prompt}(the node is down)\n"));
    }
    Ok(match view {
        VRouterView::Flows => format!("{prompt}flow -l\n{}", flows(world, c)),
        VRouterView::Interfaces => format!("{prompt}vif --list\n{}", vifs(c)),
        VRouterView::Routes(v) => {
            let vrf = find_vrf(world, c, v)?;
            format!(
                "{prompt}rt --dump {}\n{}",
                vrf.index(),
                routes(world, c, &vrf)
            )
        }
        VRouterView::NextHops => format!("{prompt}nh --list\n{}", next_hops(world, c)),
        VRouterView::Labels => format!("{prompt}mpls --dump\n{}", labels(world, c)),
        VRouterView::Drops => format!("{prompt}dropstats\n{}", drops(c)),
    })
}

/// The VRFs a compute knows: those of its interfaces and floating IPs, and what they import.
fn vrfs(world: &World, c: &Compute) -> Vec<Vrf> {
    let rib = c.tables.learned.rib(&world.rib);
    let mut all: Vec<Vrf> = c
        .tables
        .vifs
        .iter()
        .filter(|v| v.live)
        .flat_map(|v| std::iter::once(v.vrf.clone()).chain(v.fips.iter().map(|f| f.vrf.clone())))
        .collect();
    let imported: Vec<Vrf> = all.iter().flat_map(|v| rib.imports(v).to_vec()).collect();
    all.extend(imported);
    all.sort();
    all.dedup();
    all
}

fn find_vrf(world: &World, c: &Compute, wanted: &str) -> Result<Vrf, String> {
    let known = vrfs(world, c);
    known
        .iter()
        .find(|v| v.index().to_string() == wanted || v.network() == wanted || v.name() == wanted)
        .cloned()
        .ok_or_else(|| {
            let list: Vec<String> = known
                .iter()
                .map(|v| format!("{} ({})", v.index(), v.network()))
                .collect();
            format!(
                "{} has no VRF {wanted:?}; its VRFs: {}",
                c.name,
                if list.is_empty() {
                    "none".to_string()
                } else {
                    list.join(", ")
                }
            )
        })
}

/// The next hops of a compute, numbered for display.
struct NextHopIds {
    vif: BTreeMap<u32, u32>,
    tunnel: BTreeMap<NodeId, u32>,
    composite: BTreeMap<Vec<String>, u32>,
    next: u32,
}

impl NextHopIds {
    fn of(world: &World, c: &Compute) -> NextHopIds {
        let mut ids = NextHopIds {
            vif: BTreeMap::new(),
            tunnel: BTreeMap::new(),
            composite: BTreeMap::new(),
            next: 3,
        };
        for v in c.tables.vifs.iter().filter(|v| v.live) {
            ids.vif.insert(v.index, ids.next);
            ids.next += 1;
        }
        let rib = c.tables.learned.rib(&world.rib);
        let mut tunnels: Vec<NodeId> = Vec::new();
        for vrf in vrfs(world, c) {
            if let Some(t) = rib.table(&vrf) {
                for (_, paths) in t.routes() {
                    tunnels.extend(paths.iter().filter(|p| p.origin != c.id).map(|p| p.origin));
                }
            }
        }
        tunnels.sort();
        tunnels.dedup();
        for t in tunnels {
            ids.tunnel.insert(t, ids.next);
            ids.next += 1;
        }
        ids
    }

    /// The id of a composite, numbered the first time its members are seen.
    fn composite(&mut self, members: Vec<String>) -> u32 {
        let next = &mut self.next;
        *self.composite.entry(members).or_insert_with(|| {
            *next += 1;
            *next - 1
        })
    }
}

fn flows(world: &World, c: &Compute) -> String {
    let mut rows = vec![
        [
            "Index",
            "Source:Port",
            "Destination:Port",
            "Proto",
            "Action",
            "VRF",
            "Packets",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut entries: Vec<_> = c
        .flows
        .live(world.now(), world.env.timers.flow_idle)
        .collect();
    entries.sort_by_key(|(_, f)| f.index);
    for (k, f) in entries {
        let action = match (f.action, f.rewrite) {
            (FlowAction::Forward | FlowAction::Drop, _) | (_, None) => {
                f.action.as_str().to_string()
            }
            (a, Some(rw)) => format!("{} → {}:{}", a.as_str(), rw.address, rw.port),
        };
        rows.push(vec![
            format!("{}<=>{}", f.index, f.reverse),
            format!("{}:{}", k.src, k.sport),
            format!("{}:{}", k.dst, k.dport),
            k.proto.to_string(),
            action,
            format!("{} ({})", f.vrf.index(), f.vrf.network()),
            f.packets.to_string(),
        ]);
    }
    table(&rows)
}

/// The MAC an interface answers with: Contrail's `00:00:5e:00:01:00` for every tap.
const TAP_MAC: &str = "00:00:5e:00:01:00";

fn vifs(c: &Compute) -> String {
    let mut out = String::from(
        "Vrouter Interface Table\n\nFlags: P=Policy, L3=Layer 3, L2=Layer 2, D=DHCP, Vp=Vhost Physical\n\n",
    );
    let _ = writeln!(
        out,
        "vif0/0      OS: eth0\n            Type:Physical IPaddr:{}\n            Vrf:0 Flags:L3L2Vp\n",
        c.address
    );
    let _ = writeln!(
        out,
        "vif0/1      OS: vhost0\n            Type:Host IPaddr:{}\n            Vrf:0 Flags:L3L2\n",
        c.address
    );
    let _ = writeln!(
        out,
        "vif0/2      OS: pkt0\n            Type:Agent\n            Vrf:65535 Flags:L3\n"
    );
    for v in c.tables.vifs.iter().filter(|v| v.live) {
        let owner = match v.owner {
            Component::Pod(s) => c
                .pods
                .get(s as usize)
                .map_or_else(String::new, |p| format!("pod {}", p.key.name)),
            Component::Haproxy(s) => c
                .haproxies
                .get(s as usize)
                .map_or_else(String::new, |h| format!("haproxy {}", h.instance.lb_uuid)),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "vif0/{:<6} OS: {}  ({owner})\n            Type:Virtual HWaddr:{TAP_MAC} IPaddr:{}\n            Vrf:{} ({}) Flags:PL3L2D Label:{}\n            RX packets:{}  TX packets:{}",
            v.index,
            v.tap(),
            v.ip,
            v.vrf.index(),
            v.vrf.network(),
            v.label,
            v.rx,
            v.tx
        );
        for f in &v.fips {
            let _ = writeln!(
                out,
                "            FloatingIP:{} Vrf:{} ({}){}",
                f.ip,
                f.vrf.index(),
                f.vrf.network(),
                f.port_map
                    .iter()
                    .map(|(a, b)| format!(" port {a}->{b}"))
                    .collect::<String>()
            );
        }
        out.push('\n');
    }
    out
}

/// One row of `rt --dump`: prefix, label, next hop id, what the next hop is.
fn route_row(
    ids: &mut NextHopIds,
    prefix: Prefix,
    local: Option<&crate::dataplane::compute::tables::LocalRoute>,
    remote: &[RouteAttrs],
) -> Vec<String> {
    let mut members: Vec<String> = Vec::new();
    let mut labels: Vec<u32> = Vec::new();
    if let Some(l) = local {
        match &l.nh {
            LocalNh::Vif(v) => members.push(format!("vif0/{v}")),
            LocalNh::Composite(m) => members.extend(m.iter().map(|v| format!("vif0/{v}"))),
        }
        labels.push(l.label);
    }
    for p in remote {
        members.push(format!("tunnel to {}", p.next_hop));
        labels.push(p.label);
    }
    let (nh, what) = match (members.len(), local, remote.first()) {
        (1, Some(l), _) => {
            let id = match &l.nh {
                LocalNh::Vif(v) => ids.vif.get(v).copied().unwrap_or(0),
                LocalNh::Composite(_) => 0,
            };
            (id, members.join(" "))
        }
        (1, None, Some(p)) => (
            ids.tunnel.get(&p.origin).copied().unwrap_or(0),
            members.join(" "),
        ),
        (0, _, _) => (0, "drop".to_string()),
        _ => (
            ids.composite(members.clone()),
            format!("ECMP {}", members.join(", ")),
        ),
    };
    let label = labels.first().map_or_else(
        || "-".to_string(),
        |l| {
            if labels.len() > 1 {
                "-".into()
            } else {
                l.to_string()
            }
        },
    );
    vec![
        prefix.to_string(),
        prefix.prefix_len().to_string(),
        "LP".to_string(),
        label,
        nh.to_string(),
        what,
    ]
}

fn routes(world: &World, c: &Compute, vrf: &Vrf) -> String {
    let mut ids = NextHopIds::of(world, c);
    let rib = c.tables.learned.rib(&world.rib);
    let mut rows = vec![
        [
            "Destination",
            "PPL",
            "Flags",
            "Label",
            "Nexthop",
            "(next hop)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut prefixes: BTreeMap<Prefix, (Option<_>, Vec<RouteAttrs>)> = BTreeMap::new();
    for v in std::iter::once(vrf).chain(rib.imports(vrf)) {
        for ((lv, p), r) in c.tables.local.iter() {
            if lv == v {
                prefixes.entry(*p).or_default().0 = Some(r);
            }
        }
        if let Some(t) = rib.table(v) {
            for (p, paths) in t.routes() {
                let remote: Vec<RouteAttrs> =
                    paths.iter().filter(|x| x.origin != c.id).copied().collect();
                prefixes.entry(p).or_default().1.extend(remote);
            }
        }
    }
    for (prefix, (local, remote)) in &prefixes {
        // The vRouter installs the best paths only, as forwarding chooses them.
        let mut all = remote.clone();
        all.extend(local.map(|l| l.attrs(c.id, c.address)));
        let best = crate::routing::best_paths(&all);
        if best.is_empty() {
            continue;
        }
        let local = local.filter(|_| best.iter().any(|p| p.origin == c.id));
        let remote: Vec<RouteAttrs> = best.into_iter().filter(|p| p.origin != c.id).collect();
        rows.push(route_row(&mut ids, *prefix, local, &remote));
    }
    let mut out = format!(
        "Vrouter inet4 routing table 0/{}/unicast ({})\nFlags: L=Label Valid, P=Proxy ARP\n\n",
        vrf.index(),
        vrf.name()
    );
    out.push_str(&table(&rows));
    out
}

fn next_hops(world: &World, c: &Compute) -> String {
    let mut ids = NextHopIds::of(world, c);
    let mut out = String::from(
        "Id:0          Type:Drop           Fmly: AF_INET  Vrf:0\n              Flags:Valid, \n\nId:1          Type:Receive        Fmly: AF_INET  Vrf:0\n              Flags:Valid, Oif:1\n\n",
    );
    for (vif, id) in &ids.vif {
        let vrf = c.tables.vif(*vif).map_or(0, |v| v.vrf.index());
        let _ = writeln!(
            out,
            "Id:{id:<11} Type:Encap          Fmly: AF_INET  Vrf:{vrf}\n              Flags:Valid, Policy, \n              EncapFmly:0806 Oif:{vif} Len:14\n"
        );
    }
    for (node, id) in &ids.tunnel {
        let topology = &world.env.topology;
        let kind = if topology.role(*node) == crate::topology::Role::Gateway {
            "MPLSoGRE"
        } else {
            "MPLSoUDP"
        };
        let _ = writeln!(
            out,
            "Id:{id:<11} Type:Tunnel         Fmly: AF_INET  Vrf:0\n              Flags:Valid, {kind}, \n              Oif:0 Len:14\n              Sip:{} Dip:{}\n",
            c.address,
            topology.node(*node).address
        );
    }
    for (label, nh) in sorted_labels(c) {
        if let LocalNh::Composite(members) = nh {
            let names: Vec<String> = members.iter().map(|v| format!("vif0/{v}")).collect();
            let id = ids.composite(names);
            let subs: Vec<String> = members
                .iter()
                .map(|v| format!("{}({})", ids.vif.get(v).copied().unwrap_or(0), label))
                .collect();
            let _ = writeln!(
                out,
                "Id:{id:<11} Type:Composite      Fmly: AF_INET  Vrf:0\n              Flags:Valid, Policy, Ecmp, \n              Valid Hash Key Parameters: Proto,SrcIP,SrcPort,DstIp,DstPort\n              Sub NH(label): {}\n",
                subs.join(" ")
            );
        }
    }
    out
}

fn sorted_labels(c: &Compute) -> Vec<(u32, &LocalNh)> {
    let mut labels: Vec<(u32, &LocalNh)> =
        c.tables.by_label.iter().map(|(l, nh)| (*l, nh)).collect();
    labels.sort_by_key(|(l, _)| *l);
    labels
}

fn labels(world: &World, c: &Compute) -> String {
    let mut ids = NextHopIds::of(world, c);
    let mut out =
        String::from("MPLS Input Label Map\n\n   Label    NextHop\n-------------------\n");
    for (label, nh) in sorted_labels(c) {
        let id = match nh {
            LocalNh::Vif(v) => ids.vif.get(v).copied().unwrap_or(0),
            LocalNh::Composite(m) => ids.composite(m.iter().map(|v| format!("vif0/{v}")).collect()),
        };
        let _ = writeln!(out, "{label:>8}    {id:>7}");
    }
    out
}

fn drops(c: &Compute) -> String {
    let d = &c.drops;
    let rows = [
        ("Invalid IF", 0),
        ("Flow Unusable", d.flow_unusable),
        ("Invalid Label", d.invalid_label),
        ("Discards", d.discards),
        ("Interface Down", d.node_down),
    ];
    let mut out = String::new();
    for (name, n) in rows {
        let _ = writeln!(out, "{name:<30}{n}");
    }
    out
}
