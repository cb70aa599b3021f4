/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient Provider/{id}/Push: PFN stored durably, ChannelURI and Status
 * reflecting the agent's channel, access types, Atomic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "csp/dmclient/dmclient.h"
#include "csp/dmclient/push.h"
#include "cspone.h"
#include "dmtest.h"
#include "fakeplat.h"
#include "omadm/log.h"
#include "tree/tree.h"

#define P    "./Vendor/MSFT/DMClient/Provider/"
#define PUSH P "Fleet/Push/"

typedef struct fixture {
    fakeplat fp;
    omadm_tree *tree;
    omadm_dmclient *dm;
} fixture;

static void open_tree(fixture *f)
{
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(omadm__dmclient_register(f->tree, &f->fp.p, &f->dm), OMADM_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    fakeplat_init(&f->fp);
    omadm_log_set(NULL, NULL, OMADM_LOG_ERROR);
    open_tree(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_tree_free(f->tree);
    fakeplat_free(&f->fp);
    free(f);
    return 0;
}

static void test_channel_nodes(void **state)
{
    fixture *f = *state;

    /* no provider: nothing under it exists */
    one(f, SYNCML_CMD_GET, PUSH "ChannelURI", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_ADD, P "Fleet", NULL, "node", "S Add 1 200");
    /* no channel yet: empty URI, Status 4 (no Channel URI assigned) */
    one(f, SYNCML_CMD_GET, PUSH "ChannelURI", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "ChannelURI=(chr,text/plain)");
    one(f, SYNCML_CMD_GET, PUSH "Status", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "Status=4(int,text/plain)");
    assert_int_equal(omadm__dmclient_push_set_channel(f->dm, "https://mdm.example.test/push", 0),
                     OMADM_OK);
    one(f, SYNCML_CMD_GET, PUSH "ChannelURI", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "ChannelURI=https://mdm.example.test/push(chr,text/plain)");
    one(f, SYNCML_CMD_GET, "./Device/Vendor/MSFT/DMClient/Provider/Fleet/Push/Status", NULL, NULL,
        "S Get 1 200 | R 1 ./Device/Vendor/MSFT/DMClient/Provider/Fleet/Push/Status=0(int,"
        "text/plain)");
    assert_int_equal(omadm__dmclient_push_set_channel(f->dm, NULL, 8), OMADM_OK);
    one(f, SYNCML_CMD_GET, PUSH "Status", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "Status=8(int,text/plain)");
    /* read-only leaves, an unknown leaf, the interior node */
    one(f, SYNCML_CMD_REPLACE, PUSH "ChannelURI", "x", "chr", "S Replace 1 405");
    one(f, SYNCML_CMD_REPLACE, PUSH "Status", "0", "int", "S Replace 1 405");
    one(f, SYNCML_CMD_GET, PUSH "Other", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_GET, P "Fleet/Push", NULL, NULL,
        "S Get 1 200 | R 1 " P "Fleet/Push=ChannelURI/Status(node)");
    one(f, SYNCML_CMD_ADD, P "Fleet/Push", NULL, "node", "S Add 1 418");
    assert_int_equal(f->fp.replace_calls, 1); /* only the provider's Add wrote */
}

static void test_pfn_durable(void **state)
{
    fixture *f = *state;

    one(f, SYNCML_CMD_REPLACE, P "Fleet/Poll/NumberOfFirstRetries", "5", "int", "S Replace 1 200");
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "Contoso.MDM_8wekyb3d8bbwe", "chr", "S Replace 1 200");
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE),
                        "omadm-dmclient-push 1\npfn Fleet Contoso.MDM_8wekyb3d8bbwe\n");
    one(f, SYNCML_CMD_ADD, PUSH "PFN", "x", "chr", "S Add 1 418");
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "with space%", NULL, "S Replace 1 200");
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE),
                        "omadm-dmclient-push 1\npfn Fleet with%20space%25\n");
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "", "chr", "S Replace 1 400");
    one(f, SYNCML_CMD_GET, P "Fleet/Push", NULL, NULL,
        "S Get 1 200 | R 1 " P "Fleet/Push=PFN/ChannelURI/Status(node)");

    /* survives a restart of the agent (a new tree on the same files) */
    omadm_tree_free(f->tree);
    open_tree(f);
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "PFN=with space%(chr,text/plain)");

    /* a failed write leaves the old value */
    f->fp.replace_status = OMADM_ERR_IO;
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "new", "chr", "S Replace 1 500");
    f->fp.replace_status = OMADM_OK;
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "PFN=with space%(chr,text/plain)");

    /* Delete of PFN, then of the provider */
    one(f, SYNCML_CMD_DELETE, PUSH "PFN", NULL, NULL, "S Delete 1 200");
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_ADD, PUSH "PFN", "again", "chr", "S Add 1 200");
    one(f, SYNCML_CMD_DELETE, P "Fleet", NULL, NULL, "S Delete 1 200");
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), "omadm-dmclient-push 1\n");
    /* PFN on a provider that does not exist */
    one(f, SYNCML_CMD_ADD, P "Other/Push/PFN", "x", "chr", "S Add 1 404");
}

static void test_pfn_atomic(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "10");
    int calls;

    one(f, SYNCML_CMD_ADD, P "Fleet", NULL, "node", "S Add 1 200");
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "old", "chr", "S Replace 1 200");
    /* a failing member rolls the PFN back and writes nothing */
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "11"), PUSH "PFN", "new", "chr");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "12"), PUSH "PFN", "", "chr");
    calls = f->fp.replace_calls;
    dm_expect(f->tree, in, "S Atomic 10 507 | S Replace 11 216 | S Replace 12 400");
    syncml_msg_free(in);
    assert_int_equal(f->fp.replace_calls, calls);
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "PFN=old(chr,text/plain)");
}

static void test_corrupt_file(void **state)
{
    fixture *f = *state;

    omadm_tree_free(f->tree);
    fakeplat_set_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE, "omadm-dmclient-push 1\npfn Fleet %zz\n");
    fakeplat_set_file(&f->fp, "dmclient.conf",
                      "omadm-dmclient 1\nprovider Fleet 0 15 10 0 0 0 0 0 0\n");
    open_tree(f);
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL, "S Get 1 404");
    omadm_tree_free(f->tree);
    f->tree = NULL;
    f->fp.read_status = OMADM_ERR_IO;
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(omadm__dmclient_register(f->tree, &f->fp.p, NULL), OMADM_ERR_IO);
    f->fp.read_status = OMADM_OK;
}

static void test_path_split(void **state)
{
    char id[64], leaf[16];

    (void)state;
    assert_int_equal(omadm__dmpush_path("Provider/A/Push", id, sizeof id, leaf, sizeof leaf), 1);
    assert_string_equal(id, "A");
    assert_string_equal(leaf, "");
    assert_int_equal(omadm__dmpush_path("Provider/A/Push/PFN", id, sizeof id, leaf, sizeof leaf),
                     1);
    assert_string_equal(leaf, "PFN");
    assert_int_equal(omadm__dmpush_path("Provider/A/Poll", id, sizeof id, leaf, sizeof leaf), 0);
    assert_int_equal(omadm__dmpush_path("Provider/A/Pushy", id, sizeof id, leaf, sizeof leaf), 0);
    assert_int_equal(omadm__dmpush_path("Provider/A/Push/X", id, sizeof id, leaf, sizeof leaf), -1);
    assert_int_equal(omadm__dmpush_path("Provider", id, sizeof id, leaf, sizeof leaf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_channel_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pfn_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pfn_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
        cmocka_unit_test(test_path_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
