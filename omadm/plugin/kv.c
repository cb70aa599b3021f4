/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin's durable key-value store: parse, format, atomic rewrite. */
#include "plugin/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"

#define KV_HEADER "omadm-kv 1\n"

typedef struct kv_entry {
    char *key;   /* owned */
    char *value; /* owned, NUL-terminated */
    size_t len;
} kv_entry;

struct omadm__kv {
    const omadm_platform *platform; /* NULL: memory only */
    char *file;                     /* owned; NULL with platform */
    kv_entry *e;                    /* sorted by key */
    size_t n, cap;
    size_t bytes; /* sum of key and value lengths */
};

int omadm__kv_key_valid(const char *key)
{
    size_t n = 0;

    if (!key)
        return 0;
    for (; key[n]; n++) {
        char c = key[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/'))
            return 0;
        if (n >= OMADM_PLUGIN_KV_KEY_MAX)
            return 0;
    }
    return n > 0;
}

/* Index of key, or -(insertion point) - 1. */
static long find(const omadm__kv *kv, const char *key)
{
    size_t lo = 0, hi = kv->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(kv->e[mid].key, key);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

static omadm_status kv_new(omadm__kv **out)
{
    *out = omadm__calloc(1, sizeof **out);
    return *out ? OMADM_OK : OMADM_ERR_NOMEM;
}

void omadm__kv_free(omadm__kv *kv)
{
    if (!kv)
        return;
    for (size_t i = 0; i < kv->n; i++) {
        omadm__free(kv->e[i].key);
        omadm__free(kv->e[i].value);
    }
    omadm__free(kv->e);
    omadm__free(kv->file);
    omadm__free(kv);
}

static omadm_status reserve(omadm__kv *kv)
{
    kv_entry *grown;
    size_t cap;

    if (kv->n < kv->cap)
        return OMADM_OK;
    cap = kv->cap ? kv->cap * 2 : 8;
    grown = omadm__realloc(kv->e, cap * sizeof *grown);
    if (!grown)
        return OMADM_ERR_NOMEM;
    kv->e = grown;
    kv->cap = cap;
    return OMADM_OK;
}

/* ---- format ------------------------------------------------------------ */

static int plain(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '%';
}

omadm_status omadm__kv_format(const omadm__kv *kv, char **text, size_t *len)
{
    static const char hex[] = "0123456789ABCDEF";
    omadm_buf b = OMADM_BUF_INIT;
    omadm_status st = omadm__buf_append_str(&b, KV_HEADER);

    for (size_t i = 0; st == OMADM_OK && i < kv->n; i++) {
        const unsigned char *v = (const unsigned char *)kv->e[i].value;
        st = omadm__buf_printf(&b, "%s=", kv->e[i].key);
        for (size_t j = 0; st == OMADM_OK && j < kv->e[i].len; j++) {
            char enc[3] = { '%', hex[v[j] >> 4], hex[v[j] & 15] };
            st = plain(v[j]) ? omadm__buf_append(&b, &v[j], 1) : omadm__buf_append(&b, enc, 3);
        }
        if (st == OMADM_OK)
            st = omadm__buf_append_str(&b, "\n");
    }
    if (st == OMADM_OK)
        st = omadm__buf_printf(&b, "end %lu\n", (unsigned long)kv->n);
    if (st != OMADM_OK) {
        omadm__buf_free(&b);
        return st;
    }
    *text = omadm__buf_steal(&b, len);
    return OMADM_OK;
}

/* ---- parse ------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes `len` bytes of an encoded value into a new string. */
static omadm_status decode(const char *src, size_t len, char **out, size_t *out_len,
                           const char **why)
{
    char *v = omadm__malloc(len + 1);
    size_t n = 0;

    if (!v)
        return OMADM_ERR_NOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%') {
            int hi = i + 2 < len ? hexval(src[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(src[i + 2]) : -1;
            unsigned char d;
            if (hi < 0 || lo < 0) {
                *why = "bad %XX escape in the value";
                omadm__free(v);
                return OMADM_ERR_CORRUPT;
            }
            d = (unsigned char)(hi * 16 + lo);
            if (plain(d)) {
                *why = "a byte escaped that must not be";
                omadm__free(v);
                return OMADM_ERR_CORRUPT;
            }
            v[n++] = (char)d;
            i += 2;
        } else if (plain(c)) {
            v[n++] = (char)c;
        } else {
            *why = "a byte in the value that must be escaped";
            omadm__free(v);
            return OMADM_ERR_CORRUPT;
        }
    }
    v[n] = '\0';
    *out = v;
    *out_len = n;
    return OMADM_OK;
}

static omadm_status parse_line(omadm__kv *kv, const char *line, size_t len, const char **why)
{
    const char *eq = memchr(line, '=', len);
    char key[OMADM_PLUGIN_KV_KEY_MAX + 1];
    size_t klen;
    kv_entry e;
    omadm_status st;

    if (!eq) {
        *why = "no '=' in the line";
        return OMADM_ERR_CORRUPT;
    }
    klen = (size_t)(eq - line);
    if (klen == 0 || klen > OMADM_PLUGIN_KV_KEY_MAX) {
        *why = "empty or too long key";
        return OMADM_ERR_CORRUPT;
    }
    memcpy(key, line, klen);
    key[klen] = '\0';
    if (!omadm__kv_key_valid(key)) {
        *why = "invalid character in the key";
        return OMADM_ERR_CORRUPT;
    }
    if (kv->n > 0 && strcmp(kv->e[kv->n - 1].key, key) >= 0) {
        *why = "keys out of order or repeated";
        return OMADM_ERR_CORRUPT;
    }
    if (kv->n == OMADM_PLUGIN_KV_MAX_KEYS) {
        *why = "more keys than the limit";
        return OMADM_ERR_CORRUPT;
    }
    memset(&e, 0, sizeof e);
    st = decode(eq + 1, len - klen - 1, &e.value, &e.len, why);
    if (st != OMADM_OK)
        return st;
    if (e.len > OMADM_PLUGIN_KV_VALUE_MAX || kv->bytes + klen + e.len > OMADM_PLUGIN_KV_MAX_BYTES) {
        *why = "value or store over the size limit";
        omadm__free(e.value);
        return OMADM_ERR_CORRUPT;
    }
    e.key = omadm__strndup(key, klen);
    if (!e.key || reserve(kv) != OMADM_OK) {
        omadm__free(e.key);
        omadm__free(e.value);
        return OMADM_ERR_NOMEM;
    }
    kv->e[kv->n++] = e;
    kv->bytes += klen + e.len;
    return OMADM_OK;
}

omadm_status omadm__kv_parse(omadm__kv **out, const char *text, size_t len, char *err,
                             size_t errsize)
{
    omadm__kv *kv = NULL;
    omadm_status st = kv_new(&kv);
    const char *p = text, *end = text + len, *why = NULL;
    unsigned long line_no = 0;
    int ended = 0;

    *out = NULL;
    if (st != OMADM_OK)
        return st;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n;

        line_no++;
        if (!nl) {
            why = "last line not terminated (truncated file)";
            break;
        }
        n = (size_t)(nl - p);
        if (memchr(p, '\0', n)) {
            why = "NUL byte";
        } else if (ended) {
            why = "text after the end line";
        } else if (line_no == 1) {
            if (n + 1 != strlen(KV_HEADER) || memcmp(p, KV_HEADER, n) != 0)
                why = "not an omadm-kv version 1 file";
        } else if (n > 4 && memcmp(p, "end ", 4) == 0) {
            char count[24];
            snprintf(count, sizeof count, "%lu", (unsigned long)kv->n);
            if (n - 4 != strlen(count) || memcmp(p + 4, count, n - 4) != 0)
                why = "end line does not match the number of keys";
            ended = 1;
        } else {
            st = parse_line(kv, p, n, &why);
            if (st == OMADM_ERR_NOMEM) {
                omadm__kv_free(kv);
                return st;
            }
        }
        if (why)
            break;
        p = nl + 1;
    }
    if (!why && line_no == 0)
        why = "empty file";
    if (!why && !ended) {
        why = "no end line (truncated file)";
        line_no++;
    }
    if (why) {
        if (err && errsize)
            snprintf(err, errsize, "line %lu: %s", line_no, why);
        omadm__kv_free(kv);
        return OMADM_ERR_CORRUPT;
    }
    *out = kv;
    return OMADM_OK;
}

/* ---- the store ------------------------------------------------------- */

omadm_status omadm__kv_open(omadm__kv **out, const omadm_platform *platform, const char *file,
                            char *err, size_t errsize)
{
    char *data = NULL;
    size_t len = 0;
    omadm__kv *kv = NULL;
    omadm_status st;

    *out = NULL;
    if (err && errsize)
        err[0] = '\0';
    st = platform->file_read(platform->ctx, file, OMADM__KV_FILE_MAX, &data, &len);
    if (st == OMADM_ERR_NOT_FOUND) {
        st = kv_new(&kv);
    } else if (st == OMADM_OK) {
        st = omadm__kv_parse(&kv, data, len, err, errsize);
        free(data); /* platform.h: malloc'd */
    } else if (err && errsize) {
        snprintf(err, errsize, "cannot read: %s", omadm_status_str(st));
    }
    if (st != OMADM_OK)
        return st;
    kv->platform = platform;
    kv->file = omadm__strdup(file);
    if (!kv->file) {
        omadm__kv_free(kv);
        return OMADM_ERR_NOMEM;
    }
    *out = kv;
    return OMADM_OK;
}

static omadm_status persist(const omadm__kv *kv)
{
    char *text = NULL;
    size_t len = 0;
    omadm_status st;

    if (!kv->platform)
        return OMADM_OK;
    st = omadm__kv_format(kv, &text, &len);
    if (st == OMADM_OK)
        st = kv->platform->file_replace(kv->platform->ctx, kv->file, text, len);
    omadm__free(text);
    return st;
}

omadm_status omadm__kv_get(const omadm__kv *kv, const char *key, const char **value, size_t *len)
{
    long i;

    if (!omadm__kv_key_valid(key))
        return OMADM_ERR_INVALID;
    i = find(kv, key);
    if (i < 0)
        return OMADM_ERR_NOT_FOUND;
    *value = kv->e[i].value;
    *len = kv->e[i].len;
    return OMADM_OK;
}

omadm_status omadm__kv_set(omadm__kv *kv, const char *key, const void *value, size_t len)
{
    long i;
    size_t klen, bytes;
    char *copy;
    omadm_status st;

    if (!omadm__kv_key_valid(key) || (!value && len))
        return OMADM_ERR_INVALID;
    if (len > OMADM_PLUGIN_KV_VALUE_MAX)
        return OMADM_ERR_LIMIT;
    klen = strlen(key);
    i = find(kv, key);
    bytes = kv->bytes + len - (i >= 0 ? kv->e[i].len : 0) + (i >= 0 ? 0 : klen);
    if (bytes > OMADM_PLUGIN_KV_MAX_BYTES || (i < 0 && kv->n == OMADM_PLUGIN_KV_MAX_KEYS))
        return OMADM_ERR_FULL;
    copy = omadm__malloc(len + 1);
    if (!copy)
        return OMADM_ERR_NOMEM;
    if (len)
        memcpy(copy, value, len);
    copy[len] = '\0';
    if (i >= 0) {
        kv_entry old = kv->e[i];
        kv->e[i].value = copy;
        kv->e[i].len = len;
        st = persist(kv);
        if (st != OMADM_OK) {
            kv->e[i] = old;
            omadm__free(copy);
            return st;
        }
        omadm__free(old.value);
    } else {
        size_t at = (size_t)(-i - 1);
        char *kcopy = omadm__strndup(key, klen);
        if (!kcopy || reserve(kv) != OMADM_OK) {
            omadm__free(kcopy);
            omadm__free(copy);
            return OMADM_ERR_NOMEM;
        }
        memmove(&kv->e[at + 1], &kv->e[at], (kv->n - at) * sizeof *kv->e);
        kv->e[at].key = kcopy;
        kv->e[at].value = copy;
        kv->e[at].len = len;
        kv->n++;
        st = persist(kv);
        if (st != OMADM_OK) {
            kv->n--;
            memmove(&kv->e[at], &kv->e[at + 1], (kv->n - at) * sizeof *kv->e);
            omadm__free(kcopy);
            omadm__free(copy);
            return st;
        }
    }
    kv->bytes = bytes;
    return OMADM_OK;
}

omadm_status omadm__kv_delete(omadm__kv *kv, const char *key)
{
    long i;
    size_t at;
    kv_entry gone;
    omadm_status st;

    if (!omadm__kv_key_valid(key))
        return OMADM_ERR_INVALID;
    i = find(kv, key);
    if (i < 0)
        return OMADM_ERR_NOT_FOUND;
    at = (size_t)i;
    gone = kv->e[at];
    memmove(&kv->e[at], &kv->e[at + 1], (kv->n - at - 1) * sizeof *kv->e);
    kv->n--;
    st = persist(kv);
    if (st != OMADM_OK) {
        memmove(&kv->e[at + 1], &kv->e[at], (kv->n - at) * sizeof *kv->e);
        kv->e[at] = gone;
        kv->n++;
        return st;
    }
    kv->bytes -= strlen(gone.key) + gone.len;
    omadm__free(gone.key);
    omadm__free(gone.value);
    return OMADM_OK;
}

omadm_status omadm__kv_list(const omadm__kv *kv, omadm_plugin_kv_fn fn, void *user)
{
    for (size_t i = 0; i < kv->n; i++)
        if (fn(user, kv->e[i].key, kv->e[i].value, kv->e[i].len))
            break;
    return OMADM_OK;
}

size_t omadm__kv_count(const omadm__kv *kv)
{
    return kv->n;
}
