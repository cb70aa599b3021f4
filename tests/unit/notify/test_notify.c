/* SPDX-License-Identifier: Apache-2.0 */
/* Package 0 notifications: parse, digest, build, replay guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "notify/notify.h"

#define SERVER    "mdm.example.test"
#define SECRET    "s3cret"
#define NONCE     ((const unsigned char *)OMADM_NOTIFY_RESET_NONCE)
#define NONCE_LEN (sizeof OMADM_NOTIFY_RESET_NONCE - 1)

static unsigned char *make(unsigned sid, const char *vendor, size_t *len)
{
    unsigned char *m = NULL;

    assert_int_equal(omadm__notify_build(OMADM_NOTIFY_VERSION, OMADM_NOTIFY_UI_BACKGROUND, 1, sid,
                                         SERVER, (const unsigned char *)vendor,
                                         vendor ? strlen(vendor) : 0, SECRET, NONCE, NONCE_LEN, &m,
                                         len),
                     OMADM_OK);
    return m;
}

/* The header bits, laid out by hand as DMNOTI 1.2 §6.2.1 draws them. */
static void test_parse_known_bytes(void **state)
{
    static const unsigned char msg[] = {
        /* digest */ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        /* version 11 = 0000001011, ui 10 (informative), initiator 1, future 0 */
        0x02, 0xE8, 0x00, 0x00, 0x00,
        /* session id 0x1234, id length 3, "srv", vendor "VX" */
        0x12, 0x34, 0x03, 's', 'r', 'v', 'V', 'X'
    };
    omadm_notification n;

    (void)state;
    assert_int_equal(omadm__notify_parse(msg, sizeof msg, 0, &n), OMADM_OK);
    assert_int_equal(n.version, 11);
    assert_int_equal(n.ui_mode, OMADM_NOTIFY_UI_INFORMATIVE);
    assert_int_equal(n.server_initiated, 1);
    assert_int_equal(n.future, 0);
    assert_int_equal(n.session_id, 0x1234);
    assert_string_equal(n.server_id, "srv");
    assert_int_equal(n.server_id_len, 3);
    assert_int_equal(n.vendor_len, 2);
    assert_memory_equal(n.vendor, "VX", 2);
    assert_ptr_equal(n.trigger, msg + 16);
    assert_int_equal(n.trigger_len, sizeof msg - 16);
    assert_memory_equal(n.digest, msg, 16);
}

static void test_build_parse_verify(void **state)
{
    size_t len = 0;
    unsigned char *m = make(0xBEEF, "vendor", &len);
    omadm_notification n;

    (void)state;
    assert_int_equal(omadm__notify_parse(m, len, 0, &n), OMADM_OK);
    assert_int_equal(n.session_id, 0xBEEF);
    assert_int_equal(n.ui_mode, OMADM_NOTIFY_UI_BACKGROUND);
    assert_string_equal(n.server_id, SERVER);
    assert_int_equal(omadm__notify_verify(&n, SERVER, SECRET, NONCE, NONCE_LEN), OMADM_OK);
    /* wrong password, nonce, server id */
    assert_int_equal(omadm__notify_verify(&n, SERVER, "other", NONCE, NONCE_LEN), OMADM_ERR_AUTH);
    assert_int_equal(omadm__notify_verify(&n, SERVER, SECRET, (const unsigned char *)"x", 1),
                     OMADM_ERR_AUTH);
    assert_int_equal(omadm__notify_verify(&n, "other", SECRET, NONCE, NONCE_LEN), OMADM_ERR_AUTH);
    omadm__free(m);
}

/* The digest follows the formula with independent pieces: computed here
 * step by step through the same primitive on known text. */
static void test_digest_formula(void **state)
{
    static const unsigned char trig[] = { 0x02, 0xC8, 0, 0, 0, 0, 1, 1, 'a' };
    unsigned char d1[16], d2[16];

    (void)state;
    assert_int_equal(omadm__notify_digest("a", "b", NULL, 0, trig, sizeof trig, d1), OMADM_OK);
    assert_int_equal(
        omadm__notify_digest("a", "b", (const unsigned char *)"", 0, trig, sizeof trig, d2),
        OMADM_OK);
    assert_memory_equal(d1, d2, 16);
    /* any change of input changes the digest */
    assert_int_equal(omadm__notify_digest("a", "c", NULL, 0, trig, sizeof trig, d2), OMADM_OK);
    assert_memory_not_equal(d1, d2, 16);
    assert_int_equal(omadm__notify_digest("a", "b", NULL, 0, trig, sizeof trig - 1, d2), OMADM_OK);
    assert_memory_not_equal(d1, d2, 16);
    /* known answer, computed independently with Python's hashlib and base64:
     * md5(b64(md5(b"a:b")) + b"::" + b64(md5(trig))) */
    {
        static const unsigned char want[16] = { 0xdd, 0x1b, 0xd9, 0xeb, 0x55, 0x8c, 0xa1, 0xf2,
                                                0x76, 0xf6, 0x06, 0x71, 0x99, 0x94, 0xee, 0x49 };
        assert_memory_equal(d1, want, 16);
    }
}

static void test_hostile(void **state)
{
    size_t len = 0;
    unsigned char *m = make(7, NULL, &len);
    unsigned char buf[4096];
    omadm_notification n;

    (void)state;
    memset(buf, 0, sizeof buf);
    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(omadm__notify_parse(m, cut, 0, &n), OMADM_ERR_PARSE);
    assert_int_equal(omadm__notify_parse(m, len, 0, &n), OMADM_OK);
    /* identifier length pointing past the end */
    memcpy(buf, m, len);
    buf[16 + 7] = 255;
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_PARSE);
    /* zero-length identifier */
    buf[16 + 7] = 0;
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_PARSE);
    /* control character or NUL in the identifier */
    memcpy(buf, m, len);
    buf[16 + 8] = '\n';
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_PARSE);
    buf[16 + 8] = 0;
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_PARSE);
    /* versions 1.0 and 1.3, and all ones */
    memcpy(buf, m, len);
    buf[16] = 0x02, buf[17] = (unsigned char)((buf[17] & 0x3f) | 0x80); /* 10 */
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_UNSUPPORTED);
    buf[16] = 0x03, buf[17] = (unsigned char)((buf[17] & 0x3f) | 0x40); /* 13 */
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_UNSUPPORTED);
    buf[16] = 0xff, buf[17] = 0xff;
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_ERR_UNSUPPORTED);
    /* version 12 is tolerated */
    memcpy(buf, m, len);
    buf[16] = 0x03, buf[17] = (unsigned char)(buf[17] & 0x3f);
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_OK);
    assert_int_equal(n.version, 12);
    /* a tampered byte anywhere in the trigger breaks the digest */
    for (size_t i = 16; i < len; i++) {
        memcpy(buf, m, len);
        buf[i] ^= 0x01;
        if (omadm__notify_parse(buf, len, 0, &n) == OMADM_OK)
            assert_int_equal(omadm__notify_verify(&n, SERVER, SECRET, NONCE, NONCE_LEN),
                             OMADM_ERR_AUTH);
    }
    /* and in the digest itself */
    memcpy(buf, m, len);
    buf[3] ^= 0x80;
    assert_int_equal(omadm__notify_parse(buf, len, 0, &n), OMADM_OK);
    assert_int_equal(omadm__notify_verify(&n, SERVER, SECRET, NONCE, NONCE_LEN), OMADM_ERR_AUTH);
    /* garbage of every small size: too short for the header, then a
     * version (0x3ff) beyond the known ones */
    memset(buf, 0xff, sizeof buf);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(omadm__notify_parse(buf, i, 0, &n),
                         i < OMADM_NOTIFY_DIGEST_LEN + OMADM_NOTIFY_FIXED_LEN
                             ? OMADM_ERR_PARSE
                             : OMADM_ERR_UNSUPPORTED);
    assert_int_equal(omadm__notify_parse(NULL, 10, 0, &n), OMADM_ERR_INVALID);
    omadm__free(m);
}

static void test_huge_body(void **state)
{
    size_t big = 1u << 20, len = 0;
    unsigned char *m = make(9, "x", &len), *huge = malloc(big);
    omadm_notification n;

    (void)state;
    assert_non_null(huge);
    memset(huge, 'A', big);
    memcpy(huge, m, len);
    assert_int_equal(omadm__notify_parse(huge, big, 0, &n), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__notify_parse(huge, OMADM_NOTIFY_DEFAULT_MAX + 1, 0, &n),
                     OMADM_ERR_LIMIT);
    assert_int_equal(omadm__notify_parse(huge, OMADM_NOTIFY_DEFAULT_MAX, 0, &n), OMADM_OK);
    assert_int_equal(n.vendor_len, OMADM_NOTIFY_DEFAULT_MAX - len + 1);
    /* a lower cap applies */
    assert_int_equal(omadm__notify_parse(m, len, len - 1, &n), OMADM_ERR_LIMIT);
    free(huge);
    omadm__free(m);
}

static void test_build_rejects(void **state)
{
    unsigned char *m = (unsigned char *)"x";
    size_t len = 1;
    char long_id[300];

    (void)state;
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(omadm__notify_build(11, 0, 1, 1, "", NULL, 0, "p", NULL, 0, &m, &len),
                     OMADM_ERR_INVALID);
    assert_null(m);
    assert_int_equal(omadm__notify_build(11, 0, 1, 1, long_id, NULL, 0, "p", NULL, 0, &m, &len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_build(11, 0, 1, 0x10000, "s", NULL, 0, "p", NULL, 0, &m, &len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_build(11, 0, 1, 1, "a\tb", NULL, 0, "p", NULL, 0, &m, &len),
                     OMADM_ERR_INVALID);
}

static void test_replay_guard(void **state)
{
    omadm_notify_guard *g = NULL;
    omadm_notification n;
    unsigned char *m[5];
    size_t len[5];

    (void)state;
    assert_int_equal(omadm__notify_guard_new(&g, 3), OMADM_OK);
    for (unsigned i = 0; i < 5; i++)
        m[i] = make(100 + i, NULL, &len[i]);
    assert_int_equal(omadm__notify_parse(m[0], len[0], 0, &n), OMADM_OK);
    assert_int_equal(omadm__notify_guard_check(g, &n, m[0], len[0]), OMADM_OK);
    /* the same bytes again: a replay */
    assert_int_equal(omadm__notify_guard_check(g, &n, m[0], len[0]), OMADM_ERR_EXISTS);
    /* other bytes with the same session id: a replay too */
    {
        size_t l2 = 0;
        unsigned char *same_sid = make(100, "other body", &l2);
        omadm_notification n2;
        assert_int_equal(omadm__notify_parse(same_sid, l2, 0, &n2), OMADM_OK);
        assert_int_equal(omadm__notify_guard_check(g, &n2, same_sid, l2), OMADM_ERR_EXISTS);
        omadm__free(same_sid);
    }
    for (unsigned i = 1; i < 4; i++) {
        assert_int_equal(omadm__notify_parse(m[i], len[i], 0, &n), OMADM_OK);
        assert_int_equal(omadm__notify_guard_check(g, &n, m[i], len[i]), OMADM_OK);
    }
    /* capacity 3: the first one has been forgotten (bounded memory) */
    assert_int_equal(omadm__notify_parse(m[0], len[0], 0, &n), OMADM_OK);
    assert_int_equal(omadm__notify_guard_check(g, &n, m[0], len[0]), OMADM_OK);
    /* the third is still remembered */
    assert_int_equal(omadm__notify_parse(m[3], len[3], 0, &n), OMADM_OK);
    assert_int_equal(omadm__notify_guard_check(g, &n, m[3], len[3]), OMADM_ERR_EXISTS);
    for (unsigned i = 0; i < 5; i++)
        omadm__free(m[i]);
    omadm__notify_guard_free(g);
    omadm__notify_guard_free(NULL);
    assert_int_equal(omadm__notify_guard_new(&g, 5000), OMADM_ERR_INVALID);
    assert_null(g);
}

/* Every allocation of build and the guard fails in turn: a clean error,
 * nothing leaked (ASan/valgrind), and the run after the sweep works. */
/* Missing arguments are OMADM_ERR_INVALID everywhere, nothing handed out;
 * a guard of more than 4096 entries is refused, 0 means the default. */
static void test_invalid_arguments(void **state)
{
    size_t len = 0;
    unsigned char *m = make(7, NULL, &len), digest[OMADM_NOTIFY_DIGEST_LEN];
    omadm_notification n;
    omadm_notify_guard *g = (omadm_notify_guard *)1;

    (void)state;
    assert_int_equal(omadm__notify_parse(m, len, 0, &n), OMADM_OK);
    assert_int_equal(omadm__notify_digest(NULL, SECRET, NONCE, NONCE_LEN, m, len, digest),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_digest(SERVER, NULL, NONCE, NONCE_LEN, m, len, digest),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_digest(SERVER, SECRET, NULL, 1, m, len, digest),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_digest(SERVER, SECRET, NONCE, NONCE_LEN, NULL, 1, digest),
                     OMADM_ERR_INVALID);
    /* no nonce and an empty trigger are allowed: a digest of empty parts */
    assert_int_equal(omadm__notify_digest(SERVER, SECRET, NULL, 0, NULL, 0, digest), OMADM_OK);
    assert_int_equal(omadm__notify_verify(NULL, SERVER, SECRET, NONCE, NONCE_LEN),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_verify(&n, NULL, SECRET, NONCE, NONCE_LEN), OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_verify(&n, SERVER, NULL, NONCE, NONCE_LEN), OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_build(OMADM_NOTIFY_VERSION, OMADM_NOTIFY_UI_BACKGROUND, 1, 1,
                                         SERVER, NULL, 0, SECRET, NONCE, NONCE_LEN, NULL, &len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_guard_new(NULL, 3), OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_guard_new(&g, 4097), OMADM_ERR_INVALID);
    assert_null(g);
    assert_int_equal(omadm__notify_guard_new(&g, 0), OMADM_OK);
    assert_int_equal(omadm__notify_guard_check(NULL, &n, m, len), OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_guard_check(g, NULL, m, len), OMADM_ERR_INVALID);
    assert_int_equal(omadm__notify_guard_check(g, &n, NULL, len), OMADM_ERR_INVALID);
    /* the default capacity (64) remembers 64 notifications */
    for (unsigned i = 0; i < 64; i++) {
        unsigned char *mi = make(1000 + i, NULL, &len);
        omadm_notification ni;

        assert_int_equal(omadm__notify_parse(mi, len, 0, &ni), OMADM_OK);
        assert_int_equal(omadm__notify_guard_check(g, &ni, mi, len), OMADM_OK);
        if (i == 63)
            assert_int_equal(omadm__notify_guard_check(g, &ni, mi, len), OMADM_ERR_EXISTS);
        omadm__free(mi);
    }
    {
        unsigned char *first = make(1000, NULL, &len);
        omadm_notification nf;

        assert_int_equal(omadm__notify_parse(first, len, 0, &nf), OMADM_OK);
        assert_int_equal(omadm__notify_guard_check(g, &nf, first, len), OMADM_ERR_EXISTS);
        omadm__free(first);
    }
    omadm__notify_guard_free(g);
    omadm__notify_guard_free(NULL);
    omadm__free(m);
}

static void test_alloc_sweep(void **state)
{
    long n;

    (void)state;
    for (n = 1;; n++) {
        unsigned char *m = NULL;
        size_t len = 0;
        omadm_notify_guard *g = NULL;
        omadm_notification parsed;
        omadm_status st1, st2 = OMADM_OK, st3 = OMADM_OK;

        omadm__alloc_fail_at(n, 0);
        st1 = omadm__notify_build(11, 1, 1, 5, SERVER, NULL, 0, SECRET, NONCE, NONCE_LEN, &m, &len);
        if (st1 == OMADM_OK)
            st2 = omadm__notify_guard_new(&g, 8);
        if (st1 == OMADM_OK && st2 == OMADM_OK) {
            assert_int_equal(omadm__notify_parse(m, len, 0, &parsed), OMADM_OK);
            st3 = omadm__notify_guard_check(g, &parsed, m, len);
        }
        if (!omadm__alloc_failed()) {
            omadm__alloc_fail_at(0, 0);
            assert_int_equal(st1, OMADM_OK);
            assert_int_equal(st2, OMADM_OK);
            assert_int_equal(st3, OMADM_OK);
            omadm__free(m);
            omadm__notify_guard_free(g);
            break;
        }
        omadm__alloc_fail_at(0, 0);
        assert_true(st1 == OMADM_ERR_NOMEM || st2 == OMADM_ERR_NOMEM);
        if (st1 != OMADM_OK)
            assert_null(m);
        if (st2 != OMADM_OK)
            assert_null(g);
        omadm__free(m);
        omadm__notify_guard_free(g);
    }
    assert_true(n >= 3); /* build, guard, guard entries */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_known_bytes), cmocka_unit_test(test_build_parse_verify),
        cmocka_unit_test(test_digest_formula),    cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_huge_body),         cmocka_unit_test(test_build_rejects),
        cmocka_unit_test(test_replay_guard),      cmocka_unit_test(test_alloc_sweep),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
