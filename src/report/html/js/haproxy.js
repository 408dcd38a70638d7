// The haproxy.conf a request met, its rule lines marked, and a verdict per rule.

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
