/* SPDX-License-Identifier: Apache-2.0 */
/* Dispatcher edges: a node whose access allows a command its CSP has no
 * handler for (405), bool values in any case, a Type given per Item, and
 * Atomic members rejected by the parser or without Items. */
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

#define T "./Vendor/Test/"

/* A CSP that declares every access on its leaf and implements none. */
static const omadm_node_def bare_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Leaf", OMADM_FORMAT_CHR,
      OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_REPLACE | OMADM_ACCESS_DELETE |
          OMADM_ACCESS_EXEC,
      0, NULL },
};
static const omadm_csp_ops bare_ops = {
    OMADM_CSP_OPS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static void test_no_handler_is_405(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *c;

    assert_int_equal(omadm_tree_register(f->tree, "./Vendor/Bare", &bare_ops, bare_nodes,
                                         sizeof bare_nodes / sizeof bare_nodes[0], 0, NULL),
                     OMADM_OK);
    c = dm_cmd(in, &in->body, SYNCML_CMD_GET, "2");
    dm_item(in, c, "./Vendor/Bare/Leaf", NULL, NULL);
    c = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "3");
    dm_item(in, c, "./Vendor/Bare/Leaf", "v", NULL);
    c = dm_cmd(in, &in->body, SYNCML_CMD_DELETE, "4");
    dm_item(in, c, "./Vendor/Bare/Leaf", NULL, NULL);
    c = dm_cmd(in, &in->body, SYNCML_CMD_EXEC, "5");
    dm_item(in, c, "./Vendor/Bare/Leaf", NULL, NULL);
    /* The interior root has no handler either, and needs none for Get. */
    c = dm_cmd(in, &in->body, SYNCML_CMD_GET, "6");
    dm_item(in, c, "./Vendor/Bare", NULL, NULL);
    dm_expect(f->tree, in,
              "S Get 2 405 | S Replace 3 405 | S Delete 4 405 | S Exec 5 405 | S Get 6 200 | "
              "R 6 ./Vendor/Bare=Leaf(node)");
    syncml_msg_free(in);
}

/* bool takes true/false in any case, nothing else (the test CSP stores
 * only a lower-case "true" as true; a refused value leaves it alone). */
static void test_bool_values(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *data;
        const char *code;
        int flag;
    } rows[] = {
        { "true", "200", 1 },  { "FALSE", "200", 0 }, { "true", "200", 1 },
        { "False", "200", 0 }, { "true", "200", 1 },  { "TRUE", "200", 0 },
        { "yes", "415", 0 },   { "truex", "415", 0 }, { "", "415", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        syncml_msg *in = dm_msg("2");
        syncml_cmd *c = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "2");
        char want[64];

        dm_item(in, c, T "Flag", rows[i].data, "bool");
        snprintf(want, sizeof want, "S Replace 2 %s", rows[i].code);
        dm_expect(f->tree, in, want);
        assert_int_equal(f->a.s.flag, rows[i].flag);
        syncml_msg_free(in);
    }
}

/* A Type on the Item wins over the command's. */
static void test_item_type(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *c = dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "2");
    syncml_item *it = dm_item(in, c, T "Typed", "t1", "chr");

    it->meta->type = syncml_strdup(in, "text/x-test");
    c->meta = syncml_meta_new(in);
    assert_non_null(c->meta);
    c->meta->type = syncml_strdup(in, "text/other");
    dm_expect(f->tree, in, "S Replace 2 200");
    assert_string_equal(f->a.s.typed, "t1");
    syncml_msg_free(in);
}

/* A member the parser rejected (over a limit) or one without Items: the
 * Atomic runs nothing. */
static void test_atomic_member_rejected_or_empty(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "A1");
    syncml_cmd *c = dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "a2");

    dm_item(in, c, T "RW", "x", NULL);
    c = dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "a3");
    dm_item(in, c, T "Num", "7", NULL);
    c->reject_code = 414;
    c->reject_reason = syncml_strdup(in, "LocURI longer than 1024 bytes");
    dm_cmd(in, &at->children, SYNCML_CMD_DELETE, "a4");
    dm_expect(f->tree, in,
              "S Atomic A1 507 | S Replace a2 215 | S Replace a3 414 | S Delete a4 412");
    assert_string_equal(f->log, "");
    assert_string_equal(f->a.s.rw, "rw0");
    assert_int_equal(f->a.s.num, 5);
    syncml_msg_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T_(fn) cmocka_unit_test_setup_teardown(fn, tcsp_fixture_setup, tcsp_fixture_teardown)
        T_(test_no_handler_is_405),
        T_(test_bool_values),
        T_(test_item_type),
        T_(test_atomic_member_rejected_or_empty),
#undef T_
    };

    return cmocka_run_group_tests_name("dispatch-more", tests, NULL, NULL);
}
