/* SPDX-License-Identifier: Apache-2.0 */
/* The RebootNow lifecycle (DESIGN.md §3) driven through the dispatcher and
 * the tree's session_end: intents, the restart request at the session's end
 * or by the deadline, outcomes at the next start, refusal, repeats,
 * coalescing, `sync` flush, failing durable writes. The session engine's
 * part (alerts, acks, crash points) is in test_reboot_session.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../platform/testutil.h"
#include "core/alloc.h"
#include "dispatch/dispatch.h"
#include "rbtest.h"

#define DEV  "./Device/Vendor/MSFT/Reboot"
#define LEG  "./Vendor/MSFT/Reboot"
#define UUID "5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88"

static int exec_now(rbt *t, const char *session, const char *msg, const char *cmdid,
                    const char *uri)
{
    char body[512], *reply;
    int code;

    snprintf(body, sizeof body,
             "<Exec><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Exec>",
             cmdid, uri);
    reply = rbt_process(t, session, msg, body);
    code = rbt_status(reply, cmdid);
    free(reply);
    return code;
}

static void reboot_device(rbt *t, const char *id, int64_t boot_time, int64_t now)
{
    rbt_close(t);
    rbt_set_boot(t, id, boot_time);
    rbt_set_now(t, now);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
}

static void restart_agent(rbt *t, int64_t now)
{
    rbt_close(t);
    rbt_set_now(t, now);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
}

static void expect_outcome(rbt *t, size_t n, const char *uri, const char *data, const char *mark)
{
    const omadm_outbox_entry *e = rbt_outcome(t, n);

    assert_non_null(e);
    assert_string_equal(e->source_uri, uri);
    assert_string_equal(e->type, "org.omadm-agent.reboot.outcome");
    assert_string_equal(e->format, "chr");
    assert_string_equal(e->mark, mark);
    assert_string_equal(e->data, data);
}

static void test_happy_path(void **state)
{
    rbt *t = *state;
    omadm_reboot_pending p;
    char *line;

    assert_int_equal(exec_now(t, "17", "1", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 1);
    assert_int_equal(rbt_restarts(t), 0);
    /* The server answered: the session completed. */
    rbt_set_now(t, RBT_T0 + 20);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    line = rbt_restart_line(t, 0);
    assert_string_equal(line, "requested_at=1773478820 deadline=1773479100 reason=rebootnow");
    free(line);
    assert_int_equal(omadm__reboot_pending_at(t->rb, 0, &p), OMADM_OK);
    assert_string_equal(p.state, "requested");
    assert_int_equal(rbt_outcome_count(t), 0);
    /* A later session end requests nothing more. */
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(omadm__reboot_flush(t->rb), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
    /* The device restarts 48 s after the request. */
    reboot_device(t, "boot-B", RBT_T0 + 48, RBT_T0 + 90);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(rbt_outcome_count(t), 1);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=17;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "boot=2026-03-14T09:00:48Z;outcome=restarted",
                   "informational");
    /* Another start does not report it twice. */
    restart_agent(t, RBT_T0 + 200);
    assert_int_equal(rbt_outcome_count(t), 1);
}

static void test_legacy_root_spelling_kept(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "3", "2", "7", LEG "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    reboot_device(t, "boot-B", RBT_T0 + 30, RBT_T0 + 60);
    expect_outcome(t, 0, LEG "/RebootNow",
                   "v=1;trigger=now;cmdref=7;msgref=2;session=3;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "boot=2026-03-14T09:00:30Z;outcome=restarted",
                   "informational");
}

static void test_late_restart(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    reboot_device(t, "boot-B", RBT_T0 + 301, RBT_T0 + 400);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=1;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "boot=2026-03-14T09:05:01Z;outcome=late;detail=boot-after-deadline",
                   "critical");
}

/* The session failed: the restart stays armed and tick() requests it
 * shortly before the deadline. */
static void test_failed_session_deadline(void **state)
{
    rbt *t = *state;
    int64_t next = 0;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 0);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_int_equal(next, RBT_T0 + 300 - OMADM_REBOOT_REQUEST_MARGIN);
    rbt_set_now(t, next - 1);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 0);
    rbt_set_now(t, next);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(next, RBT_T0 + 300 + OMADM_REBOOT_REPORT_GRACE + 1);
    /* Not seen by the grace time (agent still running): not-restarted. */
    rbt_set_now(t, next);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_true(next == INT64_MAX);
    assert_int_equal(rbt_intent_count(t), 0);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=1;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "outcome=not-restarted;detail=shutdown-blocked",
                   "critical");
    assert_int_equal(rbt_restarts(t), 1);
}

/* The session failed and nothing ran until after the deadline (the host
 * slept): tick() and flush() report instead of restarting late. */
static void test_tick_after_deadline_no_late_restart(void **state)
{
    rbt *t = *state;
    int64_t next = 0;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(exec_now(t, "1", "2", "u-2", DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 0);
    rbt_set_now(t, RBT_T0 + 310);
    assert_int_equal(omadm__reboot_flush(t->rb), OMADM_OK);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_true(next == INT64_MAX);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(rbt_outcome_count(t), 2);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=1;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "outcome=not-restarted;detail=deadline-passed",
                   "critical");
}

/* Requested, then the agent starts again on the same boot after the
 * deadline: not-restarted, and no late restart. */
static void test_deadline_passed_same_boot(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    restart_agent(t, RBT_T0 + 1000);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_intent_count(t), 0);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=1;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "outcome=not-restarted;detail=shutdown-blocked",
                   "critical");
}

/* The agent died between the Status and the request. */
static void test_agent_stopped_before_request(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    /* Same boot, before the deadline: requested at start. */
    restart_agent(t, RBT_T0 + 100);
    assert_int_equal(rbt_restarts(t), 1);
    /* Requested, same boot, before the deadline: asked again (the agent
     * may have died before the platform call; a repeat cannot restart
     * twice). */
    restart_agent(t, RBT_T0 + 120);
    assert_int_equal(rbt_restarts(t), 2);
    /* And after the deadline: reported, never restarted late. */
    assert_int_equal(exec_now(t, "2", "1", "x-2", DEV "/RebootNow"), 200);
    restart_agent(t, RBT_T0 + 120 + 301);
    assert_int_equal(rbt_restarts(t), 2);
    assert_int_equal(rbt_outcome_count(t), 2);
}

static void test_agent_stopped_after_deadline(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    restart_agent(t, RBT_T0 + 301);
    assert_int_equal(rbt_restarts(t), 0);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=1;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "outcome=not-restarted;detail=agent-stopped",
                   "critical");
}

/* request_restart itself fails after the Exec was answered: `refused`. */
static void test_platform_refuses_at_request(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    rbt_refuse_restart(t, 1);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_intent_count(t), 0);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=" UUID ";msgref=1;session=1;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "outcome=refused;detail=platform-refused",
                   "critical");
    /* Nothing is retried later. */
    rbt_refuse_restart(t, 0);
    restart_agent(t, RBT_T0 + 30);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_outcome_count(t), 1);
}

/* The platform refuses at Exec time: failure Status, no intent. */
static void test_platform_refuses_at_exec(void **state)
{
    rbt *t = *state;

    rbt_refuse_restart(t, 1);
    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 425);
    rbt_refuse_restart(t, 0);
    t->probe_status = OMADM_ERR_ACCESS;
    assert_int_equal(exec_now(t, "1", "1", "u-2", DEV "/RebootNow"), 425);
    /* The platform cannot tell: 500, no intent either. */
    t->probe_status = OMADM_ERR_IO;
    assert_int_equal(exec_now(t, "1", "1", "u-3", DEV "/RebootNow"), 500);
    t->probe_status = OMADM_OK;
    assert_int_equal(rbt_intent_count(t), 0);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_outcome_count(t), 0);
    /* A refused Exec is not remembered: the same CmdID later works. */
    assert_int_equal(exec_now(t, "2", "1", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 1);
}

/* Fleet resends the same UUID Exec after the reboot (it never saw the
 * Status): 200, no second restart; integer CmdIDs are never repeats. */
static void test_resent_uuid(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    /* Resent in the same session before the restart. */
    assert_int_equal(exec_now(t, "1", "2", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 1);
    omadm__tree_session_end(t->tree, 1);
    reboot_device(t, "boot-B", RBT_T0 + 40, RBT_T0 + 60);
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_int_equal(rbt_intent_count(t), 0);
    /* Next session, the same Exec again (the history remembers it). */
    assert_int_equal(exec_now(t, "2", "1", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 0);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    /* Even after another agent restart and reboot. */
    reboot_device(t, "boot-C", RBT_T0 + 3600, RBT_T0 + 3700);
    assert_int_equal(exec_now(t, "3", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    /* A different server may use the same label. */
    {
        char *reply = NULL, *xml;
        size_t len = 0;
        const char *msg =
            "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
            "<VerProto>DM/1.2</VerProto><SessionID>4</SessionID><MsgID>1</MsgID>"
            "<Target><LocURI>sim-device</LocURI></Target><Source><LocURI>"
            "https://other.example.test/</LocURI></Source></SyncHdr><SyncBody>"
            "<Exec><CmdID>" UUID "</CmdID><Item><Target><LocURI>" DEV "/RebootNow</LocURI>"
            "</Target></Item></Exec><Final/></SyncBody></SyncML>";

        xml = strdup(msg);
        assert_int_equal(omadm_tree_process(t->tree, xml, strlen(xml), &reply, &len), OMADM_OK);
        assert_int_equal(rbt_status(reply, UUID), 200);
        omadm_free(reply);
        free(xml);
        assert_int_equal(rbt_intent_count(t), 1);
    }
}

static void test_integer_cmdid_not_a_repeat(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", "4", DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    reboot_device(t, "boot-B", RBT_T0 + 40, RBT_T0 + 60);
    assert_int_equal(exec_now(t, "2", "1", "4", DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 1);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 2);
}

/* Two RebootNow in one session: one restart, both reported. */
static void test_coalesce(void **state)
{
    rbt *t = *state;
    char *reply;

    reply = rbt_process(t, "9", "2",
                        "<Exec><CmdID>3</CmdID><Item><Target><LocURI>" DEV
                        "/RebootNow</LocURI></Target></Item></Exec>"
                        "<Exec><CmdID>4</CmdID><Item><Target><LocURI>" LEG
                        "/RebootNow</LocURI></Target></Item></Exec>");
    assert_int_equal(rbt_status(reply, "3"), 200);
    assert_int_equal(rbt_status(reply, "4"), 200);
    free(reply);
    assert_int_equal(rbt_intent_count(t), 2);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    /* A third one while that restart is on its way joins it. */
    rbt_set_now(t, RBT_T0 + 10);
    assert_int_equal(exec_now(t, "10", "1", "5", DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    reboot_device(t, "boot-B", RBT_T0 + 40, RBT_T0 + 60);
    assert_int_equal(rbt_outcome_count(t), 3);
    expect_outcome(t, 0, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=3;msgref=2;session=9;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "boot=2026-03-14T09:00:40Z;outcome=restarted",
                   "informational");
    expect_outcome(t, 1, LEG "/RebootNow",
                   "v=1;trigger=now;cmdref=4;msgref=2;session=9;"
                   "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                   "boot=2026-03-14T09:00:40Z;outcome=restarted",
                   "informational");
    expect_outcome(t, 2, DEV "/RebootNow",
                   "v=1;trigger=now;cmdref=5;msgref=1;session=10;"
                   "requested=2026-03-14T09:00:10Z;deadline=2026-03-14T09:05:10Z;"
                   "boot=2026-03-14T09:00:40Z;outcome=restarted",
                   "informational");
}

/* `sync` mode: the restart is requested before the process exits, even
 * when the session failed. */
static void test_sync_flush(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 0);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(omadm__reboot_flush(t->rb), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(omadm__reboot_flush(t->rb), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
}

/* The intent cannot be written: failure Status, nothing armed. */
static void test_intent_write_fails(void **state)
{
    rbt *t = *state;

    t->replaces = 0;
    t->fail_replace_at = 1;
    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 500);
    t->fail_replace_at = 0;
    assert_int_equal(rbt_intent_count(t), 0);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 0);
    /* Not remembered as executed. */
    assert_int_equal(exec_now(t, "1", "2", UUID, DEV "/RebootNow"), 200);
}

/* Marking the intent "requested" fails: no request is made (the mark must
 * precede it); the next chance requests it once. */
static void test_mark_write_fails(void **state)
{
    rbt *t = *state;
    int64_t next = 0;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    t->replaces = 0;
    t->fail_replace_at = 1;
    omadm__tree_session_end(t->tree, 1);
    t->fail_replace_at = 0;
    assert_int_equal(rbt_restarts(t), 0);
    rbt_set_now(t, RBT_T0 + 250);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
    /* A start before the deadline asks again; after it, never. */
    restart_agent(t, RBT_T0 + 260);
    assert_int_equal(rbt_restarts(t), 2);
    restart_agent(t, RBT_T0 + 301);
    assert_int_equal(rbt_restarts(t), 2);
}

/* The outcome write fails at start: the intent stays, the next start
 * reports it once. */
static void test_outcome_write_fails(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    rbt_close(t);
    rbt_set_boot(t, "boot-B", RBT_T0 + 40);
    rbt_set_now(t, RBT_T0 + 60);
    rbt_open(t);
    t->replaces = 0;
    t->fail_replace_at = 1;
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_ERR_IO);
    t->fail_replace_at = 0;
    assert_int_equal(rbt_outcome_count(t), 0);
    assert_int_equal(rbt_intent_count(t), 1);
    restart_agent(t, RBT_T0 + 70);
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(rbt_restarts(t), 1);
}

/* The history write fails when the intent is retired: the intent stays
 * (so a resent UUID is still recognised) and the outcome is not
 * duplicated. */
static void test_history_write_fails(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    rbt_close(t);
    rbt_set_boot(t, "boot-B", RBT_T0 + 40);
    rbt_set_now(t, RBT_T0 + 60);
    rbt_open(t);
    t->replaces = 0;
    t->fail_replace_at = 2; /* 1: outcome, 2: history */
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_ERR_IO);
    t->fail_replace_at = 0;
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_int_equal(rbt_intent_count(t), 1);
    assert_int_equal(exec_now(t, "2", "1", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 1);
    restart_agent(t, RBT_T0 + 70);
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(exec_now(t, "3", "1", UUID, DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(rbt_restarts(t), 1);
}

/* The history keeps the last OMADM_REBOOT_HISTORY_MAX CmdIDs. */
static void test_history_bounded(void **state)
{
    rbt *t = *state;
    char id[32], boot[32];
    int i;

    for (i = 0; i < OMADM_REBOOT_HISTORY_MAX + 1; i++) {
        snprintf(id, sizeof id, "cmd-%d", i);
        assert_int_equal(exec_now(t, "1", "1", id, DEV "/RebootNow"), 200);
        omadm__tree_session_end(t->tree, 1);
        snprintf(boot, sizeof boot, "boot-%d", i);
        reboot_device(t, boot, RBT_T0 + 1000 * i + 100, RBT_T0 + 1000 * (i + 1));
    }
    assert_int_equal(rbt_restarts(t), OMADM_REBOOT_HISTORY_MAX + 1);
    /* The newest are remembered, the oldest forgotten. */
    assert_int_equal(exec_now(t, "1", "1", "cmd-1", DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(exec_now(t, "1", "1", "cmd-0", DEV "/RebootNow"), 200);
    assert_int_equal(rbt_intent_count(t), 1);
}

/* Every allocation of a start that resolves an intent fails in turn. */
static void test_startup_allocation_failures(void **state)
{
    rbt *t = *state;
    long n;

    assert_int_equal(exec_now(t, "1", "1", UUID, DEV "/RebootNow"), 200);
    omadm__tree_session_end(t->tree, 1);
    rbt_close(t);
    rbt_set_boot(t, "boot-B", RBT_T0 + 40);
    rbt_set_now(t, RBT_T0 + 60);
    rbt_open(t);
    for (n = 1; n < 10000; n++) {
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm__reboot_startup(t->rb);
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK)
            break;
        assert_true(rbt_outcome_count(t) <= 1);
    }
    assert_true(n > 1 && n < 10000);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_int_equal(rbt_intent_count(t), 0);
    restart_agent(t, RBT_T0 + 70);
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_int_equal(rbt_restarts(t), 1);
}

/* Every allocation of an Exec fails in turn: a failure Status or 200, and
 * the intent exists exactly when the Status was 200. */
static void test_exec_allocation_failures(void **state)
{
    rbt *t = *state;
    long n;

    for (n = 1; n < 10000; n++) {
        char id[32], body[256];
        char *xml, *reply = NULL;
        size_t len = 0, before = rbt_intent_count(t);
        omadm_status st;

        snprintf(id, sizeof id, "sweep-%ld", n);
        snprintf(body, sizeof body,
                 "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>"
                 "DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>d"
                 "</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody>");
        xml = malloc(1024);
        snprintf(xml, 1024,
                 "%s<Exec><CmdID>%s</CmdID><Item><Target><LocURI>" DEV
                 "/RebootNow</LocURI></Target></Item></Exec><Final/></SyncBody></SyncML>",
                 body, id);
        omadm__alloc_fail_at(n, 0);
        st = omadm_tree_process(t->tree, xml, strlen(xml), &reply, &len);
        omadm__alloc_fail_at(0, 0);
        free(xml);
        if (st == OMADM_OK) {
            int code = rbt_status(reply, id);

            if (code == 200)
                assert_int_equal(rbt_intent_count(t), before + 1);
            else
                assert_int_equal(rbt_intent_count(t), before);
            omadm_free(reply);
            if (!omadm__alloc_failed())
                break;
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_true(rbt_intent_count(t) <= before + 1);
        }
    }
    assert_true(n > 1 && n < 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, rbt_setup, rbt_teardown)
        T(test_happy_path),
        T(test_legacy_root_spelling_kept),
        T(test_late_restart),
        T(test_failed_session_deadline),
        T(test_deadline_passed_same_boot),
        T(test_tick_after_deadline_no_late_restart),
        T(test_agent_stopped_before_request),
        T(test_agent_stopped_after_deadline),
        T(test_platform_refuses_at_request),
        T(test_platform_refuses_at_exec),
        T(test_resent_uuid),
        T(test_integer_cmdid_not_a_repeat),
        T(test_coalesce),
        T(test_sync_flush),
        T(test_intent_write_fails),
        T(test_mark_write_fails),
        T(test_outcome_write_fails),
        T(test_history_write_fails),
        T(test_history_bounded),
        T(test_startup_allocation_failures),
        T(test_exec_allocation_failures),
#undef T
    };

    return cmocka_run_group_tests_name("reboot-lifecycle", tests, NULL, NULL);
}
