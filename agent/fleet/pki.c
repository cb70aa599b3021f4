/* SPDX-License-Identifier: Apache-2.0 */
/* Device keys and certificates made locally: EC P-256 keys (quick enough
 * for 10,000 devices), CN = device id, EKU clientAuth, signed by the CA
 * the server trusts for client certificates. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fleet.h"

#define CERT_DAYS 825

struct fleet_ca {
    X509 *cert;
    EVP_PKEY *key;
};

static void ssl_error(char *err, size_t errlen, const char *what)
{
    char buf[200];
    unsigned long e = ERR_get_error();

    ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, errlen, "%s: %s", what, e ? buf : "failed");
    ERR_clear_error();
}

/* The PEM certificate (want_key 0) or private key in `path`; NULL with a
 * line in err. */
static void *read_pem(const char *path, int want_key, const char *flag, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    void *obj;

    if (!f) {
        snprintf(err, errlen, "%s %s: cannot open", flag, path);
        return NULL;
    }
    obj = want_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
                   : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!obj) {
        char what[64];
        snprintf(what, sizeof what, "%s: not a PEM %s", flag,
                 want_key ? "private key" : "certificate");
        ssl_error(err, errlen, what);
    }
    return obj;
}

int fleet_ca_load(fleet_ca **out, const char *cert_file, const char *key_file, char *err,
                  size_t errlen)
{
    fleet_ca *ca = calloc(1, sizeof *ca);

    *out = NULL;
    if (!ca) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ca->cert = read_pem(cert_file, 0, "--issue-ca", err, errlen);
    if (ca->cert)
        ca->key = read_pem(key_file, 1, "--issue-key", err, errlen);
    if (!ca->key)
        goto fail;
    if (X509_check_private_key(ca->cert, ca->key) != 1) {
        ssl_error(err, errlen, "--issue-key does not match --issue-ca");
        goto fail;
    }
    *out = ca;
    return 0;
fail:
    fleet_ca_free(ca);
    return -1;
}

void fleet_ca_free(fleet_ca *ca)
{
    if (!ca)
        return;
    X509_free(ca->cert);
    EVP_PKEY_free(ca->key);
    free(ca);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* Writes a PEM file via a temp name and rename, mode 0600. */
static int write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    char tmp[4200];
    FILE *f;
    int fd, ok;

    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return 0;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return 0;
    }
    ok = cert ? PEM_write_X509(f, cert) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return 0;
    }
    return 1;
}

int fleet_issue(fleet_ca *ca, const char *id, const char *cert_path, const char *key_path,
                char *err, size_t errlen)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    X509_NAME *name;
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    int ok = 0;

    if (access(cert_path, R_OK) == 0 && access(key_path, R_OK) == 0)
        return 0;
    if (!ca) {
        snprintf(err, errlen, "%s missing and no --issue-ca/--issue-key to make it", cert_path);
        return -1;
    }
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    if (!key || !cert || RAND_bytes(serial, sizeof serial) != 1)
        goto done;
    serial[0] &= 0x7f; /* positive */
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    name = X509_NAME_new();
    ok = bn && name && X509_set_version(cert, 2) &&
         BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)id, -1, -1,
                                    0) &&
         X509_set_subject_name(cert, name) &&
         X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) &&
         X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
         X509_gmtime_adj(X509_getm_notAfter(cert), (long)CERT_DAYS * 86400) &&
         X509_set_pubkey(cert, key) &&
         add_ext(cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(cert, ca->cert, NID_key_usage, "critical,digitalSignature") &&
         add_ext(cert, ca->cert, NID_ext_key_usage, "clientAuth") &&
         X509_sign(cert, ca->key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    /* The key first: a cert without its key is re-made next time. */
    ok = ok && write_pem(key_path, NULL, key) && write_pem(cert_path, cert, NULL);
done:
    if (!ok)
        ssl_error(err, errlen, "issuing the device certificate");
    BN_free(bn);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}
