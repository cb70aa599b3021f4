/* SPDX-License-Identifier: Apache-2.0 */
/* The allocation wrappers' edges: a zero size is still a real, distinct,
 * freeable block (C leaves malloc(0) and realloc(p, 0) to the
 * implementation; callers here treat NULL as out of memory), and NULL
 * strings copy to NULL without counting as a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/alloc.h"

static void test_zero_sizes(void **state)
{
    char *a, *b, *c, *d, *e;

    (void)state;
    a = omadm__malloc(0);
    b = omadm__malloc(0);
    c = omadm__calloc(0, 16);
    d = omadm__calloc(16, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(d);
    assert_ptr_not_equal(a, b);
    assert_int_equal(c[0], 0);
    e = omadm__realloc(a, 0); /* shrinks to a block, does not free */
    assert_non_null(e);
    e = omadm__realloc(e, 32);
    assert_non_null(e);
    memset(e, 'x', 32);
    omadm__free(e);
    omadm__free(b);
    omadm__free(c);
    omadm__free(d);
}

static void test_string_copies(void **state)
{
    char *s;

    (void)state;
    omadm__alloc_fail_at(1, 1);
    assert_null(omadm__strdup(NULL));
    assert_null(omadm__strndup(NULL, 4));
    assert_false(omadm__alloc_failed()); /* NULL is not an allocation */
    assert_null(omadm__strdup("x"));     /* this one is, and fails */
    assert_true(omadm__alloc_failed());
    omadm__alloc_fail_at(0, 0);
    s = omadm__strndup("abcdef", 3);
    assert_string_equal(s, "abc");
    omadm__free(s);
    s = omadm__strndup("abc", 0);
    assert_string_equal(s, "");
    omadm__free(s);
    s = omadm__strdup("");
    assert_string_equal(s, "");
    omadm__free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_sizes),
        cmocka_unit_test(test_string_copies),
    };
    return cmocka_run_group_tests_name("core-alloc-edges", tests, NULL, NULL);
}
