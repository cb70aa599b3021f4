/* SPDX-License-Identifier: Apache-2.0 */
/* omadm_tree_process: a whole server message in, the reply message out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "dmtest.h"
#include "testcsp.h"
#include "tree/tree.h"

#define HDR(verdtd)                                                                                \
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>" verdtd "</VerDTD>"                      \
    "<VerProto>DM/1.2</VerProto><SessionID>17</SessionID><MsgID>3</MsgID>"                         \
    "<Target><LocURI>DEV1</LocURI></Target>"                                                       \
    "<Source><LocURI>https://mdm.example.test/MDM</LocURI></Source></SyncHdr><SyncBody>"

static const char message[] =
    HDR("1.2") "<Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
               "<Data>200</Data></Status>"
               "<Get><CmdID>g-1</CmdID><Item><Target><LocURI>./Vendor/Test/RW</LocURI></Target>"
               "</Item></Get>"
               "<!-- a comment before CmdID --><Replace><!-- x --><CmdID>2</CmdID><Item><Target>"
               "<LocURI>./Vendor/Test/Num</LocURI></Target><Meta><Format "
               "xmlns=\"syncml:metinf\">int</Format></Meta><Data>42</Data></Item></Replace>"
               "<Atomic><CmdID>3</CmdID>"
               "<Replace><CmdID>4</CmdID><Item><Target><LocURI>./Vendor/Test/RW</LocURI></Target>"
               "<Data>in-atomic</Data></Item></Replace>"
               "<Replace><CmdID>5</CmdID><Item><Target><LocURI>./Vendor/Test/RO</LocURI></Target>"
               "<Data>x</Data></Item></Replace></Atomic>"
               "<Exec><CmdID>6</CmdID><Item><Target><LocURI>./Vendor/Test/Restart</LocURI>"
               "</Target><Meta><Format xmlns=\"syncml:metinf\">null</Format></Meta></Item></Exec>"
               "<Final/></SyncBody></SyncML>";

typedef struct fixture {
    omadm_tree *tree;
    tcsp a;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tcsp_init(&f->a, "A");
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    tcsp_register(f->tree, "./Vendor/Test", &f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_tree_free(f->tree);
    free(f);
    return 0;
}

static syncml_msg *process(fixture *f, const char *xml)
{
    char *reply = NULL;
    size_t len = 0;
    syncml_msg *out = NULL;

    assert_int_equal(omadm_tree_process(f->tree, xml, strlen(xml), &reply, &len), OMADM_OK);
    assert_non_null(reply);
    assert_int_equal(strlen(reply), len);
    assert_int_equal(syncml_parse(reply, len, NULL, &out, NULL), OMADM_OK);
    omadm_free(reply);
    return out;
}

static void test_process_message(void **state)
{
    fixture *f = *state;
    syncml_msg *out = process(f, message);
    syncml_cmd *c;
    char got[2048];
    unsigned id = 1;

    /* Header: back to the server, same session and message number. */
    assert_string_equal(out->hdr.ver_dtd, "1.2");
    assert_string_equal(out->hdr.ver_proto, "DM/1.2");
    assert_string_equal(out->hdr.session_id, "17");
    assert_string_equal(out->hdr.msg_id, "3");
    assert_string_equal(out->hdr.target_uri, "https://mdm.example.test/MDM");
    assert_string_equal(out->hdr.source_uri, "DEV1");
    assert_true(out->final);
    /* Answers numbered 1.. in order, the SyncHdr Status first. */
    for (c = out->body; c; c = c->next, id++) {
        char want[16];
        snprintf(want, sizeof want, "%u", id);
        assert_string_equal(c->cmd_id, want);
        c->cmd_id = NULL; /* dm_describe wants the dispatcher's view */
    }
    dm_describe(out->body, "3", got, sizeof got);
    assert_string_equal(got, "S SyncHdr 0 200 | S Get g-1 200 | "
                             "R g-1 ./Vendor/Test/RW=rw0(chr,text/plain) | S Replace 2 200 | "
                             "S Atomic 3 507 | S Replace 4 215 | S Replace 5 405 | S Exec 6 200");
    assert_int_equal(f->a.s.num, 42);
    assert_string_equal(f->a.s.rw, "rw0");
    assert_int_equal(f->a.s.restart_armed, 1);
    syncml_msg_free(out);
}

static void test_process_header_versions(void **state)
{
    fixture *f = *state;
    static const char old_dtd[] = HDR("1.1") "<Replace><CmdID>2</CmdID><Item><Target><LocURI>"
                                             "./Vendor/Test/RW</LocURI></Target><Data>x</Data>"
                                             "</Item></Replace><Final/></SyncBody></SyncML>";
    char *reply = NULL;
    size_t len = 0;
    omadm_status st = omadm_tree_process(f->tree, old_dtd, strlen(old_dtd), &reply, &len);

    /* Either the codec refuses the header, or we answer 505 and run nothing. */
    if (st == OMADM_OK) {
        syncml_msg *out = NULL;
        assert_int_equal(syncml_parse(reply, len, NULL, &out, NULL), OMADM_OK);
        assert_non_null(out->body);
        assert_string_equal(out->body->cmd, "SyncHdr");
        assert_string_equal(out->body->data, "505");
        assert_null(out->body->next);
        syncml_msg_free(out);
    } else {
        assert_int_equal(st, OMADM_ERR_PARSE);
        assert_null(reply);
    }
    omadm_free(reply);
    assert_string_equal(f->a.s.rw, "rw0");
}

static void test_process_errors(void **state)
{
    fixture *f = *state;
    char *reply = (char *)"sentinel";
    size_t len = 99;

    assert_int_equal(omadm_tree_process(f->tree, "<SyncML", 7, &reply, &len), OMADM_ERR_PARSE);
    assert_null(reply);
    assert_int_equal(len, 0);
    assert_int_equal(omadm_tree_process(NULL, message, sizeof message - 1, &reply, &len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_process(f->tree, NULL, 0, &reply, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_process(f->tree, message, sizeof message - 1, NULL, &len),
                     OMADM_ERR_INVALID);
}

static void test_process_alloc_sweep(void **state)
{
    long n;
    int done = 0;

    (void)state;
    for (n = 1; n < 5000 && !done; n++) {
        fixture *f;
        char *reply = NULL;
        size_t len = 0;
        omadm_status st;

        setup((void **)&f);
        omadm__alloc_fail_at(n, 1);
        st = omadm_tree_process(f->tree, message, sizeof message - 1, &reply, &len);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK) {
            assert_non_null(reply);
            assert_true(done); /* sticky: any failure is an error */
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_null(reply);
        }
        omadm_free(reply);
        teardown((void **)&f);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_process_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_header_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_errors, setup, teardown),
        cmocka_unit_test(test_process_alloc_sweep),
    };
    return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
