# SPDX-License-Identifier: Apache-2.0
"""Inventory at check-in (issue 17), off unless `--inventory`.

As real servers do (Intune asks DevDetail at every check-in), the first
message of each session gets a Get of the DevDetail nodes the agent serves
(omadm/csp/devdetail): the device name, the OS and its version, the serial
number, one Get per node. The Results fill the device's `info` under the
node's last segment and its name from `DeviceName` (else the name stays
the device id). A session queues no new Gets while earlier ones are
unanswered.
"""

from . import syncml

PREFIX = "inventory-"     # CmdID prefix that marks the inventory Get
NODES = (
    "./DevDetail/Ext/Microsoft/DeviceName",
    "./DevDetail/Ext/Microsoft/OSPlatform",
    "./DevDetail/SwV",
    "./DevDetail/Ext/Microsoft/SMBIOSSerialNumber",
)
MAX_VALUE = 256           # longer answers are cut (a name, not a document)


def get_xml(cmd_id, uri):
    return ("<Get><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI>"
            "</Target></Item></Get>" % (syncml.x(cmd_id), syncml.x(uri)))


def queue(store, dev):
    """Queues the inventory Gets (one per node: the agent answers a
    several-item Get with one Status per item) unless some are still
    unanswered."""
    for c in store.unanswered_commands(dev):
        if c["cmd_id"].startswith(PREFIX):
            return
    for uri in NODES:
        cmd_id = PREFIX + syncml.new_cmd_id()
        store.queue_command(dev, cmd_id, "Get", get_xml(cmd_id, uri))


def apply(store, dev, row_id, items):
    """Stores the Results of an inventory Get (other Gets: nothing)."""
    row = store.command(row_id)
    if row is None or not row["cmd_id"].startswith(PREFIX):
        return
    info = {}
    for it in items:
        uri = it.source or it.target or ""
        if uri in NODES and it.data is not None:
            info[uri.rsplit("/", 1)[1]] = it.data.strip()[:MAX_VALUE]
    if not info:
        return
    name = info.get("DeviceName") or None
    store.set_device_info(dev, info, name)
