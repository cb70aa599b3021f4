/* Core: status table, version, allocation hooks, growable buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "omadm/omadm.h"

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(omadm_status_name(OMADM_OK), "OMADM_OK");
    assert_string_equal(omadm_status_name(OMADM_ERR_NOMEM), "OMADM_ERR_NOMEM");
    assert_string_equal(omadm_status_str(OMADM_ERR_LIMIT), "input exceeds a limit");
    assert_string_equal(omadm_status_name((omadm_status)-9999), "OMADM_UNKNOWN");
    assert_string_equal(omadm_status_str((omadm_status)12345), "unknown status");
}

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(omadm_version_number(), OMADM_VERSION_NUMBER);
    assert_string_equal(omadm_version_string(), OMADM_VERSION_STRING);
}

static void test_alloc_fail_nth(void **state)
{
    void *a, *b, *c;

    (void)state;
    omadm__alloc_fail_at(2, 0);
    a = omadm__malloc(8);
    b = omadm__malloc(8);
    c = omadm__malloc(8);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    assert_true(omadm__alloc_failed());
    assert_int_equal(omadm__alloc_count(), 3);
    omadm__free(a);
    omadm__free(c);

    omadm__alloc_fail_at(1, 1);
    assert_null(omadm__strdup("x"));
    assert_null(omadm__calloc(1, 1));
    omadm__alloc_fail_at(0, 0);
    a = omadm__strndup("hello", 3);
    assert_string_equal(a, "hel");
    omadm__free(a);
}

static void test_buf_grow_and_limit(void **state)
{
    omadm_buf buf = OMADM_BUF_INIT;
    size_t len;
    char *out;
    int i;

    (void)state;
    for (i = 0; i < 1000; i++)
        assert_int_equal(omadm__buf_printf(&buf, "%03d", i), OMADM_OK);
    assert_int_equal(buf.len, 3000);
    assert_memory_equal(buf.data + 2997, "999", 4);
    out = omadm__buf_steal(&buf, &len);
    assert_int_equal(len, 3000);
    assert_null(buf.data);
    omadm__free(out);

    buf.limit = 4;
    assert_int_equal(omadm__buf_append_str(&buf, "abcd"), OMADM_OK);
    assert_int_equal(omadm__buf_append_str(&buf, "e"), OMADM_ERR_LIMIT);
    assert_string_equal(buf.data, "abcd");
    omadm__buf_free(&buf);

    omadm__alloc_fail_at(1, 0);
    assert_int_equal(omadm__buf_append_str(&buf, "x"), OMADM_ERR_NOMEM);
    assert_null(buf.data);
    omadm__alloc_fail_at(0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_alloc_fail_nth),
        cmocka_unit_test(test_buf_grow_and_limit),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
