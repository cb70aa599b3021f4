/* SPDX-License-Identifier: Apache-2.0 */
/* Harness for the Reboot CSP tests: a state directory with the real sim
 * platform behind a fault-injecting wrapper, the real outbox, a tree with
 * the Reboot CSP, and helpers to run server commands and read the sim's
 * files independently of the code under test. */
#ifndef OMADM_TESTS_REBOOT_RBTEST_H
#define OMADM_TESTS_REBOOT_RBTEST_H

#include <stddef.h>
#include <stdint.h>

#include "csp/reboot/reboot.h"
#include "omadm/csp.h"
#include "outbox/outbox.h"
#include "platform/platform.h"

/* 2026-03-<d>T<h>:<m>:00Z as a unix time (2026-03-14 is day 20526). */
#define RBT_MAR(d, h, m) (((int64_t)20512 + (d)) * 86400 + (h)*3600 + (m)*60)
/* 2026-03-14T09:00:00Z: the tests' epoch. */
#define RBT_T0     ((int64_t)1773478800)
#define RBT_SERVER "https://mdm.example.test/omadm"

typedef struct rbt {
    char *dir;           /* state directory (malloc'd) */
    omadm_platform sim;  /* the real sim platform */
    omadm_platform plat; /* wrapper handed to the code under test */
    /* fault injection through the wrapper */
    int fail_replace_at;  /* fail the Nth file_replace (1-based) with IO, 0: off */
    int crash_replace_at; /* the Nth file_replace crashes (OMADM_CRASH_AT set
                             to crash_replace_point, then the real call) */
    const char *crash_replace_point;
    int replaces;               /* file_replace calls so far */
    char replace_names[32][64]; /* the first 32 file_replace targets */
    unsigned replace_flush[32]; /* and how each was flushed (OMADM_FILE_FLUSH_*) */
    omadm_status probe_status;  /* can_restart answers this when not OMADM_OK */
    /* A time-zone rule instead of the sim's fixed utc-offset when dst_at
     * is non-zero: dst_before seconds east of UTC before dst_at, dst_after
     * from then on. */
    int64_t dst_at;
    int32_t dst_before, dst_after;
    omadm_outbox *outbox;
    omadm_reboot *rb;
    omadm_tree *tree;
} rbt;

/* Checks usable both inside a cmocka test and in a forked child (where a
 * cmocka failure would unwind into the child's copy of the runner): in a
 * child a failed check prints and _exit(3)s. */
extern int rbt_child;
_Noreturn void rbt_fail(const char *file, int line, const char *what);
#define RBT_CHECK(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            rbt_fail(__FILE__, __LINE__, #cond);                                                   \
    } while (0)

/* Log lines of level ERROR seen so far, and those mentioning "corrupt"
 * (a torn or unreadable durable file). Installed by rbt_init. */
extern int rbt_log_errors;
extern int rbt_log_corrupt;

/* A fresh state directory: sim/now = RBT_T0, sim/boot-id = "boot-A",
 * sim/boot-time = RBT_T0 - 3600, utc-offset 0. Nothing opened. */
void rbt_init(rbt *t);
/* Opens platform, outbox, CSP (and registers it in a new tree). Asserts
 * success. Does not call startup. */
void rbt_open(rbt *t);
/* Frees everything opened (a process exit). */
void rbt_close(rbt *t);
/* rbt_close plus removal of the state directory. */
void rbt_cleanup(rbt *t);
/* cmocka fixtures: *state = a new rbt, initialised, opened and started up
 * (omadm__reboot_startup); and its cleanup (NULL state: nothing). */
int rbt_setup(void **state);
int rbt_teardown(void **state);

void rbt_set_now(rbt *t, int64_t now);
void rbt_set_offset(rbt *t, int32_t offset);
/* A reboot: new boot id and boot time (the agent must be closed). */
void rbt_set_boot(rbt *t, const char *id, int64_t boot_time);
void rbt_refuse_restart(rbt *t, int on); /* the sim's refuse-restart file */
/* The current sim/boot-id text (static buffer), "" when absent. */
const char *rbt_boot_id(const rbt *t);
/* The sim clock (sim/now). */
int64_t rbt_now(const rbt *t);

/* Lines in sim/restarts.log (0 when absent). */
int rbt_restarts(const rbt *t);
/* The Nth line of sim/restarts.log (malloc'd) or NULL. */
char *rbt_restart_line(const rbt *t, int n);

/* Outcome records in the outbox, in order; NULL past the end. */
size_t rbt_outcome_count(const rbt *t);
const omadm_outbox_entry *rbt_outcome(const rbt *t, size_t n);
size_t rbt_intent_count(const rbt *t);

/* Runs `body` (SyncBody commands, no Final) as one server message with
 * SessionID `session` and MsgID `msg` through omadm_tree_process; returns the
 * reply (malloc'd). */
char *rbt_process(rbt *t, const char *session, const char *msg, const char *body);
/* Status code of the command `cmdref` in a reply, -1 when none; asserts
 * there is at most one. */
int rbt_status(const char *reply, const char *cmdref);
/* Results Data (malloc'd, NULL when none) and Meta/Format (copied into
 * format[16], "" when absent) for `cmdref`. */
char *rbt_result(const char *reply, const char *cmdref, char *format);

/* Convenience: one command through rbt_process, its Status. */
int rbt_cmd(rbt *t, const char *cmd, const char *cmdid, const char *uri, const char *data);

#endif
