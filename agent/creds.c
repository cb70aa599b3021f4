/* SPDX-License-Identifier: Apache-2.0 */
/* TLS credentials inspected with OpenSSL (creds.h). */
#include "agent/creds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "agent/device.h"
#include "agent/os.h"
#include "agent/log.h"
#include "omadm/cert.h"

struct inspect {
    const agent_config *cfg;
    enum agent_creds_depth depth;
    int64_t now;
    agent_finding_fn fn;
    void *user;
    int errors;
};

static void report(struct inspect *in, agent_finding level, const char *fmt, ...)
    AGENT_PRINTF(3, 4);

static void report(struct inspect *in, agent_finding level, const char *fmt, ...)
{
    char line[1400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level == AGENT_FINDING_ERROR)
        in->errors++;
    in->fn(in->user, level, line);
}

/* A key's origin: "FILE:LINE: [tls] key: ", "--key: "... */
static const char *origin(const struct inspect *in, agent_key key, char *buf, size_t size)
{
    agent_config_origin(in->cfg, key, buf, size);
    return buf;
}

/* OpenSSL's reason for the last failure ("bad decrypt"), then a clean
 * error queue. Static text or "". */
static const char *ssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    return r ? r : "";
}

/* Never asks for a pass phrase: the agent runs unattended. */
static int no_pass(char *buf, int size, int rwflag, void *user)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)user;
    return -1;
}

static int read_whole(struct inspect *in, agent_key key, const char *path, char **data, size_t *len)
{
    char why[300], where[700];

    if (agent_os_read_file(path, AGENT_CREDS_MAX_FILE, data, len, NULL, why, sizeof why) < 0) {
        report(in, AGENT_FINDING_ERROR, "%s%s: %s", origin(in, key, where, sizeof where), path,
               why);
        return -1;
    }
    return 0;
}

static BIO *mem_bio(const char *data, size_t len)
{
    return len > (size_t)0x7fffffff ? NULL : BIO_new_mem_buf(data, (int)len);
}

/* The PEM certificates in data, in order (an empty stack when none). */
static STACK_OF(X509) * pem_certs(const char *data, size_t len)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *b = mem_bio(data, len);
    X509 *x;

    if (!certs || !b) {
        BIO_free(b);
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    while ((x = PEM_read_bio_X509(b, NULL, no_pass, NULL)) != NULL) {
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            break;
        }
    }
    ERR_clear_error(); /* the end of the file reads as "no start line" */
    BIO_free(b);
    return certs;
}

static EVP_PKEY *pem_key(const char *data, size_t len)
{
    BIO *b = mem_bio(data, len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_pass, NULL) : NULL;

    BIO_free(b);
    return k;
}

static int has_text(const char *data, const char *needle)
{
    return strstr(data, needle) != NULL;
}

/* unix seconds of an ASN1_TIME, relative to `now` (no timegm on Windows). */
static int64_t asn1_unix(const ASN1_TIME *t, int64_t now)
{
    ASN1_TIME *ref = ASN1_TIME_set(NULL, (time_t)now);
    int days = 0, secs = 0;
    int64_t out = now;

    if (ref && ASN1_TIME_diff(&days, &secs, ref, t))
        out = now + (int64_t)days * 86400 + secs;
    ASN1_TIME_free(ref);
    return out;
}

/* The name's CN as UTF-8 with control characters replaced; "" if none. */
static void common_name(const X509_NAME *name, char *buf, size_t size)
{
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    unsigned char *utf8 = NULL;
    int n;

    buf[0] = '\0';
    if (i < 0)
        return;
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0)
        return;
    snprintf(buf, size, "%.*s", n, (const char *)utf8);
    for (char *p = buf; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    }
    OPENSSL_free(utf8);
}

static void inspect_ca(struct inspect *in)
{
    const char *path = in->cfg->ca_file;
    char *data = NULL, where[700];
    size_t len = 0;
    STACK_OF(X509) * certs;
    int n, expired = 0;

    if (!path) {
        report(in, AGENT_FINDING_OK, "CA: the system's trusted certificates verify the server");
        return;
    }
    if (read_whole(in, AGENT_KEY_CA, path, &data, &len) < 0)
        return;
    certs = pem_certs(data, len);
    n = certs ? sk_X509_num(certs) : 0;
    if (!certs) {
        report(in, AGENT_FINDING_ERROR, "%s: out of memory", path);
    } else if (n == 0) {
        report(in, AGENT_FINDING_ERROR,
               "%s%s: no PEM certificate in it (\"-----BEGIN "
               "CERTIFICATE-----\" expected)",
               origin(in, AGENT_KEY_CA, where, sizeof where), path);
    } else {
        for (int i = 0; i < n; i++) {
            if (asn1_unix(X509_get0_notAfter(sk_X509_value(certs, i)), in->now) < in->now)
                expired++;
        }
        if (in->depth == AGENT_CREDS_FULL && expired == n)
            report(in, AGENT_FINDING_ERROR,
                   "CA file %s: every certificate in it has expired (%d of %d)", path, expired, n);
        else if (in->depth == AGENT_CREDS_FULL && expired)
            report(in, AGENT_FINDING_WARN, "CA file %s: %d of %d certificates have expired", path,
                   expired, n);
        else
            report(in, AGENT_FINDING_OK, "CA file %s: %d certificate%s", path, n,
                   n == 1 ? "" : "s");
    }
    sk_X509_pop_free(certs, X509_free);
    free(data);
}

/* Validity, CN and expiry of the client certificate (FULL only). */
static void inspect_cert_details(struct inspect *in, X509 *cert)
{
    const char *path = in->cfg->cert;
    char cn[200], issuer[200], t1[40], t2[40];
    int64_t not_before = asn1_unix(X509_get0_notBefore(cert), in->now);
    int64_t not_after = asn1_unix(X509_get0_notAfter(cert), in->now);

    common_name(X509_get_subject_name(cert), cn, sizeof cn);
    common_name(X509_get_issuer_name(cert), issuer, sizeof issuer);
    agent_format_time(not_before, t1, sizeof t1);
    agent_format_time(not_after, t2, sizeof t2);
    if (not_before > in->now)
        report(in, AGENT_FINDING_ERROR,
               "certificate %s is not valid yet: from %s (is this machine's clock right?)", path,
               t1);
    else if (not_after < in->now)
        report(in, AGENT_FINDING_ERROR, "certificate %s expired on %s", path, t2);
    else if (not_after - in->now < (int64_t)AGENT_CREDS_EXPIRY_WARN_DAYS * 86400)
        report(in, AGENT_FINDING_WARN, "certificate %s expires on %s, in %lld day%s", path, t2,
               (long long)((not_after - in->now) / 86400),
               (not_after - in->now) / 86400 == 1 ? "" : "s");
    else
        report(in, AGENT_FINDING_OK, "certificate %s: CN \"%s\", issued by \"%s\", valid until %s",
               path, cn, issuer, t2);
    if (!in->cfg->device_id)
        return;
    if (strcmp(cn, in->cfg->device_id) == 0)
        report(in, AGENT_FINDING_OK, "certificate CN is the device id");
    else if (in->cfg->auth_name)
        /* HTTP authentication names the device: the CN may differ. */
        report(in, AGENT_FINDING_WARN,
               "certificate CN \"%s\" is not the device id \"%s\" (accepted: the device "
               "authenticates as \"%s\")",
               cn, in->cfg->device_id, in->cfg->auth_name);
    else
        report(in, AGENT_FINDING_ERROR,
               "certificate CN \"%s\" is not the device id \"%s\": a server that identifies "
               "devices by their certificate refuses this device",
               cn, in->cfg->device_id);
}

/* The key for a PEM certificate: key_file, else the certificate file. */
static EVP_PKEY *load_key(struct inspect *in, const char *cert_data, size_t cert_len)
{
    const char *path = in->cfg->key_file;
    char *data = NULL, where[700], why[300];
    size_t len = 0;
    EVP_PKEY *key;

    if (!path) {
        key = pem_key(cert_data, cert_len);
        ERR_clear_error();
        if (!key)
            report(in, AGENT_FINDING_ERROR,
                   "%s%s holds no private key and none is configured: set [tls] key or pass "
                   "--key",
                   origin(in, AGENT_KEY_CERT, where, sizeof where), in->cfg->cert);
        return key;
    }
    if (read_whole(in, AGENT_KEY_KEY, path, &data, &len) < 0)
        return NULL;
    origin(in, AGENT_KEY_KEY, where, sizeof where);
    key = pem_key(data, len);
    if (!key) {
        const char *reason = ssl_reason();
        if (has_text(data, "ENCRYPTED"))
            report(in, AGENT_FINDING_ERROR,
                   "%s%s is protected by a pass phrase, which the agent cannot enter: store it "
                   "without one (e.g. openssl pkey -in OLD -out NEW), readable by its owner only",
                   where, path);
        else if (has_text(data, "PRIVATE KEY-----"))
            report(in, AGENT_FINDING_ERROR, "%s%s: the private key cannot be read (%s)", where,
                   path, reason);
        else
            report(in, AGENT_FINDING_ERROR,
                   "%s%s: no PEM private key in it (\"-----BEGIN PRIVATE KEY-----\" expected)",
                   where, path);
    } else if (in->depth == AGENT_CREDS_FULL) {
        if (agent_os_check_private(path, why, sizeof why) < 0)
            report(in, AGENT_FINDING_ERROR, "%s%s: %s", where, path, why);
        else
            report(in, AGENT_FINDING_OK, "key %s: readable by its owner only", path);
    }
    free(data);
    return key;
}

static void inspect_pair(struct inspect *in, X509 *cert, EVP_PKEY *key)
{
    char where[700];
    const char *key_path = in->cfg->key_file ? in->cfg->key_file : in->cfg->cert;

    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        report(in, AGENT_FINDING_ERROR, "%s%s does not match %s (it is not that certificate's key)",
               origin(in, in->cfg->key_file ? AGENT_KEY_KEY : AGENT_KEY_CERT, where, sizeof where),
               key_path, in->cfg->cert);
        return;
    }
    report(in, AGENT_FINDING_OK, "key %s matches certificate %s", key_path, in->cfg->cert);
}

static void inspect_p12(struct inspect *in, const char *data, size_t len)
{
    BIO *b = mem_bio(data, len);
    PKCS12 *p12 = b ? d2i_PKCS12_bio(b, NULL) : NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    char where[700];

    origin(in, AGENT_KEY_CERT, where, sizeof where);
    if (!p12) {
        report(in, AGENT_FINDING_ERROR, "%s%s: not a PKCS#12 file (%s)", where, in->cfg->cert,
               ssl_reason());
    } else if (!PKCS12_parse(p12, "", &key, &cert, NULL) &&
               !PKCS12_parse(p12, NULL, &key, &cert, NULL)) {
        report(in, AGENT_FINDING_ERROR,
               "%s%s cannot be opened without a pass phrase (%s): export it without one", where,
               in->cfg->cert, ssl_reason());
    } else if (!cert || !key) {
        report(in, AGENT_FINDING_ERROR, "%s%s lacks %s", where, in->cfg->cert,
               cert ? "the private key" : "the certificate");
    } else {
        if (in->depth == AGENT_CREDS_FULL)
            inspect_cert_details(in, cert);
        inspect_pair(in, cert, key);
    }
    ERR_clear_error();
    X509_free(cert);
    EVP_PKEY_free(key);
    PKCS12_free(p12);
    BIO_free(b);
}

static void inspect_cert(struct inspect *in)
{
    const char *path = in->cfg->cert;
    char *data = NULL, where[700];
    size_t len = 0;
    STACK_OF(X509) * certs;
    EVP_PKEY *key;

    if (!path) {
        if (in->cfg->key_file)
            report(in, AGENT_FINDING_ERROR,
                   "%sa key without a certificate (set --cert or [tls] cert)",
                   origin(in, AGENT_KEY_KEY, where, sizeof where));
        else
            report(in, AGENT_FINDING_OK,
                   "no client certificate: the server must accept the "
                   "device without one");
        return;
    }
    if (omadm_cert_kind_of(path) == OMADM_CERT_STORE) {
        report(in, AGENT_FINDING_OK,
               "certificate %s is in a Windows certificate store: not inspected here", path);
        return;
    }
    if (read_whole(in, AGENT_KEY_CERT, path, &data, &len) < 0)
        return;
    if (omadm_cert_kind_of(path) == OMADM_CERT_P12) {
        inspect_p12(in, data, len);
        free(data);
        return;
    }
    certs = pem_certs(data, len);
    if (!certs || sk_X509_num(certs) == 0) {
        report(in, AGENT_FINDING_ERROR,
               "%s%s: no PEM certificate in it (\"-----BEGIN "
               "CERTIFICATE-----\" expected)",
               origin(in, AGENT_KEY_CERT, where, sizeof where), path);
        sk_X509_pop_free(certs, X509_free);
        free(data);
        return;
    }
    if (in->depth == AGENT_CREDS_FULL)
        inspect_cert_details(in, sk_X509_value(certs, 0));
    key = load_key(in, data, len);
    if (key)
        inspect_pair(in, sk_X509_value(certs, 0), key);
    EVP_PKEY_free(key);
    sk_X509_pop_free(certs, X509_free);
    free(data);
}

int agent_creds_inspect(const agent_config *cfg, enum agent_creds_depth depth, int64_t now,
                        agent_finding_fn fn, void *user)
{
    struct inspect in;

    memset(&in, 0, sizeof in);
    in.cfg = cfg;
    in.depth = depth;
    in.now = now;
    in.fn = fn;
    in.user = user;
    ERR_clear_error();
    inspect_ca(&in);
    inspect_cert(&in);
    ERR_clear_error();
    return in.errors;
}

struct first_error {
    char *err;
    size_t errsize;
    int seen;
};

static void keep_first_error(void *user, agent_finding level, const char *text)
{
    struct first_error *fe = user;

    if (level != AGENT_FINDING_ERROR || fe->seen)
        return;
    fe->seen = 1;
    snprintf(fe->err, fe->errsize, "%s", text);
}

int agent_creds_validate(const agent_config *cfg, char *err, size_t errsize)
{
    struct first_error fe = { err, errsize, 0 };

    return agent_creds_inspect(cfg, AGENT_CREDS_USABLE, agent_os_wall_time(), keep_first_error,
                               &fe) > 0
               ? -1
               : 0;
}

void agent_creds_tls(const agent_config *cfg, omadm_transport_config *tc)
{
    tc->ca_file = cfg->ca_file;
    tc->cert_file = cfg->cert;
    tc->key_file = cfg->key_file;
    /* An enrollment's certificate and CA, unless the config names files. */
    if (!cfg->cert && cfg->enrolled_cert_pem) {
        tc->cert_pem = cfg->enrolled_cert_pem;
        tc->key_pem = cfg->enrolled_key_pem;
    }
    if (!cfg->ca_file && cfg->enrolled_ca_pem)
        tc->ca_pem = cfg->enrolled_ca_pem;
}
