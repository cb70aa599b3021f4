/* SPDX-License-Identifier: Apache-2.0 */
/* The growable buffer (omadm/core/buf.h): its cap at the limit and one
 * over (append, printf, reserve), size overflow, reset, steal, and
 * allocation failures leaving the content as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"

static void test_limit_at_and_over(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;

    (void)state;
    b.limit = 8;
    assert_int_equal(omadm__buf_append_str(&b, "1234"), OMADM_OK);
    assert_int_equal(omadm__buf_printf(&b, "%d", 5678), OMADM_OK);
    assert_int_equal(b.len, 8);
    assert_int_equal(omadm__buf_append(&b, "9", 1), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__buf_printf(&b, "%c", 'x'), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__buf_reserve(&b, 1), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__buf_reserve(&b, 0), OMADM_OK);
    assert_string_equal(b.data, "12345678"); /* unchanged by the refusals */
    assert_int_equal(omadm__buf_append(&b, NULL, 0), OMADM_OK);
    omadm__buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(omadm__buf_printf(&b, "%s", "abcdefgh"), OMADM_OK);
    omadm__buf_free(&b);
    assert_null(b.data);
}

static void test_size_overflow(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;

    (void)state;
    assert_int_equal(omadm__buf_append_str(&b, "ab"), OMADM_OK);
    assert_int_equal(omadm__buf_reserve(&b, SIZE_MAX - 2), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__buf_reserve(&b, SIZE_MAX), OMADM_ERR_LIMIT);
    assert_string_equal(b.data, "ab");
    omadm__buf_free(&b);
}

static void test_reset_steal(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;
    size_t len = 99;
    char *s;

    (void)state;
    omadm__buf_reset(&b); /* nothing allocated yet */
    assert_null(b.data);
    assert_null(omadm__buf_steal(&b, &len));
    assert_int_equal(len, 0);
    assert_int_equal(omadm__buf_reserve(&b, 1000), OMADM_OK);
    assert_true(b.cap - b.len > 1000);
    assert_int_equal(omadm__buf_append_str(&b, "xyz"), OMADM_OK);
    s = omadm__buf_steal(&b, NULL);
    assert_string_equal(s, "xyz");
    assert_null(b.data);
    assert_int_equal(b.len + b.cap, 0);
    omadm__free(s);
}

static void test_alloc_failure_keeps_content(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;
    char big[600];

    (void)state;
    memset(big, 'z', sizeof big);
    assert_int_equal(omadm__buf_append_str(&b, "keep"), OMADM_OK);
    omadm__alloc_fail_at(1, 0);
    assert_int_equal(omadm__buf_append(&b, big, sizeof big), OMADM_ERR_NOMEM);
    omadm__alloc_fail_at(1, 0);
    assert_int_equal(omadm__buf_printf(&b, "%.600s", big), OMADM_ERR_NOMEM);
    omadm__alloc_fail_at(0, 0);
    assert_string_equal(b.data, "keep");
    assert_int_equal(b.len, 4);
    omadm__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_at_and_over),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_reset_steal),
        cmocka_unit_test(test_alloc_failure_keeps_content),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
