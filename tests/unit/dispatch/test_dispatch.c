/* SPDX-License-Identifier: Apache-2.0 */
/* dispatch: every command against every node kind, with the exact Status
 * codes and references (syncml-dm §3, §5, §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmtest.h"
#include "testcsp.h"
#include "tree/tree.h"

typedef tcsp_fixture fixture;

/* Checks "rw=V", "num=N", "flag=N", "key:K=V", "nokey:K", "armed=N",
 * "exec=N" against tcsp A. */
static void check_state(const tcsp *t, const char *want)
{
    char buf[128];

    if (!want)
        return;
    if (strncmp(want, "rw=", 3) == 0) {
        assert_string_equal(t->s.rw, want + 3);
    } else if (strncmp(want, "num=", 4) == 0) {
        assert_int_equal(t->s.num, atol(want + 4));
    } else if (strncmp(want, "flag=", 5) == 0) {
        assert_int_equal(t->s.flag, atoi(want + 5));
    } else if (strncmp(want, "typed=", 6) == 0) {
        assert_string_equal(t->s.typed, want + 6);
    } else if (strncmp(want, "key:", 4) == 0) {
        const char *eq = strchr(want, '=');
        snprintf(buf, sizeof buf, "%.*s", (int)(eq - want - 4), want + 4);
        assert_non_null(tcsp_key(t, buf));
        assert_string_equal(tcsp_key(t, buf), eq + 1);
    } else if (strncmp(want, "nokey:", 6) == 0) {
        assert_null(tcsp_key(t, want + 6));
    } else if (strncmp(want, "armed=", 6) == 0) {
        assert_int_equal(t->s.restart_armed, atoi(want + 6));
    } else if (strncmp(want, "exec=", 5) == 0) {
        assert_int_equal(t->s.exec_calls, atoi(want + 5));
    } else {
        fail_msg("bad check %s", want);
    }
}

typedef struct row {
    syncml_cmd_type type;
    const char *target;
    const char *data;
    const char *format;
    const char *want;  /* dm_describe of the answers */
    const char *check; /* state of tcsp A afterwards (check_state), or NULL */
} row;

#define T "./Vendor/Test/"

static const row rows[] = {
    /* Get: leaf (Format and Type), interior (child list), absent, no access */
    { SYNCML_CMD_GET, T "RW", NULL, NULL, "S Get 4 200 | R 4 ./Vendor/Test/RW=rw0(chr,text/plain)",
      NULL },
    { SYNCML_CMD_GET, "./Device/Vendor/Test/RW", NULL, NULL,
      "S Get 4 200 | R 4 ./Device/Vendor/Test/RW=rw0(chr,text/plain)", NULL },
    { SYNCML_CMD_GET, "./device/Vendor/Test/%52W", NULL, NULL,
      "S Get 4 200 | R 4 ./device/Vendor/Test/%52W=rw0(chr,text/plain)", NULL },
    { SYNCML_CMD_GET, "./User/Vendor/Test/RW", NULL, NULL, "S Get 4 404", NULL },
    { SYNCML_CMD_GET, T "RO", NULL, NULL, "S Get 4 200 | R 4 ./Vendor/Test/RO=ro0(chr,text/plain)",
      NULL },
    { SYNCML_CMD_GET, T "Num", NULL, NULL, "S Get 4 200 | R 4 ./Vendor/Test/Num=5(int,text/plain)",
      NULL },
    { SYNCML_CMD_GET, T "Flag", NULL, NULL,
      "S Get 4 200 | R 4 ./Vendor/Test/Flag=false(bool,text/plain)", NULL },
    { SYNCML_CMD_GET, T "Typed", NULL, NULL,
      "S Get 4 200 | R 4 ./Vendor/Test/Typed=t0(chr,text/x-test)", NULL },
    { SYNCML_CMD_GET, T "Dyn/d1", NULL, NULL,
      "S Get 4 200 | R 4 ./Vendor/Test/Dyn/d1=v1(chr,text/plain)", NULL },
    { SYNCML_CMD_GET, T "Dyn", NULL, NULL, "S Get 4 200 | R 4 ./Vendor/Test/Dyn=d1(node)", NULL },
    { SYNCML_CMD_GET, T "Auto", NULL, NULL, "S Get 4 200 | R 4 ./Vendor/Test/Auto=(node)", NULL },
    { SYNCML_CMD_GET, "./Vendor/Test", NULL, NULL,
      "S Get 4 200 | R 4 ./Vendor/Test=RW/RO/Num/Flag/Typed/Exec/Restart/Dyn/Auto(node)", NULL },
    { SYNCML_CMD_GET, "./Vendor", NULL, NULL, "S Get 4 200 | R 4 ./Vendor=Test/Test2/NoTxn(node)",
      NULL },
    { SYNCML_CMD_GET, T "Dyn/none", NULL, NULL, "S Get 4 404", NULL },
    { SYNCML_CMD_GET, T "Dyn/d1/x", NULL, NULL, "S Get 4 404", NULL },
    { SYNCML_CMD_GET, T "Nope", NULL, NULL, "S Get 4 404", NULL },
    { SYNCML_CMD_GET, "./Vendor/Other", NULL, NULL, "S Get 4 404", NULL },
    { SYNCML_CMD_GET, T "Exec", NULL, NULL, "S Get 4 405", NULL },
    { SYNCML_CMD_GET, T "RW?list=Struct", NULL, NULL, "S Get 4 406", NULL },
    { SYNCML_CMD_GET, T "RW?prop=Format", NULL, NULL, "S Get 4 406", NULL },
    { SYNCML_CMD_GET, "./Vendor//Test", NULL, NULL, "S Get 4 400", NULL },
    { SYNCML_CMD_GET, "/Vendor/Test", NULL, NULL, "S Get 4 400", NULL },
    { SYNCML_CMD_GET, T "Dyn/%ZZ", NULL, NULL, "S Get 4 400", NULL },
    /* Add: permanent nodes exist (418), dynamic created, no table entry */
    { SYNCML_CMD_ADD, T "RW", "x", NULL, "S Add 4 418", "rw=rw0" },
    { SYNCML_CMD_ADD, T "RO", "x", NULL, "S Add 4 418", NULL },
    { SYNCML_CMD_ADD, T "Dyn", NULL, "node", "S Add 4 418", NULL },
    { SYNCML_CMD_ADD, T "Exec", NULL, NULL, "S Add 4 418", NULL },
    { SYNCML_CMD_ADD, T "Dyn/d1", "x", NULL, "S Add 4 418", "key:d1=v1" },
    { SYNCML_CMD_ADD, T "Dyn/d2", "x", NULL, "S Add 4 200", "key:d2=x" },
    { SYNCML_CMD_ADD, "./Device/Vendor/Test/Dyn/d%202", "x", "chr", "S Add 4 200", "key:d 2=x" },
    { SYNCML_CMD_ADD, T "Dyn/d2", "x", "int", "S Add 4 415", "nokey:d2" },
    { SYNCML_CMD_ADD, T "Auto/k", "x", NULL, "S Add 4 405", "nokey:k" },
    { SYNCML_CMD_ADD, T "Nope", "x", NULL, "S Add 4 404", NULL },
    { SYNCML_CMD_ADD, T "Dyn/a/b", "x", NULL, "S Add 4 404", NULL },
    { SYNCML_CMD_ADD, "./User/Vendor/Test/Dyn/d2", "x", NULL, "S Add 4 404", "nokey:d2" },
    /* Replace: read-write, read-only (405), absent (404), implicit Add,
     * Format checks (415) */
    { SYNCML_CMD_REPLACE, T "RW", "new", NULL, "S Replace 4 200", "rw=new" },
    { SYNCML_CMD_REPLACE, T "RW", "new", "chr", "S Replace 4 200", "rw=new" },
    { SYNCML_CMD_REPLACE, T "RW", "", NULL, "S Replace 4 200", "rw=" },
    { SYNCML_CMD_REPLACE, T "RW", "7", "int", "S Replace 4 415", "rw=rw0" },
    { SYNCML_CMD_REPLACE, T "RO", "x", NULL, "S Replace 4 405", NULL },
    { SYNCML_CMD_REPLACE, T "Num", "12", "int", "S Replace 4 200", "num=12" },
    { SYNCML_CMD_REPLACE, T "Num", "-3", "INT", "S Replace 4 200", "num=-3" },
    { SYNCML_CMD_REPLACE, T "Num", "12", "chr", "S Replace 4 415", "num=5" },
    { SYNCML_CMD_REPLACE, T "Num", "x1", "int", "S Replace 4 415", "num=5" },
    { SYNCML_CMD_REPLACE, T "Num", "", NULL, "S Replace 4 415", "num=5" },
    { SYNCML_CMD_REPLACE, T "Num", "1.5", NULL, "S Replace 4 415", "num=5" },
    { SYNCML_CMD_REPLACE, T "Flag", "true", "bool", "S Replace 4 200", "flag=1" },
    { SYNCML_CMD_REPLACE, T "Flag", "maybe", "bool", "S Replace 4 415", "flag=0" },
    { SYNCML_CMD_REPLACE, T "Dyn/d1", "v2", NULL, "S Replace 4 200", "key:d1=v2" },
    { SYNCML_CMD_REPLACE, T "Dyn/none", "v", NULL, "S Replace 4 404", "nokey:none" },
    { SYNCML_CMD_REPLACE, T "Auto/new", "v", NULL, "S Replace 4 200", "key:new=v" },
    { SYNCML_CMD_REPLACE, T "Dyn", "v", NULL, "S Replace 4 405", NULL },
    { SYNCML_CMD_REPLACE, T "Exec", "v", NULL, "S Replace 4 405", NULL },
    { SYNCML_CMD_REPLACE, "./Vendor", "v", NULL, "S Replace 4 405", NULL },
    { SYNCML_CMD_REPLACE, T "Nope", "v", NULL, "S Replace 4 404", NULL },
    /* Delete: dynamic (200), absent (404), permanent (405) */
    { SYNCML_CMD_DELETE, T "Dyn/d1", NULL, NULL, "S Delete 4 200", "nokey:d1" },
    { SYNCML_CMD_DELETE, T "Dyn/none", NULL, NULL, "S Delete 4 404", NULL },
    { SYNCML_CMD_DELETE, T "RW", NULL, NULL, "S Delete 4 405", "rw=rw0" },
    { SYNCML_CMD_DELETE, T "Dyn", NULL, NULL, "S Delete 4 405", "key:d1=v1" },
    { SYNCML_CMD_DELETE, "./Vendor/Test", NULL, NULL, "S Delete 4 405", NULL },
    /* Exec: exec-only node (200), not executable (405), absent (404) */
    { SYNCML_CMD_EXEC, T "Exec", NULL, "null", "S Exec 4 200", "exec=1" },
    { SYNCML_CMD_EXEC, T "Restart", "", NULL, "S Exec 4 200", "armed=1" },
    { SYNCML_CMD_EXEC, T "RW", NULL, NULL, "S Exec 4 405", "exec=0" },
    { SYNCML_CMD_EXEC, T "Dyn/none", NULL, NULL, "S Exec 4 404", NULL },
    { SYNCML_CMD_EXEC, "./Vendor", NULL, NULL, "S Exec 4 405", NULL },
    /* Copy is not supported */
    { SYNCML_CMD_COPY, T "RW", "x", NULL, "S Copy 4 406", "rw=rw0" },
};

static void test_table(void **state)
{
    size_t i;

    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fixture *f;
        syncml_msg *in = dm_msg("3");
        syncml_cmd *cmd = dm_cmd(in, &in->body, rows[i].type, "4");

        print_message("row %u: %s %s\n", (unsigned)i, syncml_cmd_type_name(rows[i].type),
                      rows[i].target);
        tcsp_fixture_setup((void **)&f);
        dm_item(in, cmd, rows[i].target, rows[i].data, rows[i].format);
        dm_expect(f->tree, in, rows[i].want);
        check_state(&f->a, rows[i].check);
        /* No transaction was involved outside Atomic. */
        assert_int_equal(f->a.begin_calls, 0);
        tcsp_fixture_teardown((void **)&f);
        syncml_msg_free(in);
    }
}

static void test_limits(void **state)
{
    fixture *f = *state;
    omadm_tree_limits limits = OMADM_TREE_LIMITS_DEFAULT;
    syncml_msg *in = dm_msg("1");
    syncml_cmd *cmd;
    char uri[1100];
    size_t n;

    /* URI over 1024 bytes: 414. */
    n = (size_t)snprintf(uri, sizeof uri, "./Vendor/Test/Dyn/");
    memset(uri + n, 'k', sizeof uri - n - 1);
    uri[sizeof uri - 1] = '\0';
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET, "1");
    dm_item(in, cmd, uri, NULL, NULL);
    /* Data over the value limit: 413. */
    limits.max_value = 4;
    omadm__tree_set_limits(f->tree, &limits);
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "2");
    dm_item(in, cmd, T "RW", "12345", NULL);
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "3");
    dm_item(in, cmd, T "RW", "1234", NULL);
    /* CmdID over 64 bytes: 400. */
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET,
                 "0123456789012345678901234567890123456789012345678901234567890123456789");
    dm_item(in, cmd, T "RW", NULL, NULL);
    dm_expect(f->tree, in,
              "S Get 1 414 | S Replace 2 413 | S Replace 3 200 | S Get "
              "0123456789012345678901234567890123456789012345678901234567890123456789 400");
    assert_string_equal(f->a.s.rw, "1234");
    assert_int_equal(omadm__tree_limits(f->tree)->max_value, 4);
    /* Raising above the defaults is clamped. */
    limits.max_value = 10u << 20;
    omadm__tree_set_limits(f->tree, &limits);
    assert_int_equal(omadm__tree_limits(f->tree)->max_value, 524288);
    syncml_msg_free(in);
}

static void test_shape_errors(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *cmd;
    syncml_item *item;

    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET, NULL); /* no CmdID */
    dm_item(in, cmd, T "RW", NULL, NULL);
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, ""); /* empty CmdID */
    dm_item(in, cmd, T "RW", "x", NULL);
    dm_cmd(in, &in->body, SYNCML_CMD_GET, "3"); /* no Item */
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "4");
    item = dm_item(in, cmd, NULL, "x", NULL); /* no Target */
    (void)item;
    dm_unknown(in, &in->body, "Sync", "5");
    dm_unknown(in, &in->body, "Map", NULL);
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_ADD, "7");
    item = dm_item(in, cmd, T "Dyn/big", "x", NULL);
    item->more_data = true; /* large objects are not supported */
    dm_expect(f->tree, in,
              "S Get  400 | S Replace  400 | S Get 3 412 | S Replace 4 412 | S Sync 5 400 | "
              "S Map  400 | S Add 7 406");
    assert_string_equal(f->a.s.rw, "rw0");
    assert_null(tcsp_key(&f->a, "big"));
    syncml_msg_free(in);
}

static void test_alerts_status_results(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("5");
    syncml_cmd *cmd;

    cmd = dm_cmd(in, &in->body, SYNCML_CMD_STATUS, "1"); /* never answered */
    cmd->data = syncml_strdup(in, "200");
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_ALERT, "2");
    cmd->data = syncml_strdup(in, "1222");
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_ALERT, "3");
    cmd->data = syncml_strdup(in, "1223");
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_ALERT, "4");
    cmd->data = syncml_strdup(in, "1201");
    dm_cmd(in, &in->body, SYNCML_CMD_ALERT, "5"); /* no code */
    dm_cmd(in, &in->body, SYNCML_CMD_RESULTS, "6");
    dm_expect(f->tree, in, "S Alert 2 200 | S Alert 3 200 | S Alert 4 406 | S Alert 5 400");
    syncml_msg_free(in);

    /* A message of Statuses only: no answer at all. */
    in = dm_msg("6");
    dm_cmd(in, &in->body, SYNCML_CMD_STATUS, "1");
    dm_expect(f->tree, in, "");
    syncml_msg_free(in);
}

static void test_items_and_refs(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("9");
    syncml_cmd *cmd;
    syncml_item *item;

    /* Same code for every Item: one Status, no refs. */
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "a-1");
    dm_item(in, cmd, T "RW", "one", NULL);
    dm_item(in, cmd, T "Num", "2", "int");
    /* Different codes: one Status per Item with TargetRef (and SourceRef),
     * echoed as received. */
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88");
    dm_item(in, cmd, "./Device/Vendor/Test/Typed", "t1", NULL);
    item = dm_item(in, cmd, "./Vendor/Test/%52O", "x", NULL);
    item->source_uri = syncml_strdup(in, "./src");
    dm_item(in, cmd, T "Dyn/zz", "x", NULL);
    /* Get with a missing Item: Statuses per Item, Results only for 200. */
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_GET, "g");
    dm_item(in, cmd, T "RW", NULL, NULL);
    dm_item(in, cmd, T "Dyn/none", NULL, NULL);
    dm_item(in, cmd, T "Num", NULL, NULL);
    dm_expect(f->tree, in,
              "S Replace a-1 200 | "
              "S Replace 5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88 200 T=./Device/Vendor/Test/Typed | "
              "S Replace 5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88 405 T=./Vendor/Test/%52O S=./src | "
              "S Replace 5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88 404 T=./Vendor/Test/Dyn/zz | "
              "S Get g 200 T=./Vendor/Test/RW | S Get g 404 T=./Vendor/Test/Dyn/none | "
              "S Get g 200 T=./Vendor/Test/Num | "
              "R g ./Vendor/Test/RW=one(chr,text/plain) ./Vendor/Test/Num=2(int,text/plain)");
    assert_string_equal(f->a.s.typed, "t1");
    syncml_msg_free(in);
}

static void test_no_resp(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("1");
    syncml_cmd *cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1");

    dm_item(in, cmd, T "RW", "quiet", NULL);
    cmd->no_resp = true;
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "2");
    dm_item(in, cmd, T "RW", "loud", NULL);
    dm_expect(f->tree, in, "S Replace 2 200");
    assert_string_equal(f->a.s.rw, "loud");
    syncml_msg_free(in);
}

static void test_handler_codes(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("1");
    syncml_cmd *cmd;

    f->a.fail_path = "RW";
    cmd = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1");
    dm_item(in, cmd, T "RW", "x", NULL);
    f->a.fail_code = 7; /* not a DM code: 500 */
    dm_expect(f->tree, in, "S Replace 1 500");
    f->a.fail_code = -1; /* an omadm_status: 500 */
    dm_expect(f->tree, in, "S Replace 1 500");
    f->a.fail_code = -202; /* accepted, runs asynchronously */
    dm_expect(f->tree, in, "S Replace 1 202");
    f->a.fail_code = -425;
    dm_expect(f->tree, in, "S Replace 1 425");
    f->a.fail_code = -404;
    cmd->type = SYNCML_CMD_GET;
    dm_expect(f->tree, in, "S Get 1 404");
    syncml_msg_free(in);
}

static void test_sequence(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("4");
    syncml_cmd *seq, *cmd;

    seq = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, "10");
    cmd = dm_cmd(in, &seq->children, SYNCML_CMD_REPLACE, "11");
    dm_item(in, cmd, T "RW", "s1", NULL);
    cmd = dm_cmd(in, &seq->children, SYNCML_CMD_GET, "12");
    dm_item(in, cmd, T "RW", NULL, NULL);
    cmd = dm_cmd(in, &seq->children, SYNCML_CMD_ADD, "13");
    dm_item(in, cmd, T "Dyn/s", "x", NULL);
    dm_expect(f->tree, in,
              "S Sequence 10 200 | S Replace 11 200 | S Get 12 200 | "
              "R 12 ./Vendor/Test/RW=s1(chr,text/plain) | S Add 13 200");
    assert_string_equal(f->a.log, "replace(A:RW) add(A:Dyn/s)");
    syncml_msg_free(in);

    /* A failing member does not stop the others; the Sequence says 500. */
    in = dm_msg("5");
    seq = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, "20");
    cmd = dm_cmd(in, &seq->children, SYNCML_CMD_REPLACE, "21");
    dm_item(in, cmd, T "RO", "x", NULL);
    cmd = dm_cmd(in, &seq->children, SYNCML_CMD_REPLACE, "22");
    dm_item(in, cmd, T "RW", "s2", NULL);
    dm_expect(f->tree, in, "S Sequence 20 500 | S Replace 21 405 | S Replace 22 200");
    assert_string_equal(f->a.s.rw, "s2");
    syncml_msg_free(in);

    /* A Sequence without CmdID: 400, members not run (215). */
    in = dm_msg("6");
    seq = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, NULL);
    cmd = dm_cmd(in, &seq->children, SYNCML_CMD_REPLACE, "31");
    dm_item(in, cmd, T "RW", "s3", NULL);
    dm_expect(f->tree, in, "S Sequence  400 | S Replace 31 215");
    assert_string_equal(f->a.s.rw, "s2");
    syncml_msg_free(in);
}

static void test_session_end(void **state)
{
    fixture *f = *state;

    omadm__tree_session_end(f->tree, 1);
    assert_int_equal(f->a.session_end_calls, 10);
    assert_int_equal(f->b.session_end_calls, 10);
    assert_int_equal(f->c.session_end_calls, 0); /* its ops have none */
    omadm__tree_session_end(f->tree, 0);
    assert_int_equal(f->a.session_end_calls, 11);
    omadm__tree_session_end(NULL, 0);
}

static void test_bad_args(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("1");
    syncml_cmd *answers = NULL;

    assert_int_equal(omadm__dispatch_message(NULL, in, "s", in, &answers), OMADM_ERR_INVALID);
    assert_int_equal(omadm__dispatch_message(f->tree, in, "s", NULL, &answers), OMADM_ERR_INVALID);
    assert_int_equal(omadm__dispatch_message(f->tree, in, "s", in, NULL), OMADM_ERR_INVALID);
    syncml_msg_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, tcsp_fixture_setup, tcsp_fixture_teardown)
        cmocka_unit_test(test_table), TEST(test_limits),
        TEST(test_shape_errors),      TEST(test_alerts_status_results),
        TEST(test_items_and_refs),    TEST(test_no_resp),
        TEST(test_handler_codes),     TEST(test_sequence),
        TEST(test_session_end),       TEST(test_bad_args),
#undef TEST
    };
    return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
