/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by sync and run: the HTTPS exchange and the state directory lock. */
#ifndef AGENT_SYNC_H
#define AGENT_SYNC_H

#include <stddef.h>

#include "agent/config.h"
#include "agent/device.h"
#include "transport/transport.h"

/* Creates the transport for cfg's server, CA and client certificate.
 * 0, or -1 with a message. */
int agent_https_open(omadm_transport **out, const agent_config *cfg, char *err, size_t errsize);
/* An exchange that POSTs over `t` (borrowed). */
void agent_https_exchange(agent_exchange *ex, omadm_transport *t);

/* Creates cfg->state_dir if needed and locks it for this process; *lock
 * is the handle for agent_os_unlock_dir. 0, or -1 with a message. */
int agent_state_lock(const agent_config *cfg, int *lock, char *err, size_t errsize);

#endif
