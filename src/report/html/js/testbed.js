// The testbed as the book draws it, with a request's or a packet's path on it.

function layout() {
  var tb = RUN.testbed;
  var n = tb.computes.length;
  var boxW = 250, gap = 30;
  var width = Math.max(960, n * (boxW + gap) + gap);
  var pos = {};
  pos[tb.host.name] = { x: 110, y: 50 };
  pos[tb.gateway.name] = { x: width / 2, y: 50 };
  pos[tb.control.name] = { x: width - 130, y: 50 };
  var boxes = tb.computes.map(function (c, i) {
    var x = gap + i * (boxW + gap) + (width - n * (boxW + gap) - gap) / 2;
    // One haproxy box a compute, as hops name it, listing every instance it ran.
    var haproxy = c.haproxies.length === 0 ? [] : c.haproxies.length === 1 ?
      [{ id: c.name + "/haproxy", kind: "haproxy", label: c.haproxies[0].name, detail: c.haproxies[0].detail }] :
      [{
        id: c.name + "/haproxy", kind: "haproxy", label: "haproxy (" + c.haproxies.length + " instances)",
        detail: c.haproxies.map(function (h) {
          return h.name.replace(/^haproxy ingress\//, "") + " " + h.detail.split(",")[0];
        }).join(", "),
      }];
    var members = haproxy.concat(c.pods.map(function (p) { return { id: c.name + "/" + p.name, label: p.name, detail: p.detail, kind: "pod" }; }));
    pos[c.name + "/vrouter"] = { x: x + boxW / 2, y: 215 };
    members.forEach(function (m, j) {
      if (!pos[m.id]) pos[m.id] = { x: x + boxW / 2, y: 275 + j * 40 };
    });
    return { compute: c, x: x, w: boxW, members: members };
  });
  var height = 300 + Math.max.apply(null, [1].concat(boxes.map(function (b) { return b.members.length; }))) * 40;
  return { width: width, height: height, pos: pos, boxes: boxes };
}

function machine(m, p, cls) {
  return svg("g", { class: "machine " + cls, "data-node": m.name },
    svg("rect", { x: p.x - 95, y: p.y - 28, width: 190, height: 56, rx: 8 }),
    svg("text", { x: p.x, y: p.y - 8, "text-anchor": "middle", class: "name" }, m.name),
    svg("text", { x: p.x, y: p.y + 8, "text-anchor": "middle", class: "small" }, m.address),
    svg("text", { x: p.x, y: p.y + 21, "text-anchor": "middle", class: "small" }, m.role));
}

function testbed(step, request, packet, state) {
  var tb = RUN.testbed, L = layout(), pos = L.pos;
  var g = svg("svg", { id: "testbed-svg", viewBox: "0 0 " + L.width + " " + L.height, width: "100%" });
  var wires = svg("g", { class: "wires" });
  L.boxes.forEach(function (b) {
    var v = pos[b.compute.name + "/vrouter"];
    append(wires, svg("line", { x1: pos[tb.gateway.name].x, y1: 78, x2: v.x, y2: v.y - 18, class: "gre" }));
    append(wires, svg("line", { x1: pos[tb.control.name].x, y1: 78, x2: v.x + 30, y2: v.y - 18, class: "xmpp" }));
  });
  append(wires, svg("line", { x1: pos[tb.host.name].x + 95, y1: 50, x2: pos[tb.gateway.name].x - 95, y2: 50, class: "wan" }));
  append(wires, svg("line", { x1: pos[tb.gateway.name].x + 95, y1: 44, x2: pos[tb.control.name].x - 95, y2: 44, class: "bgp" }));
  append(wires, svg("text", { x: (pos[tb.gateway.name].x + pos[tb.control.name].x) / 2, y: 38, "text-anchor": "middle", class: "small" }, "BGP (MP-BGP, L3VPN)"));
  append(g, wires);
  append(g, [machine(tb.host, pos[tb.host.name], "host"), machine(tb.gateway, pos[tb.gateway.name], "gateway"),
    machine(tb.control, pos[tb.control.name], "control")]);
  L.boxes.forEach(function (b) {
    var c = b.compute, v = pos[c.name + "/vrouter"];
    var down = step.down.indexOf(c.name) >= 0;
    append(g, svg("g", { class: "compute" + (down ? " down" : ""), "data-node": c.name },
      svg("rect", { x: b.x, y: 150, width: b.w, height: L.height - 160, rx: 10 }),
      svg("text", { x: b.x + 10, y: 168, class: "name" }, c.name + " " + c.address + (down ? "  DOWN" : "")),
      svg("g", { class: "vrouter", "data-who": c.name + "/vrouter" },
        svg("rect", { x: v.x - 70, y: v.y - 18, width: 140, height: 36, rx: 6 }),
        svg("text", { x: v.x, y: v.y + 5, "text-anchor": "middle" }, "vRouter")),
      b.members.map(function (m) {
        var p = pos[m.id];
        var absent = step.present.indexOf(m.id) < 0;
        return svg("g", { class: m.kind + (absent ? " absent" : ""), "data-who": m.id },
          svg("rect", { x: p.x - 115, y: p.y - 16, width: 230, height: 32, rx: 5 }),
          svg("text", { x: p.x, y: p.y - 2, "text-anchor": "middle" }, m.label),
          svg("text", { x: p.x, y: p.y + 11, "text-anchor": "middle", class: "small" }, m.detail));
      })));
  });
  append(wires, svg("text", { x: 12, y: 140, class: "small" },
    "dashed: MPLSoGRE to the gateway; dotted: XMPP to the control node; between vRouters: MPLSoUDP; faded: not running at the end of this step"));
  var shown = packet ? [packet] : request ? firstPackets(request) : [];
  var overlay = svg("g", { class: "paths" });
  shown.forEach(function (p) { drawPath(overlay, p, pos, packet ? state.hop : null); });
  append(g, overlay);
  var caption = packet ? "Packet " + packetName(request, state.packet) + ": its path (the ring marks the hop selected)" :
    request ? "The request's path: " + request.conns.map(function (t, i) {
      return t + " in " + ["blue", "orange", "purple", "green"][i % 4];
    }).join(", ") + " (the first packet of each)" : "No request in this step.";
  if (request) caption += ". Red dots: NAT; \"flow\": the vRouter's flow action; on a leg: the tunnel and its MPLS label.";
  return section("testbed", "The testbed", el("p", { class: "caption", id: "path-caption" }, caption), g);
}

function firstPackets(request) {
  return request.conns.map(function (_, conn) {
    return request.packets.find(function (p) { return p.conn === conn; });
  }).filter(Boolean);
}

function where(pos, who) {
  if (pos[who]) return pos[who];
  var node = who.split("/")[0];
  return pos[node] || pos[node + "/vrouter"] || { x: 10, y: 10 };
}

function drawPath(g, packet, pos, selectedHop) {
  var colour = colourOf(packet.conn), shift = packet.conn * 8;
  var points = packet.hops.map(function (h) {
    var p = where(pos, h.who);
    return { x: p.x + shift, y: p.y + shift / 2 };
  });
  for (var i = 1; i < points.length; i++) {
    var a = points[i - 1], b = points[i];
    var bend = packet.hops[i - 1].role === "vrouter" && packet.hops[i].role === "vrouter";
    var d = bend ? "M" + a.x + "," + a.y + " Q" + (a.x + b.x) / 2 + "," + (a.y - 140) + " " + b.x + "," + b.y :
      "M" + a.x + "," + a.y + " L" + b.x + "," + b.y;
    append(g, svg("path", { d: d, stroke: colour, class: "leg", "marker-end": "url(#arrow)" }));
    var tunnel = packet.hops[i - 1].tunnel;
    if (tunnel) {
      var t = bend ? 0.5 : 0.7;
      append(g, svg("text", { x: a.x + t * (b.x - a.x) + 6, y: a.y + t * (b.y - a.y) - (bend ? 76 : 0), class: "leg-label", fill: colour }, tunnel));
    }
  }
  packet.hops.forEach(function (h, i) {
    var p = points[i];
    if (h.action) {
      append(g, svg("text", { x: p.x + 74, y: p.y - 4 + packet.conn * 12, class: "flow", fill: colour }, "flow " + h.action));
    }
    if (h.nat) {
      append(g, svg("g", { class: "nat-point" },
        svg("circle", { cx: p.x - 70, cy: p.y, r: 7 }),
        svg("text", { x: p.x - 80, y: p.y + 30 + packet.conn * 12, "text-anchor": "middle", class: "nat-label" }, "NAT " + h.nat)));
    }
    if (h.dropped) append(g, svg("text", { x: p.x, y: p.y - 22, class: "drop" }, "DROP: " + h.dropped));
    if (selectedHop === i) append(g, svg("circle", { cx: p.x, cy: p.y, r: 24, class: "here" }));
  });
}
