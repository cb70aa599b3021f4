/* SPDX-License-Identifier: Apache-2.0 */
/* Per-command limits (issue 14 item 2): a command over a per-command limit
 * is kept with its own DM status code and the rest of the message parses;
 * only message-level limits (size, depth, commands, malformed XML, the
 * SyncHdr) fail the parse. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

SYNCML_PER_COMMAND_TESTS(SYNCML_DECLARE_TEST)

#define EXEC_REBOOT                                                                                \
    "<Exec><CmdID>reboot-1</CmdID><Item><Target>"                                                  \
    "<LocURI>./Device/Vendor/MSFT/Reboot/RebootNow</LocURI></Target></Item></Exec>"

static syncml_msg *parse_body(const char *body, const syncml_limits *lim)
{
    size_t len;
    char *in = wrap_body(body, &len);
    syncml_msg *msg = NULL;
    syncml_error err;
    omadm_status st = syncml_parse(in, len, lim, &msg, &err);

    free(in);
    if (st != OMADM_OK)
        fail_msg("parse failed: %s: %s", omadm_status_name(st), err.message);
    return msg;
}

/* Each kind of poisoned command, then an Exec: the Exec parses whole. */
void test_reject_keeps_the_next_command(void **state)
{
    char *uri = repeat("a", 1025), *id = repeat("c", 65), *items, *big = repeat("v", 524289);
    char *poison[5];
    const int codes[5] = { 414, 400, 413, 413, 414 };
    size_t i;

    (void)state;
    memcpy(uri, "./", 2);
    items = repeat("<Item><Target><LocURI>./A</LocURI></Target></Item>", 101);
    poison[0] = fmt("<Get><CmdID>g1</CmdID><Item><Target><LocURI>%s</LocURI></Target>"
                    "<Data>x</Data></Item></Get>",
                    uri);
    poison[1] = fmt("<Get><CmdID>%s</CmdID><Item><Target><LocURI>./A</LocURI></Target></Item>"
                    "</Get>",
                    id);
    poison[2] = fmt("<Replace><CmdID>r1</CmdID>%s</Replace>", items);
    poison[3] = fmt("<Replace><CmdID>r2</CmdID><Item><Data>%s</Data></Item></Replace>", big);
    poison[4] = fmt("<Get><CmdID>g2</CmdID><Item><Target><LocURI>./%s</LocURI></Target></Item>"
                    "</Get>",
                    "s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s");
    for (i = 0; i < 5; i++) {
        char *body = fmt("%s%s", poison[i], EXEC_REBOOT);
        syncml_msg *msg = parse_body(body, NULL);
        const syncml_cmd *bad = msg->body, *exec = bad ? bad->next : NULL;

        if (!exec) {
            fail_msg("poison %zu: the Exec after it is missing", i);
            return;
        }
        assert_int_equal(bad->reject_code, codes[i]);
        assert_null(bad->next->next);
        /* The rest of the poisoned command was skipped, not kept. */
        if (i == 2)
            assert_int_equal(syncml_item_count(bad->items), 100);
        assert_int_equal(exec->type, SYNCML_CMD_EXEC);
        assert_int_equal(exec->reject_code, 0);
        assert_null(exec->reject_reason);
        assert_string_equal(exec->cmd_id, "reboot-1");
        assert_string_equal(exec->items->target_uri, "./Device/Vendor/MSFT/Reboot/RebootNow");
        syncml_msg_free(msg);
        free(body);
        free(poison[i]);
    }
    free(uri);
    free(id);
    free(items);
    free(big);
}

/* A CmdID over the limit: its first 61 bytes (never half a UTF-8
 * character) and the documented marker, 64 bytes in all (it parses again
 * as it is); the Items after it are skipped. */
void test_reject_cmd_id_truncated(void **state)
{
    char *id = repeat("7", 100), *body, *want;
    syncml_msg *msg;
    /* 60 ASCII bytes then "é" (2 bytes): the 61-byte cut falls inside it. */
    char *ascii = repeat("a", 60);

    (void)state;
    body =
        fmt("<Exec><CmdID>%s</CmdID><Item><Target><LocURI>./X</LocURI></Target></Item></Exec>", id);
    msg = parse_body(body, NULL);
    want = fmt("%.61s%s", id, SYNCML_CMDID_TRUNCATED);
    assert_int_equal(msg->body->reject_code, 400);
    assert_string_equal(msg->body->cmd_id, want);
    assert_null(msg->body->items);
    syncml_msg_free(msg);
    free(body);
    free(want);
    body = fmt("<Exec><CmdID>%s\xc3\xa9zzzzz</CmdID></Exec>", ascii);
    msg = parse_body(body, NULL);
    want = fmt("%s%s", ascii, SYNCML_CMDID_TRUNCATED);
    assert_string_equal(msg->body->cmd_id, want);
    syncml_msg_free(msg);
    free(body);
    free(want);
    free(ascii);
    free(id);
}

/* A member of an Atomic over a limit: that member is rejected, the Atomic
 * and the command after it parse. */
void test_reject_inside_atomic(void **state)
{
    char *uri = repeat("a", 1030), *body;
    syncml_msg *msg;
    const syncml_cmd *atomic, *m1, *m2;

    (void)state;
    memcpy(uri, "./", 2);
    body = fmt("<Atomic><CmdID>a</CmdID>"
               "<Replace><CmdID>m1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item>"
               "</Replace>"
               "<Replace><CmdID>m2</CmdID><Item><Target><LocURI>./B</LocURI></Target></Item>"
               "</Replace></Atomic>" EXEC_REBOOT,
               uri);
    msg = parse_body(body, NULL);
    atomic = msg->body;
    assert_int_equal(atomic->type, SYNCML_CMD_ATOMIC);
    assert_int_equal(atomic->reject_code, 0);
    m1 = atomic->children;
    m2 = m1->next;
    assert_int_equal(m1->reject_code, 414);
    assert_non_null(strstr(m1->reject_reason, "LocURI longer than 1024 bytes in Replace"));
    assert_int_equal(m2->reject_code, 0);
    assert_string_equal(m2->items->target_uri, "./B");
    assert_int_equal(atomic->next->type, SYNCML_CMD_EXEC);
    syncml_msg_free(msg);
    free(body);
    free(uri);
}

/* Data holding raw XML over the value limit, inside and after a nested
 * element: the command is rejected, the capture dropped. */
void test_reject_raw_data(void **state)
{
    char *v = repeat("v", 524288), *body;
    syncml_msg *msg;

    (void)state;
    body = fmt(
        "<Replace><CmdID>r</CmdID><Item><Data><a><b>%s</b><c/></a></Data>"
        "<Meta><Format>xml</Format></Meta></Item><Item><Data>2</Data></Item></Replace>" EXEC_REBOOT,
        v);
    msg = parse_body(body, NULL);
    assert_int_equal(msg->body->reject_code, 413);
    assert_null(msg->body->items->data);
    assert_null(msg->body->items->next);
    assert_int_equal(msg->body->next->type, SYNCML_CMD_EXEC);
    assert_int_equal(msg->body->next->reject_code, 0);
    syncml_msg_free(msg);
    free(body);
    free(v);
}

/* Limits outside any command still fail the whole message. */
void test_header_limits_still_fail(void **state)
{
    char *uri = repeat("h", 1025), *in;

    (void)state;
    in = fmt("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
             "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
             "<Target><LocURI>%s</LocURI></Target><Source><LocURI>s</LocURI></Source>"
             "</SyncHdr><SyncBody>" EXEC_REBOOT "</SyncBody></SyncML>",
             uri);
    expect_error(in, strlen(in), NULL, OMADM_ERR_LIMIT, "LocURI longer than 1024 bytes in SyncHdr");
    free(in);
    free(uri);
}

/* Every allocation of a rejecting parse fails in turn: a clean NOMEM. */
void test_reject_alloc_sweep(void **state)
{
    syncml_limits lim = SYNCML_LIMITS_DEFAULT;
    syncml_error err;
    size_t len;
    char *in = wrap_body("<Get><CmdID>0123456789</CmdID><Item><Target><LocURI>./a/b/c/d/e</LocURI>"
                         "</Target></Item></Get>" EXEC_REBOOT,
                         &len);
    long n;

    (void)state;
    lim.max_cmd_id = 4;
    lim.max_uri_segments = 4; /* the SyncHdr Source https://s.test/ has 4 */
    for (n = 1; n < 10000; n++) {
        syncml_msg *msg = NULL;
        omadm_status st;

        omadm__alloc_fail_at(n, 0);
        st = syncml_parse(in, len, &lim, &msg, &err);
        omadm__alloc_fail_at(0, 0);
        if (st != OMADM_OK && st != OMADM_ERR_NOMEM)
            fail_msg("allocation %ld: %s: %s", n, omadm_status_name(st), err.message);
        if (st == OMADM_OK) {
            assert_int_equal(msg->body->reject_code, 400);
            assert_string_equal(msg->body->cmd_id, "0" SYNCML_CMDID_TRUNCATED);
            syncml_msg_free(msg);
            break;
        }
        assert_int_equal(st, OMADM_ERR_NOMEM);
        assert_null(msg);
    }
    assert_true(n > 1 && n < 10000);
    free(in);
}
