/* SPDX-License-Identifier: Apache-2.0 */
/* Package 0 parse, digest, build and replay guard (notify.h). */
#include "notify/notify.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/alloc.h"

#define B64_MD5_LEN 24 /* base64 of 16 bytes, no NUL */

struct guard_entry {
    unsigned char hash[32];
    unsigned session_id;
};

struct omadm_notify_guard {
    struct guard_entry *entries;
    size_t capacity;
    size_t used;
    size_t next; /* ring position of the next entry to overwrite */
};

static int printable(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] >= 0x7f)
            return 0;
    }
    return 1;
}

omadm_status omadm__notify_parse(const unsigned char *data, size_t len, size_t max_len,
                                 omadm_notification *out)
{
    const unsigned char *h;
    size_t id_len;

    if (!data || !out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (max_len == 0)
        max_len = OMADM_NOTIFY_DEFAULT_MAX;
    if (len > max_len)
        return OMADM_ERR_LIMIT;
    if (len < OMADM_NOTIFY_DIGEST_LEN + OMADM_NOTIFY_FIXED_LEN)
        return OMADM_ERR_PARSE;
    h = data + OMADM_NOTIFY_DIGEST_LEN;
    out->version = ((unsigned)h[0] << 2) | ((unsigned)h[1] >> 6);
    if (out->version < OMADM_NOTIFY_VERSION || out->version > OMADM_NOTIFY_VERSION_MAX)
        return OMADM_ERR_UNSUPPORTED;
    out->ui_mode = (omadm_notify_ui_mode)((h[1] >> 4) & 3);
    out->server_initiated = (h[1] >> 3) & 1;
    out->future = ((uint32_t)(h[1] & 7u) << 24) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 8) |
                  (uint32_t)h[4];
    out->session_id = ((unsigned)h[5] << 8) | (unsigned)h[6];
    id_len = h[7];
    if (id_len == 0 || len - OMADM_NOTIFY_DIGEST_LEN - OMADM_NOTIFY_FIXED_LEN < id_len)
        return OMADM_ERR_PARSE;
    if (!printable(h + OMADM_NOTIFY_FIXED_LEN, id_len))
        return OMADM_ERR_PARSE;
    memcpy(out->digest, data, OMADM_NOTIFY_DIGEST_LEN);
    memcpy(out->server_id, h + OMADM_NOTIFY_FIXED_LEN, id_len);
    out->server_id[id_len] = '\0';
    out->server_id_len = id_len;
    out->trigger = h;
    out->trigger_len = len - OMADM_NOTIFY_DIGEST_LEN;
    out->vendor_len = out->trigger_len - OMADM_NOTIFY_FIXED_LEN - id_len;
    out->vendor = out->vendor_len ? h + OMADM_NOTIFY_FIXED_LEN + id_len : NULL;
    return OMADM_OK;
}

/* MD5 over up to five pieces. */
static int md5_parts(const void *const *parts, const size_t *lens, size_t n,
                     unsigned char digest[OMADM_NOTIFY_DIGEST_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned out_len = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;

    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, digest, &out_len) == 1 && out_len == OMADM_NOTIFY_DIGEST_LEN;
    EVP_MD_CTX_free(ctx);
    return ok;
}

omadm_status omadm__notify_digest(const char *server_id, const char *password,
                                  const unsigned char *nonce, size_t nonce_len,
                                  const unsigned char *trigger, size_t trigger_len,
                                  unsigned char digest[OMADM_NOTIFY_DIGEST_LEN])
{
    unsigned char h[OMADM_NOTIFY_DIGEST_LEN];
    unsigned char b64_cred[B64_MD5_LEN + 1], b64_trigger[B64_MD5_LEN + 1];
    const void *parts[5];
    size_t lens[5];

    if (!server_id || !password || (!nonce && nonce_len) || (!trigger && trigger_len))
        return OMADM_ERR_INVALID;
    parts[0] = server_id, lens[0] = strlen(server_id);
    parts[1] = ":", lens[1] = 1;
    parts[2] = password, lens[2] = strlen(password);
    if (!md5_parts(parts, lens, 3, h))
        return OMADM_ERR_UNSUPPORTED;
    EVP_EncodeBlock(b64_cred, h, (int)sizeof h);
    parts[0] = trigger ? (const void *)trigger : "", lens[0] = trigger_len;
    if (!md5_parts(parts, lens, 1, h))
        return OMADM_ERR_UNSUPPORTED;
    EVP_EncodeBlock(b64_trigger, h, (int)sizeof h);
    parts[0] = b64_cred, lens[0] = B64_MD5_LEN;
    parts[1] = ":", lens[1] = 1;
    parts[2] = nonce ? (const void *)nonce : "", lens[2] = nonce_len;
    parts[3] = ":", lens[3] = 1;
    parts[4] = b64_trigger, lens[4] = B64_MD5_LEN;
    if (!md5_parts(parts, lens, 5, digest))
        return OMADM_ERR_UNSUPPORTED;
    return OMADM_OK;
}

omadm_status omadm__notify_verify(const omadm_notification *n, const char *server_id,
                                  const char *password, const unsigned char *nonce,
                                  size_t nonce_len)
{
    unsigned char want[OMADM_NOTIFY_DIGEST_LEN];
    unsigned diff = 0;
    omadm_status st;

    if (!n || !server_id || !password)
        return OMADM_ERR_INVALID;
    if (strcmp(n->server_id, server_id) != 0)
        return OMADM_ERR_AUTH;
    st = omadm__notify_digest(n->server_id, password, nonce, nonce_len, n->trigger, n->trigger_len,
                              want);
    if (st != OMADM_OK)
        return st;
    for (size_t i = 0; i < sizeof want; i++)
        diff |= (unsigned)(want[i] ^ n->digest[i]);
    return diff == 0 ? OMADM_OK : OMADM_ERR_AUTH;
}

omadm_status omadm__notify_build(unsigned version, omadm_notify_ui_mode ui, int server_initiated,
                                 unsigned session_id, const char *server_id,
                                 const unsigned char *vendor, size_t vendor_len,
                                 const char *password, const unsigned char *nonce, size_t nonce_len,
                                 unsigned char **out, size_t *out_len)
{
    size_t id_len = server_id ? strlen(server_id) : 0, total;
    unsigned char *m, *h;
    omadm_status st;

    if (!out || !out_len)
        return OMADM_ERR_INVALID;
    *out = NULL;
    *out_len = 0;
    if (id_len == 0 || id_len > 255 || !printable((const unsigned char *)server_id, id_len) ||
        session_id > 0xffff || version > 0x3ff || (unsigned)ui > 3 || (!vendor && vendor_len) ||
        vendor_len > OMADM_NOTIFY_DEFAULT_MAX || !password)
        return OMADM_ERR_INVALID;
    total = OMADM_NOTIFY_DIGEST_LEN + OMADM_NOTIFY_FIXED_LEN + id_len + vendor_len;
    m = omadm__malloc(total);
    if (!m)
        return OMADM_ERR_NOMEM;
    h = m + OMADM_NOTIFY_DIGEST_LEN;
    h[0] = (unsigned char)(version >> 2);
    h[1] = (unsigned char)(((version & 3u) << 6) | ((unsigned)ui << 4) |
                           ((server_initiated ? 1u : 0u) << 3));
    h[2] = h[3] = h[4] = 0;
    h[5] = (unsigned char)(session_id >> 8);
    h[6] = (unsigned char)(session_id & 0xffu);
    h[7] = (unsigned char)id_len;
    memcpy(h + OMADM_NOTIFY_FIXED_LEN, server_id, id_len);
    if (vendor_len)
        memcpy(h + OMADM_NOTIFY_FIXED_LEN + id_len, vendor, vendor_len);
    st = omadm__notify_digest(server_id, password, nonce, nonce_len, h,
                              total - OMADM_NOTIFY_DIGEST_LEN, m);
    if (st != OMADM_OK) {
        omadm__free(m);
        return st;
    }
    *out = m;
    *out_len = total;
    return OMADM_OK;
}

omadm_status omadm__notify_guard_new(omadm_notify_guard **out, size_t capacity)
{
    omadm_notify_guard *g;

    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    if (capacity == 0)
        capacity = 64;
    if (capacity > 4096)
        return OMADM_ERR_INVALID;
    g = omadm__calloc(1, sizeof *g);
    if (!g)
        return OMADM_ERR_NOMEM;
    g->entries = omadm__calloc(capacity, sizeof *g->entries);
    if (!g->entries) {
        omadm__free(g);
        return OMADM_ERR_NOMEM;
    }
    g->capacity = capacity;
    *out = g;
    return OMADM_OK;
}

void omadm__notify_guard_free(omadm_notify_guard *g)
{
    if (!g)
        return;
    omadm__free(g->entries);
    omadm__free(g);
}

omadm_status omadm__notify_guard_check(omadm_notify_guard *g, const omadm_notification *n,
                                       const unsigned char *data, size_t len)
{
    struct guard_entry e;
    unsigned hash_len = 0;

    if (!g || !n || !data)
        return OMADM_ERR_INVALID;
    memset(&e, 0, sizeof e);
    if (EVP_Digest(data, len, e.hash, &hash_len, EVP_sha256(), NULL) != 1 ||
        hash_len != sizeof e.hash)
        return OMADM_ERR_UNSUPPORTED;
    e.session_id = n->session_id;
    for (size_t i = 0; i < g->used; i++) {
        if (g->entries[i].session_id == e.session_id ||
            memcmp(g->entries[i].hash, e.hash, sizeof e.hash) == 0)
            return OMADM_ERR_EXISTS;
    }
    g->entries[g->next] = e;
    g->next = (g->next + 1) % g->capacity;
    if (g->used < g->capacity)
        g->used++;
    return OMADM_OK;
}
