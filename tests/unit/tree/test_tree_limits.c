/* SPDX-License-Identifier: Apache-2.0 */
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

/* Sets `set` and checks the limits in effect. */
static void expect_limits(omadm_tree *tree, const omadm_tree_limits *set,
                          const omadm_tree_limits *want)
{
    const omadm_tree_limits *got;

    omadm__tree_set_limits(tree, set);
    got = omadm__tree_limits(tree);
    assert_int_equal(got->uri.max_len, want->uri.max_len);
    assert_int_equal(got->uri.max_segments, want->uri.max_segments);
    assert_int_equal(got->uri.max_segment, want->uri.max_segment);
    assert_int_equal(got->max_value, want->max_value);
    assert_int_equal(got->max_cmd_id, want->max_cmd_id);
}

static void test_limits_only_lowered(void **state)
{
    static const omadm_tree_limits zero = { { 0, 0, 0 }, 0, 0 };
    static const omadm_tree_limits defaults = {
        { OMADM_URI_MAX_LEN, OMADM_URI_MAX_SEGMENTS, OMADM_URI_MAX_SEGMENT }, 524288, 64
    };
    static const omadm_tree_limits above = {
        { OMADM_URI_MAX_LEN + 1, OMADM_URI_MAX_SEGMENTS + 1, OMADM_URI_MAX_SEGMENT + 1 }, 524289, 65
    };
    static const omadm_tree_limits lower = { { 100, 5, 20 }, 1000, 8 };
    omadm_tree *tree = NULL;

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    expect_limits(tree, &zero, &defaults);  /* zero: the defaults */
    expect_limits(tree, &above, &defaults); /* above the defaults: clamped */
    expect_limits(tree, &lower, &lower);    /* lower: kept */
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
