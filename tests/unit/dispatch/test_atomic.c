/* SPDX-License-Identifier: Apache-2.0 */
/* dispatch: Atomic (validate, begin, run, roll back: 216/215/507/516),
 * a restart that must only be armed at commit, and the allocation-failure
 * sweep over a whole message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "dmtest.h"
#include "testcsp.h"
#include "tree/tree.h"

#define T  "./Vendor/Test/"
#define T2 "./Vendor/Test2/"

typedef tcsp_fixture fixture;

/* The three CSPs log their transaction calls into one shared log. */
static int setup(void **state)
{
    fixture *f;

    tcsp_fixture_setup(state);
    f = *state;
    f->a.shared = f->b.shared = f->c.shared = f->log;
    return 0;
}

static syncml_cmd *member(syncml_msg *in, syncml_cmd *atomic, syncml_cmd_type type, const char *id,
                          const char *target, const char *data)
{
    syncml_cmd *cmd = dm_cmd(in, &atomic->children, type, id);

    dm_item(in, cmd, target, data, NULL);
    return cmd;
}

static void test_atomic_success(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_ADD, "a3", T "Dyn/n", "y");
    member(in, at, SYNCML_CMD_EXEC, "a4", T "Restart", NULL);
    member(in, at, SYNCML_CMD_REPLACE, "a5", T2 "RW", "z");
    member(in, at, SYNCML_CMD_DELETE, "a6", T "Dyn/d1", NULL);
    dm_expect(f->tree, in,
              "S Atomic A1 200 | S Replace a2 200 | S Add a3 200 | S Exec a4 200 | "
              "S Replace a5 200 | S Delete a6 200");
    assert_string_equal(f->log, "begin(A) begin(B) replace(A:RW) add(A:Dyn/n) exec(A:Restart) "
                                "replace(B:RW) delete(A:Dyn/d1) commit(A) commit(B)");
    assert_string_equal(f->a.s.rw, "x");
    assert_string_equal(tcsp_key(&f->a, "n"), "y");
    assert_null(tcsp_key(&f->a, "d1"));
    assert_string_equal(f->b.s.rw, "z");
    assert_int_equal(f->a.s.restart_armed, 1); /* armed by the commit */
    syncml_msg_free(in);

    /* An empty Atomic succeeds and touches nothing. */
    in = dm_msg("3");
    dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A2");
    dm_expect(f->tree, in, "S Atomic A2 200");
    assert_int_equal(f->a.begin_calls, 1);
    syncml_msg_free(in);
}

/* Replace RW, Add Dyn/n, Exec Restart, Replace Num (fails 403), Replace
 * Flag, Replace Test2/RW. */
static syncml_msg *failing_atomic(fixture *f)
{
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_ADD, "a3", T "Dyn/n", "y");
    member(in, at, SYNCML_CMD_EXEC, "a4", T "Restart", NULL);
    member(in, at, SYNCML_CMD_REPLACE, "a5", T "Num", "9");
    member(in, at, SYNCML_CMD_REPLACE, "a6", T "Flag", "true");
    member(in, at, SYNCML_CMD_REPLACE, "a7", T2 "RW", "z");
    f->a.fail_path = "Num";
    f->a.fail_code = -403;
    return in;
}

static void test_atomic_rollback(void **state)
{
    fixture *f = *state;
    syncml_msg *in = failing_atomic(f);

    dm_expect(f->tree, in,
              "S Atomic A1 507 | S Replace a2 216 | S Add a3 216 | S Exec a4 216 | "
              "S Replace a5 403 | S Replace a6 215 | S Replace a7 215");
    /* Undone in reverse order of begin; nothing after the failure ran. */
    assert_string_equal(f->log, "begin(A) begin(B) replace(A:RW) add(A:Dyn/n) exec(A:Restart) "
                                "replace(A:Num) rollback(B) rollback(A)");
    assert_string_equal(f->a.s.rw, "rw0");
    assert_null(tcsp_key(&f->a, "n"));
    assert_int_equal(f->a.s.num, 5);
    assert_int_equal(f->a.s.flag, 0);
    assert_string_equal(f->b.s.rw, "rw0");
    /* The restart inside the failed Atomic was never armed. */
    assert_int_equal(f->a.s.restart_armed, 0);
    assert_int_equal(f->a.restart_pending, 0);
    assert_int_equal(f->a.commit_calls, 0);
    syncml_msg_free(in);
}

static void test_atomic_rollback_fails(void **state)
{
    fixture *f = *state;
    syncml_msg *in = failing_atomic(f);

    f->a.fail_rollback = -500;
    dm_expect(f->tree, in,
              "S Atomic A1 516 | S Replace a2 516 | S Add a3 516 | S Exec a4 516 | "
              "S Replace a5 403 | S Replace a6 215 | S Replace a7 215");
    assert_int_equal(f->a.rollback_calls, 1);
    assert_int_equal(f->b.rollback_calls, 1);
    assert_string_equal(f->b.s.rw, "rw0");
    assert_int_equal(f->a.s.restart_armed, 0);
    syncml_msg_free(in);
}

static void test_atomic_restart_armed_only_at_commit(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_EXEC, "a2", T "Restart", NULL);
    member(in, at, SYNCML_CMD_REPLACE, "a3", T "Num", "9");
    f->a.fail_path = "Num";
    f->a.fail_code = -500;
    dm_expect(f->tree, in, "S Atomic A1 507 | S Exec a2 216 | S Replace a3 500");
    assert_int_equal(f->a.s.restart_armed, 0);
    assert_int_equal(f->a.restart_pending, 0);
    syncml_msg_free(in);

    /* The same restart in an Atomic that commits is armed once. */
    f->a.fail_path = NULL;
    in = dm_msg("3");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");
    member(in, at, SYNCML_CMD_EXEC, "a2", T "Restart", NULL);
    member(in, at, SYNCML_CMD_REPLACE, "a3", T "Num", "9");
    dm_expect(f->tree, in, "S Atomic A1 200 | S Exec a2 200 | S Replace a3 200");
    assert_int_equal(f->a.s.restart_armed, 1);
    syncml_msg_free(in);
}

static void test_atomic_validation(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");
    syncml_cmd *cmd;

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_REPLACE, "a3", T "RO", "x");
    member(in, at, SYNCML_CMD_REPLACE, "a4", T "Dyn/none", "x");
    member(in, at, SYNCML_CMD_REPLACE, "a5", T "Num", "NaN");
    cmd = dm_cmd(in, &at->children, SYNCML_CMD_ADD, "a6"); /* two Items, one bad */
    dm_item(in, cmd, T "Dyn/k", "v", NULL);
    dm_item(in, cmd, T "Dyn/d1", "v", NULL);
    dm_cmd(in, &at->children, SYNCML_CMD_COPY, "a7");
    dm_unknown(in, &at->children, "Sync", "a8");
    cmd = dm_cmd(in, &at->children, SYNCML_CMD_DELETE, NULL);
    dm_item(in, cmd, T "Dyn/d1", NULL, NULL);
    dm_expect(f->tree, in,
              "S Atomic A1 507 | S Replace a2 215 | S Replace a3 405 | S Replace a4 404 | "
              "S Replace a5 415 | S Add a6 215 T=./Vendor/Test/Dyn/k | "
              "S Add a6 418 T=./Vendor/Test/Dyn/d1 | S Copy a7 406 | S Sync a8 400 | "
              "S Delete  400");
    assert_string_equal(f->log, ""); /* nothing ran, no transaction began */
    assert_string_equal(f->a.s.rw, "rw0");
    syncml_msg_free(in);
}

static void test_atomic_get_inside(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_GET, "a3", T "RW", NULL);
    dm_expect(f->tree, in, "S Atomic A1 507 | S Replace a2 215 | S Get a3 500");
    assert_string_equal(f->log, "");
    assert_string_equal(f->a.s.rw, "rw0");
    syncml_msg_free(in);
}

static void test_atomic_nested(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");
    syncml_cmd *inner;

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    inner = dm_cmd(in, &at->children, SYNCML_CMD_ATOMIC, "a3");
    member(in, inner, SYNCML_CMD_REPLACE, "a4", T "Num", "1");
    inner = dm_cmd(in, &at->children, SYNCML_CMD_SEQUENCE, "a5");
    member(in, inner, SYNCML_CMD_REPLACE, "a6", T "Num", "1");
    dm_expect(f->tree, in,
              "S Atomic A1 507 | S Replace a2 215 | S Atomic a3 500 | S Replace a4 215 | "
              "S Sequence a5 500 | S Replace a6 215");
    assert_string_equal(f->log, "");
    syncml_msg_free(in);
}

static void test_atomic_csp_without_txn(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_REPLACE, "a3", "./Vendor/NoTxn/RW", "x");
    dm_expect(f->tree, in, "S Atomic A1 507 | S Replace a2 215 | S Replace a3 406");
    assert_string_equal(f->log, "");
    assert_string_equal(f->c.s.rw, "rw0");
    syncml_msg_free(in);
}

static void test_atomic_multi_item_member(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");
    syncml_cmd *cmd = dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "a2");

    dm_item(in, cmd, T "RW", "x", NULL);
    dm_item(in, cmd, T "Num", "3", NULL);
    dm_item(in, cmd, T "Flag", "true", NULL);
    f->a.fail_path = "Num";
    f->a.fail_code = -415;
    dm_expect(f->tree, in,
              "S Atomic A1 507 | S Replace a2 216 T=./Vendor/Test/RW | "
              "S Replace a2 415 T=./Vendor/Test/Num | S Replace a2 215 T=./Vendor/Test/Flag");
    assert_string_equal(f->a.s.rw, "rw0");
    syncml_msg_free(in);
}

static void test_atomic_commit_fails(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_REPLACE, "a3", T2 "RW", "y");
    f->b.fail_commit = -420;
    dm_expect(f->tree, in, "S Atomic A1 507 | S Replace a2 200 | S Replace a3 420");
    assert_string_equal(f->log, "begin(A) begin(B) replace(A:RW) replace(B:RW) commit(A) "
                                "commit(B) rollback(B)");
    assert_string_equal(f->a.s.rw, "x"); /* committed before B failed */
    assert_string_equal(f->b.s.rw, "rw0");
    syncml_msg_free(in);

    /* The first CSP's commit fails: the second is undone (216). */
    f->b.fail_commit = 0;
    f->a.fail_commit = -500;
    f->log[0] = '\0';
    in = dm_msg("3");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");
    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x2");
    member(in, at, SYNCML_CMD_REPLACE, "a3", T2 "RW", "y2");
    dm_expect(f->tree, in, "S Atomic A1 507 | S Replace a2 500 | S Replace a3 216");
    assert_string_equal(f->b.s.rw, "rw0");
    assert_string_equal(f->a.s.rw, "x");
    syncml_msg_free(in);
}

static void test_atomic_begin_fails(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    member(in, at, SYNCML_CMD_REPLACE, "a3", T2 "RW", "y");
    member(in, at, SYNCML_CMD_REPLACE, "a4", T2 "Num", "1");
    f->b.fail_begin = -503;
    dm_expect(f->tree, in,
              "S Atomic A1 507 | S Replace a2 215 | S Replace a3 503 | S Replace a4 215");
    assert_string_equal(f->log, "begin(A) begin(B) rollback(A)");
    syncml_msg_free(in);
}

static void test_atomic_without_cmd_id(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, NULL);

    member(in, at, SYNCML_CMD_REPLACE, "a2", T "RW", "x");
    dm_expect(f->tree, in, "S Atomic  400 | S Replace a2 215");
    assert_string_equal(f->log, "");
    syncml_msg_free(in);
}

static void test_atomic_in_sequence(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *seq = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, "s1");
    syncml_cmd *at = dm_cmd(in, &seq->children, SYNCML_CMD_ATOMIC, "s2");

    member(in, at, SYNCML_CMD_REPLACE, "s3", T "RW", "x");
    member(in, seq, SYNCML_CMD_REPLACE, "s4", T "Num", "8");
    dm_expect(f->tree, in,
              "S Sequence s1 200 | S Atomic s2 200 | S Replace s3 200 | S Replace s4 200");
    assert_string_equal(f->a.s.rw, "x");
    assert_int_equal(f->a.s.num, 8);
    syncml_msg_free(in);
}

/* ---- allocation-failure sweep ---------------------------------------------- */

static syncml_msg *sweep_message(void)
{
    syncml_msg *in = dm_msg("4");
    syncml_cmd *cmd, *at, *seq;

    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1");
    dm_item(in, cmd, T "RW", "s1", NULL);
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET, "2");
    dm_item(in, cmd, T "RW", NULL, NULL);
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "3");
    member(in, at, SYNCML_CMD_REPLACE, "4", T "Num", "9");
    member(in, at, SYNCML_CMD_ADD, "5", T "Dyn/n", "y");
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET, "6");
    dm_item(in, cmd, "./Vendor/Test", NULL, NULL);
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_ADD, "7");
    dm_item(in, cmd, T "Dyn/m", "z", NULL);
    seq = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, "8");
    member(in, seq, SYNCML_CMD_REPLACE, "9", T "Flag", "true");
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET, "10");
    dm_item(in, cmd, T "RW", NULL, NULL);
    dm_item(in, cmd, T "Dyn/none", NULL, NULL);
    dm_unknown(in, &in->body, "Map", "11");
    return in;
}

static const char *code_of(const syncml_cmd *answers, const char *cmd_ref)
{
    for (; answers; answers = answers->next)
        if (answers->type == SYNCML_CMD_STATUS && strcmp(answers->cmd_ref, cmd_ref) == 0)
            return answers->data;
    return NULL;
}

static void run_sweep(int sticky)
{
    syncml_msg *in = sweep_message();
    char baseline[4096], got[4096];
    long n;
    int done = 0, clean_errors = 0, degraded = 0;

    {
        fixture *f;
        syncml_msg *reply;
        setup((void **)&f);
        dm_describe(dm_run(f->tree, in, &reply), "4", baseline, sizeof baseline);
        syncml_msg_free(reply);
        tcsp_fixture_teardown((void **)&f);
    }
    for (n = 1; n < 5000 && !done; n++) {
        fixture *f;
        tcsp_state before;
        syncml_msg *reply = NULL;
        syncml_cmd *answers = NULL;
        omadm_status st;
        int failed;

        setup((void **)&f);
        before = f->a.s;
        assert_int_equal(syncml_msg_new(&reply), OMADM_OK);
        omadm__alloc_fail_at(n, sticky);
        st = omadm__dispatch_message(f->tree, in, "srv", reply, &answers);
        failed = omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);

        if (st != OMADM_OK) {
            /* A clean error: nothing answered, the tree as before. */
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_null(answers);
            assert_memory_equal(&f->a.s, &before, sizeof before);
            assert_string_equal(f->log, "");
            clean_errors++;
        } else if (!failed) {
            dm_describe(answers, "4", got, sizeof got);
            assert_string_equal(got, baseline);
            done = 1;
        } else {
            /* Past the point of no return: every Status tells the truth. */
            const char *c;
            assert_non_null(c = code_of(answers, "1"));
            assert_int_equal(strcmp(c, "200") == 0, strcmp(f->a.s.rw, "s1") == 0);
            assert_non_null(c = code_of(answers, "3"));
            assert_int_equal(strcmp(c, "200") == 0, f->a.s.num == 9);
            assert_int_equal(f->a.s.num == 9, tcsp_key(&f->a, "n") != NULL);
            assert_non_null(c = code_of(answers, "7"));
            assert_int_equal(strcmp(c, "200") == 0, tcsp_key(&f->a, "m") != NULL);
            assert_non_null(c = code_of(answers, "9"));
            assert_int_equal(strcmp(c, "200") == 0, f->a.s.flag == 1);
            assert_non_null(code_of(answers, "11"));
            assert_false(f->a.in_txn);
            degraded++;
        }
        syncml_msg_free(reply);
        tcsp_fixture_teardown((void **)&f);
    }
    assert_true(done);
    print_message("sweep (%s): %ld allocation points, %d clean errors, %d degraded replies\n",
                  sticky ? "sticky" : "single", n - 1, clean_errors, degraded);
    /* Both paths ran: failures before anything executed and after. */
    assert_true(clean_errors > 0);
    assert_true(degraded > 0);
    syncml_msg_free(in);
}

static void test_alloc_sweep(void **state)
{
    (void)state;
    run_sweep(1);
    run_sweep(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, tcsp_fixture_teardown)
        TEST(test_atomic_success),
        TEST(test_atomic_rollback),
        TEST(test_atomic_rollback_fails),
        TEST(test_atomic_restart_armed_only_at_commit),
        TEST(test_atomic_validation),
        TEST(test_atomic_get_inside),
        TEST(test_atomic_nested),
        TEST(test_atomic_csp_without_txn),
        TEST(test_atomic_multi_item_member),
        TEST(test_atomic_commit_fails),
        TEST(test_atomic_begin_fails),
        TEST(test_atomic_without_cmd_id),
        TEST(test_atomic_in_sequence),
        cmocka_unit_test(test_alloc_sweep),
#undef TEST
    };
    return cmocka_run_group_tests_name("atomic", tests, NULL, NULL);
}
