# SPDX-License-Identifier: Apache-2.0
"""What the admin API does for a fleet console (issue 17): actions only for
known devices, one restart in flight per device, bulk restart, cancel.

A device is known when it has checked in, holds an enrollment, has opened
the push channel, or an admin registered it (POST /api/devices, the way
Intune imports corporate identifiers). Any other id gets 404 and nothing is
created. A restart while another restart of the device is still pending or
sent (the device has not answered) is refused with 409 and the pending
action, unless the request says "force": true. Cancel withdraws a pending
action's command before it goes out; once sent it is refused with 409 and
the reason.
"""

from . import store as store_mod

DEFAULT_INITIATOR = "Mock Admin (admin@contoso.test)"
IN_FLIGHT = ("pending", "sent")
MAX_BULK = 1000
MAX_INITIATOR = 128


class ActionError(Exception):
    """An admin request refused: HTTP code, text and extra JSON fields."""

    def __init__(self, code, text, **extra):
        super().__init__(text)
        self.code = code
        self.body = dict({"error": text}, **extra)


def initiator_of(req):
    who = req.get("initiator", DEFAULT_INITIATOR)
    if not (isinstance(who, str) and 0 < len(who) <= MAX_INITIATOR
            and who.isprintable()):
        raise ActionError(400, "initiator must be 1..%d printable characters"
                          % MAX_INITIATOR)
    return who


def known(eng, dev):
    d = eng.store.device(dev)
    if d is not None and (d["first_seen"] or d["registered_at"]):
        return True
    enr = getattr(eng, "enrollment", None)
    if enr is not None and enr.store.get(dev) is not None:
        return True
    return eng.push is not None and eng.push.device_stats(dev)["requests"] > 0


def pending_restart(st, dev):
    """The device's oldest restart the device has not answered yet."""
    for a in st.actions(dev):
        if a["action"] == "restart" and a["state"] in IN_FLIGHT:
            return a
    return None


def _check_known(eng, dev):
    if not known(eng, dev):
        raise ActionError(404, "device %s has never checked in (register it"
                          " first: POST /api/devices)" % dev, device=dev)


def request(eng, dev, req):
    """POST /api/devices/{id}/actions: (code, JSON answer)."""
    if not isinstance(req, dict) or "action" not in req:
        raise ActionError(400, 'expected {"action": "restart"}')
    force = req.get("force", False)
    if not isinstance(force, bool):
        raise ActionError(400, "force must be true or false")
    if req["action"] not in ("restart", "sync"):
        raise ActionError(400, "unknown action %r (supported: restart, sync)"
                          % (req["action"],))
    who = initiator_of(req)
    with eng.lock:
        _check_known(eng, dev)
        if req["action"] != "restart":
            pass  # sync, or an unknown action: the engine answers
        else:
            p = pending_restart(eng.store, dev)
            if p is not None and not force:
                raise ActionError(
                    409, "a restart of %s requested at %s by %s is still"
                    " %s (action %d); cancel it, or send \"force\": true"
                    % (dev, p["requested_at"], p["initiator"] or "the API",
                       p["state"], p["id"]), pending_action=p)
            act = eng._create_restart(dev, who)
    if req["action"] != "restart":
        try:
            return 201, eng.create_action(dev, req["action"])
        except ValueError as e:
            raise ActionError(400, str(e)) from None
    eng._wake(dev)
    return 201, act


def bulk(eng, req):
    """POST /api/actions {"action", "devices": [...], "force"}: one action
    per device; per-device results, each with its own HTTP-like status."""
    if not isinstance(req, dict) or req.get("action") != "restart":
        raise ActionError(400, 'expected {"action": "restart", "devices":'
                          ' ["ID", ...]}')
    devs = req.get("devices")
    if (not isinstance(devs, list) or not devs or len(devs) > MAX_BULK
            or not all(isinstance(d, str) and d for d in devs)):
        raise ActionError(400, "devices must be a list of 1..%d ids"
                          % MAX_BULK)
    if len(set(devs)) != len(devs):
        raise ActionError(400, "a device is listed twice")
    one = {k: req[k] for k in ("action", "force", "initiator") if k in req}
    results = []
    for dev in devs:
        try:
            code, act = request(eng, dev, one)
            results.append({"device": dev, "status": code, "action": act})
        except ActionError as e:
            if e.code == 400:
                raise
            results.append(dict(e.body, device=dev, status=e.code))
    created = sum(1 for r in results if r["status"] == 201)
    return 200, {"action": "restart", "requested": len(devs),
                 "created": created, "results": results}


def cancel(eng, action_id, req):
    """POST /api/actions/{id}/cancel: the pending action is never sent."""
    who = initiator_of(req if isinstance(req, dict) else {})
    st = eng.store
    with eng.lock:
        a = st.action(action_id)
        if a is None:
            raise ActionError(404, "no action %d" % action_id)
        rows = [c for c in st.commands(a["device"])
                if c["action_id"] == action_id or (
                    a["cmd_id"] and c["cmd_id"] == a["cmd_id"])]
        sent = [c for c in rows if c["state"] != "queued"]
        if a["state"] != "pending" or sent or not rows:
            if a["state"] == "cancelled":
                why = "it was already cancelled at %s" % a["updated_at"]
            elif sent and sent[0]["sent_at"]:
                why = ("the device already received it at %s"
                       % sent[0]["sent_at"])
            elif a["state"] in store_mod.TERMINAL:
                why = "it already finished (%s)" % a["state"]
            else:
                why = "it is %s, no longer pending" % a["state"]
            raise ActionError(409, "cannot cancel action %d: %s"
                              % (action_id, why), action=a)
        for c in rows:
            st.mark_answered(c["id"], "cancelled")
        st.update_action(action_id, state="cancelled",
                         detail={"cancelled_by": who})
        eng.log("device %s: action %d cancelled by %s", a["device"],
                action_id, who)
        return 200, st.action(action_id)


def register(eng, req):
    """POST /api/devices {"id": ...}: 201 new, 200 already known."""
    from .httpd import valid_device_id  # the one rule for ids
    dev = req.get("id") if isinstance(req, dict) else None
    if not isinstance(dev, str) or not valid_device_id(dev):
        raise ActionError(400, 'expected {"id": "DEVICE-ID"}')
    with eng.lock:
        existed = known(eng, dev)
        d = eng.store.register(dev)
    return (200 if existed else 201), d
