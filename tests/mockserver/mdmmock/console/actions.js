// SPDX-License-Identifier: Apache-2.0
// Device actions as an admin reads them: a sentence per outcome (raw codes
// on hover and under "Codes"), who asked, and Cancel while still pending.
"use strict";

const ACTION_NAMES = { "restart": "Restart", "schedule-restart": "Scheduled restart" };
const OUTCOME_WORDS = {
  "restarted": "restarted",
  "not-restarted": "did not restart",
  "late": "restarted too late (after its deadline)",
  "refused": "refused to restart",
  "missed": "missed the restart window",
};
const STATUS_WORDS = {
  "200": "OK", "202": "accepted for processing", "214": "operation cancelled",
  "215": "not executed", "216": "rolled back", "400": "bad request",
  "401": "not authorised", "403": "forbidden", "404": "not found",
  "405": "command not allowed", "406": "optional feature not supported",
  "425": "permission denied", "500": "command failed",
};

// The raw codes, as before: "Status 200 · Outcome: refused · platform-error".
function rawCodes(a) {
  const d = a.detail || {};
  const parts = [];
  if (a.status) parts.push("Status " + a.status);
  if (d.outcome) parts.push("Outcome: " + d.outcome);
  if (d.boot) parts.push("booted " + when(d.boot));
  if (d.detail) parts.push(d.detail);
  if (a.cmd_id) parts.push("CmdID " + a.cmd_id);
  return parts.join(" \u00b7 ");
}

function statusWords(code) {
  return "status " + code + (STATUS_WORDS[code] ? " (" + STATUS_WORDS[code] + ")" : "");
}

// What happened, what the device said, when.
function outcomeSentence(a) {
  const d = a.detail || {};
  const at = when(a.updated_at);
  switch (a.state) {
    case "pending":
      return "Waiting for the device to check in; nothing has been sent yet.";
    case "sent":
      return "Sent to the device at " + at + "; waiting for its answer.";
    case "accepted":
      return "The device accepted the restart at " + at + " (" + statusWords(a.status) +
        ") and is about to restart.";
    case "completed":
      return "The device restarted" + (d.boot ? " (it booted at " + when(d.boot) + ")" : "") +
        " and confirmed it at " + at + ".";
    case "cancelled":
      return "Cancelled by " + (d.cancelled_by || "an administrator") + " at " + at +
        ", before it reached the device; it will not be sent.";
    case "failed":
      if (d.outcome) {
        return "The device " + (OUTCOME_WORDS[d.outcome] || d.outcome) +
          (d.detail ? ": it reported \u201c" + d.detail.replace(/-/g, " ") + "\u201d" : "") +
          ". Reported at " + at + ".";
      }
      return "The device did not carry out the restart: it answered " +
        statusWords(a.status) + " at " + at + ".";
  }
  return capitalise(a.state) + " at " + at + ".";
}

async function cancelAction(a) {
  try {
    await post("/api/actions/" + a.id + "/cancel", {});
    notice("Action " + a.id + " cancelled: it will not be sent to " + a.device + ".", false);
  } catch (e) {
    notice("Cannot cancel: " + e.message, true);
  }
  refresh();
}

// names: device id -> display name (actions page), or null.
function actionRow(a, names) {
  const tr = el("tr", { "data-action-id": String(a.id), id: "action-" + a.id });
  if (location.hash === "#action-" + a.id) tr.className = "highlight";
  if (names) {
    const td = el("td", { class: "device" });
    td.append(el("a", { href: "/devices/" + encodeURIComponent(a.device) }, names[a.device] || a.device));
    if (names[a.device] && names[a.device] !== a.device) td.append(el("div", { class: "sub mono" }, a.device));
    tr.append(td);
  }
  tr.append(el("td", { class: "action" }, ACTION_NAMES[a.action] || a.action));
  tr.append(el("td", { class: "state " + a.state }, capitalise(a.state)));
  tr.append(el("td", { class: "initiator" }, a.initiator || "API"));
  tr.append(el("td", { class: "requested" }, when(a.requested_at)));
  tr.append(el("td", { class: "updated" }, when(a.updated_at)));
  const raw = rawCodes(a);
  const detail = el("td", { class: "detail", title: raw });
  detail.append(el("span", { class: "sentence" }, outcomeSentence(a)));
  if (raw) {
    const codes = el("details", { class: "raw" });
    codes.append(el("summary", {}, "Codes"), el("code", {}, raw));
    detail.append(codes);
  }
  tr.append(detail);
  const ops = el("td", { class: "ops" });
  if (a.state === "pending") {
    const b = el("button", { type: "button", class: "cancel" }, "Cancel");
    b.addEventListener("click", () => cancelAction(a));
    ops.append(b);
  }
  tr.append(ops);
  return tr;
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
  if (!changed("actions", [acts, names])) return;
  fillRows(document.getElementById("actions"), acts.slice().reverse().map((a) => actionRow(a, names)), 8);
}

PAGES.actions = { load: actionsPage };
