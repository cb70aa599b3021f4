/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment's certificate store entry (agent/enroll_store_win32.c),
 * under wine or on Windows: the certificate and its key land in
 * LocalMachine\MY under their thumbprint; imported non-exportable, the key
 * cannot be exported (imported exportable, as under wine for its Schannel,
 * it can: the check is not vacuous); removal deletes the entry. Wine 8's
 * crypt32 cannot open the key container it records: the exportability
 * check runs on Windows only. The renewal's PKCS#7 signed with the key in
 * the store verifies with OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <wincrypt.h>

#include "agent/enroll_int.h"

/* A self-signed RSA certificate and its key, PEM (malloc'd); with csr_der
 * (when non-NULL) a PKCS#10 of a second key, DER (OPENSSL_free). */
static void make_identity_csr(char **cert_pem, char **key_pem, unsigned char **csr_der,
                              int *csr_len)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    char *p;
    long n;

    assert_non_null(key);
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"store-test", -1,
                               -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    assert_true(PEM_write_bio_X509(cb, x));
    assert_true(PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL));
    n = BIO_get_mem_data(cb, &p);
    *cert_pem = calloc(1, (size_t)n + 1);
    memcpy(*cert_pem, p, (size_t)n);
    n = BIO_get_mem_data(kb, &p);
    *key_pem = calloc(1, (size_t)n + 1);
    memcpy(*key_pem, p, (size_t)n);
    if (csr_der) {
        EVP_PKEY *next = EVP_RSA_gen(2048);
        X509_REQ *req = X509_REQ_new();

        assert_non_null(next);
        assert_true(X509_REQ_set_subject_name(req, name) && X509_REQ_set_pubkey(req, next) &&
                    X509_REQ_sign(req, next, EVP_sha256()) > 0);
        *csr_der = NULL;
        *csr_len = i2d_X509_REQ(req, csr_der);
        assert_true(*csr_len > 0);
        X509_REQ_free(req);
        EVP_PKEY_free(next);
    }
    BIO_free(cb);
    BIO_free(kb);
    X509_NAME_free(name);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void make_identity(char **cert_pem, char **key_pem)
{
    make_identity_csr(cert_pem, key_pem, NULL, NULL);
}

/* 1 exportable, 0 not, -1 no such entry or no key: the key's container,
 * opened from the certificate's CERT_KEY_PROV_INFO, asked for a
 * PRIVATEKEYBLOB. */
static int exportable(const char *path)
{
    BYTE hash[20], buf[2048];
    CRYPT_HASH_BLOB blob = { sizeof hash, hash };
    const char *hex = strrchr(path, '\\') + 1;
    HCERTSTORE my =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    PCCERT_CONTEXT cert;
    CRYPT_KEY_PROV_INFO *info = (CRYPT_KEY_PROV_INFO *)buf;
    HCRYPTPROV prov = 0;
    HCRYPTKEY key = 0;
    DWORD size = sizeof buf;
    int rc = -1;

    for (int i = 0; i < 20; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        hash[i] = (BYTE)v;
    }
    cert = my ? CertFindCertificateInStore(my, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                           CERT_FIND_SHA1_HASH, &blob, NULL)
              : NULL;
    if (cert && CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, buf, &size) &&
        CryptAcquireContextW(&prov, info->pwszContainerName, info->pwszProvName, info->dwProvType,
                             info->dwFlags & CRYPT_MACHINE_KEYSET) &&
        CryptGetUserKey(prov, info->dwKeySpec, &key)) {
        size = 0;
        rc = CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, NULL, &size) ? 1 : 0;
    }
    if (key)
        CryptDestroyKey(key);
    if (prov)
        CryptReleaseContext(prov, 0);
    if (cert)
        CertFreeCertificateContext(cert);
    if (my)
        CertCloseStore(my, 0);
    return rc;
}

static void put_check_remove(int want_exportable)
{
    char *cert = NULL, *key = NULL, path[64], err[256];

    make_identity(&cert, &key);
    assert_int_equal(
        agent__enroll_store_put(cert, key, want_exportable, path, sizeof path, err, sizeof err), 0);
    assert_int_equal(strncmp(path, "LocalMachine\\MY\\", 16), 0);
    assert_int_equal(strlen(path), 16 + 40);
    assert_true(agent__enroll_store_has_key(path));
    /* wine 8's PFXImportCertStore records a key container (named "root",
     * without CRYPT_MACHINE_KEYSET) that CryptAcquireContext cannot open:
     * only Windows can tell whether the key exports */
    if (!agent__enroll_store_on_wine())
        assert_int_equal(exportable(path), want_exportable);
    else
        print_message("wine: the key's exportability is checked on Windows only\n");
    assert_int_equal(agent__enroll_store_remove(path), 0);
    /* gone, under wine too since the removal commits the store */
    assert_false(agent__enroll_store_has_key(path));
    assert_int_equal(exportable(path), -1);
    free(cert);
    free(key);
}

static void test_not_exportable(void **state)
{
    (void)state;
    put_check_remove(0);
}

static void test_exportable_for_wine(void **state)
{
    (void)state;
    put_check_remove(1);
}

static void test_bad_input(void **state)
{
    char path[64], err[256] = "";

    (void)state;
    assert_int_equal(agent__enroll_store_put("not a certificate", "not a key", 0, path, sizeof path,
                                             err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "cannot package"));
    assert_false(agent__enroll_store_has_key("LocalMachine\\MY\\00"));
}

/* The renewal's PKCS#7 made with the key in the store is what OpenSSL's
 * PKCS7_sign makes with the PEM key (omadm_enroll_sign_renewal): SignedData
 * with the CSR attached, SHA-256, one signer = the store's certificate,
 * whose certificate is included, signed attributes with the content type,
 * the message digest and the signing time; it verifies with OpenSSL. */
static void test_sign_renewal(void **state)
{
    char *cert = NULL, *key = NULL, *b64, *p7_b64 = NULL, path[64], err[256] = "";
    unsigned char *csr = NULL, *der, *got = NULL;
    int csr_len = 0, der_len;
    const unsigned char *p;
    PKCS7 *p7;
    PKCS7_SIGNER_INFO *si;
    STACK_OF(X509) * signers;
    STACK_OF(PKCS7_SIGNER_INFO) * infos;
    BIO *cb, *out = BIO_new(BIO_s_mem());
    X509 *mine;
    long n;

    (void)state;
    make_identity_csr(&cert, &key, &csr, &csr_len);
    assert_int_equal(agent__enroll_store_put(cert, key, agent__enroll_store_on_wine(), path,
                                             sizeof path, err, sizeof err),
                     0);
    b64 = calloc(1, 4 * (((size_t)csr_len + 2) / 3) + 1);
    assert_non_null(b64);
    EVP_EncodeBlock((unsigned char *)b64, csr, csr_len);
    assert_int_equal(agent__enroll_store_sign_renewal(path, b64, &p7_b64, err, sizeof err), 0);
    assert_non_null(p7_b64);

    der = calloc(1, strlen(p7_b64));
    der_len = EVP_DecodeBlock(der, (const unsigned char *)p7_b64, (int)strlen(p7_b64));
    assert_true(der_len > 0);
    p = der;
    p7 = d2i_PKCS7(NULL, &p, der_len); /* the padding's zero bytes stay unread */
    assert_non_null(p7);
    assert_int_equal(OBJ_obj2nid(p7->type), NID_pkcs7_signed);
    assert_int_equal(OBJ_obj2nid(p7->d.sign->contents->type), NID_pkcs7_data);
    infos = PKCS7_get_signer_info(p7);
    assert_int_equal(sk_PKCS7_SIGNER_INFO_num(infos), 1);
    si = sk_PKCS7_SIGNER_INFO_value(infos, 0);
    assert_int_equal(OBJ_obj2nid(si->digest_alg->algorithm), NID_sha256);
    assert_non_null(PKCS7_get_signed_attribute(si, NID_pkcs9_contentType));
    assert_non_null(PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest));
    assert_non_null(PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime));
    /* the signature and the content, with the certificate the PKCS#7 carries */
    assert_int_equal(PKCS7_verify(p7, NULL, NULL, NULL, out, PKCS7_NOVERIFY | PKCS7_BINARY), 1);
    n = BIO_get_mem_data(out, &got);
    assert_int_equal(n, csr_len);
    assert_memory_equal(got, csr, (size_t)csr_len);
    signers = PKCS7_get0_signers(p7, NULL, 0);
    assert_int_equal(sk_X509_num(signers), 1);
    cb = BIO_new_mem_buf(cert, -1);
    mine = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    assert_int_equal(X509_cmp(sk_X509_value(signers, 0), mine), 0);

    /* refusals: no such entry, a CSR that is not base64 */
    free(p7_b64);
    p7_b64 = NULL;
    assert_int_equal(agent__enroll_store_sign_renewal(
                         "LocalMachine\\MY\\0000000000000000000000000000000000000000", b64, &p7_b64,
                         err, sizeof err),
                     -1);
    assert_null(p7_b64);
    assert_non_null(strstr(err, "not in the store"));
    assert_int_equal(
        agent__enroll_store_sign_renewal(path, "not base64!", &p7_b64, err, sizeof err), -1);
    assert_null(p7_b64);
    assert_non_null(strstr(err, "not base64"));

    assert_int_equal(agent__enroll_store_remove(path), 0);
    sk_X509_free(signers);
    X509_free(mine);
    BIO_free(cb);
    BIO_free(out);
    PKCS7_free(p7);
    free(der);
    free(b64);
    OPENSSL_free(csr);
    free(cert);
    free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_exportable),
        cmocka_unit_test(test_exportable_for_wine),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_sign_renewal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
