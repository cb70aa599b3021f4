/* The tree's limits (omadm/tree/tree.h) may only be lowered: zero and
 * values above the defaults (DESIGN §6) fall back to the default, lower
 * ones stay; and every node format's wire name (syncml-dm Meta/Format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tree/tree.h"

static void test_limits_only_lowered(void **state)
{
    omadm_tree *tree = NULL;
    omadm_tree_limits lim = { { 0, 0, 0 }, 0, 0 };
    const omadm_tree_limits *got;

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    /* zero: the defaults */
    omadm__tree_set_limits(tree, &lim);
    got = omadm__tree_limits(tree);
    assert_int_equal(got->uri.max_len, OMADM_URI_MAX_LEN);
    assert_int_equal(got->uri.max_segments, OMADM_URI_MAX_SEGMENTS);
    assert_int_equal(got->uri.max_segment, OMADM_URI_MAX_SEGMENT);
    assert_int_equal(got->max_value, 524288);
    assert_int_equal(got->max_cmd_id, 64);
    /* above the defaults: clamped */
    lim.uri.max_len = OMADM_URI_MAX_LEN + 1;
    lim.uri.max_segments = OMADM_URI_MAX_SEGMENTS + 1;
    lim.uri.max_segment = OMADM_URI_MAX_SEGMENT + 1;
    lim.max_value = 524289;
    lim.max_cmd_id = 65;
    omadm__tree_set_limits(tree, &lim);
    got = omadm__tree_limits(tree);
    assert_int_equal(got->uri.max_len, OMADM_URI_MAX_LEN);
    assert_int_equal(got->uri.max_segments, OMADM_URI_MAX_SEGMENTS);
    assert_int_equal(got->uri.max_segment, OMADM_URI_MAX_SEGMENT);
    assert_int_equal(got->max_value, 524288);
    assert_int_equal(got->max_cmd_id, 64);
    /* lower: kept */
    lim.uri.max_len = 100;
    lim.uri.max_segments = 5;
    lim.uri.max_segment = 20;
    lim.max_value = 1000;
    lim.max_cmd_id = 8;
    omadm__tree_set_limits(tree, &lim);
    got = omadm__tree_limits(tree);
    assert_int_equal(got->uri.max_len, 100);
    assert_int_equal(got->uri.max_segments, 5);
    assert_int_equal(got->uri.max_segment, 20);
    assert_int_equal(got->max_value, 1000);
    assert_int_equal(got->max_cmd_id, 8);
    omadm_tree_free(tree);
}

static void test_format_names(void **state)
{
    static const char *const names[] = { "chr",  "int", "bool",  "b64",  "xml", "node",
                                         "null", "bin", "float", "date", "time" };

    (void)state;
    for (int f = OMADM_FORMAT_CHR; f <= OMADM_FORMAT_TIME; f++)
        assert_string_equal(omadm_format_name((omadm_format)f), names[f]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_only_lowered),
        cmocka_unit_test(test_format_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
