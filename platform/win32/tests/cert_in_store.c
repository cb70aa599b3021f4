/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper for packaging/windows/test_service.py (a certutil stand-in
 * for wine): whether LocalMachine\MY holds the certificate with the given
 * SHA-1 thumbprint, with its private key, and whether that key can be
 * exported (an enrollment's must not). Prints one line:
 *   "found key=yes exportable=no subject=<CN>"  (exit 0), or
 *   "absent" (exit 1). Usage: cert-in-store THUMBPRINT */
#include <stdio.h>
#include <string.h>

#include <windows.h>

#include <wincrypt.h>

int main(int argc, char **argv)
{
    BYTE hash[20];
    CRYPT_HASH_BLOB blob = { sizeof hash, hash };
    HCERTSTORE my;
    PCCERT_CONTEXT cert;
    HCRYPTPROV_OR_NCRYPT_KEY_HANDLE prov = 0;
    HCRYPTKEY key = 0;
    DWORD spec = 0, size = 0, info = 0;
    BOOL must_free = FALSE;
    int has_key, exportable = 0;
    char subject[256] = "";

    if (argc != 2 || strlen(argv[1]) != 40) {
        fprintf(stderr, "usage: cert-in-store THUMBPRINT (40 hex digits)\n");
        return 2;
    }
    for (int i = 0; i < 20; i++) {
        unsigned v;
        if (sscanf(argv[1] + 2 * i, "%2x", &v) != 1)
            return 2;
        hash[i] = (BYTE)v;
    }
    my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                       CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_READONLY_FLAG, L"MY");
    cert = my ? CertFindCertificateInStore(my, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                           CERT_FIND_SHA1_HASH, &blob, NULL)
              : NULL;
    if (!cert) {
        printf("absent\n");
        return 1;
    }
    has_key = CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &info);
    if (has_key &&
        CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_CACHE_FLAG, NULL, &prov, &spec,
                                          &must_free) &&
        spec != CERT_NCRYPT_KEY_SPEC && CryptGetUserKey(prov, spec, &key))
        exportable = CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, NULL, &size) != 0;
    CertGetNameStringA(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, subject, sizeof subject);
    printf("found key=%s exportable=%s subject=%s\n", has_key ? "yes" : "no",
           exportable ? "yes" : "no", subject);
    if (key)
        CryptDestroyKey(key);
    if (must_free && prov)
        CryptReleaseContext(prov, 0);
    CertFreeCertificateContext(cert);
    CertCloseStore(my, 0);
    return 0;
}
