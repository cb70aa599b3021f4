/* SPDX-License-Identifier: Apache-2.0 */
/* syncml_msg_equal, which the round-trip tests rely on: two parses of one
 * message are equal; changing any one field of the second makes them
 * differ, and `where` names that field. A comparison that missed a field
 * would let a codec bug through every round-trip test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "full_msg.h"
#include "syncml/syncml.h"

static syncml_msg *parse_full(void)
{
    syncml_msg *m = NULL;
    syncml_error err;

    if (syncml_parse(full, sizeof full - 1, NULL, &m, &err) != OMADM_OK)
        fail_msg("the test message does not parse: %s", err.message);
    return m;
}

static syncml_cmd *nth(syncml_msg *m, unsigned n)
{
    syncml_cmd *c = m->body;

    while (n-- && c)
        c = c->next;
    assert_non_null(c);
    return c;
}

#define STR(m, s) syncml_strdup((m), (s))

typedef struct mutation {
    const char *where; /* the start of what `where` must say */
    void (*apply)(syncml_msg *b);
} mutation;

/* clang-format off */
static void m_ver_dtd(syncml_msg *b) { b->hdr.ver_dtd = STR(b, "1.1"); }
static void m_ver_proto(syncml_msg *b) { b->hdr.ver_proto = STR(b, "DM/1.1"); }
static void m_session_id(syncml_msg *b) { b->hdr.session_id = STR(b, "8"); }
static void m_msg_id(syncml_msg *b) { b->hdr.msg_id = STR(b, "4"); }
static void m_target_uri(syncml_msg *b) { b->hdr.target_uri = STR(b, "DEV2"); }
static void m_target_name(syncml_msg *b) { b->hdr.target_name = NULL; }
static void m_source_uri(syncml_msg *b) { b->hdr.source_uri = STR(b, "https://other"); }
static void m_source_name(syncml_msg *b) { b->hdr.source_name = STR(b, "x"); }
static void m_resp_uri(syncml_msg *b) { b->hdr.resp_uri = STR(b, "https://mdm/other"); }
static void m_hdr_no_resp(syncml_msg *b) { b->hdr.no_resp = false; }
static void m_hdr_meta(syncml_msg *b) { b->hdr.meta = NULL; }
static void m_max_msg(syncml_msg *b) { b->hdr.meta->max_msg_size = STR(b, "10001"); }
static void m_max_obj(syncml_msg *b) { b->hdr.meta->max_obj_size = NULL; }
static void m_cred(syncml_msg *b) { b->hdr.cred = NULL; }
static void m_cred_data(syncml_msg *b) { b->hdr.cred->data = STR(b, "b3RoZXI="); }
static void m_cred_type(syncml_msg *b) { b->hdr.cred->meta->type = STR(b, "syncml:auth-basic"); }
static void m_cred_format(syncml_msg *b) { b->hdr.cred->meta->format = NULL; }
static void m_final(syncml_msg *b) { b->final = false; }
static void m_type(syncml_msg *b) { nth(b, 0)->type = SYNCML_CMD_GET; }
static void m_type_unknown(syncml_msg *b) { nth(b, 0)->type = SYNCML_CMD_UNKNOWN; }
static void m_cmd_id(syncml_msg *b) { nth(b, 0)->cmd_id = STR(b, "9"); }
static void m_msg_ref(syncml_msg *b) { nth(b, 0)->msg_ref = STR(b, "1"); }
static void m_cmd_ref(syncml_msg *b) { nth(b, 0)->cmd_ref = STR(b, "1"); }
static void m_cmd(syncml_msg *b) { nth(b, 0)->cmd = STR(b, "Get"); }
static void m_target_ref(syncml_msg *b) { nth(b, 0)->target_ref = NULL; }
static void m_source_ref(syncml_msg *b) { nth(b, 0)->source_ref = STR(b, "DEV2"); }
static void m_status_data(syncml_msg *b) { nth(b, 0)->data = STR(b, "200"); }
static void m_chal(syncml_msg *b) { nth(b, 0)->chal = NULL; }
static void m_nonce(syncml_msg *b) { nth(b, 0)->chal->next_nonce = STR(b, "b3RoZXI="); }
static void m_cmd_no_resp(syncml_msg *b) { nth(b, 1)->no_resp = false; }
static void m_cmd_meta(syncml_msg *b) { nth(b, 1)->meta = NULL; }
static void m_cmd_format(syncml_msg *b) { nth(b, 1)->meta->format = STR(b, "chr"); }
static void m_it_target(syncml_msg *b) { nth(b, 1)->items->target_uri = STR(b, "./A/X"); }
static void m_it_tname(syncml_msg *b) { nth(b, 1)->items->target_name = STR(b, "x"); }
static void m_it_source(syncml_msg *b) { nth(b, 1)->items->source_uri = NULL; }
static void m_it_sname(syncml_msg *b) { nth(b, 1)->items->source_name = STR(b, "t"); }
static void m_it_meta(syncml_msg *b) { nth(b, 1)->items->meta = NULL; }
static void m_it_type(syncml_msg *b) { nth(b, 1)->items->meta->type = STR(b, "text/xml"); }
static void m_it_mark(syncml_msg *b) { nth(b, 1)->items->meta->mark = STR(b, "low"); }
static void m_it_size(syncml_msg *b) { nth(b, 1)->items->meta->size = STR(b, "6"); }
static void m_it_data(syncml_msg *b) { nth(b, 1)->items->data = NULL; }
static void m_it_data_len(syncml_msg *b) { nth(b, 1)->items->data_len = 4; }
static void m_it_more(syncml_msg *b) { nth(b, 1)->items->more_data = false; }
static void m_it_xml(syncml_msg *b) { nth(b, 1)->items->next->data_is_xml = false; }
static void m_items(syncml_msg *b) { nth(b, 1)->items->next = NULL; }
static void m_child(syncml_msg *b) { nth(b, 2)->children->cmd_id = STR(b, "40"); }
static void m_children(syncml_msg *b) { nth(b, 2)->children = NULL; }
static void m_element(syncml_msg *b) { nth(b, 3)->element = STR(b, "Other"); }
static void m_fewer(syncml_msg *b) { nth(b, 2)->next = NULL; }
/* clang-format on */

static const mutation mutations[] = {
    { "hdr.ver_dtd: \"1.2\" != \"1.1\"", m_ver_dtd },
    { "hdr.ver_proto: ", m_ver_proto },
    { "hdr.session_id: \"7\" != \"8\"", m_session_id },
    { "hdr.msg_id: ", m_msg_id },
    { "hdr.target_uri: \"DEV1\" != \"DEV2\"", m_target_uri },
    { "hdr.target_name: target_name absent on the right side", m_target_name },
    { "hdr.source_uri: ", m_source_uri },
    { "hdr.source_name: ", m_source_name },
    { "hdr.resp_uri: ", m_resp_uri },
    { "hdr.no_resp: true != false", m_hdr_no_resp },
    { "hdr.meta: present != absent", m_hdr_meta },
    { "hdr.meta.max_msg_size: \"10000\" != \"10001\"", m_max_msg },
    { "hdr.meta.max_obj_size: max_obj_size absent on the right side", m_max_obj },
    { "hdr.cred: present != absent", m_cred },
    { "hdr.cred.data: ", m_cred_data },
    { "hdr.cred.meta.type: \"syncml:auth-md5\" != \"syncml:auth-basic\"", m_cred_type },
    { "hdr.cred.meta.format: ", m_cred_format },
    { "final: true != false", m_final },
    { "body[0](Status).type: Status != Get", m_type },
    { "body[0](Status).type: Status != unknown", m_type_unknown },
    { "body[0](Status).cmd_id: \"1\" != \"9\"", m_cmd_id },
    { "body[0](Status).msg_ref: ", m_msg_ref },
    { "body[0](Status).cmd_ref: ", m_cmd_ref },
    { "body[0](Status).cmd: \"SyncHdr\" != \"Get\"", m_cmd },
    { "body[0](Status).target_ref: ", m_target_ref },
    { "body[0](Status).source_ref: ", m_source_ref },
    { "body[0](Status).data: \"401\" != \"200\"", m_status_data },
    { "body[0](Status).chal: present != absent", m_chal },
    { "body[0](Status).chal.next_nonce: ", m_nonce },
    { "body[1](Replace).no_resp: true != false", m_cmd_no_resp },
    { "body[1](Replace).meta: present != absent", m_cmd_meta },
    { "body[1](Replace).meta.format: \"int\" != \"chr\"", m_cmd_format },
    { "body[1](Replace).items[0].target_uri: \"./A/B\" != \"./A/X\"", m_it_target },
    { "body[1](Replace).items[0].target_name: ", m_it_tname },
    { "body[1](Replace).items[0].source_uri: source_uri absent on the right side", m_it_source },
    { "body[1](Replace).items[0].source_name: ", m_it_sname },
    { "body[1](Replace).items[0].meta: present != absent", m_it_meta },
    { "body[1](Replace).items[0].meta.type: ", m_it_type },
    { "body[1](Replace).items[0].meta.mark: ", m_it_mark },
    { "body[1](Replace).items[0].meta.size: ", m_it_size },
    { "body[1](Replace).items[0].data: data absent on the right side", m_it_data },
    { "body[1](Replace).items[0].data: \"he&lo\" != \"he&l", m_it_data_len },
    { "body[1](Replace).items[0].more_data: true != false", m_it_more },
    { "body[1](Replace).items[1].data_is_xml: true != false", m_it_xml },
    { "body[1](Replace).items: 2 items != 1 items", m_items },
    { "body[2](Atomic).children[0](Add).cmd_id: \"4\" != \"40\"", m_child },
    { "body[2](Atomic).children: more commands on the left side", m_children },
    { "body[3](Vendor).element: \"Vendor\" != \"Other\"", m_element },
    { "body: more commands on the left side", m_fewer },
};

static void test_equal_and_every_field(void **state)
{
    syncml_msg *a = parse_full(), *b = parse_full();
    char where[256];
    size_t i;

    (void)state;
    assert_true(syncml_msg_equal(a, b, where, sizeof where));
    assert_string_equal(where, "");
    assert_true(syncml_msg_equal(a, a, NULL, 0));
    for (i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
        syncml_msg_free(b);
        b = parse_full();
        mutations[i].apply(b);
        memset(where, 'x', sizeof where);
        assert_false(syncml_msg_equal(a, b, where, sizeof where));
        if (strncmp(where, mutations[i].where, strlen(mutations[i].where)) != 0)
            fail_msg("mutation %zu: where is \"%s\", expected \"%s...\"", i, where,
                     mutations[i].where);
        /* The other way round differs too, with the sides swapped; and
         * without `where`. */
        assert_false(syncml_msg_equal(b, a, where, sizeof where));
        assert_false(syncml_msg_equal(a, b, NULL, 0));
    }
    /* Swapped sides say so. */
    syncml_msg_free(b);
    b = parse_full();
    m_fewer(b);
    assert_false(syncml_msg_equal(b, a, where, sizeof where));
    assert_string_equal(where, "body: more commands on the right side");
    m_hdr_meta(b);
    assert_false(syncml_msg_equal(b, a, where, sizeof where));
    assert_string_equal(where, "hdr.meta: absent != present");
    b->hdr.no_resp = false;
    assert_false(syncml_msg_equal(b, a, where, sizeof where));
    assert_string_equal(where, "hdr.no_resp: false != true");
    b->hdr.target_name = NULL;
    assert_false(syncml_msg_equal(b, a, where, sizeof where));
    assert_string_equal(where, "hdr.target_name: target_name absent on the left side");
    b->hdr.cred = NULL;
    b->hdr.no_resp = true;
    b->hdr.target_name = a->hdr.target_name;
    b->hdr.meta = a->hdr.meta;
    assert_false(syncml_msg_equal(b, a, where, sizeof where));
    assert_string_equal(where, "hdr.cred: absent != present");

    /* A truncating `where` still ends in a NUL. */
    assert_false(syncml_msg_equal(b, a, where, 8));
    assert_string_equal(where, "hdr.cre");

    /* NULL messages. */
    assert_true(syncml_msg_equal(NULL, NULL, where, sizeof where));
    assert_false(syncml_msg_equal(a, NULL, where, sizeof where));
    assert_string_equal(where, "msg: NULL on one side");
    assert_false(syncml_msg_equal(NULL, a, NULL, 0));
    syncml_msg_free(a);
    syncml_msg_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_and_every_field),
    };

    return cmocka_run_group_tests_name("syncml-equal", tests, NULL, NULL);
}
