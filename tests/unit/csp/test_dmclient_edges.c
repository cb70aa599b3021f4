/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient Provider/{id}/Poll at its edges: every malformed value refused
 * with its code (415 not a value of the format, 400 out of range), Add and
 * Delete on nodes that exist or do not, Get on a provider without Poll, and
 * ensure_provider at the provider limit and on a failed write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csp/dmclient/dmclient.h"
#include "cspone.h"
#include "dmtest.h"
#include "fakeplat.h"
#include "omadm/log.h"
#include "tree/tree.h"

#define P     "./Vendor/MSFT/DMClient/Provider/"
#define FLEET P "Fleet/Poll/"

typedef struct fixture {
    fakeplat fp;
    omadm_tree *tree;
    omadm_dmclient *dm;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    fakeplat_init(&f->fp);
    omadm_log_set(NULL, NULL, OMADM_LOG_ERROR);
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(omadm__dmclient_register(f->tree, &f->fp.p, &f->dm), OMADM_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);
    omadm_tree_free(f->tree);
    fakeplat_free(&f->fp);
    free(f);
    return 0;
}

static void test_values(void **state)
{
    static const struct {
        const char *leaf, *data, *format, *want;
    } cases[] = {
        { "PollOnLogin", "TRUE", "bool", "S Replace 1 200" },
        { "PollOnLogin", "False", "bool", "S Replace 1 200" },
        { "PollOnLogin", "yes", "bool", "S Replace 1 415" },
        { "PollOnLogin", "truex", "bool", "S Replace 1 415" },
        { "PollOnLogin", "1", "bool", "S Replace 1 415" },
        { "NumberOfFirstRetries", "2147483647", "int", "S Replace 1 200" }, /* the maximum */
        { "NumberOfFirstRetries", "2147483648", "int", "S Replace 1 400" }, /* one over */
        { "NumberOfFirstRetries", "99999999999999999999", "int", "S Replace 1 400" },
        { "NumberOfFirstRetries", "-5", "int", "S Replace 1 400" }, /* well-formed, refused */
        { "NumberOfFirstRetries", "-", "int", "S Replace 1 415" },
        { "NumberOfFirstRetries", "-5x", "int", "S Replace 1 415" },
        { "NumberOfFirstRetries", "5x", "int", "S Replace 1 415" },
        { "NumberOfFirstRetries", " 5", "int", "S Replace 1 415" },
        { "NumberOfFirstRetries", "0", "int", "S Replace 1 200" },
    };
    fixture *f = *state;
    char target[256];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(target, sizeof target, FLEET "%s", cases[i].leaf);
        one(f, SYNCML_CMD_REPLACE, target, cases[i].data, cases[i].format, cases[i].want);
    }
    one(f, SYNCML_CMD_GET, FLEET "PollOnLogin", NULL, NULL,
        "S Get 1 200 | R 1 " FLEET "PollOnLogin=false(bool,text/plain)");
    one(f, SYNCML_CMD_GET, FLEET "NumberOfFirstRetries", NULL, NULL,
        "S Get 1 200 | R 1 " FLEET "NumberOfFirstRetries=0(int,text/plain)");
    /* an Add of a leaf checks its value the same way */
    one(f, SYNCML_CMD_ADD, P "N/Poll/NumberOfFirstRetries", "x", "int", "S Add 1 415");
    one(f, SYNCML_CMD_GET, P "N", NULL, NULL, "S Get 1 404"); /* nothing was added */
}

static void test_add_and_delete(void **state)
{
    fixture *f = *state;

    one(f, SYNCML_CMD_ADD, P "Fleet", NULL, "node", "S Add 1 200");
    one(f, SYNCML_CMD_ADD, P "Fleet", NULL, "node", "S Add 1 418");
    /* a provider without Poll: its Poll and leaves do not exist */
    one(f, SYNCML_CMD_GET, FLEET "PollOnLogin", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_GET, P "Fleet/Poll", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_DELETE, P "Fleet/Poll", NULL, NULL, "S Delete 1 404");
    one(f, SYNCML_CMD_DELETE, FLEET "PollOnLogin", NULL, NULL, "S Delete 1 404");
    one(f, SYNCML_CMD_GET, P "Fleet", NULL, NULL, "S Get 1 200 | R 1 " P "Fleet=Push(node)");
    /* Add of the Poll node, then of it again and of a leaf under it */
    one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, "node", "S Add 1 200");
    one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, "node", "S Add 1 418");
    one(f, SYNCML_CMD_ADD, FLEET "PollOnLogin", "true", "bool", "S Add 1 418");
    one(f, SYNCML_CMD_GET, P "Fleet", NULL, NULL, "S Get 1 200 | R 1 " P "Fleet=Poll/Push(node)");
    /* Delete of a leaf puts the default back; of Poll, removes it */
    one(f, SYNCML_CMD_REPLACE, FLEET "PollOnLogin", "true", "bool", "S Replace 1 200");
    one(f, SYNCML_CMD_DELETE, FLEET "PollOnLogin", NULL, NULL, "S Delete 1 200");
    one(f, SYNCML_CMD_GET, FLEET "PollOnLogin", NULL, NULL,
        "S Get 1 200 | R 1 " FLEET "PollOnLogin=false(bool,text/plain)");
    one(f, SYNCML_CMD_DELETE, P "Fleet/Poll", NULL, NULL, "S Delete 1 200");
    one(f, SYNCML_CMD_GET, P "Fleet/Poll", NULL, NULL, "S Get 1 404");
    /* the root and Provider cannot be deleted */
    one(f, SYNCML_CMD_DELETE, "./Vendor/MSFT/DMClient/Provider", NULL, NULL, "S Delete 1 405");
    one(f, SYNCML_CMD_DELETE, P "Nobody", NULL, NULL, "S Delete 1 404");
}

static void test_ensure_provider_limits(void **state)
{
    fixture *f = *state;
    char id[16];
    size_t i;

    /* a failed write leaves no provider behind */
    f->fp.replace_status = OMADM_ERR_FULL;
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, "Fleet"), OMADM_ERR_IO);
    f->fp.replace_status = OMADM_OK;
    one(f, SYNCML_CMD_GET, P "Fleet", NULL, NULL, "S Get 1 404");
    assert_null(fakeplat_file(&f->fp, "dmclient.conf"));
    /* up to the limit, then OMADM_ERR_LIMIT, the file holding 16 */
    for (i = 0; i < OMADM_DMCLIENT_MAX_PROVIDERS; i++) {
        snprintf(id, sizeof id, "P%zu", i);
        assert_int_equal(omadm__dmclient_ensure_provider(f->dm, id), OMADM_OK);
    }
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, "P0"), OMADM_OK); /* exists */
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, "One-more"), OMADM_ERR_LIMIT);
    one(f, SYNCML_CMD_ADD, P "One-more", NULL, "node", "S Add 1 420");
    assert_null(strstr(fakeplat_file(&f->fp, "dmclient.conf"), "One-more"));
    assert_non_null(strstr(fakeplat_file(&f->fp, "dmclient.conf"), "provider P15 "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_provider_limits, setup, teardown),
    };
    return cmocka_run_group_tests_name("dmclient edges", tests, NULL, NULL);
}
