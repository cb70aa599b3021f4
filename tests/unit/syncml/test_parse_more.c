/* SPDX-License-Identifier: Apache-2.0 */
/* Parser edges the other syncml tests do not reach: a SyncHdr twice or
 * after the SyncBody, and an over-long CmdID delivered in pieces (entity
 * references split the text) or cut inside a UTF-8 character. */
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

static void test_hdr_twice_or_late(void **state)
{
    static const char hdr[] =
        "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID>"
        "<MsgID>1</MsgID><Target><LocURI>DEV1</LocURI></Target>"
        "<Source><LocURI>https://mdm</LocURI></Source></SyncHdr>";
    char *twice = fmt("<SyncML xmlns=\"SYNCML:SYNCML1.2\">%s%s<SyncBody/></SyncML>", hdr, hdr);
    char *late = fmt("<SyncML xmlns=\"SYNCML:SYNCML1.2\">%s<SyncBody/>%s</SyncML>", hdr, hdr);
    char *early = fmt("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody/>%s</SyncML>", hdr);
    char *good = fmt("<SyncML xmlns=\"SYNCML:SYNCML1.2\">%s<SyncBody/></SyncML>", hdr);
    syncml_msg *m;

    (void)state;
    expect_error(twice, strlen(twice), NULL, OMADM_ERR_PARSE, "duplicate SyncHdr in SyncML");
    expect_error(late, strlen(late), NULL, OMADM_ERR_PARSE, "duplicate SyncHdr in SyncML");
    expect_error(early, strlen(early), NULL, OMADM_ERR_PARSE,
                 "missing SyncHdr in SyncML (SyncBody came first)");
    m = parse_ok(good, strlen(good));
    assert_string_equal(m->hdr.msg_id, "1");
    syncml_msg_free(m);
    free(twice);
    free(late);
    free(early);
    free(good);
}

/* The first rejected command's CmdID, as kept. */
static char *kept_cmd_id(const char *cmd_id_xml)
{
    char *body = fmt("<Get><CmdID>%s</CmdID><Item><Target><LocURI>./A</LocURI></Target></Item>"
                     "</Get>",
                     cmd_id_xml);
    size_t len;
    char *in = wrap_body(body, &len);
    syncml_msg *m = parse_ok(in, len);
    char *id;

    assert_int_equal(m->body->reject_code, 400);
    id = fmt("%s", m->body->cmd_id);
    syncml_msg_free(m);
    free(in);
    free(body);
    return id;
}

static void test_cmd_id_truncation_edges(void **state)
{
    char *a62 = repeat("a", 62), *a60 = repeat("a", 60), *a59 = repeat("a", 59);
    char *in, *want, *id;

    (void)state;
    /* 62 + 1 bytes arrive before the limit (64) is passed: the kept text
     * is then longer than 61 and is cut back. */
    in = fmt("%s&amp;bbbb", a62);
    id = kept_cmd_id(in);
    want = fmt("%.61s%s", a62, SYNCML_CMDID_TRUNCATED);
    assert_string_equal(id, want);
    assert_int_equal(strlen(id), 64);
    free(id);
    free(want);
    free(in);

    /* A 2-byte character cut after its lead byte: the lead byte goes. */
    in = fmt("%s\xc3\xa9zzzz", a60);
    id = kept_cmd_id(in);
    want = fmt("%s%s", a60, SYNCML_CMDID_TRUNCATED);
    assert_string_equal(id, want);
    free(id);
    free(want);
    free(in);

    /* A 3-byte character cut after its second byte: the whole character
     * goes. */
    in = fmt("%s\xe2\x82\xacyyyy", a59);
    id = kept_cmd_id(in);
    want = fmt("%s%s", a59, SYNCML_CMDID_TRUNCATED);
    assert_string_equal(id, want);
    free(id);
    free(want);
    free(in);

    /* A whole character fits: kept (it used to be dropped with its
     * last byte taken for a cut one). */
    in = fmt("%.58s\xe2\x82\xacxxxx", a59);
    id = kept_cmd_id(in);
    want = fmt("%.58s\xe2\x82\xac%s", a59, SYNCML_CMDID_TRUNCATED);
    assert_string_equal(id, want);
    free(id);
    free(want);
    free(in);
    free(a62);
    free(a60);
    free(a59);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hdr_twice_or_late),
        cmocka_unit_test(test_cmd_id_truncation_edges),
    };
    int failed;

    xmlInitParser();
    failed = cmocka_run_group_tests_name("syncml-parse-more", tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
