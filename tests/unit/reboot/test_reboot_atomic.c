/* SPDX-License-Identifier: Apache-2.0 */
/* RebootNow inside an Atomic under allocation failure: every allocation of
 * the message fails in turn, and the Atomic either commits (Status 200, one
 * intent, one restart at the session's end, the new schedule) or leaves
 * nothing (no intent, no restart, the old schedule in memory and on disk). */
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

#define DEV "./Device/Vendor/MSFT/Reboot"

static const char msg[] =
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2"
    "</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>d</LocURI>"
    "</Target><Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody>"
    "<Atomic><CmdID>at</CmdID>"
    "<Replace><CmdID>m1</CmdID><Item><Target><LocURI>" DEV "/Schedule/Single</LocURI></Target>"
    "<Data>2026-03-20T05:00:00Z</Data></Item></Replace>"
    "<Exec><CmdID>m2</CmdID><Item><Target><LocURI>" DEV "/RebootNow</LocURI></Target></Item>"
    "</Exec></Atomic><Final/></SyncBody></SyncML>";

static char *schedule_file(const rbt *t)
{
    char *p = tu_path(t->dir, OMADM_REBOOT_SCHEDULE_FILE, NULL);
    char *s = tu_read(p, NULL);

    free(p);
    return s;
}

/* The Status of a Get of Schedule/Single, and whether its value is the new one. */
static int single_is_new(rbt *t)
{
    char fmt[16], *v;
    char *reply = rbt_process(t, "2", "1",
                              "<Get><CmdID>g1</CmdID><Item><Target><LocURI>" DEV
                              "/Schedule/Single</LocURI></Target></Item></Get>");
    int code = rbt_status(reply, "g1"), is_new;

    v = rbt_result(reply, "g1", fmt);
    free(reply);
    assert_int_equal(code, 200);
    is_new = strcmp(v, "2026-03-20T05:00:00+00:00") == 0;
    if (!is_new)
        assert_string_equal(v, "2026-03-15T01:00:00+00:00");
    free(v);
    return is_new;
}

static void test_atomic_exec_allocation_failures(void **state)
{
    long n;
    int committed_seen = 0, failed_seen = 0, done = 0;

    (void)state;
    for (n = 1; n < 20000 && !done; n++) {
        rbt *t = NULL;
        char *reply = NULL, *before, *after;
        size_t len = 0;
        omadm_status st;
        int code = -1, intents, is_new;

        assert_int_equal(rbt_setup((void **)&t), 0);
        assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"),
                         200);
        before = schedule_file(t);
        omadm__alloc_fail_at(n, 0);
        st = omadm_tree_process(t->tree, msg, sizeof msg - 1, &reply, &len);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        intents = (int)rbt_intent_count(t);
        is_new = single_is_new(t);
        if (st == OMADM_OK) {
            code = rbt_status(reply, "at");
        } else {
            /* no reply could be built: the Atomic may have committed or not,
             * but all of it or nothing */
            assert_int_equal(st, OMADM_ERR_NOMEM);
            code = intents ? 200 : -1;
        }
        omadm_free(reply);
        if (code == 200) {
            committed_seen = 1;
            assert_int_equal(intents, 1);
            assert_true(is_new);
        } else {
            failed_seen = 1;
            assert_int_equal(intents, 0);
            assert_false(is_new);
            after = schedule_file(t);
            assert_string_equal(before, after);
            free(after);
        }
        omadm__tree_session_end(t->tree, 1);
        assert_int_equal(rbt_restarts(t), code == 200 ? 1 : 0);
        if (done)
            assert_int_equal(code, 200);
        free(before);
        rbt_teardown((void **)&t);
    }
    assert_true(done);
    assert_true(committed_seen && failed_seen);
}

/* The same RebootNow twice in one Atomic (a non-integer CmdID, so the
 * server's resend of one command): one intent, one restart. */
static void test_atomic_exec_twice(void **state)
{
    rbt *t = *state;
    char *reply = rbt_process(t, "1", "1",
                              "<Atomic><CmdID>at</CmdID>"
                              "<Exec><CmdID>x1</CmdID><Item><Target><LocURI>" DEV
                              "/RebootNow</LocURI></Target></Item></Exec>"
                              "<Exec><CmdID>x1</CmdID><Item><Target><LocURI>" DEV
                              "/RebootNow</LocURI></Target></Item></Exec>"
                              "</Atomic>");

    assert_int_equal(rbt_status(reply, "at"), 200);
    free(reply);
    assert_int_equal(rbt_intent_count(t), 1);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_exec_allocation_failures),
        cmocka_unit_test_setup_teardown(test_atomic_exec_twice, rbt_setup, rbt_teardown),
    };
    return cmocka_run_group_tests_name("reboot atomic", tests, NULL, NULL);
}
