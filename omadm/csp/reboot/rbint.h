/* SPDX-License-Identifier: Apache-2.0 */
/* Shared internals of the Reboot CSP's files (reboot.c: the CSP callbacks;
 * lifecycle.c: intents, restart requests, outcomes; history.c; schedule.c:
 * schedules). Not for other modules. */
#ifndef OMADM_CSP_REBOOT_RBINT_H
#define OMADM_CSP_REBOOT_RBINT_H

#include "csp/reboot/reboot.h"

#define RB_BOOT_ID_MAX 128

typedef enum rb_trigger { RB_NOW = 0, RB_SINGLE, RB_DAILY, RB_WEEKLY } rb_trigger;
typedef enum rb_state { RB_ARMED = 0, RB_REQUESTED } rb_state;

/* A restart intent (an INTENT outbox record, parsed). Strings owned. */
typedef struct rb_intent {
    uint64_t id;
    rb_trigger trigger;
    rb_state state;
    char *uri;
    char *server; /* RebootNow only (NULL for schedules) */
    char *session;
    char *msgref;
    char *cmdref;
    char *boot; /* boot identity when accepted */
    int64_t requested;
    int64_t deadline;
} rb_intent;

/* A RebootNow Exec inside an Atomic, written at commit. */
typedef struct rb_pending_exec {
    char *uri, *server, *session, *msgref, *cmdref;
    struct rb_pending_exec *next;
} rb_pending_exec;

typedef struct rb_schedule {
    int set;
    char *text;     /* value as received; owned */
    char *uri;      /* node as the server spelled it; owned */
    int64_t wall;   /* the value's date and time fields (as if UTC) */
    int32_t offset; /* explicit offset; unused when local */
    int local;      /* no offset given: local wall-clock time */
    int64_t at;     /* resolved UTC instant of the value */
    int64_t next;   /* next occurrence not yet handled; INT64_MAX: none */
} rb_schedule;

typedef struct rb_history {
    char *server, *cmdref, *boot;
    int64_t at;
} rb_history;

struct omadm_reboot {
    const omadm_platform *platform;
    /* The boot identity, read once: it cannot change while the process
     * lives ("" when the first read failed: asked again each time). */
    char boot[RB_BOOT_ID_MAX];
    omadm_outbox *outbox;
    rb_intent *intents; /* cache of the outbox's INTENT records */
    size_t n_intents;
    int intents_current; /* the last load succeeded: the cache is the outbox's */
    rb_history *history;
    size_t n_history;
    /* "requested" marks (requested.c): intents of boot req_boot */
    char *req_boot;
    uint64_t *req_ids;
    size_t n_req;
    rb_schedule sched[OMADM_REBOOT_KIND_COUNT];
    /* Atomic */
    int in_txn;
    int txn_sched_dirty;
    rb_schedule saved[OMADM_REBOOT_KIND_COUNT];
    rb_pending_exec *pending;
    /* Group commit (dispatch.h): the current server message's changes
     * outside an Atomic, in memory only until rb_message_commit. */
    int in_msg;
    int msg_sched_dirty;
    rb_schedule msg_saved[OMADM_REBOOT_KIND_COUNT];  /* the schedules before them, */
    unsigned char msg_kept[OMADM_REBOOT_KIND_COUNT]; /* for the kinds changed */
    rb_pending_exec *msg_pending;                    /* RebootNow Execs accepted */
};

/* Names: "now", "single", ...; node names "Single", ... */
const char *omadm__rb_trigger_name(rb_trigger t);
const char *omadm__rb_node_name(omadm_reboot_kind k);

/* Maps an omadm_status to a CSP handler return (-500, -420 for FULL...). */
int omadm__rb_dm_error(omadm_status st);

/* ---- lifecycle.c ---- */
void omadm__rb_intents_clear(omadm_reboot *rb);
/* Rebuilds the intent cache from the outbox. */
omadm_status omadm__rb_intents_load(omadm_reboot *rb);
/* Writes a new intent (ARMED), flushed as `flush` says (OMADM_FILE_FLUSH_ALL:
 * durable; _ORDERED: durable once a later FLUSH_ALL write in the state
 * directory returns), and reloads the cache. */
omadm_status omadm__rb_intent_add(omadm_reboot *rb, rb_trigger trigger, const char *uri,
                                  const char *server, const char *session, const char *msgref,
                                  const char *cmdref, int64_t requested, const char *boot,
                                  unsigned flush, uint64_t *id);
/* Non-zero when a RebootNow with this non-integer CmdID from this server was
 * already accepted (pending intent or history). */
int omadm__rb_is_repeat(const omadm_reboot *rb, const char *server, const char *cmdref);
int omadm__rb_cmdid_is_integer(const char *cmdref);
/* Whether an intent or an outcome exists for this schedule occurrence. */
int omadm__rb_occurrence_known(const omadm_reboot *rb, rb_trigger trigger, int64_t due);
/* Writes an outcome unless one for the same command/occurrence exists.
 * `in` describes the command (id unused); boot_time < 0: no boot key. */
omadm_status omadm__rb_outcome_write(omadm_reboot *rb, const rb_intent *in, const char *outcome,
                                     int64_t boot_time, const char *detail);
/* Requests every ARMED intent of the current boot whose deadline has not
 * passed (the others are reported not-restarted). */
omadm_status omadm__rb_request_armed(omadm_reboot *rb, int64_t now, const char *boot);
omadm_status omadm__rb_current_boot(const omadm_reboot *rb, char *buf, size_t size);

/* ---- history.c ---- */
omadm_status omadm__rb_history_load(omadm_reboot *rb);
void omadm__rb_history_clear(omadm_reboot *rb);
int omadm__rb_history_has(const omadm_reboot *rb, const char *server, const char *cmdref);
/* Records a retired RebootNow's CmdID durably (no-op when present; keeps the
 * newest OMADM_REBOOT_HISTORY_MAX entries younger than
 * OMADM_REBOOT_HISTORY_DAYS). */
omadm_status omadm__rb_history_add(omadm_reboot *rb, const char *server, const char *cmdref,
                                   const char *boot, int64_t now);

/* ---- requested.c ---- */
omadm_status omadm__rb_requested_load(omadm_reboot *rb);
void omadm__rb_requested_clear(omadm_reboot *rb);
/* Whether intent `id` of `boot` is marked requested. */
int omadm__rb_requested_has(const omadm_reboot *rb, uint64_t id, const char *boot);
/* Marks the intents i with mark[i] == 1 (all of `boot`) requested, keeping
 * this boot's earlier marks; not flushed (requested.c). The intent cache
 * must be reloaded after it. */
omadm_status omadm__rb_requested_mark(omadm_reboot *rb, const unsigned char *mark,
                                      const char *boot);

/* ---- reboot.c ---- */
/* Opens the current message's group unless open. */
void omadm__rb_msg_open(omadm_reboot *rb);
/* Schedule `kind` changed in the open group; `old` is its value before
 * (moved: kept for an undo when it is the first change of the kind in the
 * message, else freed). */
void omadm__rb_msg_keep(omadm_reboot *rb, omadm_reboot_kind kind, rb_schedule *old);

/* ---- schedule.c ---- */
void omadm__rb_sched_free(rb_schedule *s);
omadm_status omadm__rb_sched_copy(rb_schedule *dst, const rb_schedule *src);
omadm_status omadm__rb_sched_load(omadm_reboot *rb);
/* Writes the schedules, flushed as `flush` says (see intent_add). */
omadm_status omadm__rb_sched_save(omadm_reboot *rb, unsigned flush);
/* Add/Replace of a schedule node: handler return (0 or -DM code). */
int omadm__rb_sched_set(omadm_reboot *rb, omadm_reboot_kind kind, const omadm_csp_request *req,
                        const char *data, size_t len, int is_add);
int omadm__rb_sched_delete(omadm_reboot *rb, omadm_reboot_kind kind);
/* The value as Get returns it. */
omadm_status omadm__rb_sched_display(const omadm_reboot *rb, const rb_schedule *s, char *buf);
/* Fires or reports every due occurrence; lowers *next_wakeup to the next
 * occurrence. */
omadm_status omadm__rb_sched_run(omadm_reboot *rb, int64_t now, int64_t boot_time, const char *boot,
                                 int64_t *next_wakeup);

#endif
