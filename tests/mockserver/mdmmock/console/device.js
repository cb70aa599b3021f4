// SPDX-License-Identifier: Apache-2.0
// One device: its properties, Restart (warning when one is still pending),
// Sync, and its actions (actions.js).
"use strict";

let deviceActions = []; // the last actions fetched, newest last

function deviceId() {
  return decodeURIComponent(location.pathname.split("/")[2] || "");
}

function pendingRestart() {
  return deviceActions.find((a) => a.action === "restart" && (a.state === "pending" || a.state === "sent"));
}

function pendingLink(a) {
  return el("a", { id: "pending-link", href: "/actions?device=" + encodeURIComponent(a.device) + "#action-" + a.id },
    "View the pending action #" + a.id);
}

function setProp(id, text, sub) {
  const dd = document.getElementById(id);
  dd.textContent = text || "\u2014";
  if (sub) dd.append(el("span", { class: "sub inline" }, " (" + sub + ")"));
}

async function devicePage() {
  const id = deviceId();
  const [d, acts] = await Promise.all([
    api("/api/devices/" + encodeURIComponent(id)),
    api("/api/actions?device=" + encodeURIComponent(id)),
  ]);
  deviceActions = acts;
  const info = d.info || {};
  const name = d.name || d.id;
  document.title = name + " - Mock MDM admin center";
  document.getElementById("device-name").textContent = name;
  document.getElementById("crumb-name").textContent = name;
  document.getElementById("prop-id").textContent = d.id;
  setProp("prop-man", info.Man);
  setProp("prop-mod", info.Mod);
  setProp("prop-os", info.OSPlatform);
  setProp("prop-osver", info.SwV);
  setProp("prop-serial", info.SMBIOSSerialNumber);
  setProp("prop-enrollment", d.enrollment_state ? capitalise(d.enrollment_state) : "Not enrolled",
    d.enrolled_at ? when(d.enrolled_at) : null);
  document.getElementById("prop-first").textContent = d.first_seen ? when(d.first_seen) : "Not yet checked in";
  setProp("prop-last", d.last_checkin ? when(d.last_checkin) : "Never",
    d.last_checkin ? relative(d.last_checkin) : null);
  document.getElementById("all-actions").href = "/actions?device=" + encodeURIComponent(id);
  if (changed("actions", acts)) {
    fillRows(document.getElementById("actions"), acts.slice().reverse().map((a) => actionRow(a, null)), 7);
  }
  // "Pending until the device checks in" goes once the action is not pending.
  const n = document.getElementById("notice");
  if (n.dataset.actionId) {
    const a = acts.find((x) => String(x.id) === n.dataset.actionId);
    if (!a || a.state !== "pending") hideNotice();
  }
}

function openRestart() {
  const name = document.getElementById("device-name").textContent;
  const warn = document.getElementById("confirm-warning");
  const yes = document.getElementById("confirm-yes");
  const p = pendingRestart();
  warn.replaceChildren();
  if (p) {
    warn.append("A restart requested at " + when(p.requested_at) + " by " + (p.initiator || "the API") +
      " is still " + p.state + ". ", pendingLink(p));
    warn.className = "warning show";
    yes.textContent = "Restart again anyway";
    yes.dataset.force = "1";
  } else {
    warn.className = "warning";
    yes.textContent = "Yes";
    delete yes.dataset.force;
  }
  document.getElementById("confirm-text").textContent =
    "Are you sure you want to restart " + name + "? The device restarts within 5 minutes; " +
    "its user is not notified and may lose unsaved work.";
  document.getElementById("confirm").showModal();
}

async function confirmRestart() {
  const yes = document.getElementById("confirm-yes");
  document.getElementById("confirm").close();
  const req = { action: "restart" };
  if (yes.dataset.force) req.force = true;
  try {
    const a = await post("/api/devices/" + encodeURIComponent(deviceId()) + "/actions", req);
    notice("Restart requested. The action is " + capitalise(a.state) +
           " until the device next checks in.", false, a.id);
  } catch (e) {
    if (e.status === 409 && e.body && e.body.pending_action) {
      notice(["Not queued: " + e.message + " ", pendingLink(e.body.pending_action)], true);
    } else {
      notice("Restart failed: " + e.message, true);
    }
  }
  refresh();
}

function wireDevicePage() {
  const dlg = document.getElementById("confirm");
  document.getElementById("restart").addEventListener("click", openRestart);
  document.getElementById("confirm-no").addEventListener("click", () => dlg.close());
  document.getElementById("confirm-yes").addEventListener("click", confirmRestart);
  // Sync (as Intune's): wakes the device through the push channel, no command.
  document.getElementById("sync").addEventListener("click", async () => {
    try {
      await post("/api/devices/" + encodeURIComponent(deviceId()) + "/actions", { action: "sync" });
      notice("Sync requested: the device was notified and checks in now.", false);
    } catch (e) {
      notice("Sync failed: " + e.message, true);
    }
    refresh();
  });
}

PAGES.device = {
  load: devicePage,
  wire: wireDevicePage,
  // /devices/ID#restart opens the confirmation (handy for screenshots).
  ready: () => { if (location.hash === "#restart") openRestart(); },
};
