/* SPDX-License-Identifier: Apache-2.0 */
/* dispatch: group commit (dispatch.h, group.c). A CSP with message_commit
 * keeps its changes in memory until the dispatcher commits them once per
 * message (and before an Atomic); a failed commit turns the answers of
 * that CSP's commands from its first change on into the commit's code. */
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
#include "tree/tree.h"

#define G "./Vendor/G/"
#define H "./Vendor/H/"

/* A CSP whose values are "durable" only once committed. */
typedef struct gcsp {
    const char *name;
    char a[16], b[16]; /* current values */
    char durable_a[16], durable_b[16];
    char saved_a[16], saved_b[16]; /* before the open group */
    int open;                      /* uncommitted changes */
    int execs, execs_durable;      /* accepted Execs */
    int commits;                   /* message_commit calls */
    int fail_commit;               /* returned by the next commits when non-zero */
    int in_txn;
    char *log; /* shared, 512 bytes */
} gcsp;

static void logf_(gcsp *c, const char *what)
{
    size_t n = strlen(c->log);

    snprintf(c->log + n, 512 - n, "%s%s(%s)", n ? " " : "", what, c->name);
}

static char *value_of(gcsp *c, const char *path)
{
    return strcmp(path, "A") == 0 ? c->a : strcmp(path, "B") == 0 ? c->b : NULL;
}

static void open_group(gcsp *c)
{
    if (c->open || c->in_txn)
        return;
    memcpy(c->saved_a, c->a, sizeof c->a);
    memcpy(c->saved_b, c->b, sizeof c->b);
    c->open = 1;
}

static int g_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    char *v = value_of(csp, req->path);

    if (!v)
        return -404;
    return omadm_csp_value_set(out, v, strlen(v)) == OMADM_OK ? 0 : -500;
}

static int g_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    gcsp *c = csp;
    char *v = value_of(c, req->path);

    if (!v)
        return -404;
    if (len >= sizeof c->a)
        return -413;
    open_group(c);
    memcpy(v, data, len);
    v[len] = '\0';
    logf_(c, "replace");
    return 0;
}

static int g_exec(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    gcsp *c = csp;

    (void)req;
    (void)data;
    (void)len;
    open_group(c);
    c->execs++;
    logf_(c, "exec");
    return 0;
}

static int g_txn_begin(void *csp)
{
    gcsp *c = csp;

    assert_false(c->open); /* the dispatcher committed the group first */
    c->in_txn = 1;
    logf_(c, "begin");
    return 0;
}

static int g_txn_commit(void *csp)
{
    gcsp *c = csp;

    c->in_txn = 0;
    memcpy(c->durable_a, c->a, sizeof c->a);
    memcpy(c->durable_b, c->b, sizeof c->b);
    logf_(c, "txn-commit");
    return 0;
}

static int g_txn_rollback(void *csp)
{
    ((gcsp *)csp)->in_txn = 0;
    return 0;
}

static int g_message_commit(void *csp)
{
    gcsp *c = csp;

    c->commits++;
    logf_(c, "commit");
    assert_true(c->open);
    c->open = 0;
    if (c->fail_commit) {
        memcpy(c->a, c->saved_a, sizeof c->a);
        memcpy(c->b, c->saved_b, sizeof c->b);
        c->execs = c->execs_durable;
        return c->fail_commit;
    }
    memcpy(c->durable_a, c->a, sizeof c->a);
    memcpy(c->durable_b, c->b, sizeof c->b);
    c->execs_durable = c->execs;
    return 0;
}

static const omadm__csp_ops_ext g_ops = {
    { OMADM_CSP_OPS_VERSION | OMADM__CSP_OPS_EXT, g_get, NULL, g_replace, NULL, g_exec, NULL,
      g_txn_begin, g_txn_commit, g_txn_rollback, NULL },
    g_message_commit,
};

static const omadm_node_def g_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "A", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "B", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "Go", OMADM_FORMAT_NULL, OMADM_ACCESS_EXEC, 0, NULL },
};

typedef struct fixture {
    omadm_tree *tree;
    gcsp g, h;
    char log[512];
} fixture;

static void gcsp_init(gcsp *c, const char *name, char *log)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->log = log;
    strcpy(c->a, "a0");
    strcpy(c->b, "b0");
    strcpy(c->durable_a, "a0");
    strcpy(c->durable_b, "b0");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    gcsp_init(&f->g, "G", f->log);
    gcsp_init(&f->h, "H", f->log);
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(omadm_tree_register(f->tree, "./Vendor/G", &g_ops.ops, g_nodes, 4, 0, &f->g),
                     OMADM_OK);
    assert_int_equal(omadm_tree_register(f->tree, "./Vendor/H", &g_ops.ops, g_nodes, 4, 0, &f->h),
                     OMADM_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_tree_free(f->tree);
    free(f);
    return 0;
}

static syncml_cmd *cmd1(syncml_msg *in, syncml_cmd **list, syncml_cmd_type type, const char *id,
                        const char *target, const char *data)
{
    syncml_cmd *cmd = dm_cmd(in, list, type, id);

    dm_item(in, cmd, target, data, NULL);
    return cmd;
}

/* Get A, Replace A, Get A, Replace B, Exec Go on G; Replace A on H. */
static syncml_msg *mixed(void)
{
    syncml_msg *in = dm_msg("2");

    cmd1(in, &in->body, SYNCML_CMD_GET, "1", G "A", NULL);
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "2", G "A", "x");
    cmd1(in, &in->body, SYNCML_CMD_GET, "3", G "A", NULL);
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "4", H "A", "h");
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "5", G "B", "y");
    cmd1(in, &in->body, SYNCML_CMD_EXEC, "6", G "Go", NULL);
    return in;
}

static void test_one_commit_per_message(void **state)
{
    fixture *f = *state;
    syncml_msg *in = mixed();

    dm_expect(f->tree, in,
              "S Get 1 200 | R 1 ./Vendor/G/A=a0(chr,text/plain) | S Replace 2 200 | "
              "S Get 3 200 | R 3 ./Vendor/G/A=x(chr,text/plain) | S Replace 4 200 | "
              "S Replace 5 200 | S Exec 6 200");
    /* One commit per CSP, after every command ran. */
    assert_string_equal(f->log, "replace(G) replace(H) replace(G) exec(G) commit(G) commit(H)");
    assert_string_equal(f->g.durable_a, "x");
    assert_string_equal(f->g.durable_b, "y");
    assert_int_equal(f->g.execs_durable, 1);
    assert_string_equal(f->h.durable_a, "h");
    syncml_msg_free(in);

    /* Gets only: no commit. */
    f->log[0] = '\0';
    in = dm_msg("3");
    cmd1(in, &in->body, SYNCML_CMD_GET, "1", G "A", NULL);
    dm_expect(f->tree, in, "S Get 1 200 | R 1 ./Vendor/G/A=x(chr,text/plain)");
    assert_string_equal(f->log, "");
    assert_int_equal(f->g.commits, 1);
    syncml_msg_free(in);
}

static void test_failed_commit(void **state)
{
    fixture *f = *state;
    syncml_msg *in = mixed();

    f->g.fail_commit = -500;
    /* The Get before G's first change keeps its answer; every command of G
     * from that change on answers 500 (the second Get read an undone value:
     * its Results go); H is not affected. */
    dm_expect(f->tree, in,
              "S Get 1 200 | R 1 ./Vendor/G/A=a0(chr,text/plain) | S Replace 2 500 | "
              "S Get 3 500 | S Replace 4 200 | S Replace 5 500 | S Exec 6 500");
    assert_string_equal(f->g.a, "a0");
    assert_string_equal(f->g.durable_a, "a0");
    assert_int_equal(f->g.execs_durable, 0);
    assert_string_equal(f->h.durable_a, "h");
    syncml_msg_free(in);

    /* The CSP's own code is kept (420: storage full). */
    f->g.fail_commit = -420;
    in = dm_msg("3");
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "1", G "A", "z");
    dm_expect(f->tree, in, "S Replace 1 420");
    syncml_msg_free(in);

    /* A success code other than 0 is no commit: 500. */
    f->g.fail_commit = -202;
    in = dm_msg("4");
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "1", G "A", "z");
    dm_expect(f->tree, in, "S Replace 1 500");
    syncml_msg_free(in);

    /* The next message commits normally. */
    f->g.fail_commit = 0;
    in = dm_msg("5");
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "1", G "A", "z");
    dm_expect(f->tree, in, "S Replace 1 200");
    assert_string_equal(f->g.durable_a, "z");
    syncml_msg_free(in);
}

/* One command, two Items on two CSPs: per-Item Statuses. */
static void test_failed_commit_multi_item(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *rep = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1");

    dm_item(in, rep, G "A", "x", NULL);
    dm_item(in, rep, H "A", "h", NULL);
    f->g.fail_commit = -500;
    dm_expect(f->tree, in, "S Replace 1 500 T=./Vendor/G/A | S Replace 1 200 T=./Vendor/H/A");
    syncml_msg_free(in);
}

static void test_sequence(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *seq = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, "1");
    syncml_cmd *seq2 = dm_cmd(in, &in->body, SYNCML_CMD_SEQUENCE, "4");

    cmd1(in, &seq->children, SYNCML_CMD_REPLACE, "2", G "A", "x");
    cmd1(in, &seq->children, SYNCML_CMD_GET, "3", G "A", NULL);
    cmd1(in, &seq2->children, SYNCML_CMD_REPLACE, "5", H "A", "h");
    f->g.fail_commit = -500;
    /* The Sequence whose member a failed commit undid answers 500, the
     * other one keeps its 200. */
    dm_expect(f->tree, in,
              "S Sequence 1 500 | S Replace 2 500 | S Get 3 500 | S Sequence 4 200 | "
              "S Replace 5 200");
    syncml_msg_free(in);
}

static void test_atomic_commits_group_first(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at;

    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "1", G "A", "x");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "2");
    cmd1(in, &at->children, SYNCML_CMD_REPLACE, "3", G "B", "y");
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "4", G "A", "w");
    dm_expect(f->tree, in, "S Replace 1 200 | S Atomic 2 200 | S Replace 3 200 | S Replace 4 200");
    /* The group before the Atomic is committed before it begins; the
     * Atomic's change is its own commit's; the change after it is a new
     * group. */
    assert_string_equal(f->log, "replace(G) commit(G) begin(G) replace(G) txn-commit(G) "
                                "replace(G) commit(G)");
    assert_string_equal(f->g.durable_a, "w");
    assert_string_equal(f->g.durable_b, "y");
    syncml_msg_free(in);

    /* The commit before the Atomic fails: its command answers 500, the
     * Atomic still runs. */
    f->log[0] = '\0';
    f->g.fail_commit = -500;
    in = dm_msg("3");
    cmd1(in, &in->body, SYNCML_CMD_REPLACE, "1", G "A", "v");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "2");
    cmd1(in, &at->children, SYNCML_CMD_REPLACE, "3", G "B", "u");
    dm_expect(f->tree, in, "S Replace 1 500 | S Atomic 2 200 | S Replace 3 200");
    assert_string_equal(f->g.durable_a, "w");
    assert_string_equal(f->g.durable_b, "u");
    syncml_msg_free(in);
}

/* Every allocation failing in turn: a clean error runs nothing (no
 * commit, nothing changed), else the answers tell the truth. */
static void test_alloc_sweep(void **state)
{
    int n, done = 0, clean = 0;

    (void)state;
    for (n = 1; n < 500 && !done; n++) {
        fixture *f = NULL;
        syncml_msg *in, *reply = NULL;
        syncml_cmd *answers = NULL;
        omadm_status st;
        int failed;

        setup((void **)&f);
        in = mixed();
        assert_int_equal(syncml_msg_new(&reply), OMADM_OK);
        omadm__alloc_fail_at(n, 0);
        st = omadm__dispatch_message(f->tree, in, "srv", reply, &answers);
        failed = omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (st != OMADM_OK) {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_string_equal(f->log, "");
            assert_int_equal(f->g.commits + f->h.commits, 0);
            clean++;
        } else {
            /* Every change ran and was committed once. */
            assert_int_equal(f->g.commits, 1);
            assert_string_equal(f->g.durable_a, "x");
            done = !failed;
        }
        syncml_msg_free(reply);
        syncml_msg_free(in);
        teardown((void **)&f);
    }
    assert_true(done);
    assert_true(clean > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_commit_per_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_multi_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_commits_group_first, setup, teardown),
        cmocka_unit_test(test_alloc_sweep),
    };

    return cmocka_run_group_tests_name("dispatch-group", tests, NULL, NULL);
}
