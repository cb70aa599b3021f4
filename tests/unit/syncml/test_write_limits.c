/* SPDX-License-Identifier: Apache-2.0 */
/* The writer in pieces (syncml/fragment.h) on a message holding every
 * field: the pieces add up to syncml_write's bytes; under every buffer
 * limit each piece either fits or fails with OMADM_ERR_LIMIT leaving the
 * buffer as it was; a command rebuilt from its tail is the command; what
 * cannot be written is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "full_msg.h"
#include "syncml/fragment.h"
#include "syncml/syncml.h"

static syncml_msg *parse_full(void)
{
    syncml_msg *m = NULL;
    syncml_error err;

    if (syncml_parse(full, sizeof full - 1, NULL, &m, &err) != OMADM_OK)
        fail_msg("the test message does not parse: %s", err.message);
    return m;
}

/* The message in pieces: open (header, no commands), each command, close. */
static omadm_status write_pieces(const syncml_msg *m, omadm_buf *out)
{
    syncml_msg head = *m;
    const syncml_cmd *c;
    omadm_status st;
    size_t before;

    head.body = NULL;
    before = out->len;
    st = omadm__syncml_write_open(&head, out);
    if (st != OMADM_OK) {
        assert_int_equal(out->len, before);
        return st;
    }
    for (c = m->body; c; c = c->next) {
        syncml_cmd one = *c;

        one.next = NULL;
        before = out->len;
        st = omadm__syncml_write_cmd(&one, out);
        if (st != OMADM_OK) {
            assert_int_equal(out->len, before);
            return st;
        }
    }
    before = out->len;
    st = omadm__syncml_write_close(m->final, out);
    if (st != OMADM_OK)
        assert_int_equal(out->len, before);
    return st;
}

static void test_pieces_under_every_limit(void **state)
{
    syncml_msg *m = parse_full();
    omadm_buf out = OMADM_BUF_INIT;
    char *whole = NULL;
    size_t whole_len = 0, size = 0, k;

    (void)state;
    assert_int_equal(syncml_write(m, &whole, &whole_len), OMADM_OK);
    assert_int_equal(syncml_encoded_size(m, &size), OMADM_OK);
    assert_int_equal(size, whole_len);
    assert_int_equal(write_pieces(m, &out), OMADM_OK);
    assert_int_equal(out.len, whole_len);
    assert_memory_equal(out.data, whole, whole_len);
    omadm__buf_free(&out);

    for (k = 1; k < whole_len; k++) {
        out.limit = k;
        assert_int_equal(write_pieces(m, &out), OMADM_ERR_LIMIT);
        assert_true(out.len <= k);
        /* What was written is the start of the message. */
        if (out.len)
            assert_memory_equal(out.data, whole, out.len);
        omadm__buf_free(&out);
    }
    out.limit = whole_len;
    assert_int_equal(write_pieces(m, &out), OMADM_OK);
    omadm__buf_free(&out);
    omadm__free(whole);
    syncml_msg_free(m);
}

/* Every command from its tail, with its own CmdID, with another, with
 * none: the bytes and the size announced agree, and with its own CmdID
 * they are the command's. */
static void test_commands_from_tails(void **state)
{
    syncml_msg *m = parse_full();
    const syncml_cmd *c;

    (void)state;
    for (c = m->body; c; c = c->next) {
        static const char *const ids[] = { NULL, "12345" };
        syncml_cmd one = *c;
        omadm_buf tail = OMADM_BUF_INIT, direct = OMADM_BUF_INIT, rebuilt = OMADM_BUF_INIT;
        size_t i, cmd_size = 0;

        one.next = NULL;
        assert_int_equal(omadm__syncml_cmd_tail(&one, &tail), OMADM_OK);
        assert_int_equal(omadm__syncml_write_cmd(&one, &direct), OMADM_OK);
        assert_int_equal(syncml_cmd_encoded_size(&one, &cmd_size), OMADM_OK);
        assert_int_equal(cmd_size, direct.len);
        assert_int_equal(
            omadm__syncml_write_cmd_from_tail(&one, one.cmd_id, tail.data, tail.len, &rebuilt),
            OMADM_OK);
        assert_int_equal(rebuilt.len, direct.len);
        assert_memory_equal(rebuilt.data, direct.data, direct.len);
        assert_int_equal(omadm__syncml_cmd_size_from_tail(&one, one.cmd_id, tail.len), direct.len);
        for (i = 0; i < 2; i++) {
            size_t want = omadm__syncml_cmd_size_from_tail(&one, ids[i], tail.len), k;

            omadm__buf_free(&rebuilt);
            assert_int_equal(
                omadm__syncml_write_cmd_from_tail(&one, ids[i], tail.data, tail.len, &rebuilt),
                OMADM_OK);
            assert_int_equal(rebuilt.len, want);
            /* Under every limit: refused whole, the buffer untouched. */
            for (k = 1; k < want; k++) {
                omadm_buf small = OMADM_BUF_INIT;

                small.limit = k;
                assert_int_equal(
                    omadm__syncml_write_cmd_from_tail(&one, ids[i], tail.data, tail.len, &small),
                    OMADM_ERR_LIMIT);
                assert_int_equal(small.len, 0);
                omadm__buf_free(&small);
            }
        }
        /* The tail itself under every limit. */
        for (i = 1; i < tail.len; i++) {
            omadm_buf small = OMADM_BUF_INIT;

            small.limit = i;
            assert_int_equal(omadm__syncml_cmd_tail(&one, &small), OMADM_ERR_LIMIT);
            assert_int_equal(small.len, 0);
            omadm__buf_free(&small);
        }
        omadm__buf_free(&tail);
        omadm__buf_free(&direct);
        omadm__buf_free(&rebuilt);
    }
    syncml_msg_free(m);
}

/* A command with nothing in it is the empty element; XML data of length
 * 0 is an empty Data element. */
static void test_empty_forms(void **state)
{
    syncml_msg *m = NULL;
    syncml_cmd *get, *add;
    syncml_item *it;
    omadm_buf out = OMADM_BUF_INIT;

    (void)state;
    assert_int_equal(syncml_msg_new(&m), OMADM_OK);
    get = syncml_cmd_new(m, SYNCML_CMD_GET);
    assert_non_null(get);
    assert_int_equal(omadm__syncml_cmd_size_from_tail(get, NULL, 0), strlen("<Get/>"));
    assert_int_equal(omadm__syncml_write_cmd_from_tail(get, NULL, "", 0, &out), OMADM_OK);
    assert_string_equal(out.data, "<Get/>");
    omadm__buf_free(&out);

    add = syncml_cmd_new(m, SYNCML_CMD_ADD);
    it = syncml_item_new(m);
    assert_non_null(add);
    assert_non_null(it);
    it->data = syncml_strdup(m, "");
    it->data_len = 0;
    it->data_is_xml = true;
    syncml_item_append(&add->items, it);
    assert_int_equal(omadm__syncml_write_cmd(add, &out), OMADM_OK);
    assert_string_equal(out.data, "<Add><Item><Data/></Item></Add>");
    omadm__buf_free(&out);
    syncml_msg_free(m);
}

/* What cannot be written is refused, with nothing appended. */
static void test_refusals(void **state)
{
    syncml_msg *m = parse_full();
    omadm_buf out = OMADM_BUF_INIT;
    syncml_cmd bad = *m->body;
    size_t size = 1;

    (void)state;
    bad.next = NULL;
    bad.type = (syncml_cmd_type)(SYNCML_CMD_RESULTS + 1);
    assert_int_equal(omadm__syncml_write_cmd(&bad, &out), OMADM_ERR_INVALID);
    assert_int_equal(omadm__syncml_cmd_tail(&bad, &out), OMADM_ERR_INVALID);
    assert_int_equal(syncml_cmd_encoded_size(&bad, &size), OMADM_ERR_INVALID);
    assert_int_equal(omadm__syncml_write_cmd(NULL, &out), OMADM_ERR_INVALID);
    assert_int_equal(omadm__syncml_cmd_tail(NULL, &out), OMADM_ERR_INVALID);
    assert_int_equal(omadm__syncml_write_open(NULL, &out), OMADM_ERR_INVALID);
    assert_int_equal(out.len, 0);
    assert_int_equal(syncml_encoded_size(m, NULL), OMADM_ERR_INVALID);
    assert_int_equal(syncml_cmd_encoded_size(m->body, NULL), OMADM_ERR_INVALID);
    /* A message whose body holds an unwritable command: refused whole. */
    m->body->next->next->next->element = syncml_strdup(m, "not a name");
    assert_int_equal(omadm__syncml_write_open(m, &out), OMADM_ERR_INVALID);
    assert_int_equal(syncml_encoded_size(m, &size), OMADM_ERR_INVALID);
    assert_int_equal(out.len, 0);
    omadm__buf_free(&out);
    syncml_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_under_every_limit),
        cmocka_unit_test(test_commands_from_tails),
        cmocka_unit_test(test_empty_forms),
        cmocka_unit_test(test_refusals),
    };

    return cmocka_run_group_tests_name("syncml-write-limits", tests, NULL, NULL);
}
