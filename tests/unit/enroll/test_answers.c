/* SPDX-License-Identifier: Apache-2.0 */
/* The server's enrollment answers refused for each missing or wrong part,
 * each with its own reason: the SOAP envelope, Discover, GetPolicies and
 * the RSTR (omadm/enroll/response.c). */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define ENV_OPEN "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"

static void discover_refused(const char *doc, omadm_status want, const char *reason)
{
    omadm_enroll_discovery d;
    char err[300] = "";

    assert_int_equal(omadm_enroll_parse_discover(doc, strlen(doc), &d, err, sizeof err), want);
    if (!strstr(err, reason))
        fail_msg("\"%s\" not in \"%s\"", reason, err);
    assert_null(d.auth_policy);
    assert_null(d.enroll_url);
    assert_null(d.policy_url);
}

/* The fixture with up to two edits (the first occurrence of each). */
static char *edited(const char *data, const char *const edit[4])
{
    char *once = etest_replace(data, edit[0], edit[1]), *twice;

    if (!edit[2])
        return once;
    twice = etest_replace(once, edit[2], edit[3]);
    free(once);
    return twice;
}

static void test_discover_refusals(void **state)
{
    static const char *const edits[][5] = {
        { "https://mdm.example.test/EnrollmentServer/Policy.svc",
          "http://mdm.example.test/EnrollmentServer/Policy.svc", NULL, NULL,
          "Discover answer's EnrollmentPolicyServiceUrl is not https" },
        { "<AuthPolicy>OnPremise</AuthPolicy>", "", NULL, NULL,
          "Discover answer has no AuthPolicy" },
        { "<DiscoverResult>", "<Other>", "</DiscoverResult>", "</Other>",
          "Discover answer has no DiscoverResponse/DiscoverResult" },
    };
    char *data = etest_fixture("discover-response.xml", NULL), *doc;
    omadm_enroll_discovery d;

    (void)state;
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        doc = edited(data, edits[i]);
        discover_refused(doc, OMADM_ERR_PROTOCOL, edits[i][4]);
        /* no error buffer: the status alone */
        assert_int_equal(omadm_enroll_parse_discover(doc, strlen(doc), &d, NULL, 0),
                         OMADM_ERR_PROTOCOL);
        free(doc);
    }
    discover_refused(ENV_OPEN "<s:Header/></s:Envelope>", OMADM_ERR_PROTOCOL,
                     "SOAP envelope has no Body");
    discover_refused("<Envelope><Body/></Envelope>", OMADM_ERR_PROTOCOL,
                     "answer is not a SOAP 1.2 envelope");
    /* a SOAP Fault without a Code/Value nor a Reason: still a fault */
    discover_refused(ENV_OPEN "<s:Body><s:Fault/></s:Body></s:Envelope>", OMADM_ERR_PROTOCOL,
                     "server fault");
    assert_int_equal(omadm_enroll_parse_discover(data, strlen(data), NULL, NULL, 0),
                     OMADM_ERR_INVALID);
    free(data);
}

static void test_policies_refusals(void **state)
{
    char *ms = etest_fixture("policies-response.xml", NULL);
    static const char *const no_attrs_edit[4] = { "<attributes>", "<other>", "</attributes>",
                                                  "</other>" };
    char *no_attrs2 = edited(ms, no_attrs_edit);
    static const char *const not_numbers[] = { "abc", "65537", "99999999999999999999999", "",
                                               "20 48" };
    omadm_enroll_policy p;
    char err[300];

    (void)state;
    assert_int_equal(omadm_enroll_parse_policies(no_attrs2, strlen(no_attrs2), &p, err, sizeof err),
                     OMADM_ERR_PROTOCOL);
    assert_string_equal(err, "GetPolicies answer has no response/policies/policy/attributes");
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++) {
        char value[64], *doc;
        omadm_status st;

        snprintf(value, sizeof value, "<minimalKeyLength>%s<", not_numbers[i]);
        doc = etest_replace(ms, "<minimalKeyLength>3072<", value);
        st = omadm_enroll_parse_policies(doc, strlen(doc), &p, err, sizeof err);
        if (not_numbers[i][0] == '\0') {
            /* empty: not given, the policy's other parts stand */
            assert_int_equal(st, OMADM_OK);
            assert_int_equal(p.min_key_bits, 0);
        } else {
            assert_int_equal(st, OMADM_ERR_PROTOCOL);
            assert_string_equal(err,
                                "GetPolicies answer: minimalKeyLength is not a number up to 65536");
        }
        free(doc);
    }
    {
        /* white space around a number is fine; a validity that does not
         * parse is left out rather than refused */
        char *spaced = etest_replace(ms, "<minimalKeyLength>3072<", "<minimalKeyLength>\n 4096\t<");
        char *bad_validity = etest_replace(spaced, "<validityPeriodSeconds>31536000<",
                                           "<validityPeriodSeconds>soon<");

        assert_int_equal(
            omadm_enroll_parse_policies(bad_validity, strlen(bad_validity), &p, err, sizeof err),
            OMADM_OK);
        assert_int_equal(p.min_key_bits, 4096);
        assert_int_equal(p.validity_s, 0);
        free(spaced);
        free(bad_validity);
    }
    assert_int_equal(omadm_enroll_parse_policies(ms, strlen(ms), NULL, err, sizeof err),
                     OMADM_ERR_INVALID);
    free(ms);
    free(no_attrs2);
}

static void test_rstr_refusals(void **state)
{
    static const char no_token[] = ENV_OPEN "<s:Body><RequestSecurityTokenResponseCollection/>"
                                            "</s:Body></s:Envelope>";
    char *doc = (char *)1, err[300];
    size_t doc_len = 1;

    (void)state;
    assert_int_equal(
        omadm_enroll_parse_rstr(no_token, sizeof no_token - 1, &doc, &doc_len, err, sizeof err),
        OMADM_ERR_PROTOCOL);
    assert_string_equal(err, "enrollment answer has no RequestedSecurityToken/BinarySecurityToken");
    assert_null(doc);
    assert_int_equal(doc_len, 0);
    {
        char *bad = etest_rstr("x");
        char *not_b64 = NULL;
        const char *tok = strstr(bad, "BinarySecurityToken");

        assert_non_null(tok);
        /* the token's text replaced by something that is not base64 */
        tok = strchr(tok, '>');
        assert_non_null(tok);
        {
            const char *end = strchr(tok, '<');
            size_t n = (size_t)(end - tok - 1);
            char *copy = malloc(n + 1); /* no strndup in mingw's C library */

            assert_non_null(copy);
            memcpy(copy, tok + 1, n);
            copy[n] = '\0';
            not_b64 = etest_replace(bad, copy, "!!!!");
            free(copy);
        }
        assert_int_equal(
            omadm_enroll_parse_rstr(not_b64, strlen(not_b64), &doc, &doc_len, err, sizeof err),
            OMADM_ERR_PROTOCOL);
        assert_string_equal(err, "provisioning document is not valid base64");
        assert_null(doc);
        free(not_b64);
        free(bad);
    }
    assert_int_equal(
        omadm_enroll_parse_rstr(no_token, sizeof no_token - 1, NULL, &doc_len, err, sizeof err),
        OMADM_ERR_INVALID);
}

int test_answers_run(void);
int test_answers_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_refusals),
        cmocka_unit_test(test_policies_refusals),
        cmocka_unit_test(test_rstr_refusals),
    };

    return cmocka_run_group_tests_name("enroll-answers", tests, NULL, NULL);
}
