/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment SOAP messages: the requests we build (parsed back) and the
 * server answers we parse, from MS-MDE2 / MS-XCEP example shapes and
 * Fleet's. */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "enroll/enroll_int.h"
#include "enroll/xml.h"
#include "omadm/csp.h" /* omadm_free */

static const omadm_enroll_addr addr = { "https://mdm.example.test/EnrollmentServer/Discovery.svc",
                                        "urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478" };

static enroll_node *parse_back(const omadm_buf *b)
{
    enroll_node *root = NULL;
    char err[200];

    assert_int_equal(enroll_xml_parse(b->data, b->len, NULL, &root, err, sizeof err), OMADM_OK);
    assert_string_equal(root->name, "Envelope");
    assert_string_equal(root->ns, "http://www.w3.org/2003/05/soap-envelope");
    return root;
}

static void text_is(const enroll_node *root, const char *path, const char *want)
{
    const enroll_node *n = enroll_xml_path(root, path);

    if (!n)
        fail_msg("no %s", path);
    else if (!enroll_xml_text_is(n, want))
        fail_msg("%s is \"%s\", want \"%s\"", path, n->text, want);
}

static void test_discover_request(void **state)
{
    omadm_enroll_discover_req req = { "ann&bob<x>@example.test", "10.0.19045.2965", "48", 0 };
    omadm_buf b = OMADM_BUF_INIT;
    enroll_node *root;
    const enroll_node *pol;

    assert_int_equal(omadm__enroll_build_discover(&b, &addr, &req), OMADM_OK);
    root = parse_back(&b);
    text_is(root, "Header/Action",
            "http://schemas.microsoft.com/windows/management/2012/01/enrollment/"
            "IDiscoveryService/Discover");
    text_is(root, "Header/MessageID", addr.message_id);
    text_is(root, "Header/To", addr.to);
    text_is(root, "Header/ReplyTo/Address", "http://www.w3.org/2005/08/addressing/anonymous");
    text_is(root, "Body/Discover/request/EmailAddress", "ann&bob<x>@example.test");
    text_is(root, "Body/Discover/request/RequestVersion", "4.0");
    text_is(root, "Body/Discover/request/DeviceType", "CIMClient_Windows");
    text_is(root, "Body/Discover/request/ApplicationVersion", "10.0.19045.2965");
    text_is(root, "Body/Discover/request/OSEdition", "48");
    pol = enroll_xml_path(root, "Body/Discover/request/AuthPolicies/AuthPolicy");
    assert_true(enroll_xml_text_is(pol, "OnPremise"));
    assert_true(enroll_xml_text_is(enroll_xml_next_same(pol), "Federated"));
    assert_string_equal(enroll_xml_path(root, "Body/Discover")->ns,
                        "http://schemas.microsoft.com/windows/management/2012/01/enrollment");
    enroll_xml_free(root);
    omadm__buf_free(&b);

    /* only Federated */
    req.auth_policies = OMADM_ENROLL_POLICY_FEDERATED;
    assert_int_equal(omadm__enroll_build_discover(&b, &addr, &req), OMADM_OK);
    root = parse_back(&b);
    pol = enroll_xml_path(root, "Body/Discover/request/AuthPolicies/AuthPolicy");
    assert_true(enroll_xml_text_is(pol, "Federated"));
    assert_null(enroll_xml_next_same(pol));
    enroll_xml_free(root);
    omadm__buf_free(&b);

    /* a value XML cannot carry is refused, not written */
    req.email = "a\x01b";
    assert_int_equal(omadm__enroll_build_discover(&b, &addr, &req), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
}

/* The public builders (omadm/enroll.h) hand out what the internal ones
 * write, and refuse the same things without handing anything out. */
static void test_public_builders(void **state)
{
    omadm_enroll_discover_req req = { "", "10.0.19045.2965", "4", 0 };
    omadm_enroll_creds onprem = { OMADM_ENROLL_AUTH_ONPREMISE, "u", "p" };
    static const omadm_enroll_context_item items[] = { { "DeviceID", "dev-1" } };
    omadm_buf b = OMADM_BUF_INIT;
    char *out = (char *)"sentinel";
    size_t len = 1;

    (void)state;
    assert_int_equal(omadm__enroll_build_discover(&b, &addr, &req), OMADM_OK);
    assert_int_equal(omadm_enroll_build_discover(&addr, &req, &out, &len), OMADM_OK);
    assert_int_equal(len, b.len);
    assert_memory_equal(out, b.data, len);
    assert_int_equal(out[len], '\0');
    omadm_free(out);
    omadm__buf_free(&b);

    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &onprem), OMADM_OK);
    assert_int_equal(omadm_enroll_build_get_policies(&addr, &onprem, &out, &len), OMADM_OK);
    assert_int_equal(len, b.len);
    assert_memory_equal(out, b.data, len);
    omadm_free(out);
    omadm__buf_free(&b);

    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, "Q1NS", items, 1), OMADM_OK);
    assert_int_equal(omadm_enroll_build_rst(&addr, &onprem, 0, "Q1NS", items, 1, &out, &len),
                     OMADM_OK);
    assert_int_equal(len, b.len);
    assert_memory_equal(out, b.data, len);
    omadm_free(out);
    omadm__buf_free(&b);

    /* refused: nothing handed out */
    req.email = "a\x01b";
    out = (char *)"sentinel";
    assert_int_equal(omadm_enroll_build_discover(&addr, &req, &out, &len), OMADM_ERR_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);
    onprem.secret = NULL;
    assert_int_equal(omadm_enroll_build_get_policies(&addr, &onprem, &out, &len),
                     OMADM_ERR_INVALID);
    assert_null(out);
    assert_int_equal(omadm_enroll_build_rst(&addr, &onprem, 0, "Q1NS", items, 1, NULL, &len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_enroll_build_discover(&addr, &req, &out, NULL), OMADM_ERR_INVALID);
}

static void test_policies_request(void **state)
{
    omadm_enroll_creds onprem = { OMADM_ENROLL_AUTH_ONPREMISE, "user@example.test", "p<w>d" };
    omadm_enroll_creds fed = { OMADM_ENROLL_AUTH_FEDERATED, NULL, "tok-123" };
    omadm_buf b = OMADM_BUF_INIT;
    enroll_node *root;
    const enroll_node *ut, *pw, *bst;

    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &onprem), OMADM_OK);
    root = parse_back(&b);
    text_is(root, "Header/Action",
            "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/"
            "GetPolicies");
    ut = enroll_xml_path(root, "Header/Security/UsernameToken");
    assert_non_null(ut);
    assert_string_equal(enroll_xml_attr(ut, "Id"), "uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4");
    text_is(ut, "Username", "user@example.test");
    pw = enroll_xml_child(ut, "Password");
    assert_true(enroll_xml_text_is(pw, "p<w>d"));
    assert_string_equal(enroll_xml_attr(pw, "Type"),
                        "http://docs.oasis-open.org/wss/2004/01/"
                        "oasis-200401-wss-username-token-profile-1.0#PasswordText");
    assert_non_null(enroll_xml_path(root, "Body/GetPolicies/client/lastUpdate"));
    assert_string_equal(
        enroll_xml_attr(enroll_xml_path(root, "Body/GetPolicies/requestFilter"), "nil"), "true");
    enroll_xml_free(root);
    omadm__buf_free(&b);

    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &fed), OMADM_OK);
    root = parse_back(&b);
    assert_null(enroll_xml_path(root, "Header/Security/UsernameToken"));
    bst = enroll_xml_path(root, "Header/Security/BinarySecurityToken");
    assert_true(enroll_xml_text_is(bst, "dG9rLTEyMw==")); /* base64("tok-123") */
    assert_string_equal(enroll_xml_attr(bst, "ValueType"),
                        "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/"
                        "DeviceEnrollmentUserToken");
    assert_non_null(strstr(enroll_xml_attr(bst, "EncodingType"), "#base64binary"));
    enroll_xml_free(root);
    omadm__buf_free(&b);

    onprem.secret = NULL;
    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &onprem), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
}

static void test_rst_request(void **state)
{
    omadm_enroll_creds onprem = { OMADM_ENROLL_AUTH_ONPREMISE, "u", "p" };
    omadm_enroll_creds cert = { OMADM_ENROLL_AUTH_CERTIFICATE, NULL, NULL };
    static const omadm_enroll_context_item items[] = {
        { "DeviceID", "dev-1234" },   { "HWDevID", "hw-1" },
        { "EnrollmentType", "Full" }, { "DeviceType", "CIMClient_Windows" },
        { "NotInOobe", "true" },
    };
    omadm_buf b = OMADM_BUF_INIT;
    enroll_node *root;
    const enroll_node *item, *bst;
    size_t i;

    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, "TUlJQw==", items, 5),
                     OMADM_OK);
    root = parse_back(&b);
    text_is(root, "Header/Action",
            "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep");
    text_is(root, "Body/RequestSecurityToken/RequestType",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue");
    text_is(root, "Body/RequestSecurityToken/TokenType",
            "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/"
            "DeviceEnrollmentToken");
    bst = enroll_xml_path(root, "Body/RequestSecurityToken/BinarySecurityToken");
    assert_true(enroll_xml_text_is(bst, "TUlJQw=="));
    assert_string_equal(enroll_xml_attr(bst, "ValueType"),
                        "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10");
    item = enroll_xml_path(root, "Body/RequestSecurityToken/AdditionalContext/ContextItem");
    for (i = 0; i < 5; i++, item = enroll_xml_next_same(item)) {
        assert_non_null(item);
        assert_string_equal(enroll_xml_attr(item, "Name"), items[i].name);
        assert_true(enroll_xml_text_is(enroll_xml_child(item, "Value"), items[i].value));
    }
    assert_null(item);
    enroll_xml_free(root);
    omadm__buf_free(&b);

    /* renewal: RequestType Renew, no wsse:Security (the TLS certificate) */
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &cert, 1, "TUlJQw==", items, 1), OMADM_OK);
    root = parse_back(&b);
    text_is(root, "Body/RequestSecurityToken/RequestType",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew");
    assert_null(enroll_xml_path(root, "Header/Security"));
    assert_string_equal(
        enroll_xml_attr(enroll_xml_path(root, "Body/RequestSecurityToken/BinarySecurityToken"),
                        "ValueType"),
        "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS7");
    enroll_xml_free(root);
    omadm__buf_free(&b);
    /* a first enrollment without credentials is refused */
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &cert, 0, "TUlJQw==", items, 1),
                     OMADM_ERR_INVALID);
    omadm__buf_free(&b);
}

static void test_discover_response(void **state)
{
    size_t len;
    char *data = etest_fixture("discover-response.xml", &len);
    omadm_enroll_discovery d;
    char err[300];

    assert_int_equal(omadm_enroll_parse_discover(data, len, &d, err, sizeof err), OMADM_OK);
    assert_string_equal(d.auth_policy, "OnPremise");
    assert_string_equal(d.version, "4.0");
    assert_string_equal(d.policy_url, "https://mdm.example.test/EnrollmentServer/Policy.svc");
    assert_string_equal(d.enroll_url, "https://mdm.example.test/EnrollmentServer/Enrollment.svc");
    assert_null(d.auth_url);
    omadm_enroll_discovery_clear(&d);
    free(data);
}

static void test_discover_bad(void **state)
{
    char *data = etest_fixture("discover-response.xml", NULL);
    char *http = etest_replace(data, "https://mdm.example.test/EnrollmentServer/Enrollment.svc",
                               "http://mdm.example.test/EnrollmentServer/Enrollment.svc");
    char *none = etest_replace(data, "<EnrollmentServiceUrl>", "<Other>");
    char *none2 = etest_replace(none, "</EnrollmentServiceUrl>", "</Other>");
    char *soap11 = etest_replace(data, "http://www.w3.org/2003/05/soap-envelope",
                                 "http://schemas.xmlsoap.org/soap/envelope/");
    omadm_enroll_discovery d;
    char err[300];

    assert_int_equal(omadm_enroll_parse_discover(http, strlen(http), &d, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_non_null(strstr(err, "https EnrollmentServiceUrl"));
    assert_null(d.auth_policy);
    assert_int_equal(omadm_enroll_parse_discover(none2, strlen(none2), &d, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_int_equal(omadm_enroll_parse_discover(soap11, strlen(soap11), &d, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_non_null(strstr(err, "SOAP 1.2"));
    assert_int_equal(omadm_enroll_parse_discover("<html>", 6, &d, err, sizeof err),
                     OMADM_ERR_PARSE);
    free(data);
    free(http);
    free(none);
    free(none2);
    free(soap11);
}

static void test_faults(void **state)
{
    size_t len;
    char *auth = etest_fixture("fault-authentication.xml", &len);
    char *csr = etest_fixture("fault-certificaterequest.xml", NULL);
    omadm_enroll_policy p;
    omadm_enroll_discovery d;
    char *doc = NULL;
    size_t doc_len = 0;
    char err[300];

    assert_int_equal(omadm_enroll_parse_policies(auth, len, &p, err, sizeof err), OMADM_ERR_AUTH);
    /* the server's text, with its escape byte made harmless */
    assert_string_equal(err, "server fault s:authentication: invalid user name   or password");
    assert_int_equal(omadm_enroll_parse_discover(auth, len, &d, err, sizeof err), OMADM_ERR_AUTH);
    assert_int_equal(omadm_enroll_parse_rstr(csr, strlen(csr), &doc, &doc_len, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_string_equal(err, "server fault s:certificaterequest: CSR refused: key too short");
    assert_null(doc);
    free(auth);
    free(csr);
}

static void test_policies_response(void **state)
{
    size_t len;
    char *ms = etest_fixture("policies-response.xml", &len);
    char *fleet = etest_fixture("policies-fleet-style.xml", NULL);
    char *ec = etest_replace(ms, "1.2.840.113549.1.1.1", "1.2.840.10045.2.1");
    char *ec2 = etest_replace(ec, "<minimalKeyLength>3072", "<minimalKeyLength>256");
    char *unknown = etest_replace(ms, "2.16.840.1.101.3.4.2.3", "1.2.3.4");
    char *dangling =
        etest_replace(ms, "<hashAlgorithmOIDReference>2", "<hashAlgorithmOIDReference>9");
    char *huge = etest_replace(ms, "<minimalKeyLength>3072", "<minimalKeyLength>16384");
    omadm_enroll_policy p;
    char err[300];

    assert_int_equal(omadm_enroll_parse_policies(ms, len, &p, err, sizeof err), OMADM_OK);
    assert_int_equal(p.key_alg, OMADM_ENROLL_KEY_RSA);
    assert_int_equal(p.min_key_bits, 3072);
    assert_int_equal(p.hash, OMADM_ENROLL_HASH_SHA512);
    assert_int_equal(p.validity_s, 31536000);
    assert_int_equal(p.renewal_s, 15552000);
    assert_int_equal(omadm_enroll_parse_policies(fleet, strlen(fleet), &p, err, sizeof err),
                     OMADM_OK);
    assert_int_equal(p.key_alg, OMADM_ENROLL_KEY_RSA);
    assert_int_equal(p.min_key_bits, 2048);
    assert_int_equal(p.hash, OMADM_ENROLL_HASH_SHA256);
    assert_int_equal(omadm_enroll_parse_policies(ec2, strlen(ec2), &p, err, sizeof err), OMADM_OK);
    assert_int_equal(p.key_alg, OMADM_ENROLL_KEY_EC);
    assert_int_equal(omadm_enroll_parse_policies(unknown, strlen(unknown), &p, err, sizeof err),
                     OMADM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "unsupported hash algorithm 1.2.3.4"));
    assert_int_equal(omadm_enroll_parse_policies(dangling, strlen(dangling), &p, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_int_equal(omadm_enroll_parse_policies(huge, strlen(huge), &p, err, sizeof err),
                     OMADM_ERR_UNSUPPORTED);
    free(ms);
    free(fleet);
    free(ec);
    free(ec2);
    free(unknown);
    free(dangling);
    free(huge);
}

static void test_key_honours_policy(void **state)
{
    omadm_enroll_policy p = { OMADM_ENROLL_KEY_RSA, 3072, OMADM_ENROLL_HASH_SHA384, 0, 0 };
    char *key = NULL, *csr = NULL, *cert = NULL, thumb[41];
    omadm_enroll_cert_info info;
    char pem[4096], err[200];
    omadm_buf b = OMADM_BUF_INIT;

    assert_int_equal(omadm_enroll_make_key_csr(&p, "dev-9", &key, &csr, err, sizeof err), OMADM_OK);
    assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----"));
    etest_issue(csr, &cert, NULL, thumb);
    assert_int_equal(omadm__enroll_cert_b64_to_pem(cert, &b, NULL), OMADM_OK);
    snprintf(pem, sizeof pem, "%s", b.data);
    assert_int_equal(omadm_enroll_check_cert_key(pem, key, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm_enroll_get_cert_info(pem, &info), OMADM_OK);
    assert_string_equal(info.subject, "CN=dev-9");
    assert_string_equal(info.issuer, "CN=Test MDM CA");
    assert_true(info.not_after > info.not_before + 86400L * 364);
    {
        /* 3072 bits: the CSR's DER is longer than a 2048-bit one's */
        assert_true(strlen(csr) > 1100);
    }
    omadm_enroll_secret_free(key);
    free(cert);
    omadm__free(csr);
    omadm__buf_free(&b);

    p.key_alg = OMADM_ENROLL_KEY_EC;
    p.min_key_bits = 0;
    assert_int_equal(omadm_enroll_make_key_csr(&p, "dev-9", &key, &csr, err, sizeof err), OMADM_OK);
    assert_true(strlen(csr) < 600);
    omadm_enroll_secret_free(key);
    omadm__free(csr);
    p.key_alg = OMADM_ENROLL_KEY_RSA;
    p.min_key_bits = 9000;
    assert_int_equal(omadm_enroll_make_key_csr(&p, "dev-9", &key, &csr, err, sizeof err),
                     OMADM_ERR_UNSUPPORTED);
    assert_null(key);
    assert_null(csr);
}

static void test_base64(void **state)
{
    unsigned char *out;
    size_t n;

    assert_int_equal(omadm__enroll_base64_decode(" aGVs\nbG8= ", 100, &out, &n), OMADM_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "hello", 5);
    omadm__free(out);
    assert_int_equal(omadm__enroll_base64_decode("aGVsbG8=", 4, &out, &n), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__enroll_base64_decode("aGV*bG8=", 100, &out, &n), OMADM_ERR_PARSE);
    assert_int_equal(omadm__enroll_base64_decode("aG=Vs", 100, &out, &n), OMADM_ERR_PARSE);
    assert_int_equal(omadm__enroll_base64_decode("aGVsb", 100, &out, &n), OMADM_ERR_PARSE);
    assert_null(out);
}

int test_messages_run(void);
int test_messages_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_request),
        cmocka_unit_test(test_public_builders),
        cmocka_unit_test(test_policies_request),
        cmocka_unit_test(test_rst_request),
        cmocka_unit_test(test_discover_response),
        cmocka_unit_test(test_discover_bad),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_policies_response),
        cmocka_unit_test(test_key_honours_policy),
        cmocka_unit_test(test_base64),
    };

    return cmocka_run_group_tests_name("enroll-messages", tests, NULL, NULL);
}
