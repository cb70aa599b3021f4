/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper for packaging/windows/test_service.py: imports a PFX (empty
 * password) into the LocalMachine\MY certificate store, the way an
 * enrollment leaves the device's certificate, and prints the certificate's
 * SHA-1 thumbprint (40 hex digits), so the agent can be given
 * "LocalMachine\MY\<thumbprint>". The key is marked exportable: wine's
 * Schannel exports it to hand it to GnuTLS (Windows does not need that).
 * Usage: import-pfx FILE.pfx */
#include <stdio.h>
#include <stdlib.h>

#include <windows.h>

#include <wincrypt.h>

int main(int argc, char **argv)
{
    FILE *f;
    BYTE *data, hash[20];
    long size;
    CRYPT_DATA_BLOB blob;
    HCERTSTORE pfx, my;
    PCCERT_CONTEXT cert = NULL;
    DWORD n = sizeof hash, i, key_info = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: import-pfx FILE.pfx\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "import-pfx: cannot read %s\n", argv[1]);
        return 1;
    }
    data = malloc((size_t)size);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "import-pfx: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    blob.pbData = data;
    blob.cbData = (DWORD)size;
    pfx = PFXImportCertStore(&blob, L"", CRYPT_EXPORTABLE | CRYPT_MACHINE_KEYSET);
    if (!pfx) {
        fprintf(stderr, "import-pfx: PFXImportCertStore failed: error %lu\n", GetLastError());
        return 1;
    }
    /* The certificate that has the private key (the PFX holds the CA too). */
    while ((cert = CertEnumCertificatesInStore(pfx, cert)) != NULL) {
        key_info = 0;
        if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &key_info))
            break;
    }
    if (!cert) {
        fprintf(stderr, "import-pfx: no certificate with a private key in %s\n", argv[1]);
        return 1;
    }
    my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    if (!my || !CertAddCertificateContextToStore(my, cert, CERT_STORE_ADD_REPLACE_EXISTING, NULL)) {
        fprintf(stderr, "import-pfx: cannot add to LocalMachine\\MY: error %lu\n", GetLastError());
        return 1;
    }
    if (!CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, hash, &n) || n != 20) {
        fprintf(stderr, "import-pfx: no thumbprint: error %lu\n", GetLastError());
        return 1;
    }
    for (i = 0; i < n; i++)
        printf("%02x", hash[i]);
    printf("\n");
    CertFreeCertificateContext(cert);
    CertCloseStore(my, 0);
    CertCloseStore(pfx, 0);
    free(data);
    return 0;
}
