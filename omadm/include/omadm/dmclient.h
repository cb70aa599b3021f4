/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: a device's DMClient CSP (./Vendor/MSFT/DMClient), the parts
 * an agent acts on: the poll schedule the server set (when to start the
 * next session by itself) and the push channel it reports. */
#ifndef OMADM_DMCLIENT_H
#define OMADM_DMCLIENT_H

#include "omadm/export.h"

#include <stddef.h>

#include "omadm/device.h"
#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Provider/{id}/Poll of the first provider that has one (intervals in
 * minutes; a count of 0 with a non-zero interval repeats for ever), or the
 * defaults (15 minutes, 10 times) when none has. */
typedef struct omadm_poll_schedule_info {
    size_t size;                 /* sizeof(omadm_poll_schedule_info) */
    unsigned interval_first;     /* IntervalForFirstSetOfRetries */
    unsigned count_first;        /* NumberOfFirstRetries */
    unsigned interval_second;    /* IntervalForSecondSetOfRetries */
    unsigned count_second;       /* NumberOfSecondRetries */
    unsigned interval_remaining; /* IntervalForRemainingScheduledRetries */
    unsigned count_remaining;    /* NumberOfRemainingScheduledRetries */
    int poll_on_login;           /* PollOnLogin */
    int all_users_poll_on_first_login;
    int from_server; /* non-zero: a provider's Poll node exists */
} omadm_poll_schedule_info;

/* The committed schedule (inside an Atomic, the values before it). On a
 * STATE_ONLY device it is read from the state file. OMADM_ERR_INVALID for
 * a NULL argument or out->size too small; the platform's error when the
 * state file cannot be read (a corrupt one gives the defaults). */
OMADM_API omadm_status omadm_device_poll_schedule(const omadm_device *device,
                                                  omadm_poll_schedule_info *out);

/* Makes Provider/{id} exist (durably, without a Poll node), as Windows
 * does when it applies an enrollment, so that the server's first Gets
 * under it find it. OMADM_OK when it exists already; OMADM_ERR_INVALID for
 * an id that cannot be a node name; OMADM_ERR_STATE on a STATE_ONLY
 * device. */
OMADM_API omadm_status omadm_device_dmclient_provider(omadm_device *device, const char *id);

/* What every Provider/{id}/Push/ChannelURI and Push/Status answer: the
 * agent's push channel (`uri` copied; NULL = none) and the DMClient
 * Push/Status value (0 success, 4 no channel, 8 unknown error).
 * OMADM_ERR_NOMEM; OMADM_ERR_STATE on a STATE_ONLY device. */
OMADM_API omadm_status omadm_device_push_channel(omadm_device *device, const char *uri, int status);

#ifdef __cplusplus
}
#endif
#endif
