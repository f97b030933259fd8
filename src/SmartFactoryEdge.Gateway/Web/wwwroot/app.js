// The gateway's page: status, live values with trend charts, anomaly events, configuration. No framework, no build step.
"use strict";
const $ = id => document.getElementById(id);
let tab = "status";
let timer = null;
let configLoaded = false;
let browseStart = null;

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const res = await fetch(path, init);
  if (res.status === 401) { location.href = "/login?ReturnUrl=" + encodeURIComponent(location.pathname + location.hash); throw new Error("login required"); }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return { ok: res.ok, status: res.status, data };
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function fmt(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) >= 100 ? 1 : 3, useGrouping: Math.abs(v) >= 10000 });
  return String(v);
}
const time = ts => ts ? new Date(ts).toLocaleTimeString(sfeLang() === "ko" ? "ko-KR" : "en-GB") : "—";

function dl(target, rows) {
  target.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, fmt(v))]));
}

function show(name) {
  tab = ["status", "values", "anomalies", "config"].includes(name) ? name : "status";
  document.querySelectorAll(".tab").forEach(s => { s.hidden = s.id !== "tab-" + tab; });
  document.querySelectorAll("nav button").forEach(b => b.classList.toggle("active", b.dataset.tab === tab));
  if (location.hash !== "#" + tab) history.replaceState(null, "", "#" + tab);
  clearInterval(timer);
  const refresh = { status: refreshStatus, values: refreshValues, anomalies: refreshAnomalies, config: loadConfig }[tab];
  refresh();
  if (tab !== "config") timer = setInterval(refresh, tab === "values" ? 1000 : 2000);
}

async function refreshStatus() {
  const { data: s } = await api("GET", "/api/status");
  if (!s) return;
  $("gateway-id").textContent = s.gatewayId + " @ " + s.site;
  dl($("pipeline"), [["status.accepted", s.pipeline.accepted], ["status.delivered", s.pipeline.delivered], ["status.dropped", s.pipeline.dropped], ["status.depth", s.pipeline.depth], ["status.uptime", s.uptimeSeconds]]);
  if (s.outbox) dl($("outbox"), [["status.pending", s.outbox.pendingSamples], ["status.drops", s.outbox.droppedSamples], ["status.oldest", s.outbox.oldestAgeSeconds]]);
  else $("outbox").replaceChildren(el("dt", {}, t("status.noOutbox")));
  const broker = $("broker");
  broker.textContent = s.broker ? (s.broker.connected ? t("status.connected") : t("status.disconnected")) + " — " + s.broker.host + ":" + s.broker.port : t("status.noBroker");
  broker.className = "big " + (s.broker ? (s.broker.connected ? "good" : "bad") : "muted");
  dl($("anomaly-summary"), [["status.events", s.anomaly.events], ["status.model", s.anomaly.modelVersion]]);
  $("sources").tBodies[0].replaceChildren(...s.sources.map(x => el("tr", { "data-source": x.name }, el("td", {}, x.name), el("td", { class: "state-" + x.state }, t("state." + x.state)), el("td", {}, x.reason || ""))));
  $("endpoints").tBodies[0].replaceChildren(...s.endpoints.map(x => el("tr", {}, el("td", {}, x.endpoint), el("td", { class: "state-" + x.state }, t("state." + x.state)), el("td", {}, x.reason || ""), el("td", {}, time(x.since)))));
}

function sparkline(points) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 100 30");
  svg.setAttribute("preserveAspectRatio", "none");
  if (points && points.length > 1) {
    const vs = points.map(p => p[1]);
    const min = Math.min(...vs), max = Math.max(...vs), span = max - min || 1;
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", vs.map((v, i) => (i * 100 / (vs.length - 1)).toFixed(2) + "," + (28 - (v - min) * 26 / span).toFixed(2)).join(" "));
    svg.append(line);
  }
  return svg;
}

async function refreshValues() {
  const { data } = await api("GET", "/api/values?points=60");
  if (!data) return;
  const filter = $("values-filter").value.trim().toLowerCase();
  const shown = data.filter(v => !filter || v.tag.toLowerCase().includes(filter));
  $("values-empty").hidden = shown.length > 0;
  const grid = $("values");
  const existing = new Map([...grid.children].map(c => [c.dataset.tag, c]));
  grid.replaceChildren(...shown.map(v => {
    const card = existing.get(v.tag) || el("div", { class: "tag-card", "data-tag": v.tag });
    const q = v.quality.toLowerCase();
    card.replaceChildren(
      el("div", { class: "tag" }, v.tag),
      el("div", {}, el("span", { class: "value " + (q === "good" ? "" : q) }, fmt(v.value)), el("span", { class: "unit" }, v.unit || "")),
      sparkline(v.trend),
      el("div", { class: "muted" }, t("values.quality") + ": " + t("quality." + v.quality) + " · " + time(v.ts) + " · n=" + v.count));
    return card;
  }));
}

async function refreshAnomalies() {
  const { data } = await api("GET", "/api/anomalies?limit=100");
  if (!data) return;
  $("anomalies-empty").hidden = data.events.length > 0;
  $("anomalies").tBodies[0].replaceChildren(...data.events.map(e => el("tr", {},
    el("td", {}, time(e.ts)), el("td", {}, e.tag || e.asset), el("td", {}, e.detector), el("td", {}, fmt(e.score)),
    el("td", {}, fmt(e.threshold)), el("td", {}, fmt(e.value)), el("td", {}, e.modelVersion))));
}

function message(text, kind) {
  $("config-messages").replaceChildren(...[].concat(text).map(m => el("li", { class: kind }, m)));
}

async function loadConfig() {
  if (configLoaded) return;
  const { ok, data } = await api("GET", "/api/config");
  if (!ok) { message(data ? data.error : t("common.error"), "error"); return; }
  configLoaded = true;
  $("config-path").textContent = data.path;
  $("yaml-editor").value = data.yaml;
  $("browse-urls").replaceChildren(...data.opcua.map(o => el("option", { value: o.endpointUrl })));
  if (!$("browse-url").value && data.opcua.length) $("browse-url").value = data.opcua[0].endpointUrl;
  $("target-source").replaceChildren(...data.opcua.map(o => el("option", { value: o.name }, o.name)));
  window.sfeDetectors = data.detectors;
  const templates = await api("GET", "/api/templates");
  if (templates.data) window.sfeTemplates = templates.data;
  renderTemplates();
}

function renderTemplates() {
  const selected = $("template-select").value;
  $("template-select").replaceChildren(...(window.sfeTemplates || []).map(x =>
    el("option", { value: x.name, title: x.title }, SFE_TEXT.en["template." + x.name] ? t("template." + x.name) : x.title)));
  if (selected) $("template-select").value = selected;
}

async function browse(node) {
  const url = $("browse-url").value.trim();
  $("browse-path").textContent = t("config.working");
  const { ok, data } = await api("POST", "/api/opcua/browse", { endpointUrl: url, node: node || "i=85", depth: 1 });
  if (!ok) { $("browse-path").textContent = t("common.error") + ": " + (data ? data.error : ""); $("browse-tree").replaceChildren(); return; }
  browseStart = data.node;
  $("browse-path").textContent = url + "  " + data.node;
  $("browse-tree").replaceChildren(...data.nodes.filter(n => n.parent === data.node).map(n => {
    const li = el("li", { class: "node", "data-node-id": n.nodeId, "data-node-class": n.nodeClass },
      el("span", { class: "name" }, n.displayName || n.browseName),
      el("span", { class: "meta" }, n.nodeClass === "Variable" ? (n.dataType || "") + " = " + fmt(n.value) + (n.unit ? " " + n.unit : "") : n.nodeClass));
    if (n.nodeClass === "Variable") {
      const box = el("input", { type: "checkbox", class: "pick", title: n.nodeId });
      box.addEventListener("change", () => box.checked ? pick(n) : unpick(n.nodeId));
      li.prepend(box);
    } else {
      const open = el("button", { type: "button", class: "expand" }, t("config.expand"));
      open.addEventListener("click", () => browse(n.nodeId));
      li.append(open);
    }
    return li;
  }));
}

function tagIdFor(n) {
  // a string NodeId usually carries the plant's own naming (ns=1;s=Line1.Press01.Pressure -> line1.press01.pressure)
  const m = /;s=(.+)$/.exec(n.nodeId) || /^s=(.+)$/.exec(n.nodeId);
  const parts = m ? m[1].split(/[./]/) : (n.path || n.browseName).split("/").filter(p => p && p !== "Objects");
  return parts.map(p => p.charAt(0).toLowerCase() + p.slice(1)).join(".").replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 128);
}

function pick(n) {
  if (document.querySelector(`#picked tr[data-node-id="${CSS.escape(n.nodeId)}"]`)) return;
  const detector = el("select", { class: "pick-detector" }, el("option", { value: "" }, t("config.noDetector")), ...(window.sfeDetectors || []).map(d => el("option", { value: d }, d)));
  const remove = el("button", { type: "button" }, "✕");
  const row = el("tr", { "data-node-id": n.nodeId },
    el("td", {}, el("input", { class: "pick-id", value: tagIdFor(n) })),
    el("td", {}, n.nodeId),
    el("td", {}, el("input", { class: "pick-unit", value: n.unit || "" })),
    el("td", {}, el("input", { class: "pick-sampling", type: "number", min: "0", placeholder: "—" })),
    el("td", {}, detector), el("td", {}, remove));
  remove.addEventListener("click", () => unpick(n.nodeId));
  $("picked").tBodies[0].append(row);
}

function unpick(nodeId) {
  const row = document.querySelector(`#picked tr[data-node-id="${CSS.escape(nodeId)}"]`);
  if (row) row.remove();
  const box = document.querySelector(`#browse-tree li[data-node-id="${CSS.escape(nodeId)}"] .pick`);
  if (box) box.checked = false;
}

async function addTags() {
  const tags = [...$("picked").tBodies[0].rows].map(r => {
    const sampling = r.querySelector(".pick-sampling").value;
    const det = r.querySelector(".pick-detector").value;
    return { id: r.querySelector(".pick-id").value.trim(), nodeId: r.dataset.nodeId, unit: r.querySelector(".pick-unit").value.trim() || null,
      samplingIntervalMs: sampling ? parseInt(sampling, 10) : null, detectors: det ? [det] : null };
  });
  const { ok, data } = await api("POST", "/api/config/opcua-tags", { yaml: $("yaml-editor").value, source: $("target-source").value, tags });
  if (!ok) { message(data ? data.error : t("common.error"), "error"); return; }
  $("yaml-editor").value = data.yaml;
  $("picked").tBodies[0].replaceChildren();
  document.querySelectorAll("#browse-tree .pick").forEach(b => { b.checked = false; });
  message(t("config.added"), "ok");
}

function showErrors(data) {
  if (data && data.errors && data.errors.length) message(data.errors.map(e => e.text), "error");
  else message(data && data.error ? data.error : t("common.error"), "error");
}

async function validate() {
  const { ok, data } = await api("POST", "/api/config/validate", { yaml: $("yaml-editor").value });
  if (ok && data.valid) message(t("config.valid"), "ok"); else showErrors(data);
}

async function save() {
  const { ok, data } = await api("PUT", "/api/config", { yaml: $("yaml-editor").value });
  if (ok) message(t("config.saved") + " " + data.path, "ok"); else showErrors(data);
}

async function apply() {
  message(t("config.working"), "");
  const { ok, data } = await api("POST", "/api/config/apply", {});
  if (!ok) { showErrors(data); return; }
  const lines = [t("config.applied")];
  for (const [key, label] of [["restarted", "config.restarted"], ["started", "config.started"], ["stopped", "config.stopped"], ["needsRestart", "config.needsRestart"]])
    if (data[key].length) lines.push(t(label) + ": " + data[key].join(", "));
  message(lines, "ok");
}

const AREAS = { 1: "Coil", 2: "DiscreteInput", 3: "HoldingRegister", 4: "InputRegister" };
let probed = null;

async function probe() {
  const request = {
    target: $("probe-target").value.trim(), unit: +$("probe-unit").value, functionCode: +$("probe-fc").value,
    address: +$("probe-address").value, count: +$("probe-count").value, type: $("probe-type").value };
  const { ok, data } = await api("POST", "/api/modbus/probe", request);
  $("probe-error").textContent = ok ? "" : t("common.error") + ": " + (data ? data.error : "");
  probed = ok ? request : null;
  const prefix = { 1: "coil", 2: "di", 3: "hr", 4: "ir" }[request.functionCode];
  $("probe-result").tBodies[0].replaceChildren(...(ok ? data.values : []).map(v => el("tr", { "data-address": v.address },
    el("td", {}, el("input", { type: "checkbox", class: "probe-pick" })), el("td", {}, v.address), el("td", {}, v.value), el("td", {}, v.raw.join(" ")),
    el("td", {}, el("input", { class: "probe-tag", value: $("probe-device").value.trim() + "." + prefix + v.address })),
    el("td", {}, el("input", { class: "probe-unit" })))));
}

async function addProbed() {
  if (!probed) return;
  const points = [...$("probe-result").tBodies[0].rows].filter(r => r.querySelector(".probe-pick").checked).map(r => ({
    tagId: r.querySelector(".probe-tag").value.trim(), area: AREAS[probed.functionCode], address: +r.dataset.address,
    type: probed.functionCode <= 2 ? "Bool" : probed.type, unit: r.querySelector(".probe-unit").value.trim() || null }));
  const { ok, data } = await api("POST", "/api/config/modbus-points", {
    yaml: $("yaml-editor").value, device: $("probe-device").value.trim(), target: probed.target, unit: probed.unit,
    interval: $("probe-interval").value.trim(), points });
  if (!ok) { message(data ? data.error : t("common.error"), "error"); return; }
  $("yaml-editor").value = data.yaml;
  message(t("config.added"), "ok");
}

async function loadTemplate() {
  const { ok, data } = await api("GET", "/api/templates/" + encodeURIComponent($("template-select").value));
  if (ok) { $("yaml-editor").value = data.yaml; message(data.name, "ok"); }
}

document.querySelectorAll("nav button").forEach(b => b.addEventListener("click", () => show(b.dataset.tab)));
$("values-filter").addEventListener("input", refreshValues);
$("logout").addEventListener("click", async () => { await api("POST", "/api/logout", {}); location.href = "/login"; });
$("browse-button").addEventListener("click", () => browse(null));
$("add-tags-button").addEventListener("click", addTags);
$("validate-button").addEventListener("click", validate);
$("save-button").addEventListener("click", save);
$("apply-button").addEventListener("click", apply);
$("probe-button").addEventListener("click", probe);
$("probe-add-button").addEventListener("click", addProbed);
$("template-button").addEventListener("click", loadTemplate);
sfeSetupLang(() => { renderTemplates(); show(tab); });
show(location.hash.slice(1));
