/* SPDX-License-Identifier: Apache-2.0 */
/* Records (omadm/record.h): the Reboot CSP's key=value line codec with
 * checked arguments and all-or-nothing appends. */
#include "omadm/record.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "csp/reboot/rbkv.h"

#define RECORD_LIMIT   (16u * 1024u * 1024u)
#define RECORD_KEY_MAX 64

struct omadm_record {
    omadm_buf buf;
};

omadm_status omadm_record_new(omadm_record **out)
{
    omadm_record *r;

    if (!out)
        return OMADM_ERR_INVALID;
    *out = r = omadm__calloc(1, sizeof *r);
    if (!r)
        return OMADM_ERR_NOMEM;
    r->buf.limit = RECORD_LIMIT;
    return OMADM_OK;
}

void omadm_record_free(omadm_record *r)
{
    if (!r)
        return;
    omadm__buf_free(&r->buf);
    omadm__free(r);
}

/* A failed append leaves the text as it was. */
static omadm_status undo(omadm_record *r, size_t len, omadm_status st)
{
    if (st != OMADM_OK && r->buf.data) {
        r->buf.len = len;
        r->buf.data[len] = '\0';
    }
    return st;
}

omadm_status omadm_record_append(omadm_record *r, const char *text, size_t len)
{
    if (!r || (!text && len))
        return OMADM_ERR_INVALID;
    if (!len)
        return OMADM_OK;
    return undo(r, r->buf.len, omadm__buf_append(&r->buf, text, len));
}

static int key_valid(const char *key)
{
    size_t n = 0;

    if (!key)
        return 0;
    for (; key[n]; n++) {
        unsigned char c = (unsigned char)key[n];
        if (n >= RECORD_KEY_MAX || c < 0x21 || c > 0x7e || c == '%' || c == ';' || c == '=')
            return 0;
    }
    return n > 0;
}

omadm_status omadm_record_put(omadm_record *r, const char *key, const char *value)
{
    if (!r || !key_valid(key))
        return OMADM_ERR_INVALID;
    return undo(r, r->buf.len, omadm__reboot_kv_put(&r->buf, key, value));
}

omadm_status omadm_record_put_i64(omadm_record *r, const char *key, int64_t value)
{
    if (!r || !key_valid(key))
        return OMADM_ERR_INVALID;
    return undo(r, r->buf.len, omadm__reboot_kv_put_i64(&r->buf, key, value));
}

const char *omadm_record_text(const omadm_record *r, size_t *len)
{
    if (len)
        *len = r ? r->buf.len : 0;
    if (!r)
        return NULL;
    return r->buf.data ? r->buf.data : "";
}

omadm_status omadm_record_get(const char *line, size_t len, const char *key, char **value)
{
    if (value)
        *value = NULL;
    if (!line || !key || !value)
        return OMADM_ERR_INVALID;
    return omadm__reboot_kv_get(line, len, key, value);
}

omadm_status omadm_record_get_i64(const char *line, size_t len, const char *key, int64_t *value)
{
    if (!line || !key || !value)
        return OMADM_ERR_INVALID;
    return omadm__reboot_kv_get_i64(line, len, key, value);
}
