/* SPDX-License-Identifier: Apache-2.0 */
/* Core: status table, version, allocation hooks, growable buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/hex.h"
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

/* The digest fetched once gives FIPS 180-2's vectors, on every call. */
static void test_sha256_vectors(void **state)
{
    static const unsigned char abc[OMADM_SHA256_LEN] = { 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf,
                                                         0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
                                                         0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96,
                                                         0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
                                                         0xf2, 0x00, 0x15, 0xad };
    static const unsigned char empty[OMADM_SHA256_LEN] = { 0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c,
                                                           0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
                                                           0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64,
                                                           0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
                                                           0x78, 0x52, 0xb8, 0x55 };
    unsigned char out[OMADM_SHA256_LEN];
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {
        assert_int_equal(omadm__sha256("abc", 3, out), 1);
        assert_memory_equal(out, abc, sizeof out);
        assert_int_equal(omadm__sha256("", 0, out), 1);
        assert_memory_equal(out, empty, sizeof out);
    }
}

static void test_dec_u64(void **state)
{
    char buf[OMADM_DEC_U64_LEN];

    (void)state;
    assert_int_equal(omadm__dec_u64(0, buf), 1);
    assert_string_equal(buf, "0");
    assert_int_equal(omadm__dec_u64(7, buf), 1);
    assert_string_equal(buf, "7");
    assert_int_equal(omadm__dec_u64(10, buf), 2);
    assert_string_equal(buf, "10");
    assert_int_equal(omadm__dec_u64(4294967295u, buf), 10);
    assert_string_equal(buf, "4294967295");
    assert_int_equal(omadm__dec_u64(UINT64_MAX, buf), OMADM_DEC_U64_LEN - 1);
    assert_string_equal(buf, "18446744073709551615");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),   cmocka_unit_test(test_version),
        cmocka_unit_test(test_alloc_fail_nth), cmocka_unit_test(test_buf_grow_and_limit),
        cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_dec_u64),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
