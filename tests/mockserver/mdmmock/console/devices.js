// SPDX-License-Identifier: Apache-2.0
// All devices: sortable columns, search by name/id/serial, selection and
// a bulk Restart (one confirmation, one action per device).
"use strict";

const listState = { sort: "name", dir: 1, search: "", selected: new Set(), devices: [] };

// Column key -> the value a row sorts by.
const SORT_KEYS = {
  name: (d) => (d.name || d.id).toLowerCase(),
  id: (d) => d.id.toLowerCase(),
  man: (d) => (d.info.Man || "").toLowerCase(),
  mod: (d) => (d.info.Mod || "").toLowerCase(),
  os: (d) => ((d.info.OSPlatform || "") + " " + (d.info.SwV || "")).toLowerCase(),
  serial: (d) => (d.info.SMBIOSSerialNumber || "").toLowerCase(),
  enrollment: (d) => (d.enrollment_state || "") + (d.enrolled_at || ""),
  checkin: (d) => d.last_checkin || "",
};

function matches(d, q) {
  if (!q) return true;
  q = q.toLowerCase();
  return [d.name, d.id, d.info.SMBIOSSerialNumber].some((v) => v && v.toLowerCase().includes(q));
}

function cell(cls, text, sub) {
  const td = el("td", { class: cls }, text || "\u2014");
  if (sub) td.append(el("div", { class: "sub" }, sub));
  return td;
}

function deviceRow(d) {
  const tr = el("tr", { "data-device-id": d.id });
  const pick = el("td", { class: "pick" });
  const box = el("input", { type: "checkbox", class: "select", "aria-label": "Select " + (d.name || d.id) });
  box.checked = listState.selected.has(d.id);
  box.addEventListener("change", () => {
    if (box.checked) listState.selected.add(d.id);
    else listState.selected.delete(d.id);
    updateBulk();
  });
  pick.append(box);
  tr.append(pick);
  const name = el("td", { class: "name" });
  name.append(el("a", { href: "/devices/" + encodeURIComponent(d.id) }, d.name || d.id));
  tr.append(name);
  tr.append(cell("mono id", d.id));
  tr.append(cell("man", d.info.Man));
  tr.append(cell("mod", d.info.Mod));
  tr.append(cell("os", d.info.OSPlatform, d.info.SwV));
  tr.append(cell("serial mono", d.info.SMBIOSSerialNumber));
  tr.append(cell("enrollment", d.enrollment_state ? capitalise(d.enrollment_state) : "Not enrolled",
    d.enrolled_at ? when(d.enrolled_at) : null));
  const checkin = cell("checkin", d.last_checkin ? when(d.last_checkin) : "Never");
  if (d.last_checkin) checkin.append(relativeEl(d.last_checkin));
  tr.append(checkin);
  return tr;
}

function render() {
  if (!changed("devices", [listState.devices, listState.sort, listState.dir, listState.search,
    [...listState.selected]])) return;
  const key = SORT_KEYS[listState.sort];
  const shown = listState.devices.filter((d) => matches(d, listState.search));
  shown.sort((a, b) => {
    const x = key(a), y = key(b);
    return (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1) * listState.dir;
  });
  fillRows(document.getElementById("devices"), shown.map(deviceRow), 9);
  document.getElementById("count").textContent =
    "Showing " + shown.length + " of " + listState.devices.length + " devices";
  for (const th of document.querySelectorAll("#devices th[data-sort]")) {
    const on = th.dataset.sort === listState.sort;
    th.setAttribute("aria-sort", on ? (listState.dir > 0 ? "ascending" : "descending") : "none");
  }
  updateBulk();
}

function updateBulk() {
  const n = listState.selected.size;
  const b = document.getElementById("bulk-restart");
  b.disabled = n === 0;
  b.lastChild.textContent = n ? "Restart (" + n + ")" : "Restart";
}

async function devicesPage() {
  const devs = await api("/api/devices");
  for (const d of devs) d.info = d.info || {};
  listState.devices = devs;
  const ids = new Set(devs.map((d) => d.id));
  for (const id of [...listState.selected]) if (!ids.has(id)) listState.selected.delete(id);
  render();
}

function bulkSummary(out) {
  const parts = [out.created + " of " + out.requested + " restarts queued, one action per device."];
  for (const r of out.results) {
    if (r.status === 201) continue;
    const why = r.pending_action ? "a restart is already " + r.pending_action.state : r.error;
    const line = el("div", { class: "skipped", "data-device-id": r.device }, r.device + ": not queued, " + why + ". ");
    if (r.pending_action) {
      line.append(el("a", { href: "/actions?device=" + encodeURIComponent(r.device) + "#action-" + r.pending_action.id },
        "View action #" + r.pending_action.id));
    }
    parts.push(line);
  }
  return parts;
}

function wireDevicesPage() {
  const dlg = document.getElementById("bulk-confirm");
  for (const th of document.querySelectorAll("#devices th[data-sort]")) {
    th.addEventListener("click", () => {
      if (listState.sort === th.dataset.sort) listState.dir = -listState.dir;
      else { listState.sort = th.dataset.sort; listState.dir = 1; }
      render();
    });
  }
  document.getElementById("search").addEventListener("input", (e) => {
    listState.search = e.target.value.trim();
    render();
  });
  document.getElementById("select-all").addEventListener("change", (e) => {
    for (const box of document.querySelectorAll("#devices input.select")) {
      const id = box.closest("tr").dataset.deviceId;
      if (e.target.checked) listState.selected.add(id);
      else listState.selected.delete(id);
    }
    render();
  });
  document.getElementById("bulk-restart").addEventListener("click", () => {
    const n = listState.selected.size;
    document.getElementById("bulk-text").textContent =
      "Restart " + n + (n === 1 ? " device" : " devices") + "? Each device gets its own restart action " +
      "and restarts within 5 minutes of its next check-in; users are not notified.";
    dlg.showModal();
  });
  document.getElementById("bulk-no").addEventListener("click", () => dlg.close());
  document.getElementById("bulk-yes").addEventListener("click", async () => {
    dlg.close();
    try {
      const out = await post("/api/actions", { action: "restart", devices: [...listState.selected] });
      notice(bulkSummary(out), out.created < out.requested);
      listState.selected.clear();
      document.getElementById("select-all").checked = false;
    } catch (e) {
      notice("Restart failed: " + e.message, true);
    }
    refresh();
  });
}

PAGES.devices = { load: devicesPage, wire: wireDevicesPage };
