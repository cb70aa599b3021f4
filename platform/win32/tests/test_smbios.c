/* SPDX-License-Identifier: Apache-2.0 */
/* SMBIOS table walk on crafted tables: what Windows' RSMB table looks like,
 * placeholders and whitespace, bad indices, truncation anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform/win32/smbios.h"

typedef struct table {
    uint8_t b[8192];
    size_t n;
} table;

static void begin(table *t)
{
    memset(t, 0, sizeof *t);
    t->n = OMADM__SMBIOS_RAW_HEADER;
    t->b[1] = 3; /* SMBIOS 3.4 */
    t->b[2] = 4;
}

/* One structure: type, formatted fields after the 4-byte header, strings. */
static void add(table *t, uint8_t type, const uint8_t *fields, size_t nfields,
                const char *const *strings, size_t nstrings)
{
    uint8_t *p = t->b + t->n;
    size_t i;

    p[0] = type;
    p[1] = (uint8_t)(4 + nfields);
    p[2] = 0x10;
    p[3] = 0x00;
    memcpy(p + 4, fields, nfields);
    t->n += 4 + nfields;
    for (i = 0; i < nstrings; i++) {
        size_t len = strlen(strings[i]) + 1;
        memcpy(t->b + t->n, strings[i], len);
        t->n += len;
    }
    if (nstrings == 0)
        t->b[t->n++] = 0;
    t->b[t->n++] = 0;
}

static size_t finish(table *t)
{
    size_t len = t->n - OMADM__SMBIOS_RAW_HEADER;

    t->b[4] = (uint8_t)(len & 0xff);
    t->b[5] = (uint8_t)(len >> 8 & 0xff);
    t->b[6] = (uint8_t)(len >> 16 & 0xff);
    t->b[7] = (uint8_t)(len >> 24 & 0xff);
    return t->n;
}

static void add_bios(table *t, const char *vendor, const char *version)
{
    const uint8_t f[] = { 1, 2, 0x00, 0xe0, 0x03, 0xff };
    const char *s[] = { vendor, version };
    add(t, 0, f, sizeof f, s, 2);
}

static void add_system(table *t, const char *const *strings, size_t n)
{
    /* Manufacturer 1, Product 2, Version 3, Serial 4, then a UUID. */
    uint8_t f[4 + 16 + 1] = { 1, 2, 3, 4 };
    add(t, 1, f, sizeof f, strings, n);
}

static void add_end(table *t)
{
    add(t, 127, NULL, 0, NULL, 0);
}

static void typical(table *t)
{
    const char *sys[] = { "Contoso Ltd.", "Surface Laptop 7", "Rev A", "SN-0042" };
    const uint8_t chassis[] = { 1, 0x0a, 2, 3 };
    const char *cs[] = { "Contoso", "1.0" };

    begin(t);
    add_bios(t, "Contoso BIOS", "1.24.0");
    add(t, 3, chassis, sizeof chassis, cs, 2);
    add_system(t, sys, 4);
    add_end(t);
    finish(t);
}

static void test_typical_table(void **state)
{
    table t;
    omadm__smbios_facts f;

    (void)state;
    typical(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_string_equal(f.manufacturer, "Contoso Ltd.");
    assert_string_equal(f.product, "Surface Laptop 7");
    assert_string_equal(f.version, "Rev A");
    assert_string_equal(f.serial, "SN-0042");
    assert_string_equal(f.bios_version, "1.24.0");
}

static void test_placeholders_and_whitespace(void **state)
{
    const char *sys[] = { "  To Be Filled By O.E.M. ", "\tModel\x01X \r", "DEFAULT STRING",
                          "System Serial Number" };
    table t;
    omadm__smbios_facts f;

    (void)state;
    begin(&t);
    add_bios(&t, "v", "   ");
    add_system(&t, sys, 4);
    finish(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_string_equal(f.manufacturer, "");
    assert_string_equal(f.product, "Model X");
    assert_string_equal(f.version, "");
    assert_string_equal(f.serial, "");
    assert_string_equal(f.bios_version, "");
}

static void test_bad_indices(void **state)
{
    /* Index 0 (none), and indices past the last string. */
    const uint8_t fields[4 + 17] = { 0, 2, 9, 255 };
    const char *s[] = { "first", "second" };
    table t;
    omadm__smbios_facts f;

    (void)state;
    begin(&t);
    add(&t, 1, fields, sizeof fields, s, 2);
    finish(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_string_equal(f.manufacturer, "");
    assert_string_equal(f.product, "second");
    assert_string_equal(f.version, "");
    assert_string_equal(f.serial, "");
}

static void test_header_checks(void **state)
{
    table t;
    omadm__smbios_facts f;

    (void)state;
    typical(&t);
    assert_int_equal(omadm__smbios_parse(t.b, 7, &f), OMADM_ERR_PARSE);
    /* The header announces more than the buffer holds. */
    assert_int_equal(omadm__smbios_parse(t.b, t.n - 1, &f), OMADM_ERR_PARSE);
    t.b[7] = 0x80;
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_ERR_PARSE);
    assert_string_equal(f.manufacturer, "");
    assert_int_equal(omadm__smbios_parse(NULL, 100, &f), OMADM_ERR_INVALID);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, NULL), OMADM_ERR_INVALID);
}

static void test_short_system_structure(void **state)
{
    /* SMBIOS 2.0 type 1: manufacturer and product only. */
    const uint8_t fields[] = { 1, 2 };
    const char *s[] = { "Old Corp", "Old Box", "leftover" };
    table t;
    omadm__smbios_facts f;

    (void)state;
    begin(&t);
    add(&t, 1, fields, sizeof fields, s, 3);
    finish(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_string_equal(f.manufacturer, "Old Corp");
    assert_string_equal(f.product, "Old Box");
    assert_string_equal(f.version, "");
    assert_string_equal(f.serial, "");
}

static void test_first_structure_wins_and_end_stops(void **state)
{
    const char *a[] = { "First", "A", "1", "S1" };
    const char *b[] = { "Second", "B", "2", "S2" };
    table t;
    omadm__smbios_facts f;

    (void)state;
    begin(&t);
    add_system(&t, a, 4);
    add_system(&t, b, 4);
    add_end(&t);
    add_bios(&t, "after", "end"); /* past the end-of-table structure */
    finish(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_string_equal(f.manufacturer, "First");
    assert_string_equal(f.serial, "S1");
    assert_string_equal(f.bios_version, "");
}

static void test_formatted_length_below_header(void **state)
{
    const char *sys[] = { "X", "Y", "Z", "W" };
    table t;
    omadm__smbios_facts f;
    size_t at;

    (void)state;
    begin(&t);
    add_bios(&t, "v", "2.0");
    at = t.n;
    add_system(&t, sys, 4);
    t.b[at + 1] = 3; /* a formatted length smaller than the header itself */
    finish(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_string_equal(f.bios_version, "2.0");
    assert_string_equal(f.manufacturer, "");
}

static void test_long_utf8_value_cut_on_boundary(void **state)
{
    char longv[300];
    const char *sys[] = { longv, "P", "V", "S" };
    table t;
    omadm__smbios_facts f;
    size_t i;

    (void)state;
    /* "aa" then "é" (2 bytes) repeated: byte 127 is the second half of an
     * "é", so the cut must fall before its first half. */
    longv[0] = 'a';
    longv[1] = 'a';
    for (i = 2; i + 2 < sizeof longv; i += 2) {
        longv[i] = (char)0xc3;
        longv[i + 1] = (char)0xa9;
    }
    longv[i] = '\0';
    begin(&t);
    add_system(&t, sys, 4);
    finish(&t);
    assert_int_equal(omadm__smbios_parse(t.b, t.n, &f), OMADM_OK);
    assert_int_equal(strlen(f.manufacturer), 126);
    assert_int_equal((unsigned char)f.manufacturer[125], 0xa9);
    assert_string_equal(f.product, "P");
}

/* Every truncation and single-byte corruption of a real-looking table: no
 * crash, no read outside the buffer (ASan natively, guard bytes here), and
 * each field is either its true value or a plain string taken from the
 * table. */
static void test_truncation_and_corruption(void **state)
{
    table t;
    omadm__smbios_facts f;
    size_t cut, pos;
    uint32_t rng = 12345;

    (void)state;
    typical(&t);
    for (cut = OMADM__SMBIOS_RAW_HEADER; cut <= t.n; cut++) {
        table c = t;
        size_t len = cut - OMADM__SMBIOS_RAW_HEADER;
        c.b[4] = (uint8_t)len;
        c.b[5] = (uint8_t)(len >> 8);
        c.b[6] = 0;
        c.b[7] = 0;
        memset(c.b + cut, 0xAA, sizeof c.b - cut); /* garbage after the end */
        assert_int_equal(omadm__smbios_parse(c.b, cut, &f), OMADM_OK);
        assert_true(f.manufacturer[0] == '\0' || strcmp(f.manufacturer, "Contoso Ltd.") == 0);
        assert_true(f.serial[0] == '\0' || strcmp(f.serial, "SN-0042") == 0);
        assert_true(f.bios_version[0] == '\0' || strcmp(f.bios_version, "1.24.0") == 0);
    }
    for (pos = OMADM__SMBIOS_RAW_HEADER; pos < t.n; pos++) {
        for (int k = 0; k < 8; k++) {
            table c = t;
            rng = rng * 1103515245u + 12345u;
            c.b[pos] = (uint8_t)(rng >> 16);
            assert_int_equal(omadm__smbios_parse(c.b, c.n, &f), OMADM_OK);
            assert_true(strlen(f.manufacturer) < OMADM__SMBIOS_STRING_MAX);
            assert_true(strlen(f.product) < OMADM__SMBIOS_STRING_MAX);
            for (const char *q = f.product; *q; q++)
                assert_true((unsigned char)*q >= ' ');
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typical_table),
        cmocka_unit_test(test_placeholders_and_whitespace),
        cmocka_unit_test(test_bad_indices),
        cmocka_unit_test(test_header_checks),
        cmocka_unit_test(test_short_system_structure),
        cmocka_unit_test(test_first_structure_wins_and_end_stops),
        cmocka_unit_test(test_formatted_length_below_header),
        cmocka_unit_test(test_long_utf8_value_cut_on_boundary),
        cmocka_unit_test(test_truncation_and_corruption),
    };
    return cmocka_run_group_tests_name("platform-win32-smbios", tests, NULL, NULL);
}
