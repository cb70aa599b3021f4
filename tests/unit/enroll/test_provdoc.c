/* SPDX-License-Identifier: Apache-2.0 */
/* The provisioning document: a good one, hostile ones, the certificate/key
 * check, and allocation-failure sweeps over every parser. */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "core/alloc.h"
#include "enroll/enroll_int.h"

#define ADDR "https://mdm.example.test/ManagementServer/MDM.svc"

static char *good_doc(void)
{
    const etest_enrolled *e = etest_enrolled_get();

    return etest_provdoc(ADDR, e->cert_b64, e->thumb, e->ca_b64, e->ca_thumb);
}

static void test_good(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    char *doc = good_doc(), *rstr = etest_rstr(doc), *decoded = NULL;
    size_t decoded_len = 0;
    omadm_enroll_prov p;
    char err[300];

    assert_int_equal(
        omadm_enroll_parse_rstr(rstr, strlen(rstr), &decoded, &decoded_len, err, sizeof err),
        OMADM_OK);
    assert_int_equal(decoded_len, strlen(doc));
    assert_string_equal(decoded, doc);
    assert_int_equal(omadm_enroll_parse_provdoc(decoded, decoded_len, &p, err, sizeof err),
                     OMADM_OK);
    assert_string_equal(p.addr, ADDR);
    assert_string_equal(p.provider_id, "TestMDM");
    assert_string_equal(p.name, "Test MDM");
    assert_string_equal(p.client_thumbprint, e->thumb);
    assert_non_null(strstr(p.client_cert_pem, "-----BEGIN CERTIFICATE-----"));
    assert_non_null(strstr(p.root_pem, "-----BEGIN CERTIFICATE-----"));
    assert_string_equal(p.device_auth_name, "dev-name");
    assert_string_equal(p.device_auth_secret, "dev-s3cret");
    assert_string_equal(p.device_auth_data, "bm9uY2U=");
    assert_string_equal(p.server_auth_name, "srv-name");
    assert_string_equal(p.server_auth_secret, "srv-s3cret");
    assert_string_equal(p.ent_dmid, "ent-42");
    assert_int_equal(p.poll.first_retries, 8);
    assert_int_equal(p.poll.first_interval_min, 1);
    assert_int_equal(p.poll.second_interval_min, 3);
    assert_int_equal(p.poll.remaining_interval_min, 1560);
    assert_int_equal(p.poll.poll_on_login, 1);
    assert_int_equal(p.renew_period_days, 42);
    assert_int_equal(p.renew_retry_days, 4);
    assert_int_equal(omadm_enroll_check_cert_key(p.client_cert_pem, e->key_pem, err, sizeof err),
                     OMADM_OK);
    omadm_enroll_prov_clear(&p);
    omadm__free(decoded);
    free(rstr);
    free(doc);
}

static void expect_bad(const char *doc, omadm_status want, const char *msg_part)
{
    omadm_enroll_prov p;
    char err[300];
    omadm_status st = omadm_enroll_parse_provdoc(doc, strlen(doc), &p, err, sizeof err);

    if (st != want)
        fail_msg("got %s (%s), want %s", omadm_status_name(st), err, omadm_status_name(want));
    if (!strstr(err, msg_part))
        fail_msg("error \"%s\" lacks \"%s\"", err, msg_part);
    assert_null(p.addr);
    assert_null(p.client_cert_pem);
}

static void test_missing_parts(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    char *no_addr = etest_provdoc(NULL, e->cert_b64, e->thumb, e->ca_b64, e->ca_thumb);
    char *http =
        etest_provdoc("http://mdm.example.test/x", e->cert_b64, e->thumb, e->ca_b64, e->ca_thumb);
    char *no_cert = etest_provdoc(ADDR, NULL, NULL, e->ca_b64, e->ca_thumb);
    char *bad_thumb = etest_provdoc(ADDR, e->cert_b64, "0000000000000000000000000000000000000000",
                                    e->ca_b64, e->ca_thumb);
    char *bad_cert = etest_provdoc(ADDR, "TUlJQ2R1bW15", e->thumb, e->ca_b64, e->ca_thumb);

    expect_bad(no_addr, OMADM_ERR_PROTOCOL, "no https management URL");
    expect_bad(http, OMADM_ERR_PROTOCOL, "no https management URL");
    expect_bad(no_cert, OMADM_ERR_PROTOCOL, "no client certificate");
    expect_bad(bad_thumb, OMADM_ERR_PROTOCOL, "thumbprint");
    expect_bad(bad_cert, OMADM_ERR_PROTOCOL, "does not parse");
    expect_bad("<other/>", OMADM_ERR_PROTOCOL, "not wap-provisioningdoc");
    expect_bad("<wap-provisioningdoc><characteristic type=\"APPLICATION\">"
               "<parm name=\"APPID\" value=\"w4\"/></characteristic></wap-provisioningdoc>",
               OMADM_ERR_PROTOCOL, "no w7 APPLICATION");
    free(no_addr);
    free(http);
    free(no_cert);
    free(bad_thumb);
    free(bad_cert);
}

static void test_hostile(void **state)
{
    char *deep, *wide, *big;
    size_t i, n;

    expect_bad("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
               "<wap-provisioningdoc><parm name=\"&x;\"/></wap-provisioningdoc>",
               OMADM_ERR_PARSE, "entity declaration");
    expect_bad("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\"><!ENTITY b "
               "\"&a;&a;&a;&a;\">]><wap-provisioningdoc>&b;</wap-provisioningdoc>",
               OMADM_ERR_PARSE, "not allowed");
    expect_bad("<?xml version=\"1.0\"?><!DOCTYPE d SYSTEM \"http://evil.test/x.dtd\">"
               "<wap-provisioningdoc/>",
               OMADM_ERR_PARSE, "external DTD");
    expect_bad("<wap-provisioningdoc>&unknown;</wap-provisioningdoc>", OMADM_ERR_PARSE,
               "not allowed");
    expect_bad("<wap-provisioningdoc><characteristic>", OMADM_ERR_PARSE, "malformed");
    expect_bad("", OMADM_ERR_PARSE, "empty");

    /* depth */
    n = 40;
    deep = malloc(n * 40 + 64);
    assert_non_null(deep);
    strcpy(deep, "<wap-provisioningdoc>");
    for (i = 0; i < n; i++)
        strcat(deep, "<characteristic>");
    for (i = 0; i < n; i++)
        strcat(deep, "</characteristic>");
    strcat(deep, "</wap-provisioningdoc>");
    expect_bad(deep, OMADM_ERR_LIMIT, "deeper than 32");
    free(deep);
    /* element count */
    n = 5000;
    wide = malloc(n * 8 + 64);
    assert_non_null(wide);
    strcpy(wide, "<wap-provisioningdoc>");
    for (i = 0; i < n; i++)
        strcat(wide + 21 + i * 4, "<p/>");
    strcat(wide, "</wap-provisioningdoc>");
    expect_bad(wide, OMADM_ERR_LIMIT, "more than 4096 elements");
    free(wide);
    /* size */
    n = OMADM_ENROLL_MAX_MESSAGE + 10;
    big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "<wap-provisioningdoc>", 21);
    memcpy(big + n - 22, "</wap-provisioningdoc>", 22);
    big[n] = '\0';
    expect_bad(big, OMADM_ERR_LIMIT, "exceeds the 262144-byte limit");
    free(big);
}

static void test_rstr_bad(void **state)
{
    char *doc = NULL, err[300];
    size_t len = 0;
    char *bad = etest_rstr("x");
    char *at = strstr(bad, ">eA==<");

    assert_non_null(at);
    memcpy(at + 1, "e!==", 4);
    assert_int_equal(omadm_enroll_parse_rstr(bad, strlen(bad), &doc, &len, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_non_null(strstr(err, "not valid base64"));
    assert_null(doc);
    free(bad);
    bad = strdup("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>"
                 "<RequestSecurityTokenResponseCollection/></s:Body></s:Envelope>");
    assert_int_equal(omadm_enroll_parse_rstr(bad, strlen(bad), &doc, &len, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_non_null(strstr(err, "no RequestedSecurityToken"));
    free(bad);
}

static void test_cert_key_mismatch(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    omadm_enroll_policy pol = { OMADM_ENROLL_KEY_EC, 0, OMADM_ENROLL_HASH_SHA256, 0, 0 };
    char *other_key = NULL, *csr = NULL, err[300];
    omadm_buf pem = OMADM_BUF_INIT;

    assert_int_equal(omadm_enroll_make_key_csr(&pol, "x", &other_key, &csr, err, sizeof err),
                     OMADM_OK);
    assert_int_equal(omadm__enroll_cert_b64_to_pem(e->cert_b64, &pem, NULL), OMADM_OK);
    assert_int_equal(omadm_enroll_check_cert_key(pem.data, other_key, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_string_equal(err, "issued certificate does not match the device key");
    assert_int_equal(omadm_enroll_check_cert_key(pem.data, e->key_pem, err, sizeof err), OMADM_OK);
    omadm_enroll_secret_free(other_key);
    omadm__free(csr);
    omadm__buf_free(&pem);
}

/* Renewal: the new PKCS#10 inside a PKCS#7 SignedData signed by the
 * current certificate; the signature verifies against it. */
static void test_renewal_request(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    omadm_enroll_policy pol = { OMADM_ENROLL_KEY_RSA, 2048, OMADM_ENROLL_HASH_SHA256, 0, 0 };
    char *key = NULL, *csr = NULL, *p7 = NULL, err[300];
    unsigned char *der = NULL, *csr_der = NULL;
    size_t der_len = 0, csr_len = 0;
    const unsigned char *pp;
    omadm_buf pem = OMADM_BUF_INIT;
    PKCS7 *sig;
    BIO *certbio, *out;
    X509 *signer;
    STACK_OF(X509) * certs;
    char *got = NULL;
    long got_len;

    assert_int_equal(omadm_enroll_make_key_csr(&pol, "dev-1234", &key, &csr, err, sizeof err),
                     OMADM_OK);
    assert_int_equal(omadm__enroll_cert_b64_to_pem(e->cert_b64, &pem, NULL), OMADM_OK);
    assert_int_equal(omadm_enroll_sign_renewal(csr, pem.data, e->key_pem, &p7, err, sizeof err),
                     OMADM_OK);
    assert_int_equal(omadm__enroll_base64_decode(p7, 65536, &der, &der_len), OMADM_OK);
    assert_int_equal(omadm__enroll_base64_decode(csr, 65536, &csr_der, &csr_len), OMADM_OK);
    pp = der;
    sig = d2i_PKCS7(NULL, &pp, (long)der_len);
    assert_non_null(sig);
    certbio = BIO_new_mem_buf(pem.data, -1);
    signer = PEM_read_bio_X509(certbio, NULL, NULL, NULL);
    assert_non_null(signer);
    certs = sk_X509_new_null();
    assert_true(sk_X509_push(certs, signer) > 0);
    out = BIO_new(BIO_s_mem());
    assert_int_equal(PKCS7_verify(sig, certs, NULL, NULL, out, PKCS7_NOVERIFY | PKCS7_BINARY), 1);
    got_len = BIO_get_mem_data(out, &got);
    assert_int_equal((size_t)got_len, csr_len);
    assert_memory_equal(got, csr_der, csr_len);
    /* the wrong key cannot sign for this certificate */
    omadm__free(p7);
    p7 = NULL;
    assert_int_not_equal(omadm_enroll_sign_renewal(csr, pem.data, key, &p7, err, sizeof err),
                         OMADM_OK);
    assert_null(p7);
    BIO_free(out);
    sk_X509_pop_free(certs, X509_free);
    BIO_free(certbio);
    PKCS7_free(sig);
    omadm__free(der);
    omadm__free(csr_der);
    omadm_enroll_secret_free(key);
    omadm__free(csr);
    omadm__buf_free(&pem);
}

/* ---- allocation failures ------------------------------------------------ */

typedef omadm_status (*op_fn)(const void *ctx);

static void sweep(const char *what, op_fn op, const void *ctx)
{
    long n;
    int sticky;

    for (sticky = 0; sticky <= 1; sticky++) {
        for (n = 1;; n++) {
            omadm_status st;
            int failed;

            omadm__alloc_fail_at(n, sticky);
            st = op(ctx);
            failed = omadm__alloc_failed();
            omadm__alloc_fail_at(0, 0);
            if (!failed) {
                if (st != OMADM_OK)
                    fail_msg("%s: clean run returned %s", what, omadm_status_name(st));
                break;
            }
            if (st != OMADM_ERR_NOMEM)
                fail_msg("%s: allocation %ld failed (sticky %d) but got %s", what, n, sticky,
                         omadm_status_name(st));
        }
        assert_true(n > 3);
    }
}

static omadm_status op_provdoc(const void *ctx)
{
    omadm_enroll_prov p;
    omadm_status st = omadm_enroll_parse_provdoc(ctx, strlen(ctx), &p, NULL, 0);

    omadm_enroll_prov_clear(&p);
    return st;
}

static omadm_status op_rstr(const void *ctx)
{
    char *doc = NULL;
    size_t len;
    omadm_status st = omadm_enroll_parse_rstr(ctx, strlen(ctx), &doc, &len, NULL, 0);

    omadm__free(doc);
    return st;
}

static omadm_status op_discover(const void *ctx)
{
    omadm_enroll_discovery d;
    omadm_status st = omadm_enroll_parse_discover(ctx, strlen(ctx), &d, NULL, 0);

    omadm_enroll_discovery_clear(&d);
    return st;
}

static omadm_status op_policies(const void *ctx)
{
    omadm_enroll_policy p;

    return omadm_enroll_parse_policies(ctx, strlen(ctx), &p, NULL, 0);
}

static omadm_status op_build(const void *ctx)
{
    static const omadm_enroll_addr a = { "https://x.test/e", "urn:uuid:1" };
    static const omadm_enroll_creds c = { OMADM_ENROLL_AUTH_FEDERATED, NULL, "tok&<>" };
    static const omadm_enroll_context_item items[] = { { "DeviceID", "d&1" },
                                                       { "Locale", "en-US" } };
    static const omadm_enroll_discover_req req = { "a@b", "10.0.1.2", "48", 0 };
    omadm_buf b = OMADM_BUF_INIT;
    omadm_status st = omadm__enroll_build_discover(&b, &a, &req);

    if (st == OMADM_OK)
        st = omadm__enroll_build_get_policies(&b, &a, &c);
    if (st == OMADM_OK)
        st = omadm__enroll_build_rst(&b, &a, &c, 0, "QUJD", items, 2);
    omadm__buf_free(&b);
    return st;
}

static void test_alloc_sweeps(void **state)
{
    char *doc = good_doc(), *rstr = etest_rstr(doc);
    char *disc = etest_fixture("discover-response.xml", NULL);
    char *pol = etest_fixture("policies-response.xml", NULL);

    sweep("provdoc", op_provdoc, doc);
    sweep("rstr", op_rstr, rstr);
    sweep("discover", op_discover, disc);
    sweep("policies", op_policies, pol);
    sweep("build", op_build, NULL);
    free(doc);
    free(rstr);
    free(disc);
    free(pol);
}

/* Variants a server may send: a lower-case thumbprint, ADDR under APPADDR,
 * a second APPAUTH of one level (the first counts), an unknown level; and
 * the parts whose absence or excess is refused with its own reason. */
static void test_more_parts(void **state)
{
    const etest_enrolled *e = etest_enrolled_get();
    char lower[41], *doc, *doc2, *root_chr, *roots, *many;
    omadm_enroll_prov p;
    char err[300];
    size_t i, n;

    (void)state;
    for (i = 0; i < 40; i++)
        lower[i] = (char)(e->thumb[i] >= 'A' && e->thumb[i] <= 'F' ? e->thumb[i] - 'A' + 'a'
                                                                   : e->thumb[i]);
    lower[40] = '\0';
    doc = etest_provdoc(ADDR, e->cert_b64, lower, e->ca_b64, e->ca_thumb);
    assert_int_equal(omadm_enroll_parse_provdoc(doc, strlen(doc), &p, err, sizeof err), OMADM_OK);
    assert_string_equal(p.client_thumbprint, e->thumb);
    omadm_enroll_prov_clear(&p);
    free(doc);

    doc = good_doc();
    doc2 = etest_replace(doc, "<parm name=\"ADDR\" value=\"" ADDR "\"/>",
                         "<characteristic type=\"APPADDR\"><characteristic type=\"1\">"
                         "<parm name=\"ADDR\" value=\"" ADDR "\"/></characteristic>"
                         "</characteristic><characteristic type=\"APPAUTH\">"
                         "<parm name=\"AAUTHLEVEL\" value=\"APPSRV\"/>"
                         "<parm name=\"AAUTHNAME\" value=\"second\"/></characteristic>"
                         "<characteristic type=\"APPAUTH\"><parm name=\"AAUTHLEVEL\" "
                         "value=\"OTHER\"/><parm name=\"AAUTHNAME\" value=\"x\"/>"
                         "</characteristic>");
    assert_int_equal(omadm_enroll_parse_provdoc(doc2, strlen(doc2), &p, err, sizeof err), OMADM_OK);
    assert_string_equal(p.addr, ADDR);
    /* the inserted APPSRV comes first: it counts, whole (no secret of the
     * later one mixed in) */
    assert_string_equal(p.device_auth_name, "second");
    assert_null(p.device_auth_secret);
    assert_string_equal(p.server_auth_name, "srv-name");
    omadm_enroll_prov_clear(&p);
    free(doc2);

    doc2 = etest_replace(doc, "<parm name=\"PROVIDER-ID\" value=\"TestMDM\"/>", "");
    expect_bad(doc2, OMADM_ERR_PROTOCOL, "no PROVIDER-ID (1-128 bytes)");
    free(doc2);
    {
        char id[200];

        memset(id, 'p', sizeof id);
        memcpy(id, "<parm name=\"PROVIDER-ID\" value=\"", 32);
        memcpy(id + 32 + 129, "\"/>", 4);
        doc2 = etest_replace(doc, "<parm name=\"PROVIDER-ID\" value=\"TestMDM\"/>", id);
        expect_bad(doc2, OMADM_ERR_PROTOCOL, "no PROVIDER-ID (1-128 bytes)");
        free(doc2);
    }
    doc2 = etest_replace(doc, "type=\"CertificateStore\"", "type=\"Other\"");
    expect_bad(doc2, OMADM_ERR_PROTOCOL, "no CertificateStore");
    free(doc2);

    /* 17 root certificates */
    n = strlen(e->ca_b64) + 200;
    root_chr = malloc(n);
    roots = malloc(17 * n);
    assert_non_null(root_chr);
    assert_non_null(roots);
    snprintf(root_chr, n,
             "<characteristic type=\"%s\"><parm name=\"EncodedCertificate\" value=\"%s\"/>"
             "</characteristic>",
             e->ca_thumb, e->ca_b64);
    roots[0] = '\0';
    for (i = 0; i < 17; i++)
        strcat(roots, root_chr);
    many = etest_replace(doc, root_chr, roots);
    expect_bad(many, OMADM_ERR_LIMIT, "more than 16 certificates");
    free(many);
    free(roots);
    free(root_chr);
    free(doc);
}

int test_provdoc_run(void);
int test_provdoc_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_missing_parts),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_rstr_bad),
        cmocka_unit_test(test_cert_key_mismatch),
        cmocka_unit_test(test_renewal_request),
        cmocka_unit_test(test_alloc_sweeps),
        cmocka_unit_test(test_more_parts),
    };

    return cmocka_run_group_tests_name("enroll-provdoc", tests, NULL, NULL);
}
