// Starts the page: the arrowhead, the keys, and the first render.

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
