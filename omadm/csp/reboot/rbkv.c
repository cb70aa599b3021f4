/* SPDX-License-Identifier: Apache-2.0 */
#include "csp/reboot/rbkv.h"

#include <string.h>

#include "core/alloc.h"
#include "core/hex.h"

static int must_encode(unsigned char c)
{
    return c == '%' || c == ';' || c == '=' || c < 0x21 || c > 0x7e;
}

omadm_status omadm__reboot_kv_put(omadm_buf *buf, const char *key, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    omadm_status st;

    if (buf->len > 0 && buf->data[buf->len - 1] != '\n') {
        st = omadm__buf_append(buf, ";", 1);
        if (st != OMADM_OK)
            return st;
    }
    st = omadm__buf_append_str(buf, key);
    if (st == OMADM_OK)
        st = omadm__buf_append(buf, "=", 1);
    /* Runs of plain characters go in with one append: values are mostly
     * plain, and a call per character was most of the cost. */
    for (p = (const unsigned char *)(value ? value : ""); st == OMADM_OK && *p;) {
        const unsigned char *run = p;

        while (*p && !must_encode(*p))
            p++;
        if (p > run)
            st = omadm__buf_append(buf, run, (size_t)(p - run));
        if (st == OMADM_OK && *p) {
            char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

            st = omadm__buf_append(buf, esc, 3);
            p++;
        }
    }
    return st;
}

omadm_status omadm__reboot_kv_put_i64(omadm_buf *buf, const char *key, int64_t value)
{
    char num[24];
    int neg = value < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    size_t i = sizeof(num) - 1;

    num[i] = '\0';
    do {
        num[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        num[--i] = '-';
    return omadm__reboot_kv_put(buf, key, num + i);
}

/* Locates the raw (still encoded) value of `key`. */
static omadm_status find_raw(const char *line, size_t len, const char *key, const char **raw,
                             size_t *raw_len)
{
    size_t klen = strlen(key), pos = 0;

    while (pos < len) {
        const char *pair = line + pos;
        const char *end = memchr(pair, ';', len - pos);
        size_t plen = end ? (size_t)(end - pair) : len - pos;
        const char *eq = memchr(pair, '=', plen);

        if (!eq)
            return OMADM_ERR_PARSE;
        if ((size_t)(eq - pair) == klen && memcmp(pair, key, klen) == 0) {
            *raw = eq + 1;
            *raw_len = plen - klen - 1;
            return OMADM_OK;
        }
        pos += plen + 1;
    }
    return OMADM_ERR_NOT_FOUND;
}

omadm_status omadm__reboot_kv_get(const char *line, size_t len, const char *key, char **value)
{
    const char *raw;
    size_t raw_len, i, o = 0;
    omadm_status st;
    char *v;

    *value = NULL;
    st = find_raw(line, len, key, &raw, &raw_len);
    if (st != OMADM_OK)
        return st;
    v = omadm__malloc(raw_len + 1);
    if (!v)
        return OMADM_ERR_NOMEM;
    for (i = 0; i < raw_len; i++) {
        if (raw[i] == '%') {
            int hi = raw_len - i > 2 ? omadm__hex_digit(raw[i + 1]) : -1;
            int lo = hi >= 0 ? omadm__hex_digit(raw[i + 2]) : -1;

            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                omadm__free(v);
                return OMADM_ERR_PARSE;
            }
            v[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            v[o++] = raw[i];
        }
    }
    v[o] = '\0';
    *value = v;
    return OMADM_OK;
}

omadm_status omadm__reboot_kv_get_i64(const char *line, size_t len, const char *key, int64_t *value)
{
    const char *raw;
    size_t raw_len, i = 0;
    uint64_t u = 0, limit;
    omadm_status st;
    int neg = 0;

    st = find_raw(line, len, key, &raw, &raw_len);
    if (st != OMADM_OK)
        return st;
    if (raw_len > 0 && raw[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == raw_len)
        return OMADM_ERR_PARSE;
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < raw_len; i++) {
        if (raw[i] < '0' || raw[i] > '9')
            return OMADM_ERR_PARSE;
        if (u > (limit - (uint64_t)(raw[i] - '0')) / 10)
            return OMADM_ERR_PARSE;
        u = u * 10 + (uint64_t)(raw[i] - '0');
    }
    *value = neg ? (u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u) : (int64_t)u;
    return OMADM_OK;
}
