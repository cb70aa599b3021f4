/* SPDX-License-Identifier: Apache-2.0 */
/* The omadm_device structure, shared by the files of omadm/device/ (the
 * embedding API is split by header: device.h, restart.h, dmclient.h).
 * Internal to libomadm. */
#ifndef OMADM_DEVICE_DEVICE_INT_H
#define OMADM_DEVICE_DEVICE_INT_H

#include "omadm/device.h"

#include "csp/dmclient/dmclient.h"
#include "csp/reboot/reboot.h"
#include "outbox/outbox.h"
#include "platform/platform.h"
#include "session/session.h"
#include "transport/transport.h"

/* The SessionID counter, a plain file in the state directory. */
#define DEVICE_FILE_SESSION_ID "device-session-id"

struct omadm_device_session {
    omadm_device *device;
    omadm_session *s;
    omadm_status failed; /* set by fail */
    int64_t retry_after;
    char detail[256];
};

struct omadm_device {
    omadm_platform platform;
    int have_platform;
    omadm_outbox *outbox;
    omadm_reboot *reboot;
    omadm_tree *tree;
    omadm_dmclient *dmclient;
    omadm_transport *transport; /* made at the first sync */
    omadm_device_session session;
    int in_session;
    /* SessionIDs reserved durably and not used yet (device.c): the next one
     * and how many are left. */
    unsigned sid_next, sid_left;
    /* copies of the configuration */
    char *device_id, *server_url, *ca_file, *cert_file, *key_file, *auth_name, *auth_secret,
        *user_agent;
    omadm_device_result last;
    int have_last;
    unsigned flags; /* OMADM_DEVICE_OPEN_* */
    int started;    /* the restart lifecycle's start-up ran */
};

#endif
