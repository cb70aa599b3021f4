/* SPDX-License-Identifier: Apache-2.0 */
/* The tree's own answers for a CSP without a children handler (the names
 * its table lists, "*" entries left out), a "*" entry that cannot exist
 * without that handler, tables with unknown flag or access bits refused,
 * the process API's argument and version checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omadm/csp.h"

#define MSG_FMT                                                                                    \
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>%s</VerProto>"      \
    "<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>DEV1</LocURI></Target><Source>"       \
    "<LocURI>https://mdm</LocURI></Source></SyncHdr><SyncBody><Get><CmdID>2</CmdID><Item>"         \
    "<Target><LocURI>%s</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>"

static int get_leaf(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    (void)csp;
    return omadm_csp_value_set(out, req->path, strlen(req->path)) == OMADM_OK ? 0 : -500;
}

static const omadm_node_def nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "A", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "A/B", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "A/C", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "A/C2", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "A/C2/D", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "X", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "X/*", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, OMADM_NODE_DYNAMIC, NULL },
};
static const omadm_csp_ops ops = { .version = OMADM_CSP_OPS_VERSION, .get = get_leaf };

/* The reply to a Get of `uri` (omadm_free it). */
static char *get(omadm_tree *tree, const char *uri)
{
    char msg[1024], *reply = NULL;
    size_t len = 0;
    int n = snprintf(msg, sizeof msg, MSG_FMT, "DM/1.2", uri);

    assert_int_equal(omadm_tree_process(tree, msg, (size_t)n, &reply, &len), OMADM_OK);
    assert_int_equal(strlen(reply), len);
    return reply;
}

static void expect_in(const char *reply, const char *want)
{
    if (!strstr(reply, want))
        fail_msg("reply lacks %s:\n%s", want, reply);
}

static void test_listing_from_the_table(void **state)
{
    omadm_tree *tree = NULL;
    char *reply;

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(omadm_tree_register(tree, "./Vendor/N", &ops, nodes,
                                         sizeof nodes / sizeof nodes[0], 0, NULL),
                     OMADM_OK);
    reply = get(tree, "./Vendor/N/A");
    expect_in(reply, "<Data>B/C/C2</Data>");
    omadm_free(reply);
    reply = get(tree, "./Vendor/N/A/C2");
    expect_in(reply, "<Data>D</Data>");
    omadm_free(reply);
    reply = get(tree, "./Vendor/N");
    expect_in(reply, "<Data>A/X</Data>");
    omadm_free(reply);
    /* "*" is a placeholder, not a name: X lists nothing, and without a
     * children handler nothing under it exists. */
    reply = get(tree, "./Vendor/N/X");
    expect_in(reply, "<Cmd>Get</Cmd><Data>200</Data>");
    expect_in(reply, "<LocURI>./Vendor/N/X</LocURI></Source><Meta><Format "
                     "xmlns=\"syncml:metinf\">node</Format></Meta><Data></Data>");
    omadm_free(reply);
    reply = get(tree, "./Vendor/N/X/k1");
    expect_in(reply, "<Data>404</Data>");
    omadm_free(reply);
    reply = get(tree, "./Vendor/N/A/B");
    expect_in(reply, "<Data>A/B</Data>");
    omadm_free(reply);
    omadm_tree_free(tree);
}

static void test_unknown_bits_refused(void **state)
{
    omadm_node_def bad[3] = {
        { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
        { "L", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    };
    omadm_tree *tree = NULL;

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    bad[1].flags = 1u << 5;
    assert_int_equal(omadm_tree_register(tree, "./Vendor/B", &ops, bad, 2, 0, NULL),
                     OMADM_ERR_INVALID);
    bad[1].flags = 0;
    bad[1].access = OMADM_ACCESS_GET | (1u << 7);
    assert_int_equal(omadm_tree_register(tree, "./Vendor/B", &ops, bad, 2, 0, NULL),
                     OMADM_ERR_INVALID);
    bad[1].access = OMADM_ACCESS_GET;
    assert_int_equal(omadm_tree_register(tree, "./Vendor/B", &ops, bad, 2, 0, NULL), OMADM_OK);
    omadm_tree_free(tree);
}

/* A server speaking DM 1.1: the header is answered 513 and nothing runs. */
static void test_process_checks(void **state)
{
    omadm_tree *tree = NULL;
    char msg[1024], *reply = NULL;
    size_t len = 0;
    int n;

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(omadm_tree_register(tree, "./Vendor/N", &ops, nodes,
                                         sizeof nodes / sizeof nodes[0], 0, NULL),
                     OMADM_OK);
    n = snprintf(msg, sizeof msg, MSG_FMT, "DM/1.1", "./Vendor/N/A/B");
    assert_int_equal(omadm_tree_process(tree, msg, (size_t)n, &reply, &len), OMADM_OK);
    expect_in(reply, "<CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>");
    expect_in(reply, "<Data>513</Data>");
    assert_null(strstr(reply, "<Results>"));
    omadm_free(reply);
    n = snprintf(msg, sizeof msg, MSG_FMT, "DM/1.2", "./Vendor/N/A/B");
    assert_int_equal(omadm_tree_process(NULL, msg, (size_t)n, &reply, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_process(tree, NULL, 4, &reply, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_process(tree, msg, (size_t)n, NULL, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_process(tree, msg, (size_t)n, &reply, NULL), OMADM_ERR_INVALID);
    omadm_tree_free(tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listing_from_the_table),
        cmocka_unit_test(test_unknown_bits_refused),
        cmocka_unit_test(test_process_checks),
    };
    return cmocka_run_group_tests_name("tree-more", tests, NULL, NULL);
}
