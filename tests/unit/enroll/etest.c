/* SPDX-License-Identifier: Apache-2.0 */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/alloc.h"

char *etest_fixture(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *data;
    long n;

    snprintf(path, sizeof path, "%s/enroll/%s", TEST_FIXTURES_DIR, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("fixture %s missing", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return data;
}

static char *b64(const unsigned char *der, int len)
{
    char *s = malloc(4 * ((size_t)len + 2) / 3 + 8);

    assert_non_null(s);
    EVP_EncodeBlock((unsigned char *)s, der, len);
    return s;
}

static char *cert_b64(X509 *x, char *thumb)
{
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0, i;
    int len = i2d_X509(x, &der);
    char *s;

    assert_true(len > 0);
    s = b64(der, len);
    OPENSSL_free(der);
    assert_true(X509_digest(x, EVP_sha1(), md, &md_len));
    for (i = 0; i < md_len; i++)
        snprintf(thumb + 2 * i, 3, "%02X", md[i]);
    return s;
}

static void sign(X509 *x, X509_NAME *subject, EVP_PKEY *pub, X509_NAME *issuer, EVP_PKEY *ca_key,
                 long serial)
{
    assert_true(X509_set_version(x, 2));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
    assert_true(X509_set_subject_name(x, subject));
    assert_true(X509_set_issuer_name(x, issuer));
    assert_true(X509_set_pubkey(x, pub));
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
}

void etest_issue(const char *csr_b64, char **out_cert, char **out_ca, char *thumb)
{
    unsigned char *der = malloc(strlen(csr_b64));
    const unsigned char *p;
    int len;
    X509_REQ *req;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    X509 *ca = X509_new(), *x = X509_new();
    X509_NAME *ca_name = X509_NAME_new();
    char ca_thumb[41];

    assert_non_null(der);
    len = EVP_DecodeBlock(der, (const unsigned char *)csr_b64, (int)strlen(csr_b64));
    assert_true(len > 0);
    p = der;
    req = d2i_X509_REQ(NULL, &p, len);
    assert_non_null(req);
    assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
    assert_true(X509_NAME_add_entry_by_txt(ca_name, "CN", MBSTRING_UTF8,
                                           (const unsigned char *)"Test MDM CA", -1, -1, 0));
    sign(ca, ca_name, ca_key, ca_name, ca_key, 1);
    sign(x, X509_REQ_get_subject_name(req), X509_REQ_get0_pubkey(req), ca_name, ca_key, 2);
    *out_cert = cert_b64(x, thumb);
    if (out_ca)
        *out_ca = cert_b64(ca, ca_thumb);
    X509_free(x);
    X509_free(ca);
    X509_NAME_free(ca_name);
    X509_REQ_free(req);
    EVP_PKEY_free(ca_key);
    free(der);
}

char *etest_provdoc(const char *addr, const char *cert, const char *thumb, const char *ca,
                    const char *ca_thumb)
{
    char *doc = malloc(65536);
    int n;

    assert_non_null(doc);
    n = snprintf(
        doc, 65536,
        "<wap-provisioningdoc version=\"1.1\">"
        "<characteristic type=\"CertificateStore\">"
        "<characteristic type=\"Root\"><characteristic type=\"System\">"
        "<characteristic type=\"%s\"><parm name=\"EncodedCertificate\" value=\"%s\"/>"
        "</characteristic></characteristic></characteristic>"
        "<characteristic type=\"My\"><characteristic type=\"User\">%s%s%s%s%s"
        "</characteristic><characteristic type=\"WSTEP\"><characteristic type=\"Renew\">"
        "<parm name=\"ROBOSupport\" value=\"true\" datatype=\"boolean\"/>"
        "<parm name=\"RenewPeriod\" value=\"42\" datatype=\"integer\"/>"
        "<parm name=\"RetryInterval\" value=\"4\" datatype=\"integer\"/>"
        "</characteristic></characteristic></characteristic></characteristic>"
        "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w7\"/>"
        "<parm name=\"PROVIDER-ID\" value=\"TestMDM\"/><parm name=\"NAME\" value=\"Test MDM\"/>"
        "%s%s%s"
        "<parm name=\"BACKCOMPATRETRYDISABLED\"/>"
        "<parm name=\"DEFAULTENCODING\" value=\"application/vnd.syncml.dm+xml\"/>"
        "<characteristic type=\"APPAUTH\"><parm name=\"AAUTHLEVEL\" value=\"APPSRV\"/>"
        "<parm name=\"AAUTHTYPE\" value=\"DIGEST\"/><parm name=\"AAUTHNAME\" value=\"dev-name\"/>"
        "<parm name=\"AAUTHSECRET\" value=\"dev-s3cret\"/>"
        "<parm name=\"AAUTHDATA\" value=\"bm9uY2U=\"/></characteristic>"
        "<characteristic type=\"APPAUTH\"><parm name=\"AAUTHLEVEL\" value=\"CLIENT\"/>"
        "<parm name=\"AAUTHTYPE\" value=\"DIGEST\"/><parm name=\"AAUTHNAME\" value=\"srv-name\"/>"
        "<parm name=\"AAUTHSECRET\" value=\"srv-s3cret\"/></characteristic>"
        "</characteristic>"
        "<characteristic type=\"DMClient\"><characteristic type=\"Provider\">"
        "<characteristic type=\"TestMDM\"><parm name=\"EntDMID\" value=\"ent-42\"/>"
        "<characteristic type=\"Poll\">"
        "<parm name=\"NumberOfFirstRetries\" value=\"8\" datatype=\"integer\"/>"
        "<parm name=\"IntervalForFirstSetOfRetries\" value=\"1\" datatype=\"integer\"/>"
        "<parm name=\"NumberOfSecondRetries\" value=\"5\" datatype=\"integer\"/>"
        "<parm name=\"IntervalForSecondSetOfRetries\" value=\"3\" datatype=\"integer\"/>"
        "<parm name=\"NumberOfRemainingScheduledRetries\" value=\"0\" datatype=\"integer\"/>"
        "<parm name=\"IntervalForRemainingScheduledRetries\" value=\"1560\" "
        "datatype=\"integer\"/>"
        "<parm name=\"PollOnLogin\" value=\"true\" datatype=\"boolean\"/>"
        "</characteristic></characteristic></characteristic></characteristic>"
        "</wap-provisioningdoc>",
        ca_thumb, ca, cert ? "<characteristic type=\"" : "", cert ? thumb : "",
        cert ? "\"><parm name=\"EncodedCertificate\" value=\"" : "", cert ? cert : "",
        cert ? "\"/></characteristic><characteristic type=\"PrivateKeyContainer\"/>" : "",
        addr ? "<parm name=\"ADDR\" value=\"" : "", addr ? addr : "", addr ? "\"/>" : "");
    assert_true(n > 0 && n < 65536);
    return doc;
}

char *etest_rstr(const char *doc)
{
    char *enc = b64((const unsigned char *)doc, (int)strlen(doc));
    size_t size = strlen(enc) + 2048;
    char *out = malloc(size);

    assert_non_null(out);
    snprintf(out, size,
             "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
             "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><s:Header>"
             "<a:Action s:mustUnderstand=\"1\">"
             "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep</a:Action>"
             "</s:Header><s:Body>"
             "<RequestSecurityTokenResponseCollection "
             "xmlns=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\">"
             "<RequestSecurityTokenResponse><TokenType>"
             "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/"
             "DeviceEnrollmentToken</TokenType>"
             "<DispositionMessage xmlns=\"http://schemas.microsoft.com/windows/pki/2009/01/"
             "enrollment\"/><RequestedSecurityToken><BinarySecurityToken "
             "ValueType=\"http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/"
             "DeviceEnrollmentProvisionDoc\" EncodingType=\"http://docs.oasis-open.org/wss/2004/"
             "01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary\" "
             "xmlns=\"http://docs.oasis-open.org/wss/2004/01/"
             "oasis-200401-wss-wssecurity-secext-1.0.xsd\">%s</BinarySecurityToken>"
             "</RequestedSecurityToken><RequestID xmlns=\"http://schemas.microsoft.com/windows/"
             "pki/2009/01/enrollment\">0</RequestID></RequestSecurityTokenResponse>"
             "</RequestSecurityTokenResponseCollection></s:Body></s:Envelope>",
             enc);
    free(enc);
    return out;
}

const etest_enrolled *etest_enrolled_get(void)
{
    static etest_enrolled e;
    static const omadm_enroll_policy policy = { OMADM_ENROLL_KEY_RSA, 2048,
                                                OMADM_ENROLL_HASH_SHA256, 0, 0 };
    char err[200];

    if (e.key_pem)
        return &e;
    assert_int_equal(
        omadm_enroll_make_key_csr(&policy, "dev-1234", &e.key_pem, &e.csr_b64, err, sizeof err),
        OMADM_OK);
    etest_issue(e.csr_b64, &e.cert_b64, &e.ca_b64, e.thumb);
    {
        /* the CA's thumbprint: issue again gives another CA; compute this one */
        unsigned char *der = malloc(strlen(e.ca_b64));
        const unsigned char *p = der;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0, i;
        int len;
        X509 *x;

        assert_non_null(der);
        len = EVP_DecodeBlock(der, (const unsigned char *)e.ca_b64, (int)strlen(e.ca_b64));
        x = d2i_X509(NULL, &p, len);
        assert_non_null(x);
        assert_true(X509_digest(x, EVP_sha1(), md, &md_len));
        for (i = 0; i < md_len; i++)
            snprintf(e.ca_thumb + 2 * i, 3, "%02X", md[i]);
        X509_free(x);
        free(der);
    }
    return &e;
}

char *etest_replace(const char *src, const char *from, const char *to)
{
    const char *at = strstr(src, from);
    char *out;

    assert_non_null(at);
    out = malloc(strlen(src) + strlen(to) + 1);
    assert_non_null(out);
    memcpy(out, src, (size_t)(at - src));
    strcpy(out + (at - src), to);
    strcat(out, at + strlen(from));
    return out;
}
