// One request: the choice among a step's requests, the sequence chart, the event list and a
// packet's headers hop by hop.

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
      var open = (function (hop) { return function () { go({ packet: index, hop: hop }); }; })(i);
      line.addEventListener("click", open);
      append(g, line);
      if (i === 1) {
        var label = svg("text", { x: (x(a.who) + x(b.who)) / 2, y: (y(a.at_ns) + y(b.at_ns)) / 2 - 3,
          "text-anchor": "middle", class: "msg-label", fill: colourOf(p.conn) }, p.label);
        label.addEventListener("click", open);
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
