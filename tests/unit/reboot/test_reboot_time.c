/* SPDX-License-Identifier: Apache-2.0 */
/* Reboot CSP pure helpers: the ISO 8601 grammar of reboot-csp.md §2, the UTC
 * and offset formats, and the key=value encoding of reboot-csp.md §6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "csp/reboot/rbkv.h"
#include "csp/reboot/rbtime.h"

/* 2026-03-14T02:00:00 as a unix time (computed independently: 20526 days). */
#define T_2026_03_14_0200 ((int64_t)20526 * 86400 + 7200)

static int parse(const char *s, omadm__reboot_iso *iso)
{
    return omadm__reboot_iso_parse(s, strlen(s), iso) == OMADM_OK;
}

static void test_accepted_forms(void **state)
{
    static const struct {
        const char *text;
        int64_t utc; /* wall - offset */
        int has_offset;
        int32_t offset;
    } ok[] = {
        { "2026-03-14T02:00:00", T_2026_03_14_0200, 0, 0 },
        { "2026-03-14T02:00:00Z", T_2026_03_14_0200, 1, 0 },
        { "2026-03-14T02:00:00+01:00", T_2026_03_14_0200 - 3600, 1, 3600 },
        { "2026-03-14T02:00:00+0100", T_2026_03_14_0200 - 3600, 1, 3600 },
        { "2026-03-14T02:00:00-05:30", T_2026_03_14_0200 + 5 * 3600 + 1800, 1, -(5 * 3600 + 1800) },
        { "2026-03-14T02:00:00-0000", T_2026_03_14_0200, 1, 0 },
        { "2026-03-14T02:00:00.5", T_2026_03_14_0200, 0, 0 },
        { "2026-03-14T02:00:00.123Z", T_2026_03_14_0200, 1, 0 },
        { "2026-03-14T02:00:00.123456789+14:00", T_2026_03_14_0200 - 14 * 3600, 1, 14 * 3600 },
        { "1970-01-01T00:00:00Z", 0, 1, 0 },
        { "2024-02-29T23:59:59Z", (int64_t)19782 * 86400 + 86399, 1, 0 }, /* leap year */
        { "2000-02-29T00:00:00Z", (int64_t)11016 * 86400, 1, 0 },         /* 400-year leap */
        { "2018-10-25T18:00:00", (int64_t)17829 * 86400 + 18 * 3600, 0, 0 },
        { "9999-12-31T23:59:59Z", (int64_t)2932896 * 86400 + 86399, 1, 0 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        omadm__reboot_iso iso;

        if (!parse(ok[i].text, &iso))
            fail_msg("rejected: %s", ok[i].text);
        assert_int_equal(iso.wall - iso.offset, ok[i].utc);
        assert_int_equal(iso.has_offset, ok[i].has_offset);
        assert_int_equal(iso.offset, ok[i].offset);
    }
}

static void test_rejected_forms(void **state)
{
    static const char *const bad[] = {
        "2026-03-14",                     /* date only */
        "02:00:00",                       /* time only */
        "T02:00:00",                      /* time only */
        "2026-W11-6T02:00:00",            /* week date */
        "2026-073T02:00:00",              /* ordinal date */
        "20260314T020000",                /* basic format */
        "2026-03-14 02:00:00",            /* space separator */
        "2026-03-14t02:00:00",            /* lower-case t */
        "2026-03-14T24:00:00",            /* 24:00 */
        "2026-03-14T23:59:60",            /* leap second */
        "2026-03-14T23:60:00",            /* minute 60 */
        "2026-03-14T02:00",               /* no seconds */
        "2026-02-29T00:00:00",            /* not a leap year */
        "1900-02-29T00:00:00",            /* century, not leap */
        "2026-04-31T00:00:00",            /* April has 30 days */
        "2026-13-01T00:00:00",            /* month 13 */
        "2026-00-10T00:00:00",            /* month 0 */
        "2026-01-00T00:00:00",            /* day 0 */
        "0000-01-01T00:00:00",            /* year 0 */
        "0000-00-00T00:00:00",            /* the clear value is not a date */
        "2026-03-14T02:00:00.",           /* empty fraction */
        "2026-03-14T02:00:00.1234567890", /* 10 fraction digits */
        "2026-03-14T02:00:00,5",          /* comma fraction */
        "2026-03-14T02:00:00+1",          /* short offset */
        "2026-03-14T02:00:00+01",         /* hours-only offset */
        "2026-03-14T02:00:00+01:0",       /* short minutes */
        "2026-03-14T02:00:00+24:00",      /* offset hour 24 */
        "2026-03-14T02:00:00+01:60",      /* offset minute 60 */
        "2026-03-14T02:00:00+01:00:00",   /* seconds in the offset */
        "2026-03-14T02:00:00ZZ",          /* trailing garbage */
        "2026-03-14T02:00:00z",           /* lower-case z */
        " 2026-03-14T02:00:00",           /* leading space (the CSP trims, the grammar does not) */
        "+2026-03-14T02:00:00",           /* expanded year */
        "26-03-14T02:00:00",              /* two-digit year */
        "2026-3-14T02:00:00",             /* one-digit month */
        "",                               /* empty */
        "now",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        omadm__reboot_iso iso;

        if (parse(bad[i], &iso))
            fail_msg("accepted: \"%s\"", bad[i]);
    }
}

static void test_parse_uses_length(void **state)
{
    omadm__reboot_iso iso;
    const char *s = "2026-03-14T02:00:00Zjunk";

    (void)state;
    /* Exactly len bytes: the trailing junk is outside. */
    assert_int_equal(omadm__reboot_iso_parse(s, 20, &iso), OMADM_OK);
    assert_int_equal(iso.wall, T_2026_03_14_0200);
    assert_int_equal(omadm__reboot_iso_parse(s, 21, &iso), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_iso_parse(s, 18, &iso), OMADM_ERR_PARSE);
}

static void test_clear_values(void **state)
{
    (void)state;
    assert_true(omadm__reboot_iso_is_clear("", 0));
    assert_true(omadm__reboot_iso_is_clear("0000-00-00T00:00:00", 19));
    assert_false(omadm__reboot_iso_is_clear("0000-00-00T00:00:00Z", 20));
    assert_false(omadm__reboot_iso_is_clear("2026-03-14T02:00:00", 19));
}

static void test_civil_round_trip(void **state)
{
    int64_t d, y;
    unsigned m, day;

    (void)state;
    assert_int_equal(omadm__reboot_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(omadm__reboot_days_from_civil(2026, 3, 14), 20526);
    assert_int_equal(omadm__reboot_days_from_civil(1969, 12, 31), -1);
    for (d = -800000; d < 3000000; d += 997) {
        omadm__reboot_civil_from_days(d, &y, &m, &day);
        assert_int_equal(omadm__reboot_days_from_civil(y, m, day), d);
    }
}

static void test_formats(void **state)
{
    char buf[OMADM_REBOOT_TIME_LEN];

    (void)state;
    omadm__reboot_format_utc(T_2026_03_14_0200, buf);
    assert_string_equal(buf, "2026-03-14T02:00:00Z");
    omadm__reboot_format_utc(1773480413, buf); /* the §6 example's requested */
    assert_string_equal(buf, "2026-03-14T09:26:53Z");
    omadm__reboot_format_utc(-1, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    omadm__reboot_format_offset(T_2026_03_14_0200, 3600, buf);
    assert_string_equal(buf, "2026-03-14T02:00:00+01:00");
    omadm__reboot_format_offset(T_2026_03_14_0200, 0, buf);
    assert_string_equal(buf, "2026-03-14T02:00:00+00:00");
    omadm__reboot_format_offset(T_2026_03_14_0200, -(9 * 3600 + 30 * 60), buf);
    assert_string_equal(buf, "2026-03-14T02:00:00-09:30");
}

static void test_kv_encoding(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;
    char *v = NULL;
    int64_t n;

    (void)state;
    assert_int_equal(omadm__reboot_kv_put(&b, "v", "1"), OMADM_OK);
    assert_int_equal(omadm__reboot_kv_put(&b, "cmdref", "a;b=c%d e\x01\xc3\xa9~!"), OMADM_OK);
    assert_int_equal(omadm__reboot_kv_put_i64(&b, "n", -42), OMADM_OK);
    assert_int_equal(omadm__reboot_kv_put(&b, "empty", NULL), OMADM_OK);
    assert_string_equal(b.data, "v=1;cmdref=a%3Bb%3Dc%25d%20e%01%C3%A9~!;n=-42;empty=");
    assert_int_equal(omadm__reboot_kv_get(b.data, b.len, "cmdref", &v), OMADM_OK);
    assert_string_equal(v, "a;b=c%d e\x01\xc3\xa9~!");
    omadm__free(v);
    assert_int_equal(omadm__reboot_kv_get(b.data, b.len, "empty", &v), OMADM_OK);
    assert_string_equal(v, "");
    omadm__free(v);
    assert_int_equal(omadm__reboot_kv_get_i64(b.data, b.len, "n", &n), OMADM_OK);
    assert_int_equal(n, -42);
    assert_int_equal(omadm__reboot_kv_get(b.data, b.len, "missing", &v), OMADM_ERR_NOT_FOUND);
    assert_null(v);
    /* "n" must not match "cmdref" or a prefix of another key. */
    assert_int_equal(omadm__reboot_kv_get(b.data, b.len, "cmd", &v), OMADM_ERR_NOT_FOUND);
    omadm__buf_free(&b);
    /* Malformed input. */
    assert_int_equal(omadm__reboot_kv_get("a=%4", 4, "a", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get("a=%G1", 5, "a", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get("a=%00", 5, "a", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get("b;a=1", 5, "a", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get_i64("a=12x", 5, "a", &n), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get_i64("a=", 2, "a", &n), OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get_i64("a=9223372036854775808", 21, "a", &n),
                     OMADM_ERR_PARSE);
    assert_int_equal(omadm__reboot_kv_get_i64("a=-9223372036854775808", 22, "a", &n), OMADM_OK);
    assert_true(n == INT64_MIN);
}

static void test_kv_nomem(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;
    char *v = NULL;

    (void)state;
    omadm__alloc_fail_at(1, 1);
    assert_int_equal(omadm__reboot_kv_put(&b, "k", "value"), OMADM_ERR_NOMEM);
    omadm__alloc_fail_at(0, 0);
    assert_int_equal(omadm__reboot_kv_put(&b, "k", "value"), OMADM_OK);
    omadm__alloc_fail_at(1, 1);
    assert_int_equal(omadm__reboot_kv_get(b.data, b.len, "k", &v), OMADM_ERR_NOMEM);
    omadm__alloc_fail_at(0, 0);
    assert_null(v);
    omadm__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_forms),    cmocka_unit_test(test_rejected_forms),
        cmocka_unit_test(test_parse_uses_length), cmocka_unit_test(test_clear_values),
        cmocka_unit_test(test_civil_round_trip),  cmocka_unit_test(test_formats),
        cmocka_unit_test(test_kv_encoding),       cmocka_unit_test(test_kv_nomem),
    };

    return cmocka_run_group_tests_name("reboot-time", tests, NULL, NULL);
}
