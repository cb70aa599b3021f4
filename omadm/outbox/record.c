/* SPDX-License-Identifier: Apache-2.0 */
/* Outbox record format, version 1, integers big-endian:
 *
 *   offset  size  field
 *   0       4     magic "OMOB"
 *   4       2     format version (1)
 *   6       4     total record length in bytes, checksum included
 *   10      8     id (must match the file name)
 *   18      1     kind (1 intent, 2 outcome, 3 alert)
 *   19      8     created, unix seconds (two's complement)
 *   27      4     attempts
 *   31      ...   source_uri, type, format, mark, data: each a 4-byte
 *                 length (0xFFFFFFFF = absent) then that many bytes (no NUL)
 *   len-32  32    SHA-256 of every byte before it */
#include "outbox/record.h"

#include <string.h>

#include "core/alloc.h"
#include "core/digest.h"

#define REC_MAGIC   "OMOB"
#define REC_VERSION 1
#define REC_HEAD    31
#define REC_SUM     32
#define REC_NSTR    5
#define REC_MIN     OMADM__OUTBOX_RECORD_MIN
#define STR_ABSENT  0xFFFFFFFFu

/* NOLINTNEXTLINE(misc-redundant-expression): both sides are constants on purpose */
_Static_assert(REC_MIN == REC_HEAD + 4 * REC_NSTR + REC_SUM, "record.h minimum size");

static void put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    put_u16(p, (unsigned)(v >> 16));
    put_u16(p + 2, (unsigned)(v & 0xFFFF));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p + 4, (uint32_t)v);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

static int sha256(const unsigned char *data, size_t len, unsigned char out[REC_SUM])
{
    return omadm__sha256(data, len, out);
}

static const char *entry_str(const omadm_outbox_entry *e, int i)
{
    const char *s[REC_NSTR] = { e->source_uri, e->type, e->format, e->mark, e->data };
    return s[i];
}

omadm_status omadm__outbox_record_encode(const omadm_outbox_entry *e, size_t max,
                                         unsigned char **out, size_t *outlen)
{
    size_t len = REC_HEAD + REC_SUM, pos;
    unsigned char *buf;
    int i;

    for (i = 0; i < REC_NSTR; i++) {
        const char *s = entry_str(e, i);
        size_t n = s ? strlen(s) : 0;
        if (n >= STR_ABSENT || n > max)
            return OMADM_ERR_LIMIT;
        len += 4 + n;
    }
    if (len > max || len > UINT32_MAX)
        return OMADM_ERR_LIMIT;
    buf = omadm__malloc(len);
    if (!buf)
        return OMADM_ERR_NOMEM;
    memcpy(buf, REC_MAGIC, 4);
    put_u16(buf + 4, REC_VERSION);
    put_u32(buf + 6, (uint32_t)len);
    put_u64(buf + 10, e->id);
    buf[18] = (unsigned char)e->kind;
    put_u64(buf + 19, (uint64_t)e->created);
    put_u32(buf + 27, e->attempts);
    pos = REC_HEAD;
    for (i = 0; i < REC_NSTR; i++) {
        const char *s = entry_str(e, i);
        size_t n = s ? strlen(s) : 0;
        put_u32(buf + pos, s ? (uint32_t)n : STR_ABSENT);
        pos += 4;
        if (n)
            memcpy(buf + pos, s, n);
        pos += n;
    }
    if (!sha256(buf, pos, buf + pos)) {
        omadm__free(buf);
        return OMADM_ERR_NOMEM; /* EVP fails only for lack of memory */
    }
    *out = buf;
    *outlen = len;
    return OMADM_OK;
}

void omadm__outbox_entry_free(omadm_outbox_entry *e)
{
    omadm__free(e->source_uri);
    omadm__free(e->type);
    omadm__free(e->format);
    omadm__free(e->mark);
    omadm__free(e->data);
    /* A failed decode leaves *e holding nothing: no dangling pointers. */
    e->source_uri = e->type = e->format = e->mark = e->data = NULL;
}

omadm_status omadm__outbox_record_decode(const unsigned char *buf, size_t len, uint64_t id,
                                         omadm_outbox_entry *e, const char **why)
{
    unsigned char sum[REC_SUM];
    char **fields[REC_NSTR];
    size_t pos;
    int i;

    memset(e, 0, sizeof *e);
    fields[0] = &e->source_uri;
    fields[1] = &e->type;
    fields[2] = &e->format;
    fields[3] = &e->mark;
    fields[4] = &e->data;
    *why = NULL;
    if (len < REC_MIN)
        *why = "truncated";
    else if (memcmp(buf, REC_MAGIC, 4) != 0)
        *why = "bad magic";
    else if (buf[4] != 0 || buf[5] != REC_VERSION)
        *why = "unknown format version";
    else if (get_u32(buf + 6) != len)
        *why = "length mismatch (torn write?)";
    else if (!sha256(buf, len - REC_SUM, sum))
        return OMADM_ERR_NOMEM;
    else if (memcmp(sum, buf + len - REC_SUM, REC_SUM) != 0)
        *why = "checksum mismatch";
    else if (get_u64(buf + 10) != id)
        *why = "id does not match the file name";
    else if (buf[18] < OMADM_OUTBOX_INTENT || buf[18] > OMADM_OUTBOX_ALERT)
        *why = "unknown kind";
    if (*why)
        return OMADM_ERR_CORRUPT;
    e->id = id;
    e->kind = (omadm_outbox_kind)buf[18];
    e->created = (int64_t)get_u64(buf + 19);
    e->attempts = get_u32(buf + 27);
    pos = REC_HEAD;
    for (i = 0; i < REC_NSTR; i++) {
        uint32_t n;

        /* Room for this length field, present or absent: pos never passes
         * the checksum, so the subtractions below cannot wrap. */
        if (len - REC_SUM - pos < 4) {
            *why = "field overruns the record";
            omadm__outbox_entry_free(e);
            return OMADM_ERR_CORRUPT;
        }
        n = get_u32(buf + pos);
        pos += 4;
        if (n == STR_ABSENT)
            continue;
        if (n > len - REC_SUM - pos || memchr(buf + pos, '\0', n)) {
            *why = n > len - REC_SUM - pos ? "field overruns the record" : "NUL inside a field";
            omadm__outbox_entry_free(e);
            return OMADM_ERR_CORRUPT;
        }
        *fields[i] = omadm__strndup((const char *)buf + pos, n);
        if (!*fields[i]) {
            omadm__outbox_entry_free(e);
            return OMADM_ERR_NOMEM;
        }
        pos += n;
    }
    if (pos != len - REC_SUM) {
        *why = "trailing bytes";
        omadm__outbox_entry_free(e);
        return OMADM_ERR_CORRUPT;
    }
    return OMADM_OK;
}
