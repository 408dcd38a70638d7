//! Routing tables as their owners print them: the gateway's Junos `show route table k8s-test`
//! (brief or detail) and the control node's table with every path (best ones marked `*`).

use std::fmt::Write;

use crate::topology::plan;
use crate::world::World;

pub(super) fn gateway(world: &World, detail: bool) -> String {
    let gw = &world.gateway;
    let multipath = world.env.gateway_multipath;
    let paths_total: usize = gw.vrf.values().map(|p| p.len()).sum::<usize>() + 1;
    let mut out = format!(
        "{}.inet.0: {} destinations, {paths_total} routes ({} active, 0 holddown, 0 hidden)\n",
        plan::GATEWAY_VRF,
        gw.vrf.len() + 1,
        gw.vrf.len() + 1
    );
    if !detail {
        out.push_str("+ = Active Route, - = Last Active, * = Both\n\n");
    }
    let control = world.env.topology.master();
    let rr = world.env.topology.node(control).address;
    for (prefix, paths) in &gw.vrf {
        let active = gw.active_paths(paths, multipath).len();
        if detail {
            let _ = writeln!(
                out,
                "\n{prefix} ({} entr{}, {} announced)",
                paths.len(),
                if paths.len() == 1 { "y" } else { "ies" },
                active
            );
            for (i, p) in paths.iter().enumerate() {
                let mark = if i < active { "*" } else { " " };
                let _ = writeln!(
                    out,
                    "        {mark}BGP    Preference: 170/-{}",
                    p.local_pref + 1
                );
                let rd = gw
                    .origins
                    .get(prefix)
                    .map_or_else(|| p.next_hop.to_string(), |v| p.rd(v));
                let _ = writeln!(out, "                Route Distinguisher: {rd}");
                let _ = writeln!(out, "                Next hop type: Indirect");
                let _ = writeln!(out, "                Source: {rr}");
                let _ = writeln!(
                    out,
                    "                Next hop: via gr-2/3/0.32771 (GRE tunnel to {}), selected",
                    p.next_hop
                );
                let _ = writeln!(out, "                Label operation: Push {}", p.label);
                let _ = writeln!(out, "                Protocol next hop: {}", p.next_hop);
                let _ = writeln!(out, "                Local Preference: {}", p.local_pref);
                let _ = writeln!(
                    out,
                    "                State: <{}Secondary Int Ext>",
                    if i < active { "Active " } else { "" }
                );
                let _ = writeln!(out, "                Metric: {}", p.med);
                let _ = writeln!(out, "                AS path: ?");
                let _ = writeln!(out, "                VPN Label: {}", p.label);
                let _ = writeln!(out, "                Primary Routing Table bgp.l3vpn.0");
            }
        } else {
            for (i, p) in paths.iter().enumerate() {
                let lead = if i == 0 {
                    format!("{:<19}", prefix.to_string())
                } else {
                    " ".repeat(19)
                };
                let mark = if i < active { "*" } else { " " };
                let _ = writeln!(
                    out,
                    "{lead}{mark}[BGP/170] MED {}, localpref {}, from {rr}",
                    p.med, p.local_pref
                );
                let _ = writeln!(
                    out,
                    "                      AS path: ?, validation-state: unverified"
                );
                let _ = writeln!(
                    out,
                    "                    > via gr-2/3/0.32771 to {}, Push {}",
                    p.next_hop, p.label
                );
            }
        }
    }
    let connected = "15.15.15.0/24";
    if detail {
        let _ = writeln!(
            out,
            "\n{connected} (1 entry, 1 announced)\n        *Direct Preference: 0\n                Next hop: via ge-0/0/1.0, selected"
        );
    } else {
        let _ = writeln!(
            out,
            "{connected:<19}*[Direct/0]\n                    > via ge-0/0/1.0"
        );
    }
    out
}

pub(super) fn control(world: &World) -> String {
    let mut out = String::new();
    let mut last_vrf = None;
    for ((vrf, prefix), paths) in &world.control_node.table {
        if last_vrf != Some(vrf) {
            let _ = writeln!(out, "{}.inet.0", vrf.name());
            last_vrf = Some(vrf);
        }
        let best = crate::routing::best_paths(paths);
        let mut sorted = paths.clone();
        sorted.sort_by_key(|p| (std::cmp::Reverse(p.local_pref), p.med, p.next_hop, p.label));
        for p in &sorted {
            let mark = if best.contains(p) { "*" } else { " " };
            let _ = writeln!(
                out,
                "  {mark} {:<18} next hop {:<14} label {:<4} localpref {:<4} MED {:<4} RD {}  (XMPP {})",
                prefix.to_string(),
                p.next_hop.to_string(),
                p.label,
                p.local_pref,
                p.med,
                p.rd(vrf),
                world.env.topology.name(p.origin)
            );
        }
    }
    if out.is_empty() {
        out.push_str("no routes\n");
    }
    out
}
