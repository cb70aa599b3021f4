/* SPDX-License-Identifier: Apache-2.0 */
/* SyncHdr credentials (omadm/session/auth.h) against values computed
 * independently (Python's hashlib and base64), nonce forms that are not
 * base64, the size limit, and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "session/auth.h"

static void test_basic(void **state)
{
    char *out = NULL, *big;

    (void)state;
    assert_int_equal(omadm__auth_basic("user", "pass", &out), OMADM_OK);
    assert_string_equal(out, "dXNlcjpwYXNz");
    omadm__free(out);
    assert_int_equal(omadm__auth_basic("", "", &out), OMADM_OK);
    assert_string_equal(out, "Og=="); /* ":" */
    omadm__free(out);
    /* name:secret over 64 KiB is refused, nothing handed out */
    big = malloc(65537);
    assert_non_null(big);
    memset(big, 's', 65536);
    big[65536] = '\0';
    out = NULL;
    assert_int_equal(omadm__auth_basic("u", big, &out), OMADM_ERR_LIMIT);
    assert_null(out);
    big[65534] = '\0'; /* "u:" + 65534 bytes = 65536: the limit itself */
    assert_int_equal(omadm__auth_basic("u", big, &out), OMADM_OK);
    assert_int_equal(strlen(out), 4 * (65536 / 3 + 1));
    omadm__free(out);
    free(big);
}

static void test_md5_known_values(void **state)
{
    char *out = NULL;

    (void)state;
    /* python3: b64(md5(b64(md5(b"user:pass")) + b":" + b"nonce")) */
    assert_int_equal(omadm__auth_md5("user", "pass", "bm9uY2U=", &out), OMADM_OK);
    assert_string_equal(out, "f0OWezbxnJd9kOyQYbkfDQ==");
    omadm__free(out);
    /* a binary nonce with a zero byte and two padding characters */
    assert_int_equal(omadm__auth_md5("dev", "s3cret", "AAEC/w==", &out), OMADM_OK);
    assert_string_equal(out, "PvRJqrbZV4MmayVgvbmS1w==");
    omadm__free(out);
}

static void test_md5_nonce_not_base64(void **state)
{
    static const char *const bad[] = {
        "",     "abc",  "abcde", "!!!!",     "ab c",     "ab=c",
        "a=bc", "=abc", "a===",  "abcd=bcd", "abcda=cd", "abcdabc=d"
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;

        if (omadm__auth_md5("user", "pass", bad[i], &out) != OMADM_ERR_PARSE)
            fail_msg("nonce \"%s\" accepted", bad[i]);
        assert_null(out);
    }
}

static void test_alloc_failures(void **state)
{
    int failures = 0;

    (void)state;
    for (long n = 1;; n++) {
        char *a = NULL, *b = NULL;
        omadm_status sa, sb;
        int done;

        omadm__alloc_fail_at(n, 0);
        sa = omadm__auth_md5("user", "pass", "bm9uY2U=", &a);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (done) {
            assert_int_equal(sa, OMADM_OK);
            assert_string_equal(a, "f0OWezbxnJd9kOyQYbkfDQ==");
            omadm__free(a);
            break;
        }
        failures++;
        assert_int_equal(sa, OMADM_ERR_NOMEM);
        assert_null(a);
        if (n <= 2) {
            omadm__alloc_fail_at(n, 0);
            sb = omadm__auth_basic("user", "pass", &b);
            omadm__alloc_fail_at(0, 0);
            assert_int_equal(sb, OMADM_ERR_NOMEM);
            assert_null(b);
        }
    }
    assert_int_equal(failures, 5); /* nonce, plain, inner, joined, out */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_md5_known_values),
        cmocka_unit_test(test_md5_nonce_not_base64),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
