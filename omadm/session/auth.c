/* SPDX-License-Identifier: Apache-2.0 */
#include "session/auth.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/alloc.h"

/* base64 of `len` bytes, NUL-terminated, no line breaks. */
static omadm_status base64_encode(const unsigned char *data, size_t len, char **out)
{
    size_t cap = 4 * ((len + 2) / 3) + 1;
    char *enc;

    if (len > 65536)
        return OMADM_ERR_LIMIT;
    enc = omadm__malloc(cap);
    if (!enc)
        return OMADM_ERR_NOMEM;
    EVP_EncodeBlock((unsigned char *)enc, data, (int)len);
    *out = enc;
    return OMADM_OK;
}

/* Decodes base64 (no whitespace) into a new buffer; *len gets the byte count
 * with the padding removed. */
static omadm_status base64_decode(const char *text, unsigned char **out, size_t *len)
{
    size_t n = strlen(text), pad = 0;
    unsigned char *raw;
    int got;

    if (n == 0 || n % 4 != 0 || n > 65536)
        return OMADM_ERR_PARSE;
    /* Padding only at the end: EVP_DecodeBlock would take "ab=c". */
    size_t eq = strcspn(text, "=");
    if (eq < n && (eq < n - 2 || text[n - 1] != '='))
        return OMADM_ERR_PARSE;
    raw = omadm__malloc(n / 4 * 3 + 1);
    if (!raw)
        return OMADM_ERR_NOMEM;
    got = EVP_DecodeBlock(raw, (const unsigned char *)text, (int)n);
    if (got < 0) {
        omadm__free(raw);
        return OMADM_ERR_PARSE;
    }
    /* EVP_DecodeBlock keeps the zero bytes that padding stands for. */
    if (text[n - 1] == '=')
        pad++;
    if (text[n - 2] == '=')
        pad++;
    *out = raw;
    *len = (size_t)got - pad;
    return OMADM_OK;
}

static omadm_status md5(const void *data, size_t len, unsigned char digest[16])
{
    unsigned int out_len = 0;

    if (!EVP_Digest(data, len, digest, &out_len, EVP_md5(), NULL) || out_len != 16)
        return OMADM_ERR_UNSUPPORTED;
    return OMADM_OK;
}

omadm_status omadm__auth_basic(const char *name, const char *secret, char **out)
{
    size_t nl = strlen(name), sl = strlen(secret);
    char *plain;
    omadm_status st;

    plain = omadm__malloc(nl + sl + 2);
    if (!plain)
        return OMADM_ERR_NOMEM;
    memcpy(plain, name, nl);
    plain[nl] = ':';
    memcpy(plain + nl + 1, secret, sl + 1);
    st = base64_encode((const unsigned char *)plain, nl + sl + 1, out);
    OPENSSL_cleanse(plain, nl + sl + 1);
    omadm__free(plain);
    return st;
}

omadm_status omadm__auth_md5(const char *name, const char *secret, const char *nonce_b64,
                             char **out)
{
    unsigned char digest[16], *nonce = NULL, *joined = NULL;
    size_t nonce_len = 0, nl = strlen(name), sl = strlen(secret), joined_len;
    char *plain = NULL, *inner = NULL;
    omadm_status st;

    st = base64_decode(nonce_b64, &nonce, &nonce_len);
    if (st != OMADM_OK)
        return st;
    st = OMADM_ERR_NOMEM;
    plain = omadm__malloc(nl + sl + 2);
    if (!plain)
        goto done;
    memcpy(plain, name, nl);
    plain[nl] = ':';
    memcpy(plain + nl + 1, secret, sl + 1);
    st = md5(plain, nl + sl + 1, digest);
    if (st != OMADM_OK)
        goto done;
    st = base64_encode(digest, sizeof digest, &inner);
    if (st != OMADM_OK)
        goto done;
    joined_len = strlen(inner) + 1 + nonce_len;
    joined = omadm__malloc(joined_len);
    st = OMADM_ERR_NOMEM;
    if (!joined)
        goto done;
    memcpy(joined, inner, strlen(inner));
    joined[strlen(inner)] = ':';
    memcpy(joined + strlen(inner) + 1, nonce, nonce_len);
    st = md5(joined, joined_len, digest);
    if (st == OMADM_OK)
        st = base64_encode(digest, sizeof digest, out);
done:
    if (plain) {
        OPENSSL_cleanse(plain, nl + sl + 1);
        omadm__free(plain);
    }
    omadm__free(inner);
    omadm__free(joined);
    omadm__free(nonce);
    OPENSSL_cleanse(digest, sizeof digest);
    return st;
}
