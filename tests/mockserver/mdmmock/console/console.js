// Mock MDM admin center: each page fetches the JSON API and fills a table.
"use strict";

const ACTION_NAMES = { "restart": "Restart", "schedule-restart": "Scheduled restart" };
const REFRESH_MS = 2000;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function capitalise(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : "";
}

// "2026-03-14T09:26:53.123Z" -> "2026-03-14 09:26:53 UTC"
function when(iso) {
  if (!iso) return "\u2014";
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? m[1] + " " + m[2] + " UTC" : iso;
}

async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
  return body;
}

function fillRows(table, rows, cols) {
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  if (rows.length === 0) {
    tbody.append(el("tr", {}, null));
    tbody.rows[0].append(el("td", { class: "empty", colspan: String(cols) }, "No items"));
  } else {
    for (const r of rows) tbody.append(r);
  }
}

function detailText(a) {
  const d = a.detail || {};
  const parts = [];
  if (a.status) parts.push("Status " + a.status);
  if (d.outcome) parts.push("Outcome: " + d.outcome);
  if (d.boot) parts.push("booted " + when(d.boot));
  if (d.detail) parts.push(d.detail);
  return parts.join(" \u00b7 ");
}

// names: device id -> display name (actions page), or null.
function actionRow(a, names) {
  const tr = el("tr", { "data-action-id": String(a.id) });
  if (names) {
    const td = el("td", { class: "device" });
    td.append(el("a", { href: "/devices/" + encodeURIComponent(a.device) }, names[a.device] || a.device));
    if (names[a.device] && names[a.device] !== a.device) td.append(el("div", { class: "sub mono" }, a.device));
    tr.append(td);
  }
  tr.append(el("td", { class: "action" }, ACTION_NAMES[a.action] || a.action));
  tr.append(el("td", { class: "state " + a.state }, capitalise(a.state)));
  tr.append(el("td", { class: "requested" }, when(a.requested_at)));
  tr.append(el("td", { class: "updated" }, when(a.updated_at)));
  tr.append(el("td", { class: "detail" }, detailText(a)));
  return tr;
}

async function devicesPage() {
  const devs = await api("/api/devices");
  const rows = devs.map((d) => {
    const tr = el("tr", { "data-device-id": d.id });
    const name = el("td");
    name.append(el("a", { href: "/devices/" + encodeURIComponent(d.id) }, d.name || d.id));
    tr.append(name);
    tr.append(el("td", { class: "mono" }, d.id));
    tr.append(el("td", {}, (d.info && d.info.Man) || "\u2014"));
    tr.append(el("td", {}, (d.info && d.info.Mod) || "\u2014"));
    tr.append(el("td", { class: "checkin" }, d.last_checkin ? when(d.last_checkin) : "Never"));
    // Enrollment state and date (null when the device never enrolled).
    const enr = el("td", { class: "enrollment" }, d.enrollment_state ? capitalise(d.enrollment_state) : "\u2014");
    if (d.enrolled_at) enr.append(el("div", { class: "sub" }, when(d.enrolled_at)));
    tr.append(enr);
    return tr;
  });
  fillRows(document.getElementById("devices"), rows, 6);
}

function deviceId() {
  return decodeURIComponent(location.pathname.split("/")[2] || "");
}

async function devicePage() {
  const id = deviceId();
  const unknown = { id: id, name: id, info: {}, first_seen: null, last_checkin: null };
  const [d, acts] = await Promise.all([
    api("/api/devices/" + encodeURIComponent(id)).catch(() => unknown),
    api("/api/actions?device=" + encodeURIComponent(id)),
  ]);
  document.title = d.name + " - Mock MDM admin center";
  document.getElementById("device-name").textContent = d.name;
  document.getElementById("crumb-name").textContent = d.name;
  document.getElementById("prop-id").textContent = d.id;
  document.getElementById("prop-man").textContent = (d.info && d.info.Man) || "\u2014";
  document.getElementById("prop-mod").textContent = (d.info && d.info.Mod) || "\u2014";
  document.getElementById("prop-first").textContent = d.first_seen ? when(d.first_seen) : "Not yet checked in";
  document.getElementById("prop-last").textContent = d.last_checkin ? when(d.last_checkin) : "Never";
  document.getElementById("all-actions").href = "/actions?device=" + encodeURIComponent(id);
  document.getElementById("confirm-text").textContent =
    "Are you sure you want to restart " + d.name + "? The device restarts within 5 minutes; " +
    "its user is not notified and may lose unsaved work.";
  fillRows(document.getElementById("actions"), acts.slice().reverse().map((a) => actionRow(a, null)), 5);
}

function notice(text, isError) {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.className = "notice show" + (isError ? " error" : "");
}

function wireDevicePage() {
  const dlg = document.getElementById("confirm");
  document.getElementById("restart").addEventListener("click", () => dlg.showModal());
  document.getElementById("confirm-no").addEventListener("click", () => dlg.close());
  // Sync (as Intune's): wakes the device through the push channel, no command.
  document.getElementById("sync").addEventListener("click", async () => {
    try {
      await api("/api/devices/" + encodeURIComponent(deviceId()) + "/actions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ action: "sync" }),
      });
      notice("Sync requested: the device was notified and checks in now.", false);
    } catch (e) {
      notice("Sync failed: " + e.message, true);
    }
    refresh();
  });
  document.getElementById("confirm-yes").addEventListener("click", async () => {
    dlg.close();
    try {
      const a = await api("/api/devices/" + encodeURIComponent(deviceId()) + "/actions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ action: "restart" }),
      });
      notice("Restart requested. The action is " + capitalise(a.state) +
             " until the device next checks in.", false);
    } catch (e) {
      notice("Restart failed: " + e.message, true);
    }
    refresh();
  });
}

async function actionsPage() {
  const dev = new URLSearchParams(location.search).get("device");
  document.getElementById("filter").textContent = dev ? "\u2014 " + dev : "";
  const [acts, devs] = await Promise.all([
    api("/api/actions" + (dev ? "?device=" + encodeURIComponent(dev) : "")),
    api("/api/devices"),
  ]);
  const names = {};
  for (const d of devs) names[d.id] = d.name;
  fillRows(document.getElementById("actions"), acts.slice().reverse().map((a) => actionRow(a, names)), 6);
}

const PAGES = { devices: devicesPage, device: devicePage, actions: actionsPage };

async function refresh() {
  try {
    await PAGES[document.body.dataset.page]();
  } catch (e) {
    console.error(e);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "device") wireDevicePage();
  const r = document.getElementById("refresh");
  if (r) r.addEventListener("click", refresh);
  refresh().then(() => {
    // /devices/ID#restart opens the confirmation (handy for screenshots).
    if (page === "device" && location.hash === "#restart") {
      document.getElementById("confirm").showModal();
    }
  });
  setInterval(refresh, REFRESH_MS);
});
