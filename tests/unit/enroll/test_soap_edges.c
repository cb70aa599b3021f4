/* SPDX-License-Identifier: Apache-2.0 */
/* The SOAP request builders refuse what XML cannot carry or the request
 * lacks: every markup character escaped, control characters refused, missing
 * addresses, credentials and context items, an unknown authentication type,
 * and a federated token over 1 MiB; policy answers asking for keys too large
 * (all with the exact status). */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "enroll/enroll_int.h"

static const omadm_enroll_addr addr = { "https://mdm.example.test/EnrollmentServer/x.svc",
                                        "urn:uuid:0b8f5c1e-1111-2222-3333-444455556666" };

static void test_escape(void **state)
{
    omadm_buf b = OMADM_BUF_INIT;
    char ctl[] = "a\x01z";

    (void)state;
    assert_int_equal(omadm__enroll_escape(&b, "<a href=\"x\">&'y'</a>\t\r\n"), OMADM_OK);
    assert_int_equal(b.len,
                     strlen("&lt;a href=&quot;x&quot;&gt;&amp;&apos;y&apos;&lt;/a&gt;\t\r\n"));
    assert_memory_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;y&apos;&lt;/a&gt;\t\r\n",
                        b.len);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_escape(&b, ctl), OMADM_ERR_INVALID);
    ctl[1] = 0x1f;
    assert_int_equal(omadm__enroll_escape(&b, ctl), OMADM_ERR_INVALID);
    assert_int_equal(omadm__enroll_escape(&b, NULL), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_escape(&b, "caf\xc3\xa9 \x7f"), OMADM_OK); /* UTF-8, DEL: kept */
    assert_int_equal(b.len, 7);
    omadm__buf_free(&b);
}

static void test_missing_parts(void **state)
{
    omadm_enroll_creds onprem = { OMADM_ENROLL_AUTH_ONPREMISE, "u", "p" };
    omadm_enroll_creds fed = { OMADM_ENROLL_AUTH_FEDERATED, NULL, NULL };
    omadm_enroll_creds odd = { (omadm_enroll_auth)99, "u", "p" };
    omadm_enroll_addr no_to = { NULL, addr.message_id }, no_id = { addr.to, NULL };
    omadm_enroll_discover_req req = { "user@example.test", "10.0.19045.2006", "48", 0 };
    static const omadm_enroll_context_item bad_items[] = { { "DeviceID", "d" }, { NULL, "x" } };
    omadm_buf b = OMADM_BUF_INIT;

    (void)state;
    assert_int_equal(omadm__enroll_build_discover(&b, NULL, &req), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_build_discover(&b, &no_to, &req), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_build_discover(&b, &no_id, &req), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    req.email = "bad\x02";
    assert_int_equal(omadm__enroll_build_discover(&b, &addr, &req), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_build_get_policies(NULL, &addr, &onprem), OMADM_ERR_INVALID);
    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, NULL), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &fed), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &odd), OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    onprem.user = NULL;
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, "Q1NS", NULL, 0),
                     OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    onprem.user = "u";
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, "Q1NS", bad_items, 2),
                     OMADM_ERR_INVALID);
    omadm__buf_free(&b);
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, "Q1NS", NULL, 1),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, NULL, NULL, 0),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__enroll_build_rst(&b, &addr, &onprem, 0, "Q1\x01NS", NULL, 0),
                     OMADM_ERR_INVALID);
    omadm__buf_free(&b);
}

static void test_federated_token_limit(void **state)
{
    omadm_enroll_creds fed = { OMADM_ENROLL_AUTH_FEDERATED, NULL, NULL };
    size_t max = (size_t)1 << 20;
    char *tok = malloc(max + 2);
    omadm_buf b = OMADM_BUF_INIT;
    const char *bst;

    (void)state;
    assert_non_null(tok);
    memset(tok, 'a', max);
    tok[max] = '\0'; /* exactly 1 MiB: encoded */
    fed.secret = tok;
    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &fed), OMADM_OK);
    bst = strstr(b.data, "EncodingType=");
    assert_non_null(bst);
    bst = strchr(bst, '>');
    assert_non_null(bst);
    assert_int_equal(strcspn(bst + 1, "<"), 4 * ((max + 2) / 3));
    omadm__buf_free(&b);
    tok[max] = 'a';
    tok[max + 1] = '\0'; /* one over */
    assert_int_equal(omadm__enroll_build_get_policies(&b, &addr, &fed), OMADM_ERR_LIMIT);
    omadm__buf_free(&b);
    free(tok);
}

/* A GetPolicies answer asking for a key size we cannot make: the largest
 * accepted, one over (with the reason), and no error buffer. */
static void test_policy_key_limits(void **state)
{
    static const struct {
        const char *oid, *bits;
        omadm_status want;
        const char *why;
    } cases[] = {
        { "1.2.840.113549.1.1.1", "8192", OMADM_OK, "" },
        { "1.2.840.113549.1.1.1", "8193", OMADM_ERR_UNSUPPORTED,
          "GetPolicies answer: minimalKeyLength 8193 above 8192" },
        { "1.2.840.10045.2.1", "384", OMADM_OK, "" },
        { "1.2.840.10045.2.1", "385", OMADM_ERR_UNSUPPORTED,
          "GetPolicies answer: EC key of 385 bits not supported" },
    };
    char *ms = etest_fixture("policies-response.xml", NULL);
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char bits[64], err[200];
        char *alg = etest_replace(ms, "1.2.840.113549.1.1.1", cases[i].oid);
        char *doc;
        omadm_enroll_policy p;

        snprintf(bits, sizeof bits, "<minimalKeyLength>%s<", cases[i].bits);
        doc = etest_replace(alg, "<minimalKeyLength>3072<", bits);
        err[0] = '\0';
        assert_int_equal(omadm_enroll_parse_policies(doc, strlen(doc), &p, err, sizeof err),
                         cases[i].want);
        if (cases[i].want == OMADM_OK)
            assert_int_equal(p.min_key_bits, (unsigned)atoi(cases[i].bits));
        else
            assert_string_equal(err, cases[i].why);
        assert_int_equal(omadm_enroll_parse_policies(doc, strlen(doc), &p, NULL, 0), cases[i].want);
        free(doc);
        free(alg);
    }
    free(ms);
}

int test_soap_edges_run(void);
int test_soap_edges_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_missing_parts),
        cmocka_unit_test(test_federated_token_limit),
        cmocka_unit_test(test_policy_key_limits),
    };

    return cmocka_run_group_tests_name("enroll-soap-edges", tests, NULL, NULL);
}
