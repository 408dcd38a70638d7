// The control plane: route tables at the end of a step, its notes with their causes, and
// the failover along time.

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
