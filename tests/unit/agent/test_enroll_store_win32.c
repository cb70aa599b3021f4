/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment's certificate store entry (agent/enroll_store_win32.c),
 * under wine or on Windows: the certificate and its key land in
 * LocalMachine\MY under their thumbprint; imported non-exportable, the key
 * cannot be exported (imported exportable, as under wine for its Schannel,
 * it can: the check is not vacuous); removal deletes the entry. Wine 8's
 * crypt32 cannot open the key container it records nor forget a deleted
 * machine-store certificate: those two checks run on Windows only. */
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
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <wincrypt.h>

#include "agent/enroll_int.h"

/* A self-signed RSA certificate and its key, PEM (malloc'd). */
static void make_identity(char **cert_pem, char **key_pem)
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
    BIO_free(cb);
    BIO_free(kb);
    X509_NAME_free(name);
    X509_free(x);
    EVP_PKEY_free(key);
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
    /* wine 8 keeps answering for a deleted machine-store certificate */
    if (!agent__enroll_store_on_wine()) {
        assert_false(agent__enroll_store_has_key(path));
        assert_int_equal(exportable(path), -1);
    }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_exportable),
        cmocka_unit_test(test_exportable_for_wine),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
