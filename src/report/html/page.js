// contrail-sim's run page: reads the run's JSON from #run-data and draws the chosen view. The
// view lives in the URL fragment (#step=12&req=0&packet=3&hop=2&event=40), so each one opens
// directly; nothing is fetched.
"use strict";

window.addEventListener("error", function (e) {
  document.documentElement.setAttribute("data-error", String(e.message || e));
});

var RUN = JSON.parse(document.getElementById("run-data").textContent);
var SVG = "http://www.w3.org/2000/svg";
var CONN_COLOURS = ["#1c7ed6", "#e8590c", "#7048e8", "#2f9e44"];
var KIND_COLOURS = ["#1971c2", "#7048e8", "#e8590c", "#2f9e44", "#c92a2a"];

// ---- small helpers ------------------------------------------------------------------------

function el(tag, attrs) {
  var node = document.createElement(tag);
  setAll(node, attrs);
  for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
  return node;
}

function svg(tag, attrs) {
  var node = document.createElementNS(SVG, tag);
  setAll(node, attrs);
  for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
  return node;
}

function setAll(node, attrs) {
  for (var k in attrs || {}) {
    if (attrs[k] === null || attrs[k] === undefined) continue;
    if (k === "onclick") node.addEventListener("click", attrs[k]);
    else node.setAttribute(k, attrs[k]);
  }
}

function append(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) child.forEach(function (c) { append(node, c); });
  else if (typeof child === "object") node.appendChild(child);
  else node.appendChild(document.createTextNode(String(child)));
}

function time(ns) {
  var s = Math.floor(ns / 1e9);
  var us = Math.floor((ns % 1e9) / 1e3);
  return s + "." + String(us).padStart(6, "0") + "s";
}

function section(id, title) {
  var rest = Array.prototype.slice.call(arguments, 2);
  return el("section", { id: id }, el("h2", {}, title), rest);
}

function colourOf(conn) {
  return CONN_COLOURS[conn % CONN_COLOURS.length];
}

// ---- state in the URL fragment ------------------------------------------------------------

function readState() {
  var state = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
    var kv = pair.split("=");
    if (kv[0]) state[kv[0]] = decodeURIComponent(kv[1] || "");
  });
  var firstTraced = RUN.steps.findIndex(function (s) { return s.traced.length > 0; });
  var step = parseInt(state.step, 10);
  if (!(step >= 1 && step <= RUN.steps.length)) step = firstTraced >= 0 ? firstTraced + 1 : 1;
  return {
    step: step,
    req: parseInt(state.req, 10) || 0,
    packet: state.packet === undefined ? null : parseInt(state.packet, 10),
    hop: parseInt(state.hop, 10) || 0,
    event: state.event === undefined ? null : parseInt(state.event, 10),
  };
}

function link(state) {
  var parts = ["step=" + state.step];
  if (state.req) parts.push("req=" + state.req);
  if (state.packet !== null && state.packet !== undefined) {
    parts.push("packet=" + state.packet);
    parts.push("hop=" + (state.hop || 0));
  }
  if (state.event !== null && state.event !== undefined) parts.push("event=" + state.event);
  return "#" + parts.join("&");
}

function go(change) {
  var state = readState();
  for (var k in change) state[k] = change[k];
  location.hash = link(state);
}

// ---- the page -----------------------------------------------------------------------------

function render() {
  var state = readState();
  var step = RUN.steps[state.step - 1];
  var request = step.traced[Math.min(state.req, Math.max(0, step.traced.length - 1))] || null;
  var packet = request && state.packet !== null ? request.packets[state.packet] || null : null;
  var app = document.getElementById("app");
  app.textContent = "";
  append(app, [
    header(),
    el("div", { class: "layout" },
      stepList(state),
      el("main", {},
        stepHead(step, state),
        testbed(step, request, packet, state),
        request ? requestPicker(step, state) : null,
        request ? sequence(request, state) : null,
        request ? events(request, state) : null,
        request && request.rule ? haproxyConf(request.rule) : null,
        routes(step, state),
        timeline(step, state),
        failover(state),
        stepText(step))),
  ]);
  var selected = document.querySelector(".selected-row, .event-selected");
  if (selected && selected.scrollIntoView) selected.scrollIntoView({ block: "nearest" });
  document.documentElement.setAttribute("data-ready", "1");
}

function header() {
  return el("header", {},
    el("h1", {}, "Scenario " + RUN.scenario),
    el("p", { class: "meta" }, "seed " + RUN.seed + ", " + RUN.semantics + " semantics"),
    RUN.description ? el("p", { class: "description" }, RUN.description) : null);
}

function stepList(state) {
  return el("nav", { id: "steps" }, el("h2", {}, "Steps"),
    el("ol", {}, RUN.steps.map(function (s) {
      return el("li", { class: "kind-" + s.kind + (s.number === state.step ? " current" : "") +
        (s.failures.length ? " failed" : "") },
        el("a", { href: link({ step: s.number }) }, s.title));
    })));
}

function stepHead(step, state) {
  var until = step.until_ns > step.at_ns ? " (until " + time(step.until_ns) + ")" : "";
  return el("section", { id: "step-head" },
    el("div", { class: "pager" },
      state.step > 1 ? el("a", { href: link({ step: state.step - 1 }) }, "◀ previous step") : null,
      state.step < RUN.steps.length ?
        el("a", { href: link({ step: state.step + 1 }) }, "next step ▶") : null),
    el("h2", {}, "Step " + step.number + ": " + step.title),
    el("p", { class: "meta" }, step.origin + ", at " + time(step.at_ns) + until +
      (step.request_count > 1 ? "; " + step.request_count + " requests, the first traced" : "")),
    step.failures.map(function (f) { return el("p", { class: "failure" }, "EXPECTATION FAILED: " + f); }));
}

// ---- the testbed, as the book draws it ----------------------------------------------------

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
    var members = c.haproxies.map(function (h) { return { id: c.name + "/haproxy", label: h.name, detail: h.detail, kind: "haproxy" }; })
      .concat(c.pods.map(function (p) { return { id: c.name + "/" + p.name, label: p.name, detail: p.detail, kind: "pod" }; }));
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

// ---- one request: its packets -------------------------------------------------------------

function packetName(request, index) {
  var p = request.packets[index];
  return "[" + (p.conn === 0 ? "client" : "backend " + p.conn) + " #" + p.number + "] " + p.label;
}

function requestPicker(step, state) {
  var request = step.traced[state.req] || step.traced[0];
  return section("request", "Request",
    step.traced.length > 1 ? el("p", {}, step.traced.map(function (r, i) {
      return el("a", { href: link({ step: state.step, req: i }), class: i === state.req ? "chip current" : "chip" }, r.curl);
    })) : null,
    el("p", {}, el("code", {}, "curl " + request.curl), " from " + request.from),
    el("p", { class: "outcome" }, "=> " + request.outcome));
}

function sequence(request, state) {
  var lanes = [];
  var times = [];
  request.packets.forEach(function (p) {
    p.hops.forEach(function (h) {
      if (lanes.indexOf(h.who) < 0) lanes.push(h.who);
      if (times.indexOf(h.at_ns) < 0) times.push(h.at_ns);
    });
  });
  times.sort(function (a, b) { return a - b; });
  var laneW = 190, rowH = 20, top = 50, left = 110;
  var width = left + lanes.length * laneW, height = top + times.length * rowH + 20;
  var x = function (who) { return left + lanes.indexOf(who) * laneW + laneW / 2; };
  var y = function (t) { return top + times.indexOf(t) * rowH; };
  var g = svg("svg", { id: "sequence-svg", viewBox: "0 0 " + width + " " + height, width: Math.min(width, 1400) });
  lanes.forEach(function (who) {
    var parts = who.split("/");
    append(g, svg("text", { x: x(who), y: 12, "text-anchor": "middle", class: "lane" }, parts[0]));
    if (parts.length > 1) {
      append(g, svg("text", { x: x(who), y: 25, "text-anchor": "middle", class: "lane-part" }, parts.slice(1).join("/")));
    }
    append(g, svg("line", { x1: x(who), y1: 32, x2: x(who), y2: height - 10, class: "lifeline" }));
  });
  times.forEach(function (t) {
    append(g, svg("text", { x: 4, y: y(t) + 4, class: "small" }, time(t - times[0]).replace(/^0\./, "+0.")));
  });
  request.packets.forEach(function (p, index) {
    var selected = state.packet === index;
    for (var i = 1; i < p.hops.length; i++) {
      var a = p.hops[i - 1], b = p.hops[i];
      var line = svg("line", { x1: x(a.who), y1: y(a.at_ns), x2: x(b.who), y2: y(b.at_ns),
        stroke: colourOf(p.conn), class: "msg" + (selected ? " selected" : ""), "marker-end": "url(#arrow)" });
      var go_ = (function (hop) { return function () { go({ packet: index, hop: hop }); }; })(i);
      line.addEventListener("click", go_);
      append(g, line);
      if (i === 1) {
        var label = svg("text", { x: (x(a.who) + x(b.who)) / 2, y: (y(a.at_ns) + y(b.at_ns)) / 2 - 3,
          "text-anchor": "middle", class: "msg-label", fill: colourOf(p.conn) }, p.label);
        label.addEventListener("click", go_);
        append(g, label);
      }
    }
  });
  return section("sequence", "Sequence chart",
    el("p", { class: "caption" }, "Each arrow is a packet going from one component to the next; time runs down (one row per instant, its offset from the request's start on the left). Click an arrow to open the packet."),
    el("div", { class: "scroll" }, g));
}

function eventRows(request) {
  var rows = [];
  request.packets.forEach(function (p, pi) {
    p.hops.forEach(function (h, hi) { rows.push({ packet: pi, hop: hi, at: h.at_ns }); });
  });
  rows.sort(function (a, b) { return a.at - b.at; });
  return rows;
}

function hopSummary(h, i) {
  var parts = [];
  if (i === 0) parts.push("sends");
  if (h.action) parts.push("flow " + h.action);
  if (h.nat) parts.push("NAT " + h.nat);
  if (h.tunnel) parts.push("encap " + h.tunnel);
  if (h.dropped) parts.push("DROP " + h.dropped);
  if (i > 0 && !h.left && !h.dropped) parts.push("receives");
  return parts.join("; ");
}

function events(request, state) {
  var rows = eventRows(request);
  var current = rows.findIndex(function (r) { return r.packet === state.packet && r.hop === state.hop; });
  var prev = current > 0 ? rows[current - 1] : null;
  var next = current < 0 ? rows[0] : rows[current + 1] || null;
  var table = el("table", { class: "events" },
    el("tr", {}, el("th", {}, "#"), el("th", {}, "time"), el("th", {}, "at"), el("th", {}, "packet"), el("th", {}, "what happened")),
    rows.map(function (r, i) {
      var p = request.packets[r.packet], h = p.hops[r.hop];
      return el("tr", { class: i === current ? "selected-row" : "", style: "border-left: 4px solid " + colourOf(p.conn) },
        el("td", {}, i + 1), el("td", {}, time(h.at_ns)), el("td", {}, h.who),
        el("td", {}, el("a", { href: link({ step: state.step, req: state.req, packet: r.packet, hop: r.hop }) }, packetName(request, r.packet))),
        el("td", {}, hopSummary(h, r.hop)));
    }));
  var controls = el("p", { class: "controls" },
    prev ? el("a", { id: "back", href: link({ step: state.step, req: state.req, packet: prev.packet, hop: prev.hop }) }, "◀ Back") : el("span", { class: "off" }, "◀ Back"),
    " ",
    next ? el("a", { id: "forward", href: link({ step: state.step, req: state.req, packet: next.packet, hop: next.hop }) }, "Step ▶") : el("span", { class: "off" }, "Step ▶"),
    " event " + (current + 1) + " of " + rows.length);
  return section("events", "Event list (simulation mode: Step and Back, or the → and ← keys)",
    controls,
    el("div", { class: "scroll events-box" }, table),
    state.packet !== null && request.packets[state.packet] ? packetDetail(request, state) :
      el("div", { id: "packet-detail", class: "hint" }, "Select an event, or press Step, to see the packet's headers at each hop."));
}

var FIELDS = [
  ["outer IP src", function (h) { return h.outer && h.outer.src; }],
  ["outer IP dst", function (h) { return h.outer && h.outer.dst; }],
  ["tunnel", function (h) { return h.outer && h.outer.tunnel; }],
  ["UDP", function (h) { return h.outer && h.outer.udp; }],
  ["MPLS label", function (h) { return h.outer && h.outer.label; }],
  ["IP src", function (h) { return h.src; }],
  ["TCP sport", function (h) { return h.sport; }],
  ["IP dst", function (h) { return h.dst; }],
  ["TCP dport", function (h) { return h.dport; }],
  ["TCP flags", function (h) { return h.flags; }],
  ["seq", function (h) { return h.seq; }],
  ["ack", function (h) { return h.ack; }],
  ["payload", function (h) { return h.len + " bytes"; }],
];

function headerTable(title, headers, against) {
  var rows = FIELDS.map(function (f) {
    var value = f[1](headers);
    if (value === null || value === undefined) return null;
    var before = against ? f[1](against) : value;
    var changed = against && before !== value && before !== null && before !== undefined;
    return el("tr", { class: changed ? "changed" : "", "data-field": f[0] }, el("th", {}, f[0]),
      el("td", {}, String(value), changed ? el("span", { class: "was" }, " (was " + before + ")") : null));
  });
  var http = headers.http.map(function (line) {
    return el("div", { class: /^x-forwarded-for:/i.test(line) ? "http-line xff" : "http-line" }, line);
  });
  return el("div", { class: "headers" }, el("h4", {}, title), el("table", {}, rows),
    http.length ? el("div", { class: "http" }, http) : null);
}

function packetDetail(request, state) {
  var p = request.packets[state.packet];
  var sent = p.hops[0].left;
  var cards = p.hops.map(function (h, i) {
    var last = i === p.hops.length - 1;
    return el("div", { class: "hop" + (i === state.hop ? " current" : ""), id: "hop-" + i },
      el("h3", {}, el("a", { href: link({ step: state.step, req: state.req, packet: state.packet, hop: i }) }, (i + 1) + ". " + h.who),
        " ", el("span", { class: "small" }, time(h.at_ns) + (h.event !== null ? ", event " + h.event : ""))),
      h.decisions.length ? el("ul", { class: "decisions" }, h.decisions.map(function (d) { return el("li", {}, d); })) : null,
      el("div", { class: "pair" },
        h.arrived ? headerTable(last && !h.left ? "as received" : "as it arrived", h.arrived, last ? sent : null) : null,
        h.left ? headerTable(i === 0 ? "as sent" : "as it left", h.left, h.arrived) : null));
  });
  return el("div", { id: "packet-detail" },
    el("h3", {}, "Packet " + packetName(request, state.packet)),
    el("p", { class: "caption" }, "Headers as the packet arrived at and left each hop; yellow: what this hop changed (NAT, tunnel), or at the receiver what differs from what was sent."),
    el("div", { class: "hops" }, cards));
}

// ---- haproxy ------------------------------------------------------------------------------

function haproxyConf(rule) {
  return section("haproxy", "haproxy.conf on " + rule.haproxy,
    el("p", {}, "The request: Host ", el("code", {}, rule.host === null ? "(none)" : rule.host), ", path ", el("code", {}, rule.path)),
    el("table", { class: "verdicts" }, el("tr", {}, el("th", {}, "rule"), el("th", {}, "verdict")),
      rule.verdicts.map(function (v) {
        return el("tr", { class: v.matched ? "match" : "miss" }, el("td", {}, v.rule), el("td", {}, v.why));
      })),
    el("pre", { class: "conf" }, rule.lines.map(function (l) {
      return el("div", { class: "line " + l.mark }, l.text.replace(/\t/g, "    ") || " ");
    })));
}

// ---- routes, timeline, failover -----------------------------------------------------------

function tableDiff(title, index, before) {
  var now = RUN.tables[index].split("\n");
  var old = before === null ? now : RUN.tables[before].split("\n");
  var lines = now.map(function (l) {
    return el("div", { class: old.indexOf(l) < 0 ? "line added" : "line" }, l || " ");
  });
  var gone = old.filter(function (l) { return l && now.indexOf(l) < 0; })
    .map(function (l) { return el("div", { class: "line removed" }, l); });
  return el("div", {}, el("h3", {}, title), el("pre", { class: "table" }, lines, gone));
}

function routes(step, state) {
  var prev = state.step > 1 ? RUN.steps[state.step - 2] : null;
  return section("routes", "Routes at the end of this step",
    el("p", { class: "caption" }, "Green: new since the previous step; struck out: gone."),
    el("div", { class: "split" },
      tableDiff("camaro: show route table k8s-test", step.gateway_routes, prev && prev.gateway_routes),
      tableDiff("control node: every path (best marked *)", step.control_routes, prev && prev.control_routes)));
}

function eventById(id) {
  for (var i = 0; i < RUN.events.length; i++) if (RUN.events[i].id === id) return i;
  return -1;
}

function stepOfEvent(index) {
  var s = RUN.steps.find(function (s) { return index >= s.first_event && index < s.end_event; });
  return s ? s.number : 1;
}

function eventLink(id) {
  var i = eventById(id);
  if (i < 0) return el("span", { class: "small" }, "#" + id);
  return el("a", { href: link({ step: stepOfEvent(i), event: id }) }, "#" + id);
}

function timeline(step, state) {
  var rows = RUN.events.slice(step.first_event, step.end_event);
  var chain = [];
  if (state.event !== null) {
    var at = eventById(state.event);
    while (at >= 0 && chain.length < 50) {
      chain.push(RUN.events[at]);
      at = RUN.events[at].cause === null ? -1 : eventById(RUN.events[at].cause);
    }
  }
  return section("timeline", "Control plane in this step",
    rows.length === 0 ? el("p", {}, "Nothing happened in the control plane during this step.") :
      el("table", { class: "notes" },
        el("tr", {}, el("th", {}, "event"), el("th", {}, "time"), el("th", {}, "component"), el("th", {}, "what"), el("th", {}, "caused by")),
        rows.map(function (e) {
          return el("tr", { id: "event-" + e.id, class: (e.id === state.event ? "event-selected " : "") + (e.removes ? "removes" : "") },
            el("td", {}, el("a", { href: link({ step: state.step, event: e.id }) }, "#" + e.id)),
            el("td", {}, time(e.at_ns)), el("td", {}, e.who),
            el("td", {}, el("span", { class: "kind", style: "background:" + KIND_COLOURS[e.kind], title: RUN.kinds[e.kind] }), e.what),
            el("td", {}, e.cause === null ? "" : eventLink(e.cause)));
        })),
    chain.length ? el("div", { id: "why" }, el("h3", {}, "Why #" + state.event + " happened"),
      el("ol", {}, chain.map(function (e) {
        return el("li", {}, eventLink(e.id), " " + time(e.at_ns) + " " + e.who + ": " + e.what);
      }))) : null);
}

function failover(state) {
  var faults = RUN.steps.filter(function (s) { return s.fault_up !== null; });
  if (faults.length === 0) return null;
  var start = faults[0].at_ns;
  var items = [];
  faults.forEach(function (s) {
    items.push({ at: s.at_ns, cls: s.fault_up ? "recover" : "fault", step: s.number, text: s.title });
  });
  var gateway = RUN.testbed.gateway.name, control = RUN.testbed.control.name;
  RUN.events.forEach(function (e, i) {
    var routing = e.kind === 2 && (e.who === gateway || e.who === "contrail-control");
    if (e.at_ns >= start && (routing || (e.kind === 3 && e.removes))) {
      items.push({ at: e.at_ns, cls: e.removes ? "withdrawn" : "route", step: stepOfEvent(i), event: e.id, text: e.who + ": " + e.what });
    }
  });
  var failedSince = null;
  RUN.requests.forEach(function (r) {
    var ok = r.disposition === "delivered";
    var note = "";
    var retried = [];
    if (r.retransmissions) retried.push(r.retransmissions + " TCP retransmission(s)");
    if (r.proxy_retries) retried.push("haproxy retried the server " + r.proxy_retries + " time(s)");
    if (retried.length) note += " (" + retried.join(", ") + ")";
    if (!ok && failedSince === null && r.at_ns >= start) { failedSince = r.at_ns; note += " (first failure after the fault)"; }
    var first = !ok && failedSince === r.at_ns;
    if (ok && failedSince !== null) { note += " (first success after the failures)"; failedSince = null; first = true; }
    items.push({ at: r.at_ns, cls: ok ? "served" : "failed", step: r.step,
      text: "request " + r.id + " curl " + r.curl + " => " + (r.status === null ? "no answer" : r.status) + ", " + r.disposition +
        (r.served_by ? " by " + r.served_by + " on " + r.server_node : "") + (r.haproxy ? " via " + r.haproxy : "") + note,
      first: first });
  });
  items.sort(function (a, b) { return a.at - b.at; });
  return section("failover", "Failover along time",
    el("p", { class: "caption" }, "The faults, the routes withdrawn and announced at " + gateway + " and the control node (" + control + ") from the first fault on, and every request with its outcome."),
    el("ol", { class: "failover" }, items.map(function (it) {
      var href = it.event !== undefined ? link({ step: it.step, event: it.event }) : link({ step: it.step });
      return el("li", { class: it.cls + (it.first ? " first" : "") + (it.step === state.step ? " here" : "") },
        el("span", { class: "when" }, time(it.at)), " ", el("a", { href: href }, "step " + it.step), " ", it.text);
    })));
}

function stepText(step) {
  return section("text", "The step as `contrail-sim run` prints it",
    el("pre", { class: "text" }, step.text.replace(/^\n/, "")));
}

// An arrowhead for the paths and the sequence chart, defined once.
document.body.appendChild(svg("svg", { width: 0, height: 0, style: "position:absolute" },
  svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
    svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#495057" })))));
// Keys for the projector: → and ← step through the event list, ] and [ through the steps.
document.addEventListener("keydown", function (e) {
  var target = { ArrowRight: "forward", ArrowLeft: "back" }[e.key];
  var state = readState();
  if (target && document.getElementById(target)) {
    location.hash = document.getElementById(target).getAttribute("href");
  } else if (e.key === "]" && state.step < RUN.steps.length) {
    location.hash = link({ step: state.step + 1 });
  } else if (e.key === "[" && state.step > 1) {
    location.hash = link({ step: state.step - 1 });
  }
});
window.addEventListener("hashchange", render);
render();
