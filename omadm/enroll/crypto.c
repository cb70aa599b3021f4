/* SPDX-License-Identifier: Apache-2.0 */
/* The device key, its PKCS#10 request and certificate checks (OpenSSL).
 * Only memory BIOs: nothing here touches a file. */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/alloc.h"
#include "enroll/enroll.h"
#include "enroll/enroll_int.h"

static void set_err(char *err, size_t errsize, const char *msg)
{
    if (err && errsize)
        snprintf(err, errsize, "%s", msg);
}

void omadm_enroll_secret_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    omadm__free(s);
}

omadm_status omadm_enroll_message_id(char *buf, size_t size)
{
    unsigned char r[16];

    if (!buf || size < 46)
        return OMADM_ERR_INVALID;
    if (RAND_bytes(r, (int)sizeof r) != 1)
        return OMADM_ERR_UNSUPPORTED;
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(buf, size,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
    return OMADM_OK;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

omadm_status omadm__enroll_base64_decode(const char *text, size_t max, unsigned char **out,
                                         size_t *out_len)
{
    size_t n = 0, cap, pad = 0;
    unsigned acc = 0, bits = 0;
    const unsigned char *p;
    unsigned char *b;

    *out = NULL;
    *out_len = 0;
    cap = strlen(text) / 4 * 3 + 4;
    if (cap > max + 4)
        cap = max + 4;
    b = omadm__malloc(cap + 1);
    if (!b)
        return OMADM_ERR_NOMEM;
    for (p = (const unsigned char *)text; *p; p++) {
        int v;

        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        if (*p == '=') {
            pad++;
            continue;
        }
        v = b64_value(*p);
        if (v < 0 || pad) { /* nothing but padding after padding */
            omadm__free(b);
            return OMADM_ERR_PARSE;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= max) {
                omadm__free(b);
                return OMADM_ERR_LIMIT;
            }
            b[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (pad > 2 || bits >= 6 || acc != 0) {
        omadm__free(b);
        return OMADM_ERR_PARSE;
    }
    b[n] = '\0';
    *out = b;
    *out_len = n;
    return OMADM_OK;
}

/* The BIO's contents as a new NUL-terminated string (omadm__free). */
static char *bio_string(BIO *bio)
{
    char *data = NULL, *s;
    long n = BIO_get_mem_data(bio, &data);

    if (n < 0 || !data)
        return NULL;
    s = omadm__malloc((size_t)n + 1);
    if (!s)
        return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

static char *base64_der(const unsigned char *der, int len)
{
    size_t n = 4 * (((size_t)len + 2) / 3) + 1;
    char *b = omadm__malloc(n);

    if (b)
        EVP_EncodeBlock((unsigned char *)b, der, len);
    return b;
}

static const EVP_MD *md_of(omadm_enroll_hash h)
{
    switch (h) {
    case OMADM_ENROLL_HASH_SHA1:
        return EVP_sha1();
    case OMADM_ENROLL_HASH_SHA384:
        return EVP_sha384();
    case OMADM_ENROLL_HASH_SHA512:
        return EVP_sha512();
    case OMADM_ENROLL_HASH_SHA256:
        break;
    }
    return EVP_sha256();
}

static omadm_status csr_of(EVP_PKEY *pkey, const char *cn, omadm_enroll_hash hash, char **csr_b64,
                           char *err, size_t errsize)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *der = NULL;
    omadm_status st = OMADM_ERR_UNSUPPORTED;
    int len;

    if (!req || !name)
        goto out;
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
        !X509_REQ_set_pubkey(req, pkey) || X509_REQ_sign(req, pkey, md_of(hash)) <= 0)
        goto out;
    len = i2d_X509_REQ(req, &der);
    if (len <= 0)
        goto out;
    *csr_b64 = base64_der(der, len);
    st = *csr_b64 ? OMADM_OK : OMADM_ERR_NOMEM;
out:
    if (st == OMADM_ERR_UNSUPPORTED)
        set_err(err, errsize, "cannot make the certificate request (OpenSSL)");
    else if (st == OMADM_ERR_NOMEM)
        set_err(err, errsize, "out of memory");
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_REQ_free(req);
    return st;
}

omadm_status omadm_enroll_make_key_csr(const omadm_enroll_policy *policy, const char *common_name,
                                       char **key_pem, char **csr_b64, char *err, size_t errsize)
{
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;
    omadm_status st;

    if (!policy || !common_name || !*common_name || !key_pem || !csr_b64)
        return OMADM_ERR_INVALID;
    *key_pem = NULL;
    *csr_b64 = NULL;
    if (policy->key_alg == OMADM_ENROLL_KEY_EC) {
        pkey = EVP_EC_gen(policy->min_key_bits > 256 ? "P-384" : "P-256");
    } else {
        unsigned bits = policy->min_key_bits > 2048 ? policy->min_key_bits : 2048;

        if (bits > 8192) {
            set_err(err, errsize, "policy asks for an RSA key above 8192 bits");
            return OMADM_ERR_UNSUPPORTED;
        }
        pkey = EVP_RSA_gen(bits);
    }
    if (!pkey) {
        set_err(err, errsize, "cannot generate the device key (OpenSSL)");
        return OMADM_ERR_UNSUPPORTED;
    }
    st = csr_of(pkey, common_name, policy->hash, csr_b64, err, errsize);
    if (st == OMADM_OK) {
        bio = BIO_new(BIO_s_mem());
        if (!bio || !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
            set_err(err, errsize, "cannot encode the device key (OpenSSL)");
            st = OMADM_ERR_UNSUPPORTED;
        } else if (!(*key_pem = bio_string(bio))) {
            set_err(err, errsize, "out of memory");
            st = OMADM_ERR_NOMEM;
        }
    }
    if (st != OMADM_OK) {
        omadm__free(*csr_b64);
        *csr_b64 = NULL;
    }
    if (bio) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);

        if (n > 0 && data)
            OPENSSL_cleanse(data, (size_t)n);
        BIO_free(bio);
    }
    EVP_PKEY_free(pkey);
    return st;
}

static EVP_PKEY *read_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    return k;
}

static X509 *read_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    return x;
}

omadm_status omadm_enroll_make_csr(const char *key_pem, const char *common_name,
                                   omadm_enroll_hash hash, char **csr_b64, char *err,
                                   size_t errsize)
{
    EVP_PKEY *pkey;
    omadm_status st;

    if (!key_pem || !common_name || !csr_b64)
        return OMADM_ERR_INVALID;
    *csr_b64 = NULL;
    pkey = read_key(key_pem);
    if (!pkey) {
        set_err(err, errsize, "the device key does not parse");
        return OMADM_ERR_PARSE;
    }
    st = csr_of(pkey, common_name, hash, csr_b64, err, errsize);
    EVP_PKEY_free(pkey);
    return st;
}

omadm_status omadm_enroll_check_cert_key(const char *cert_pem, const char *key_pem, char *err,
                                         size_t errsize)
{
    X509 *x;
    EVP_PKEY *k;
    omadm_status st = OMADM_OK;

    if (!cert_pem || !key_pem)
        return OMADM_ERR_INVALID;
    x = read_cert(cert_pem);
    k = read_key(key_pem);
    if (!x || !k) {
        set_err(err, errsize, x ? "the device key does not parse" : "certificate does not parse");
        st = OMADM_ERR_PARSE;
    } else if (X509_check_private_key(x, k) != 1) {
        set_err(err, errsize, "issued certificate does not match the device key");
        st = OMADM_ERR_PROTOCOL;
    }
    X509_free(x);
    EVP_PKEY_free(k);
    return st;
}

static int64_t unix_time(const ASN1_TIME *t)
{
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, secs = 0;
    int ok = epoch && t && ASN1_TIME_diff(&days, &secs, epoch, t);

    ASN1_TIME_free(epoch);
    return ok ? (int64_t)days * 86400 + secs : 0;
}

static void name_line(const X509_NAME *name, char *buf, size_t size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;

    buf[0] = '\0';
    if (!bio)
        return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        long n = BIO_get_mem_data(bio, &data);

        if (n > 0 && data)
            snprintf(buf, size, "%.*s", (int)n, data);
    }
    BIO_free(bio);
}

omadm_status omadm_enroll_get_cert_info(const char *cert_pem, omadm_enroll_cert_info *out)
{
    X509 *x;

    if (!cert_pem || !out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    x = read_cert(cert_pem);
    if (!x)
        return OMADM_ERR_PARSE;
    name_line(X509_get_subject_name(x), out->subject, sizeof out->subject);
    name_line(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
    out->not_before = unix_time(X509_get0_notBefore(x));
    out->not_after = unix_time(X509_get0_notAfter(x));
    X509_free(x);
    return OMADM_OK;
}

omadm_status omadm__enroll_cert_b64_to_pem(const char *b64, omadm_buf *out, char *thumb)
{
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    const unsigned char *p;
    size_t len = 0;
    unsigned md_len = 0, i;
    X509 *x = NULL;
    BIO *bio = NULL;
    char *pem = NULL;
    omadm_status st;

    st = omadm__enroll_base64_decode(b64, 65536, &der, &len);
    if (st != OMADM_OK)
        return st == OMADM_ERR_NOMEM ? st : OMADM_ERR_PARSE;
    p = der;
    x = d2i_X509(NULL, &p, (long)len);
    if (!x || p != der + len) {
        st = OMADM_ERR_PARSE;
        goto out;
    }
    if (thumb) {
        if (!X509_digest(x, EVP_sha1(), md, &md_len) || md_len != 20) {
            st = OMADM_ERR_PARSE;
            goto out;
        }
        for (i = 0; i < md_len; i++)
            snprintf(thumb + 2 * i, 3, "%02X", md[i]);
    }
    bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_X509(bio, x)) {
        st = OMADM_ERR_NOMEM;
        goto out;
    }
    pem = bio_string(bio);
    st = pem ? omadm__buf_append_str(out, pem) : OMADM_ERR_NOMEM;
out:
    omadm__free(pem);
    BIO_free(bio);
    X509_free(x);
    omadm__free(der);
    return st;
}

omadm_status omadm_enroll_sign_renewal(const char *csr_b64, const char *cert_pem,
                                       const char *key_pem, char **p7_b64, char *err,
                                       size_t errsize)
{
    unsigned char *der = NULL, *p7der = NULL;
    size_t len = 0;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    BIO *in = NULL;
    PKCS7 *p7 = NULL;
    omadm_status st;
    int n;

    if (!csr_b64 || !cert_pem || !key_pem || !p7_b64)
        return OMADM_ERR_INVALID;
    *p7_b64 = NULL;
    st = omadm__enroll_base64_decode(csr_b64, 65536, &der, &len);
    if (st != OMADM_OK)
        return st == OMADM_ERR_NOMEM ? st : OMADM_ERR_INVALID;
    x = read_cert(cert_pem);
    k = read_key(key_pem);
    in = BIO_new_mem_buf(der, (int)len);
    st = OMADM_ERR_UNSUPPORTED;
    if (!x || !k || !in)
        goto out;
    p7 = PKCS7_sign(x, k, NULL, in, PKCS7_BINARY);
    if (!p7)
        goto out;
    n = i2d_PKCS7(p7, &p7der);
    if (n <= 0)
        goto out;
    *p7_b64 = base64_der(p7der, n);
    st = *p7_b64 ? OMADM_OK : OMADM_ERR_NOMEM;
out:
    if (st != OMADM_OK)
        set_err(err, errsize,
                st == OMADM_ERR_NOMEM ? "out of memory"
                                      : "cannot sign the renewal request with the current key");
    OPENSSL_free(p7der);
    PKCS7_free(p7);
    BIO_free(in);
    X509_free(x);
    EVP_PKEY_free(k);
    omadm__free(der);
    return st;
}
