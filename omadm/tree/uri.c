/* SPDX-License-Identifier: Apache-2.0 */
#include "tree/uri.h"

#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int ascii_ieq(const char *a, size_t alen, const char *b)
{
    size_t i;

    if (alen != strlen(b))
        return 0;
    for (i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

/* Decodes raw[0..len) into dst. Returns 0 or a DM code. */
static int decode_segment(const char *raw, size_t len, char *dst, size_t *out_len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        char c = raw[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return 400;
            hi = hex_value(raw[i + 1]);
            lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0)
                return 400;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return 400;
            if (c == '/')
                return 404; /* no node name holds a '/' */
            i += 2;
        }
        dst[n++] = c;
    }
    dst[n] = '\0';
    *out_len = n;
    return 0;
}

int omadm__uri_parse(const char *uri, const omadm_uri_limits *limits, omadm_uri *out)
{
    static const omadm_uri_limits defaults = OMADM_URI_LIMITS_DEFAULT;
    size_t len, raw_segments = 0, pos = 0;
    const char *p, *end;
    int first = 1, query = 0, control = 0;

    if (!limits)
        limits = &defaults;
    memset(out, 0, sizeof *out);
    if (!uri)
        return 400;
    /* One bounded scan: never read far past the limit on a huge input. A
     * query ('?') anywhere is 406, which wins over a control character. */
    for (len = 0; uri[len]; len++) {
        unsigned char c = (unsigned char)uri[len];

        if (len >= limits->max_len || len >= OMADM_URI_MAX_LEN)
            return 414;
        if (c == '?')
            query = 1;
        else if (c < 0x20 || c == 0x7f)
            control = 1;
    }
    if (query)
        return 406;
    if (len == 0 || uri[0] == '/' || control)
        return 400;

    p = uri;
    if (strcmp(p, ".") == 0)
        return 0;
    if (p[0] == '.' && p[1] == '/')
        p += 2;
    end = uri + len;
    if (p == end)
        return 400; /* "./" */

    while (p <= end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        size_t raw_len = (size_t)(seg_end - p), dec_len;
        int rc;

        if (raw_len == 0)
            return 400; /* "//" or a trailing '/' */
        if (++raw_segments > limits->max_segments || raw_segments > OMADM_URI_MAX_SEGMENTS)
            return 414;
        if ((raw_len == 1 && p[0] == '.') || (raw_len == 2 && p[0] == '.' && p[1] == '.'))
            return 400;
        rc = decode_segment(p, raw_len, out->buf + pos, &dec_len);
        if (rc)
            return rc;
        if (dec_len == 1 && out->buf[pos] == '*')
            return 400;
        /* "%2E" is "." (RFC 3986 §2.3): no "." or ".." node once decoded either. */
        if ((dec_len == 1 || dec_len == 2) && memcmp(out->buf + pos, "..", dec_len) == 0)
            return 400;
        if (dec_len > limits->max_segment || dec_len > OMADM_URI_MAX_SEGMENT)
            return 414;
        if (first && (ascii_ieq(out->buf + pos, dec_len, "Device") ||
                      ascii_ieq(out->buf + pos, dec_len, "User"))) {
            out->scope = (out->buf[pos] == 'D' || out->buf[pos] == 'd') ? OMADM_URI_SCOPE_DEVICE
                                                                        : OMADM_URI_SCOPE_USER;
        } else {
            /* The fixed prefixes Microsoft writes in any case
             * ("./device/vendor/MSFT/..."): ./Device, ./User (above) and
             * the Vendor segment right after them. Nothing else: CSP and
             * node names stay case-sensitive. */
            if (out->n == 0 && ascii_ieq(out->buf + pos, dec_len, "Vendor"))
                memcpy(out->buf + pos, "Vendor", 6);
            out->seg[out->n] = out->buf + pos;
            out->seg_len[out->n] = dec_len;
            out->n++;
            pos += dec_len + 1;
        }
        first = 0;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

int omadm__uri_join(const omadm_uri *uri, size_t from, char *dst, size_t size)
{
    return omadm__uri_join_range(uri, from, uri->n, dst, size);
}

int omadm__uri_join_range(const omadm_uri *uri, size_t from, size_t to, char *dst, size_t size)
{
    size_t i, n = 0;

    if (size == 0)
        return -1;
    dst[0] = '\0';
    if (to > uri->n)
        to = uri->n;
    for (i = from; i < to; i++) {
        size_t need = uri->seg_len[i] + (i > from ? 1 : 0);
        if (n + need + 1 > size)
            return -1;
        if (i > from)
            dst[n++] = '/';
        memcpy(dst + n, uri->seg[i], uri->seg_len[i]);
        n += uri->seg_len[i];
        dst[n] = '\0';
    }
    return 0;
}

omadm_status omadm__uri_encode_append(omadm_buf *buf, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        omadm_status st;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            st = omadm__buf_append(buf, p, 1);
        } else {
            char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
            st = omadm__buf_append(buf, esc, 3);
        }
        if (st != OMADM_OK)
            return st;
    }
    if (!buf->data) /* an empty name still yields a valid (empty) string */
        return omadm__buf_append(buf, "", 0);
    return OMADM_OK;
}
