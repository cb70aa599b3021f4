/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment keys and certificates (omadm/enroll/crypto.c) checked with
 * OpenSSL from the outside: the key and hash the policy asks for end up in
 * the request, renewal requests and their PKCS#7 signature verify, and
 * every bad input gets its own status and reason. */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "enroll/enroll_int.h"

/* The DER of base64 `b64` (OPENSSL_free), its length in *len. */
static unsigned char *unb64(const char *b64, int *len)
{
    size_t n = strlen(b64);
    unsigned char *der = OPENSSL_malloc(n);
    int out;

    assert_non_null(der);
    out = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
    assert_true(out > 0);
    while (n && b64[n - 1] == '=') { /* DecodeBlock counts the padding */
        out--;
        n--;
    }
    *len = out;
    return der;
}

static X509_REQ *req_of(const char *csr_b64)
{
    int len;
    unsigned char *der = unb64(csr_b64, &len);
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, len);

    assert_non_null(req);
    OPENSSL_free(der);
    return req;
}

/* The request's key type and bits, signature digest, CN; and it verifies. */
static void check_req(const char *csr_b64, int key_type, int bits, int md_nid, const char *cn)
{
    X509_REQ *req = req_of(csr_b64);
    EVP_PKEY *pub = X509_REQ_get_pubkey(req);
    int md = 0, pk = 0;
    char got_cn[128];

    assert_non_null(pub);
    assert_int_equal(EVP_PKEY_base_id(pub), key_type);
    assert_int_equal(EVP_PKEY_get_bits(pub), bits);
    assert_int_equal(X509_REQ_verify(req, pub), 1);
    assert_int_equal(OBJ_find_sigid_algs(X509_REQ_get_signature_nid(req), &md, &pk), 1);
    assert_int_equal(md, md_nid);
    assert_true(X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, got_cn,
                                          sizeof got_cn) > 0);
    assert_string_equal(got_cn, cn);
    EVP_PKEY_free(pub);
    X509_REQ_free(req);
}

static void test_key_and_request_follow_the_policy(void **state)
{
    static const struct {
        omadm_enroll_key_alg alg;
        unsigned min_bits;
        omadm_enroll_hash hash;
        int type, bits, md;
    } cases[] = {
        { OMADM_ENROLL_KEY_EC, 0, OMADM_ENROLL_HASH_SHA256, EVP_PKEY_EC, 256, NID_sha256 },
        { OMADM_ENROLL_KEY_EC, 384, OMADM_ENROLL_HASH_SHA384, EVP_PKEY_EC, 384, NID_sha384 },
        { OMADM_ENROLL_KEY_EC, 256, OMADM_ENROLL_HASH_SHA512, EVP_PKEY_EC, 256, NID_sha512 },
        { OMADM_ENROLL_KEY_EC, 0, OMADM_ENROLL_HASH_SHA1, EVP_PKEY_EC, 256, NID_sha1 },
        { OMADM_ENROLL_KEY_RSA, 1024, OMADM_ENROLL_HASH_SHA256, EVP_PKEY_RSA, 2048, NID_sha256 },
    };
    char err[128];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omadm_enroll_policy pol = { cases[i].alg, cases[i].min_bits, cases[i].hash, 0, 0 };
        char *key = NULL, *csr = NULL, *again = NULL;

        assert_int_equal(omadm_enroll_make_key_csr(&pol, "DEV-1", &key, &csr, err, sizeof err),
                         OMADM_OK);
        assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----"));
        check_req(csr, cases[i].type, cases[i].bits, cases[i].md, "DEV-1");
        /* the renewal request: same key, the hash asked for */
        assert_int_equal(
            omadm_enroll_make_csr(key, "DEV-2", cases[i].hash, &again, err, sizeof err), OMADM_OK);
        check_req(again, cases[i].type, cases[i].bits, cases[i].md, "DEV-2");
        omadm__free(again);
        omadm__free(csr);
        omadm_enroll_secret_free(key);
    }
}

static void test_key_refusals(void **state)
{
    omadm_enroll_policy pol = { OMADM_ENROLL_KEY_RSA, 8193, OMADM_ENROLL_HASH_SHA256, 0, 0 };
    char *key = (char *)1, *csr = (char *)1, err[128] = "";

    (void)state;
    assert_int_equal(omadm_enroll_make_key_csr(&pol, "D", &key, &csr, err, sizeof err),
                     OMADM_ERR_UNSUPPORTED);
    assert_string_equal(err, "policy asks for an RSA key above 8192 bits");
    assert_null(key);
    assert_null(csr);
    assert_int_equal(omadm_enroll_make_key_csr(&pol, "", &key, &csr, err, sizeof err),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_enroll_make_key_csr(NULL, "D", &key, &csr, err, sizeof err),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_enroll_make_key_csr(&pol, "D", NULL, &csr, err, sizeof err),
                     OMADM_ERR_INVALID);
    assert_int_equal(
        omadm_enroll_make_csr("not a key", "D", OMADM_ENROLL_HASH_SHA256, &csr, err, sizeof err),
        OMADM_ERR_PARSE);
    assert_string_equal(err, "the device key does not parse");
    assert_null(csr);
    assert_int_equal(
        omadm_enroll_make_csr(NULL, "D", OMADM_ENROLL_HASH_SHA256, &csr, err, sizeof err),
        OMADM_ERR_INVALID);
}

/* The issued certificate (PEM) of the test enrollment. */
static char *issued_pem(const char *cert_b64, char *thumb)
{
    omadm_buf b = OMADM_BUF_INIT;
    char *s;

    assert_int_equal(omadm__enroll_cert_b64_to_pem(cert_b64, &b, thumb), OMADM_OK);
    s = strdup(b.data);
    assert_non_null(s);
    omadm__buf_free(&b);
    return s;
}

static void test_cert_to_pem_and_info(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    char thumb[41], *pem = issued_pem(e->cert_b64, thumb);
    omadm_enroll_cert_info info;
    omadm_buf b = OMADM_BUF_INIT;

    (void)state;
    assert_string_equal(thumb, e->thumb);
    assert_int_equal(omadm_enroll_get_cert_info(pem, &info), OMADM_OK);
    assert_non_null(strstr(info.subject, "CN="));
    assert_non_null(strstr(info.issuer, "CN="));
    assert_true(info.not_before > 1700000000);
    assert_true(info.not_after > info.not_before);
    assert_int_equal(omadm_enroll_get_cert_info("junk", &info), OMADM_ERR_PARSE);
    assert_string_equal(info.subject, "");
    assert_int_equal(omadm_enroll_get_cert_info(NULL, &info), OMADM_ERR_INVALID);
    /* not base64, base64 of no certificate, a certificate with bytes after it */
    assert_int_equal(omadm__enroll_cert_b64_to_pem("!!!", &b, NULL), OMADM_ERR_PARSE);
    assert_int_equal(omadm__enroll_cert_b64_to_pem("AAAA", &b, NULL), OMADM_ERR_PARSE);
    {
        size_t n = strlen(e->cert_b64);
        char *longer = malloc(n + 5);

        assert_non_null(longer);
        memcpy(longer, e->cert_b64, n + 1);
        /* four more base64 characters: three more DER bytes */
        if (n % 4 == 0 && e->cert_b64[n - 1] != '=') {
            strcat(longer, "AAAA");
            assert_int_equal(omadm__enroll_cert_b64_to_pem(longer, &b, NULL), OMADM_ERR_PARSE);
        }
        free(longer);
    }
    assert_int_equal(b.len, 0);
    omadm__buf_free(&b);
    free(pem);
}

static void test_check_cert_key(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    omadm_enroll_policy pol = { OMADM_ENROLL_KEY_EC, 0, OMADM_ENROLL_HASH_SHA256, 0, 0 };
    char *pem = issued_pem(e->cert_b64, NULL), *other = NULL, *csr = NULL, err[128];

    (void)state;
    assert_int_equal(omadm_enroll_check_cert_key(pem, e->key_pem, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm_enroll_make_key_csr(&pol, "X", &other, &csr, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm_enroll_check_cert_key(pem, other, err, sizeof err), OMADM_ERR_PROTOCOL);
    assert_string_equal(err, "issued certificate does not match the device key");
    assert_int_equal(omadm_enroll_check_cert_key("junk", other, err, sizeof err), OMADM_ERR_PARSE);
    assert_string_equal(err, "certificate does not parse");
    assert_int_equal(omadm_enroll_check_cert_key(pem, "junk", err, sizeof err), OMADM_ERR_PARSE);
    assert_string_equal(err, "the device key does not parse");
    assert_int_equal(omadm_enroll_check_cert_key(NULL, other, err, sizeof err), OMADM_ERR_INVALID);
    omadm_enroll_secret_free(other);
    omadm__free(csr);
    free(pem);
}

/* Renewal: the PKCS#7 carries the new request and verifies against the
 * current certificate. */
static void test_sign_renewal(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    char *pem = issued_pem(e->cert_b64, NULL), *csr = NULL, *p7b64 = NULL, err[128];
    unsigned char *der;
    const unsigned char *p;
    int len;
    PKCS7 *p7;
    BIO *out;
    X509 *signer;
    BIO *cb = BIO_new_mem_buf(pem, -1);
    STACK_OF(X509) *certs = sk_X509_new_null();
    char *data = NULL;
    long n;

    (void)state;
    assert_int_equal(
        omadm_enroll_make_csr(e->key_pem, "DEV", OMADM_ENROLL_HASH_SHA256, &csr, err, sizeof err),
        OMADM_OK);
    assert_int_equal(omadm_enroll_sign_renewal(csr, pem, e->key_pem, &p7b64, err, sizeof err),
                     OMADM_OK);
    der = unb64(p7b64, &len);
    p = der;
    p7 = d2i_PKCS7(NULL, &p, len);
    assert_non_null(p7);
    signer = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    assert_non_null(signer);
    sk_X509_push(certs, signer);
    out = BIO_new(BIO_s_mem());
    assert_int_equal(PKCS7_verify(p7, certs, NULL, NULL, out, PKCS7_NOVERIFY | PKCS7_BINARY), 1);
    n = BIO_get_mem_data(out, &data);
    {
        int rlen;
        unsigned char *req = unb64(csr, &rlen);

        assert_int_equal(n, rlen);
        assert_memory_equal(data, req, (size_t)rlen);
        OPENSSL_free(req);
    }
    BIO_free(out);
    sk_X509_pop_free(certs, X509_free);
    BIO_free(cb);
    PKCS7_free(p7);
    OPENSSL_free(der);
    omadm__free(p7b64);
    /* refusals: no output left behind */
    p7b64 = (char *)1;
    assert_int_equal(omadm_enroll_sign_renewal(csr, "junk", e->key_pem, &p7b64, err, sizeof err),
                     OMADM_ERR_UNSUPPORTED);
    assert_null(p7b64);
    assert_int_equal(omadm_enroll_sign_renewal(csr, pem, "junk", &p7b64, err, sizeof err),
                     OMADM_ERR_UNSUPPORTED);
    assert_int_equal(omadm_enroll_sign_renewal("!!", pem, e->key_pem, &p7b64, err, sizeof err),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_enroll_sign_renewal(NULL, pem, e->key_pem, &p7b64, err, sizeof err),
                     OMADM_ERR_INVALID);
    omadm__free(csr);
    free(pem);
}

static void test_message_id(void **state)
{
    char a[46], b[46];

    (void)state;
    assert_int_equal(omadm_enroll_message_id(a, sizeof a - 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_enroll_message_id(NULL, 46), OMADM_ERR_INVALID);
    assert_int_equal(omadm_enroll_message_id(a, sizeof a), OMADM_OK);
    assert_int_equal(omadm_enroll_message_id(b, sizeof b), OMADM_OK);
    assert_int_equal(strlen(a), 45);
    assert_memory_equal(a, "urn:uuid:", 9);
    assert_int_equal(a[9 + 14], '4');           /* version 4 */
    assert_non_null(strchr("89ab", a[9 + 19])); /* RFC 4122 variant */
    assert_int_equal(a[9 + 8], '-');
    assert_string_not_equal(a, b);
}

/* Allocation failures while making a key and request: NOMEM or the
 * OpenSSL refusal, nothing handed out. */
static void test_alloc_failures(void **state)
{
    omadm_enroll_policy pol = { OMADM_ENROLL_KEY_EC, 0, OMADM_ENROLL_HASH_SHA256, 0, 0 };
    int failures = 0;

    (void)state;
    for (long n = 1;; n++) {
        char *key = NULL, *csr = NULL, err[128] = "";
        omadm_status st;
        int done;

        omadm__alloc_fail_at(n, 0);
        st = omadm_enroll_make_key_csr(&pol, "D", &key, &csr, err, sizeof err);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (done) {
            assert_int_equal(st, OMADM_OK);
            omadm_enroll_secret_free(key);
            omadm__free(csr);
            break;
        }
        failures++;
        assert_int_equal(st, OMADM_ERR_NOMEM);
        assert_string_equal(err, "out of memory");
        assert_null(key);
        assert_null(csr);
    }
    assert_true(failures >= 2);
}

int test_crypto_run(void);
int test_crypto_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_and_request_follow_the_policy),
        cmocka_unit_test(test_key_refusals),
        cmocka_unit_test(test_cert_to_pem_and_info),
        cmocka_unit_test(test_check_cert_key),
        cmocka_unit_test(test_sign_renewal),
        cmocka_unit_test(test_message_id),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests_name("enroll-crypto", tests, NULL, NULL);
}
