// SPDX-License-Identifier: Apache-2.0
// Mock MDM admin center, shared parts: fetching the JSON API (with the
// "unreachable" banner), times, the refresh loop. Each page's script
// (devices.js, device.js, actions.js) registers itself in PAGES.
"use strict";

const REFRESH_MS = 2000;
const PAGES = {}; // page name -> { load: async fn, wire: fn }

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

// "3 min ago" (relative to the browser's clock).
function relative(iso, nowMs) {
  const t = Date.parse(iso);
  if (!iso || isNaN(t)) return "";
  const s = Math.max(0, Math.round(((nowMs || Date.now()) - t) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  const d = Math.floor(s / 86400);
  return d + (d === 1 ? " day ago" : " days ago");
}

// The banner saying the admin API cannot be reached (stale data below).
function apiBanner(error) {
  let b = document.getElementById("api-banner");
  if (!b) {
    b = el("div", { id: "api-banner", class: "banner", role: "alert" });
    document.querySelector("main").prepend(b);
  }
  if (error) {
    if (!b.dataset.since) b.dataset.since = new Date().toISOString();
    b.textContent = "The admin API is unreachable (" + error + ") since " +
      when(b.dataset.since) + ". What you see may be out of date; retrying every " +
      REFRESH_MS / 1000 + " s.";
    b.className = "banner show";
  } else {
    delete b.dataset.since;
    b.className = "banner";
    b.textContent = "";
  }
}

// fetch + JSON. Errors carry .status and .body; a network failure or a
// 5xx answer shows the banner, any answer at all hides it.
async function api(path, opts) {
  let r;
  try {
    r = await fetch(path, opts);
  } catch (e) {
    apiBanner("no connection");
    throw e;
  }
  const body = await r.json().catch(() => null);
  apiBanner(r.status >= 500 ? "HTTP " + r.status : null);
  if (!r.ok) {
    const e = new Error((body && body.error) || ("HTTP " + r.status));
    e.status = r.status;
    e.body = body;
    throw e;
  }
  return body;
}

function post(path, obj) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(obj || {}),
  });
}

// A relative time that the refresh loop keeps current in place.
function relativeEl(iso) {
  return el("div", { class: "sub rel", "data-iso": iso }, relative(iso));
}

function updateRelative() {
  for (const e of document.querySelectorAll(".rel[data-iso]")) {
    const t = relative(e.dataset.iso);
    if (e.textContent !== t) e.textContent = t;
  }
}

// Re-renders only when what is shown changed, so rows (and the elements a
// user or a test holds) stay put between refreshes.
const lastRendered = {};
function changed(key, state) {
  const s = JSON.stringify(state);
  if (lastRendered[key] === s) return false;
  lastRendered[key] = s;
  return true;
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

// The notice under the toolbar; actionId ties it to an action so it can
// go away once that action is no longer pending.
function notice(content, isError, actionId) {
  const n = document.getElementById("notice");
  n.replaceChildren();
  if (typeof content === "string") n.textContent = content;
  else n.append(...content);
  n.className = "notice show" + (isError ? " error" : "");
  if (actionId) n.dataset.actionId = String(actionId);
  else delete n.dataset.actionId;
}

function hideNotice() {
  const n = document.getElementById("notice");
  n.className = "notice";
  n.replaceChildren();
  delete n.dataset.actionId;
}

async function refresh() {
  const page = PAGES[document.body.dataset.page];
  if (!page) return;
  try {
    await page.load();
    updateRelative();
  } catch (e) {
    console.error(e);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const page = PAGES[document.body.dataset.page];
  if (page && page.wire) page.wire();
  const r = document.getElementById("refresh");
  if (r) r.addEventListener("click", refresh);
  refresh().then(() => {
    if (page && page.ready) page.ready();
  });
  setInterval(refresh, REFRESH_MS);
});
