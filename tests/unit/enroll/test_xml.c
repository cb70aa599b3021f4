/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment XML reader itself (omadm/enroll/xml.h): every DTD form
 * refused with its own reason, each limit at its value and one over, the
 * queries, argument errors, and an allocation-failure sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "enroll/xml.h"

static enroll_xml_limits small(void)
{
    enroll_xml_limits lim = { 256, 3, 4, 2, 8 };

    return lim;
}

/* Parses `doc`; expects `want` and, on failure, `reason` in the message. */
static void expect(const char *doc, const enroll_xml_limits *lim, omadm_status want,
                   const char *reason)
{
    enroll_node *root = (enroll_node *)1;
    char err[200];
    omadm_status st = enroll_xml_parse(doc, strlen(doc), lim, &root, err, sizeof err);

    if (st != want || (reason && !strstr(err, reason)))
        fail_msg("%s: got %d \"%s\", want %d \"%s\"", doc, st, err, want, reason ? reason : "");
    if (want != OMADM_OK) {
        assert_null(root);
    } else {
        assert_non_null(root);
        assert_string_equal(err, "");
    }
    enroll_xml_free(want == OMADM_OK ? root : NULL);
}

static void test_dtd_forms_refused(void **state)
{
    static const char *const cases[][2] = {
        { "<!DOCTYPE d PUBLIC \"-//x//y\" \"http://evil.test/d.dtd\"><d/>",
          "external DTD not allowed: DOCTYPE d" },
        { "<!DOCTYPE d [<!ENTITY x \"y\">]><d>&x;</d>", "entity declaration \"x\" not allowed" },
        { "<!DOCTYPE d [<!ENTITY u SYSTEM \"x\" NDATA n>]><d/>",
          "entity declaration \"u\" not allowed" },
        { "<!DOCTYPE d [<!NOTATION n SYSTEM \"x\">]><d/>",
          "notation declaration \"n\" not allowed" },
        { "<!DOCTYPE d [<!ATTLIST d a (x|y) \"x\">]><d/>",
          "attribute declaration \"a\" not allowed" },
        { "<!DOCTYPE d [<!ELEMENT d ANY>]><d/>", "element declaration \"d\" not allowed" },
        { "<!DOCTYPE d [<!ENTITY % p \"x\"> %p;]><d/>", "not allowed" },
        { "<d>&nope;</d>", "entity reference &nope; not allowed" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(cases[i][0], NULL, OMADM_ERR_PARSE, cases[i][1]);
    /* the predefined entities and character references stay usable */
    expect("<d>&lt;&amp;&#65;</d>", NULL, OMADM_OK, NULL);
}

static void test_malformed_message_is_one_line(void **state)
{
    enroll_node *root = NULL;
    char err[200];

    (void)state;
    assert_int_equal(enroll_xml_parse("<a>\n<b></a>", 11, NULL, &root, err, sizeof err),
                     OMADM_ERR_PARSE);
    assert_null(root);
    assert_non_null(strstr(err, "malformed XML at line 2: "));
    assert_null(strchr(err, '\n'));
    /* a message too long for the buffer is cut, still terminated */
    assert_int_equal(enroll_xml_parse("<a>\n<b></a>", 11, NULL, &root, err, 12), OMADM_ERR_PARSE);
    assert_int_equal(strlen(err), 11);
    /* no buffer at all */
    assert_int_equal(enroll_xml_parse("<a>", 3, NULL, &root, NULL, 0), OMADM_ERR_PARSE);
    assert_int_equal(enroll_xml_parse("  ", 2, NULL, &root, err, sizeof err), OMADM_ERR_PARSE);
}

static void test_limits_at_and_over(void **state)
{
    enroll_xml_limits lim = small();
    char big[300];

    (void)state;
    /* depth 3 */
    expect("<a><b><c/></b></a>", &lim, OMADM_OK, NULL);
    expect("<a><b><c><d/></c></b></a>", &lim, OMADM_ERR_LIMIT, "nested deeper than 3 elements");
    /* 4 elements */
    expect("<a><b/><b/><b/></a>", &lim, OMADM_OK, NULL);
    expect("<a><b/><b/><b/><b/></a>", &lim, OMADM_ERR_LIMIT, "more than 4 elements");
    /* 2 attributes */
    expect("<a x=\"1\" y=\"2\"/>", &lim, OMADM_OK, NULL);
    expect("<a x=\"1\" y=\"2\" z=\"3\"/>", &lim, OMADM_ERR_LIMIT, "<a> has more than 2 attributes");
    /* 8 bytes of attribute value, of text (also when it comes in pieces) */
    expect("<a x=\"12345678\"/>", &lim, OMADM_OK, NULL);
    expect("<a x=\"123456789\"/>", &lim, OMADM_ERR_LIMIT, "attribute x of <a> longer than 8 bytes");
    expect("<a>1234&amp;678</a>", &lim, OMADM_OK, NULL);
    expect("<a>1234&amp;6789</a>", &lim, OMADM_ERR_LIMIT, "text of <a> longer than 8 bytes");
    /* 256 bytes of document */
    memset(big, ' ', sizeof big);
    memcpy(big, "<a/>", 4);
    big[256] = '\0';
    expect(big, &lim, OMADM_OK, NULL);
    big[257] = '\0';
    big[256] = ' ';
    expect(big, &lim, OMADM_ERR_LIMIT, "document of 257 bytes exceeds the 256-byte limit");
}

static void test_invalid_arguments(void **state)
{
    enroll_node *root = (enroll_node *)1;
    char err[64];

    (void)state;
    assert_int_equal(enroll_xml_parse("<a/>", 4, NULL, NULL, err, sizeof err), OMADM_ERR_INVALID);
    assert_string_equal(err, "invalid argument");
    assert_int_equal(enroll_xml_parse(NULL, 4, NULL, &root, err, sizeof err), OMADM_ERR_INVALID);
    assert_int_equal(enroll_xml_parse(NULL, 0, NULL, &root, err, sizeof err), OMADM_ERR_PARSE);
    assert_string_equal(err, "empty document");
    assert_null(root);
    enroll_xml_free(NULL);
}

static void test_tree_and_queries(void **state)
{
    static const char doc[] = "<r xmlns=\"urn:r\"><a k=\"1\" p:q=\"2\" xmlns:p=\"urn:p\">"
                              " \t<![CDATA[x<y]]>\r\n</a><b/><a k=\"3\"/><c><d>deep</d></c></r>";
    enroll_node *root = NULL;
    const enroll_node *a, *a2;
    char *text;

    (void)state;
    assert_int_equal(enroll_xml_parse(doc, sizeof doc - 1, NULL, &root, NULL, 0), OMADM_OK);
    assert_string_equal(root->name, "r");
    assert_string_equal(root->ns, "urn:r");
    a = enroll_xml_child(root, "a");
    assert_non_null(a);
    assert_string_equal(enroll_xml_attr(a, "k"), "1");
    assert_string_equal(enroll_xml_attr(a, "q"), "2"); /* by local name */
    assert_null(enroll_xml_attr(a, "z"));
    assert_null(enroll_xml_attr(NULL, "k"));
    text = enroll_xml_text_dup(a);
    assert_string_equal(text, "x<y"); /* CDATA kept, white space trimmed */
    omadm__free(text);
    assert_true(enroll_xml_text_is(a, "x<y"));
    assert_false(enroll_xml_text_is(a, "x<"));
    assert_false(enroll_xml_text_is(NULL, ""));
    a2 = enroll_xml_next_same(a);
    assert_non_null(a2);
    assert_string_equal(enroll_xml_attr(a2, "k"), "3");
    assert_null(enroll_xml_next_same(a2));
    assert_null(enroll_xml_next_same(NULL));
    assert_null(enroll_xml_child(root, "zz"));
    assert_null(enroll_xml_child(NULL, "a"));
    assert_string_equal(enroll_xml_path(root, "c/d")->text, "deep");
    assert_null(enroll_xml_path(root, "c/x"));
    assert_ptr_equal(enroll_xml_path(root, ""), root);
    assert_null(enroll_xml_path(
        root, "c/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    enroll_xml_free(root);
}

/* Every allocation of a parse failed in turn: OMADM_ERR_NOMEM with its
 * message (or, when libxml2 itself gives up, a parse error), never a tree. */
static void test_alloc_failures(void **state)
{
    static const char doc[] = "<r a=\"1\" b=\"2\"><x>t&amp;u</x><y xmlns=\"urn:y\"/></r>";
    int failed_seen = 0;

    (void)state;
    for (int sticky = 0; sticky <= 1; sticky++) {
        for (long n = 1;; n++) {
            enroll_node *root = NULL;
            char err[128];
            omadm_status st;
            int done;

            omadm__alloc_fail_at(n, sticky);
            st = enroll_xml_parse(doc, sizeof doc - 1, NULL, &root, err, sizeof err);
            done = !omadm__alloc_failed();
            omadm__alloc_fail_at(0, 0);
            if (done) {
                assert_int_equal(st, OMADM_OK);
                enroll_xml_free(root);
                break;
            }
            failed_seen++;
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_string_equal(err, "out of memory");
            assert_null(root);
        }
    }
    assert_true(failed_seen > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtd_forms_refused),
        cmocka_unit_test(test_malformed_message_is_one_line),
        cmocka_unit_test(test_limits_at_and_over),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_tree_and_queries),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
