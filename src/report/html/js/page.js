// The page: the header, the step list, and each view of the chosen step in order.

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
