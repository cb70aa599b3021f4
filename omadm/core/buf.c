/* SPDX-License-Identifier: Apache-2.0 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

static omadm_status buf_reserve(omadm_buf *buf, size_t extra)
{
    size_t need, cap;
    char *grown;

    if (extra > (size_t)-1 - buf->len - 1)
        return OMADM_ERR_LIMIT;
    need = buf->len + extra + 1;
    if (buf->limit && need - 1 > buf->limit)
        return OMADM_ERR_LIMIT;
    if (need <= buf->cap)
        return OMADM_OK;
    cap = buf->cap ? buf->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    grown = omadm__realloc(buf->data, cap);
    if (!grown)
        return OMADM_ERR_NOMEM;
    buf->data = grown;
    buf->cap = cap;
    return OMADM_OK;
}

omadm_status omadm__buf_reserve(omadm_buf *buf, size_t extra)
{
    return buf_reserve(buf, extra);
}

omadm_status omadm__buf_append(omadm_buf *buf, const void *data, size_t len)
{
    omadm_status st = buf_reserve(buf, len);

    if (st != OMADM_OK)
        return st;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return OMADM_OK;
}

omadm_status omadm__buf_append_str(omadm_buf *buf, const char *str)
{
    return omadm__buf_append(buf, str, strlen(str));
}

omadm_status omadm__buf_printf(omadm_buf *buf, const char *fmt, ...)
{
    va_list ap;
    int n;
    omadm_status st;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return OMADM_ERR_INVALID;
    st = buf_reserve(buf, (size_t)n);
    if (st != OMADM_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return OMADM_OK;
}

void omadm__buf_reset(omadm_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

char *omadm__buf_steal(omadm_buf *buf, size_t *len)
{
    char *data = buf->data;

    if (len)
        *len = buf->len;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return data;
}

void omadm__buf_free(omadm_buf *buf)
{
    omadm__free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}
