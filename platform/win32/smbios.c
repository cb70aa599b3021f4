/* SPDX-License-Identifier: Apache-2.0 */
/* SMBIOS table walk (see smbios.h). Layout, from the DMTF SMBIOS reference
 * specification: each structure is a header (type, formatted length,
 * handle), `length` bytes of formatted area, then a string set of
 * NUL-terminated strings ended by one more NUL (two NULs when there are no
 * strings). String fields hold a 1-based index into that set; 0 = none. */
#include "platform/win32/smbios.h"

#include <string.h>

enum {
    TYPE_BIOS = 0,
    TYPE_SYSTEM = 1,
    TYPE_END = 127,
    BIOS_VERSION = 0x05,
    SYSTEM_MANUFACTURER = 0x04,
    SYSTEM_PRODUCT = 0x05,
    SYSTEM_VERSION = 0x06,
    SYSTEM_SERIAL = 0x07,
};

/* Values firmware vendors leave in unset fields: no information. */
static const char *const placeholders[] = {
    "To Be Filled By O.E.M.",
    "To be filled by O.E.M.",
    "Default string",
    "Not Specified",
    "Not Applicable",
    "System Product Name",
    "System manufacturer",
    "System Version",
    "System Serial Number",
    "None",
    "O.E.M.",
    "0",
    "Not Available",
};

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int same_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Copies the string set's entry `index` (1-based) of the structure whose
 * strings start at `strings` and end before `end` into dst. */
static void copy_string(char dst[OMADM__SMBIOS_STRING_MAX], const uint8_t *strings,
                        const uint8_t *end, uint8_t index)
{
    const uint8_t *p = strings;
    size_t n = 0, start, stop;
    uint8_t i;

    dst[0] = '\0';
    if (index == 0)
        return;
    for (i = 1; i < index; i++) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        if (!nul || nul == p) /* no such string: "" ends the set */
            return;
        p = nul + 1;
    }
    if (p >= end || *p == 0)
        return;
    while (p + n < end && p[n] != 0)
        n++;
    /* Trim spaces and control bytes at both ends. */
    for (start = 0; start < n && p[start] <= ' '; start++)
        ;
    for (stop = n; stop > start && (p[stop - 1] <= ' ' || p[stop - 1] == 0x7f); stop--)
        ;
    n = stop - start;
    if (n > OMADM__SMBIOS_STRING_MAX - 1) {
        n = OMADM__SMBIOS_STRING_MAX - 1;
        /* Do not cut a UTF-8 sequence: back off continuation bytes. */
        while (n > 0 && (p[start + n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t k = 0; k < n; k++) {
        uint8_t c = p[start + k];
        dst[k] = (char)(c < ' ' || c == 0x7f ? ' ' : c);
    }
    dst[n] = '\0';
    for (size_t k = 0; k < sizeof placeholders / sizeof placeholders[0]; k++)
        if (same_ignoring_case(dst, placeholders[k])) {
            dst[0] = '\0';
            return;
        }
}

omadm_status omadm__smbios_parse(const uint8_t *data, size_t len, omadm__smbios_facts *out)
{
    const uint8_t *p, *end;
    size_t table_len;
    int seen_bios = 0, seen_system = 0;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!data)
        return OMADM_ERR_INVALID;
    if (len < OMADM__SMBIOS_RAW_HEADER)
        return OMADM_ERR_PARSE;
    table_len =
        (size_t)data[4] | (size_t)data[5] << 8 | (size_t)data[6] << 16 | (size_t)data[7] << 24;
    if (table_len > len - OMADM__SMBIOS_RAW_HEADER)
        return OMADM_ERR_PARSE;
    p = data + OMADM__SMBIOS_RAW_HEADER;
    end = p + table_len;

    while ((size_t)(end - p) >= 4 && !(seen_bios && seen_system)) {
        uint8_t type = p[0], flen = p[1];
        const uint8_t *strings, *q;

        if (flen < 4 || flen > (size_t)(end - p))
            break; /* malformed or cut short */
        strings = p + flen;
        /* The string set ends at the first double NUL. */
        for (q = strings; q + 1 < end && !(q[0] == 0 && q[1] == 0); q++)
            ;
        if (q + 1 >= end)
            break; /* unterminated string set */
        if (type == TYPE_BIOS && !seen_bios) {
            seen_bios = 1;
            if (flen > BIOS_VERSION)
                copy_string(out->bios_version, strings, q + 1, p[BIOS_VERSION]);
        } else if (type == TYPE_SYSTEM && !seen_system) {
            seen_system = 1;
            if (flen > SYSTEM_MANUFACTURER)
                copy_string(out->manufacturer, strings, q + 1, p[SYSTEM_MANUFACTURER]);
            if (flen > SYSTEM_PRODUCT)
                copy_string(out->product, strings, q + 1, p[SYSTEM_PRODUCT]);
            if (flen > SYSTEM_VERSION)
                copy_string(out->version, strings, q + 1, p[SYSTEM_VERSION]);
            if (flen > SYSTEM_SERIAL)
                copy_string(out->serial, strings, q + 1, p[SYSTEM_SERIAL]);
        } else if (type == TYPE_END) {
            break;
        }
        p = q + 2;
    }
    return OMADM_OK;
}
