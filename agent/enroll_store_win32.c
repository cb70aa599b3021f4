/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment's certificate and key in LocalMachine\MY (Windows; see
 * enroll_int.h). The key goes through a PKCS#12 made in memory and
 * imported without CRYPT_EXPORTABLE: once in the store it cannot be read
 * back, and nothing of it is kept in the enrollment state. */
#include "agent/enroll_int.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include <windows.h>

#include <wincrypt.h>

#include <ncrypt.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "agent/enroll_state.h"
#include "agent/log.h"

/* The PKCS#12 (no password, 3DES: what every PFXImportCertStore reads) of
 * the PEM certificate and key. *der: OPENSSL_free, after cleansing. */
static int make_pfx(const char *cert_pem, const char *key_pem, unsigned char **der, int *len)
{
    BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    PKCS12 *p12 = NULL;

    *der = NULL;
    *len = 0;
    if (cert && key)
        p12 = PKCS12_create("", "omadm-agent enrollment", key, cert, NULL,
                            NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                            NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 0, 0, 0);
    if (p12)
        *len = i2d_PKCS12(p12, der);
    PKCS12_free(p12);
    EVP_PKEY_free(key);
    X509_free(cert);
    BIO_free(cb);
    BIO_free(kb);
    return *len > 0 ? 0 : -1;
}

int agent__enroll_store_on_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

    return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

int agent__enroll_store_put(const char *cert_pem, const char *key_pem, int exportable, char *path,
                            size_t size, char *err, size_t errsize)
{
    unsigned char *der = NULL;
    int der_len = 0, rc = -1;
    CRYPT_DATA_BLOB blob;
    HCERTSTORE pfx = NULL, my = NULL;
    PCCERT_CONTEXT cert = NULL;
    BYTE hash[20];
    DWORD n = sizeof hash, info = 0;

    if (make_pfx(cert_pem, key_pem, &der, &der_len) < 0) {
        snprintf(err, errsize, "cannot package the certificate and key for the store");
        goto out;
    }
    blob.pbData = der;
    blob.cbData = (DWORD)der_len;
    /* Windows: the machine's key set, without CRYPT_EXPORTABLE: the key
     * never leaves. wine (`exportable`): its Schannel exports the key, and
     * its PFX import records the key's container without
     * CRYPT_MACHINE_KEYSET, so the key goes where that record points. */
    pfx = PFXImportCertStore(&blob, L"", exportable ? CRYPT_EXPORTABLE : CRYPT_MACHINE_KEYSET);
    if (!pfx) {
        snprintf(err, errsize, "cannot import the certificate and key (error %lu)",
                 (unsigned long)GetLastError());
        goto out;
    }
    while ((cert = CertEnumCertificatesInStore(pfx, cert)) != NULL) {
        info = 0;
        if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &info))
            break;
    }
    my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    if (!cert || !my ||
        !CertAddCertificateContextToStore(my, cert, CERT_STORE_ADD_REPLACE_EXISTING, NULL) ||
        !CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, hash, &n) || n != 20) {
        snprintf(err, errsize, "cannot add the certificate to LocalMachine\\MY (error %lu)",
                 (unsigned long)GetLastError());
        goto out;
    }
    if (size < sizeof "LocalMachine\\MY\\" + 40) {
        snprintf(err, errsize, "store path buffer too small");
        goto out;
    }
    n = (DWORD)snprintf(path, size, "LocalMachine\\MY\\");
    for (DWORD i = 0; i < 20; i++)
        snprintf(path + n + 2 * i, 3, "%02x", hash[i]);
    rc = 0;
out:
    if (cert)
        CertFreeCertificateContext(cert);
    if (my)
        CertCloseStore(my, 0);
    if (pfx)
        CertCloseStore(pfx, 0);
    if (der) {
        OPENSSL_cleanse(der, (size_t)der_len);
        OPENSSL_free(der);
    }
    return rc;
}

/* The certificate whose thumbprint ends `path` in LocalMachine\MY, opened
 * in `my`; NULL when absent. */
static PCCERT_CONTEXT find(HCERTSTORE my, const char *path)
{
    const char *hex = strrchr(path, '\\');
    BYTE hash[20];
    CRYPT_HASH_BLOB blob = { sizeof hash, hash };

    if (!hex || strlen(++hex) != 40)
        return NULL;
    for (int i = 0; i < 20; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return NULL;
        hash[i] = (BYTE)v;
    }
    return CertFindCertificateInStore(my, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                      CERT_FIND_SHA1_HASH, &blob, NULL);
}

int agent__enroll_store_has_key(const char *path)
{
    HCERTSTORE my =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    PCCERT_CONTEXT cert = my ? find(my, path) : NULL;
    DWORD info = 0;
    int has =
        cert && CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &info);

    if (cert)
        CertFreeCertificateContext(cert);
    if (my)
        CertCloseStore(my, 0);
    return has;
}

int agent__enroll_store_remove(const char *path)
{
    HCERTSTORE my =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    PCCERT_CONTEXT cert;
    int ok = my != NULL;

    /* every copy (CertDeleteCertificateFromStore frees the context) */
    while (ok && (cert = find(my, path)) != NULL)
        ok = CertDeleteCertificateFromStore(cert) != 0;
    /* Written now: a registry store otherwise writes the deletion when its
     * last reference goes, and a client certificate context Schannel still
     * holds (wine: its credential cache) keeps one until the process ends,
     * when nothing is written any more. */
    if (ok)
        CertControlStore(my, 0, CERT_STORE_CTRL_COMMIT, NULL);
    if (my)
        CertCloseStore(my, 0);
    return ok ? 0 : -1;
}

/* ---- the renewal's PKCS#7, signed with the key in the store --------------- */

/* The private key of cert, for a SHA-256 signature: CNG when the system
 * offers it; a CryptoAPI key a PFX import put in the base provider
 * (PROV_RSA_FULL, which has no SHA-256: NTE_BAD_ALGID) is opened in the
 * same container through the AES provider. 0, or -1 (GetLastError). */
static int acquire_key(PCCERT_CONTEXT cert, HCRYPTPROV_OR_NCRYPT_KEY_HANDLE *key, DWORD *spec,
                       BOOL *must_free)
{
    CRYPT_KEY_PROV_INFO *info = NULL;
    HCRYPTPROV aes = 0;
    DWORD n = 0;

    if (!CryptAcquireCertificatePrivateKey(
            cert, CRYPT_ACQUIRE_SILENT_FLAG | CRYPT_ACQUIRE_PREFER_NCRYPT_KEY_FLAG, NULL, key, spec,
            must_free))
        return -1;
    if (*spec == CERT_NCRYPT_KEY_SPEC)
        return 0;
    if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &n) &&
        (info = malloc(n)) != NULL &&
        CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, info, &n) &&
        info->dwProvType != PROV_RSA_AES &&
        CryptAcquireContextW(&aes, info->pwszContainerName, MS_ENH_RSA_AES_PROV_W, PROV_RSA_AES,
                             (info->dwFlags & CRYPT_MACHINE_KEYSET) | CRYPT_SILENT)) {
        if (*must_free)
            CryptReleaseContext(*key, 0);
        *key = aes;
        *must_free = TRUE;
    }
    free(info);
    /* wine's PFX import records key spec 3 (both): the pair the container
     * holds */
    if (*spec != AT_KEYEXCHANGE && *spec != AT_SIGNATURE) {
        HCRYPTKEY k = 0;

        *spec = CryptGetUserKey(*key, AT_KEYEXCHANGE, &k) ? AT_KEYEXCHANGE : AT_SIGNATURE;
        if (k)
            CryptDestroyKey(k);
    }
    return 0;
}

/* What omadm_enroll_sign_renewal makes with a PEM key (OpenSSL's
 * PKCS7_sign(PKCS7_BINARY)): a PKCS#7 SignedData, content type id-data with
 * the DER CSR attached, SHA-256, the signer's certificate included, and
 * signed attributes (content type and message digest, which CryptMsg adds
 * once there is one, and the signing time). The key is reached through the
 * certificate's CERT_KEY_PROV_INFO, CNG first: it never leaves the store. */
int agent__enroll_store_sign_renewal(const char *path, const char *csr_b64, char **p7_b64,
                                     char *err, size_t errsize)
{
    HCERTSTORE my =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    PCCERT_CONTEXT cert = my ? find(my, path) : NULL;
    HCRYPTPROV_OR_NCRYPT_KEY_HANDLE key = 0;
    DWORD spec = 0, n = 0, time_len = 0;
    BOOL must_free = FALSE;
    HCRYPTMSG msg = NULL;
    size_t csr_len = strlen(csr_b64);
    unsigned char *csr = malloc(csr_len / 4 * 3 + 3), *p7 = NULL, *stamp = NULL;
    int der_len = csr ? EVP_DecodeBlock(csr, (const unsigned char *)csr_b64, (int)csr_len) : -1;
    FILETIME now;
    CRYPT_ATTR_BLOB time_blob;
    CRYPT_ATTRIBUTE signing_time = { szOID_RSA_signingTime, 1, &time_blob };
    CMSG_SIGNER_ENCODE_INFO signer;
    CMSG_SIGNED_ENCODE_INFO signed_info;
    CERT_BLOB cert_blob;
    int rc = -1;

    *p7_b64 = NULL;
    if (!csr || der_len <= 0 || csr_len % 4) {
        snprintf(err, errsize, csr ? "the certificate request is not base64" : "out of memory");
        goto out;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes */
    der_len -= (csr_b64[csr_len - 1] == '=') + (csr_len > 1 && csr_b64[csr_len - 2] == '=');
    if (!cert) {
        snprintf(err, errsize, "the current certificate %s is not in the store", path);
        goto out;
    }
    if (acquire_key(cert, &key, &spec, &must_free) < 0) {
        snprintf(err, errsize, "cannot reach the key of %s (error %lu)", path,
                 (unsigned long)GetLastError());
        goto out;
    }
    GetSystemTimeAsFileTime(&now);
    if (!CryptEncodeObjectEx(X509_ASN_ENCODING, szOID_RSA_signingTime, &now,
                             CRYPT_ENCODE_ALLOC_FLAG, NULL, &stamp, &time_len)) {
        snprintf(err, errsize, "cannot encode the signing time (error %lu)",
                 (unsigned long)GetLastError());
        goto out;
    }
    time_blob.cbData = time_len;
    time_blob.pbData = stamp;
    memset(&signer, 0, sizeof signer);
    signer.cbSize = sizeof signer;
    signer.pCertInfo = cert->pCertInfo;
    signer.hCryptProv = key;
    signer.dwKeySpec = spec;
    signer.HashAlgorithm.pszObjId = szOID_NIST_sha256;
    signer.cAuthAttr = 1;
    signer.rgAuthAttr = &signing_time;
    cert_blob.cbData = cert->cbCertEncoded;
    cert_blob.pbData = cert->pbCertEncoded;
    memset(&signed_info, 0, sizeof signed_info);
    signed_info.cbSize = sizeof signed_info;
    signed_info.cSigners = 1;
    signed_info.rgSigners = &signer;
    signed_info.cCertEncoded = 1;
    signed_info.rgCertEncoded = &cert_blob;
    msg = CryptMsgOpenToEncode(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CMSG_SIGNED,
                               &signed_info, NULL, NULL);
    if (!msg || !CryptMsgUpdate(msg, csr, (DWORD)der_len, TRUE) ||
        !CryptMsgGetParam(msg, CMSG_CONTENT_PARAM, 0, NULL, &n) || !n || !(p7 = malloc(n)) ||
        !CryptMsgGetParam(msg, CMSG_CONTENT_PARAM, 0, p7, &n)) {
        snprintf(err, errsize, "cannot sign the renewal request with the key of %s (error %lu)",
                 path, (unsigned long)GetLastError());
        goto out;
    }
    *p7_b64 = malloc(4 * (((size_t)n + 2) / 3) + 1);
    if (!*p7_b64) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    EVP_EncodeBlock((unsigned char *)*p7_b64, p7, (int)n);
    rc = 0;
out:
    if (msg)
        CryptMsgClose(msg);
    if (stamp)
        LocalFree(stamp);
    if (key && must_free) {
        if (spec == CERT_NCRYPT_KEY_SPEC)
            NCryptFreeObject(key);
        else
            CryptReleaseContext(key, 0);
    }
    if (cert)
        CertFreeCertificateContext(cert);
    if (my)
        CertCloseStore(my, 0);
    free(p7);
    free(csr);
    return rc;
}

/* ---- the enrollment state's store entry ---------------------------------- */

/* Windows: the certificate and its key into LocalMachine\MY, the key
 * non-exportable; the state keeps the store path and no key. */
int agent__enroll_store_key(agent_enrollment *e, char *err, size_t errsize)
{
    char path[64];
    int wine = agent__enroll_store_on_wine();

    if (wine)
        agent_log(OMADM_LOG_WARN, "wine: the key goes into the store exportable (wine's Schannel "
                                  "exports it for GnuTLS; Windows never gets it so)");
    if (agent__enroll_store_put(e->cert_pem, e->key_pem, wine, path, sizeof path, err, errsize) < 0)
        return -1;
    e->cert_store = strdup(path);
    if (!e->cert_store) {
        agent__enroll_store_remove(path);
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    OPENSSL_cleanse(e->key_pem, strlen(e->key_pem));
    free(e->key_pem);
    e->key_pem = NULL;
    agent_log(OMADM_LOG_INFO, "certificate and key (%s) in %s",
              wine ? "exportable: wine" : "not exportable", path);
    return 0;
}

/* A machine imaged after it enrolled carries the old machine's certificate
 * and key in LocalMachine\MY. The store entry the current state names (if
 * any) into `old`, before the new state replaces it ... */
void agent__enroll_previous_store_entry(const omadm_platform *p, char *old, size_t size)
{
    agent_enrollment prev;
    char why[300];

    old[0] = '\0';
    if (agent_enrollment_load(p, &prev, why, sizeof why) > 0) {
        if (prev.cert_store)
            snprintf(old, size, "%s", prev.cert_store);
        agent_enrollment_clear(&prev);
    }
}

/* ... and once the new state is saved, that entry goes. */
void agent__enroll_forget_store_entry(const char *old, const agent_enrollment *e)
{
    if (!old[0] || (e->cert_store && strcmp(old, e->cert_store) == 0))
        return;
    if (agent__enroll_store_remove(old) == 0)
        agent_log(OMADM_LOG_INFO, "the previous enrollment's certificate (%s) removed", old);
    else
        agent_log(OMADM_LOG_WARN, "cannot remove the previous enrollment's certificate %s", old);
}
