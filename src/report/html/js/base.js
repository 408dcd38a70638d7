// contrail-sim's run page: reads the run's JSON from #run-data and draws the chosen view. The
// view lives in the URL fragment (#step=12&req=0&packet=3&hop=2&event=40), so each one opens
// directly; nothing is fetched. The files of js/ are concatenated in order into one script.
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
