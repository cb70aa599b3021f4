/* SPDX-License-Identifier: Apache-2.0 */
/* The Reboot CSP (./Device/Vendor/MSFT/Reboot, also ./Vendor/MSFT/Reboot)
 * and the restart lifecycle (DESIGN.md §3, reboot-csp.md).
 *
 * Internal to libomadm; the agent creates one per process:
 *
 *     omadm__reboot_new(&rb, platform, outbox);
 *     omadm__reboot_register(rb, tree);
 *     omadm__reboot_startup(rb);          once, before the first session
 *     ... sessions (the CSP's session_end requests an armed restart) ...
 *     omadm__reboot_tick(rb, &next);      whenever the poller wakes up
 *     omadm__reboot_flush(rb);            `sync` mode, before exit
 *
 * Durable state, all through the platform's file API:
 *  - restart intents: outbox records of kind OMADM_OUTBOX_INTENT, one per
 *    accepted RebootNow Exec or fired schedule; their payload is a
 *    key=value line ("v=1;trigger=now;uri=...;state=armed..."), written
 *    once ("state=requested" from older versions is still read);
 *  - "reboot-requested.conf": which intents of the current boot the
 *    platform was asked to restart for (requested.c: replaced atomically,
 *    not flushed; it only matters within the boot that wrote it);
 *  - outcomes: OMADM_OUTBOX_OUTCOME records, the generic alert 1226 of
 *    reboot-csp.md §6, sent and settled by the session;
 *  - "reboot-schedule.conf": the three schedules (value as received, the
 *    resolved instant, the next occurrence not yet handled);
 *  - "reboot-history.conf": the non-integer CmdIDs of RebootNow Execs whose
 *    intent has been retired (server, CmdID, boot identity, time), the last
 *    OMADM_REBOOT_HISTORY_MAX entries and none older than
 *    OMADM_REBOOT_HISTORY_DAYS days, so that a resent Exec (Fleet resends
 *    until it sees the Status) gets 200 and no second restart. While the
 *    intent itself exists it serves the same purpose.
 *
 * Exactly-once: the intent is durable before the Exec's Status 200 exists
 * (the dispatcher's group commit writes a message's intents and schedule
 * changes together, before its Statuses are built: reboot.c); an intent is
 * marked "requested" before the platform is asked to restart (a mark a
 * process crash cannot lose; a power loss ends the boot, and with it what
 * the mark is about). At start-up, an intent marked "requested" whose boot identity is
 * the current one and whose deadline has not passed is requested again: the
 * process may have died between the mark and the platform call. A repeated
 * request cannot restart the device twice: the boot identity changes at the
 * restart and only the boot that recorded the intent ever asks; the
 * platforms accept a repeated request while a restart is pending (the sim
 * appends another line, win32 counts ERROR_SHUTDOWN_IN_PROGRESS /
 * ERROR_SHUTDOWN_IS_SCHEDULED as success). Every outcome other than
 * `restarted` carries a `detail` token: deadline-passed, agent-stopped,
 * shutdown-blocked, boot-after-deadline, platform-refused, platform-error,
 * device-off.
 *
 * Crash points (OMADM_CRASH_AT, test builds): "group-between" (a
 * message's intents written, its schedule changes not yet), "intent-written" (intent
 * durable, Status not yet produced), "restart-marked" (intents durably
 * "requested", platform not yet asked), "restart-requested" (platform call
 * returned), "boot-detected" (outcome durable, intent not yet removed).
 * Outcome records are written idempotently (an existing outcome for the
 * same command or occurrence is kept), so a crash between an outcome and
 * its intent's removal never duplicates the report.
 *
 * When: a RebootNow is requested at the end of a completed session, by
 * tick() OMADM_REBOOT_REQUEST_MARGIN before its deadline when the session
 * failed, by flush() in `sync` mode, or at startup. Never after its
 * deadline: an armed restart found past it (agent stopped, host asleep, a
 * session longer than the deadline) is reported `not-restarted`. A
 * RebootNow accepted while a restart is already requested in this boot
 * shares it (coalesced: one request, each command reported). Exec inside
 * an Atomic is only written at txn_commit, outside one at the message's
 * group commit.
 *
 * Platform refusal: at Exec time the platform's can_restart (when set)
 * decides: OMADM_ERR_ACCESS -> 425, another error -> 500, no intent. A
 * request_restart failing later gives the outcome `refused`.
 *
 * Schedules: see schedule.c for the occurrence rules. Get returns the
 * value in extended format with the offset in effect (a Z value reads
 * "+00:00", a local one the platform's offset at that instant).
 *
 * Threading: one thread at a time, like the tree. */
#ifndef OMADM_CSP_REBOOT_REBOOT_H
#define OMADM_CSP_REBOOT_REBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/csp.h"
#include "outbox/outbox.h"
#include "platform/platform.h"

/* Restart deadline after acceptance (or after a schedule's due time), and
 * the window in which a due schedule still fires. */
#define OMADM_REBOOT_DEADLINE_SECONDS 300
/* An armed restart (session failed) is requested this long before its
 * deadline at the latest. */
#define OMADM_REBOOT_REQUEST_MARGIN 60
/* A requested restart not seen by this long after its deadline (agent still
 * running on the same boot) is reported not-restarted. */
#define OMADM_REBOOT_REPORT_GRACE 120
#define OMADM_REBOOT_HISTORY_MAX  64
#define OMADM_REBOOT_HISTORY_DAYS 90
/* Meta/Type of the outcome alert (a build constant, reboot-csp.md §6). */
#ifndef OMADM_REBOOT_OUTCOME_TYPE
#define OMADM_REBOOT_OUTCOME_TYPE "org.omadm-agent.reboot.outcome"
#endif
#define OMADM_REBOOT_ROOT           "./Vendor/MSFT/Reboot"
#define OMADM_REBOOT_SCHEDULE_FILE  "reboot-schedule.conf"
#define OMADM_REBOOT_HISTORY_FILE   "reboot-history.conf"
#define OMADM_REBOOT_REQUESTED_FILE "reboot-requested.conf"

typedef struct omadm_reboot omadm_reboot;

/* Creates the CSP and loads its durable state (schedules, history,
 * intents). `platform` and `outbox` are borrowed and must outlive it.
 * *out is owned by the caller (omadm__reboot_free). A corrupt state file is
 * logged and treated as empty (it is rewritten on the next change). */
omadm_status omadm__reboot_new(omadm_reboot **out, const omadm_platform *platform,
                               omadm_outbox *outbox);
void omadm__reboot_free(omadm_reboot *rb); /* accepts NULL */

/* Registers the CSP at OMADM_REBOOT_ROOT with device scope only: both
 * ./Vendor/MSFT/Reboot and ./Device/Vendor/MSFT/Reboot reach it,
 * ./User/Vendor/MSFT/Reboot is 404. `rb` must outlive `tree`. */
omadm_status omadm__reboot_register(omadm_reboot *rb, omadm_tree *tree);

/* Once per process, before the first session: resolves every intent (new
 * boot -> `restarted` or `late`; same boot past the deadline ->
 * `not-restarted`, never a late restart; same boot before the deadline ->
 * requested now, again if it was requested before) and reports schedules that fell due
 * while the agent was not running as `missed`. */
omadm_status omadm__reboot_startup(omadm_reboot *rb);

/* Fires due schedules (within OMADM_REBOOT_DEADLINE_SECONDS of their time;
 * later ones are `missed`), requests armed restarts by their deadline and
 * reports requested ones not seen by the grace time. *next_wakeup receives
 * the unix time at which it needs to run again, INT64_MAX when nothing is
 * pending. */
omadm_status omadm__reboot_tick(omadm_reboot *rb, int64_t *next_wakeup);

/* `sync` mode before exit: requests every armed restart now. */
omadm_status omadm__reboot_flush(omadm_reboot *rb);

/* ---- status ------------------------------------------------------------ */

typedef struct omadm_reboot_pending {
    const char *trigger; /* "now", "single", "daily", "weekly" (static) */
    const char *uri;     /* the node as the server spelled it */
    const char *cmdref;  /* CmdID of the Exec; NULL for a schedule */
    const char *state;   /* "armed" (waiting for the session's end or the
                            deadline) or "requested" (static) */
    int64_t requested;   /* acceptance or due time, unix */
    int64_t deadline;
    int earlier_boot; /* accepted during an earlier boot (resolved at startup) */
} omadm_reboot_pending;

/* Restart intents not yet resolved. Strings are borrowed until the next
 * call into the module. Returns OMADM_ERR_NOT_FOUND past the end. */
size_t omadm__reboot_pending_count(const omadm_reboot *rb);
omadm_status omadm__reboot_pending_at(const omadm_reboot *rb, size_t index,
                                      omadm_reboot_pending *out);

typedef enum omadm_reboot_kind {
    OMADM_REBOOT_SINGLE = 0,
    OMADM_REBOOT_DAILY,
    OMADM_REBOOT_WEEKLY,
    OMADM_REBOOT_KIND_COUNT
} omadm_reboot_kind;

typedef struct omadm_reboot_schedule {
    int set;
    const char *node;  /* "Single", "DailyRecurrent", "WeeklyRecurrent" */
    const char *text;  /* the value as received (borrowed as above) */
    char value[32];    /* the value as Get returns it */
    int64_t instant;   /* the value's resolved UTC instant */
    int64_t next_fire; /* next occurrence not yet handled; INT64_MAX: none */
} omadm_reboot_schedule;

/* One schedule; out->set is 0 when that schedule is not set. */
omadm_status omadm__reboot_schedule_get(const omadm_reboot *rb, omadm_reboot_kind kind,
                                        omadm_reboot_schedule *out);

#endif
