/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: a device's restart lifecycle (the Reboot CSP's durable state,
 * DESIGN.md §3), for agents built on omadm/device.h.
 *
 *   omadm_device_startup       once, before the first session (device.h;
 *                              omadm_device_new runs it)
 *   omadm_device_tick          whenever the agent wakes up (device.h)
 *   omadm_device_restart_flush before the process exits: requests every
 *                              restart armed but not requested yet (a
 *                              restart promised to the server is never left
 *                              to a process that is going away)
 *
 * and the state a status report shows: the restarts not resolved yet and
 * the three schedules the server set. Strings in the structs below are
 * borrowed from the device until the next call on it. Every struct starts
 * with `size` (set it to sizeof before the call): later versions append
 * members. */
#ifndef OMADM_RESTART_H
#define OMADM_RESTART_H

#include "omadm/export.h"

#include <stddef.h>
#include <stdint.h>

#include "omadm/device.h"
#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Requests every armed restart now (`sync`-style agents, and any agent
 * stopping). OMADM_OK when there was none; the platform's error when a
 * request failed (the outcome is then reported as refused).
 * OMADM_ERR_STATE on a STATE_ONLY device. */
OMADM_API omadm_status omadm_device_restart_flush(omadm_device *device);

/* A restart accepted and not resolved yet. */
typedef struct omadm_restart_pending {
    size_t size;         /* sizeof(omadm_restart_pending) */
    const char *trigger; /* "now", "single", "daily", "weekly" */
    const char *uri;     /* the node as the server spelled it */
    const char *cmdref;  /* the Exec's CmdID; NULL for a schedule */
    const char *state;   /* "armed" (waits for the session's end or the
                            deadline) or "requested" */
    int64_t requested;   /* acceptance or due time, unix seconds */
    int64_t deadline;    /* never requested after this, unix seconds */
    int earlier_boot;    /* accepted during an earlier boot */
} omadm_restart_pending;

/* How many restarts are pending, and the one at `index` (0 = oldest):
 * OMADM_ERR_NOT_FOUND past the end, OMADM_ERR_INVALID for a NULL argument
 * or out->size too small. */
OMADM_API size_t omadm_device_restart_pending_count(const omadm_device *device);
OMADM_API omadm_status omadm_device_restart_pending_at(const omadm_device *device, size_t index,
                                                       omadm_restart_pending *out);

/* The Reboot CSP's schedules (values are part of the ABI). */
typedef enum omadm_restart_kind {
    OMADM_RESTART_SINGLE = 0, /* Schedule/Single */
    OMADM_RESTART_DAILY = 1,  /* Schedule/DailyRecurrent */
    OMADM_RESTART_WEEKLY = 2, /* Schedule/WeeklyRecurrent */
    OMADM_RESTART_KIND_COUNT = 3
} omadm_restart_kind;

typedef struct omadm_restart_schedule {
    size_t size;       /* sizeof(omadm_restart_schedule) */
    int set;           /* 0: this schedule is not set (the rest is empty) */
    const char *node;  /* "Single", "DailyRecurrent", "WeeklyRecurrent" */
    const char *text;  /* the value as the server sent it */
    char value[32];    /* the value as Get returns it */
    int64_t instant;   /* the value's instant, unix seconds (UTC) */
    int64_t next_fire; /* next occurrence not handled yet; INT64_MAX: none */
} omadm_restart_schedule;

/* One schedule. OMADM_ERR_INVALID for a NULL argument, an unknown kind or
 * out->size too small. */
OMADM_API omadm_status omadm_device_restart_schedule(const omadm_device *device,
                                                     omadm_restart_kind kind,
                                                     omadm_restart_schedule *out);

/* Meta/Type of the restart outcome alert (generic alert 1226) the device
 * sends, and of the outbox records that hold one until the server
 * acknowledges it; their Data is a record (omadm/record.h) with the keys
 * trigger, outcome, detail, cmdref, requested, deadline, boot. Static. */
OMADM_API const char *omadm_restart_outcome_type(void);

#ifdef __cplusplus
}
#endif
#endif
