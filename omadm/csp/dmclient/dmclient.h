/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient CSP, the poll schedule part (dmclient-devinfo.md §1) and the
 * Push nodes (push.h):
 * ./Vendor/MSFT/DMClient/Provider/{ProviderID}/Poll/{six int nodes, two
 * bool nodes} (also under ./Device/...), stored durably through the
 * platform in the state file "dmclient.conf", and readable by the poller.
 *
 * Node behaviour:
 *  - Provider/{id}: Add creates an empty provider, Delete removes it.
 *  - Provider/{id}/Poll: Add creates it (and the provider) with the
 *    defaults; Delete removes it (the provider stays).
 *  - Poll leaves: Get; Replace (and Add on an absent Poll) creates the
 *    provider and Poll as needed; Delete resets the leaf to its default.
 *    Values: int nodes a decimal 0..2147483647 (not an integer: 415 from
 *    the dispatcher's Format check; negative or too large: 400), bool nodes
 *    "true"/"false" (anything else 415).
 *  - A change leaving all three intervals 0, or all three counts 0, is
 *    refused with 403 and the old values stay (inside an Atomic the check
 *    runs at commit, so a schedule may pass through such a state).
 *  - At most 16 providers (420 beyond).
 * A state file that cannot be parsed is ignored with a warning: defaults. */
#ifndef OMADM_CSP_DMCLIENT_DMCLIENT_H
#define OMADM_CSP_DMCLIENT_DMCLIENT_H

#include "omadm/csp.h"
#include "platform/platform.h"

#define OMADM_DMCLIENT_FILE          "dmclient.conf"
#define OMADM_DMCLIENT_MAX_PROVIDERS 16

/* One provider's poll schedule. Intervals in minutes. */
typedef struct omadm_poll_schedule {
    unsigned interval_first;           /* IntervalForFirstSetOfRetries, default 15 */
    unsigned count_first;              /* NumberOfFirstRetries, default 10 */
    unsigned interval_second;          /* IntervalForSecondSetOfRetries, default 0 */
    unsigned count_second;             /* NumberOfSecondRetries, default 0 */
    unsigned interval_remaining;       /* IntervalForRemainingScheduledRetries, 0 */
    unsigned count_remaining;          /* NumberOfRemainingScheduledRetries, 0 */
    int poll_on_login;                 /* PollOnLogin, default false */
    int all_users_poll_on_first_login; /* AllUsersPollOnFirstLogin, false */
} omadm_poll_schedule;

#define OMADM_POLL_SCHEDULE_DEFAULT                                                                \
    {                                                                                              \
        15, 10, 0, 0, 0, 0, 0, 0                                                                   \
    }

typedef struct omadm_dmclient omadm_dmclient;

/* Loads the state file and registers ./Vendor/MSFT/DMClient on `tree`,
 * which owns the CSP. `platform` is borrowed and must outlive the tree.
 * *out (may be NULL) receives a handle borrowed from the tree, for the
 * poller. Fails with the platform's error when the file exists but cannot
 * be read (OMADM_ERR_IO...), never for a corrupt file. */
omadm_status omadm__dmclient_register(omadm_tree *tree, const omadm_platform *platform,
                                      omadm_dmclient **out);

/* The schedule of the first provider that has a Poll node (in creation
 * order), or the defaults when there is none. *has_provider (may be NULL)
 * is set to whether a provider's Poll node exists. Values as committed:
 * inside an Atomic the pre-Atomic values. */
void omadm__dmclient_poll_get(const omadm_dmclient *dmclient, omadm_poll_schedule *out,
                              int *has_provider);

/* Incremented at every committed change of any schedule: the poller resets
 * its counts when it changes. */
unsigned omadm__dmclient_generation(const omadm_dmclient *dmclient);

/* Reads the schedule straight from the state file, without a tree (for
 * `omadm-agent status`): same answer as omadm__dmclient_poll_get. A
 * missing or corrupt file gives the defaults and OMADM_OK; a read error is
 * returned. */
omadm_status omadm__dmclient_load_schedule(const omadm_platform *platform, omadm_poll_schedule *out,
                                           int *has_provider);

/* Makes Provider/{id} exist (durably, no Poll node: the schedule stays as
 * it is), as Windows does when it applies an enrollment's DMClient
 * characteristic, so that the server's first Gets under it (Push/
 * ChannelURI...) find it. OMADM_OK when it already exists;
 * OMADM_ERR_INVALID for an id that cannot be a node name. */
omadm_status omadm__dmclient_ensure_provider(omadm_dmclient *dmclient, const char *id);

/* What Provider/{id}/Push/ChannelURI and Push/Status answer: the agent's
 * push channel (uri copied; NULL = none) and a DMClient Push/Status value
 * (0 success, 4 no channel, 8 unknown error). PFN is the server's and
 * stored durably (push.h). */
omadm_status omadm__dmclient_push_set_channel(omadm_dmclient *dmclient, const char *uri,
                                              int status);

#endif
