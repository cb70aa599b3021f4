/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient Provider/{id}/Push at its edges: a hostile push file (too many
 * entries, malformed lines and encodings), the provider limit, read errors of
 * the push file alone, Atomic commits that write, skip or fail, and an
 * allocation failure sweep (memory always matches the file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "csp/dmclient/dmclient.h"
#include "csp/dmclient/push.h"
#include "dispatch/dispatch.h"
#include "cspone.h"
#include "dmtest.h"
#include "fakeplat.h"
#include "omadm/log.h"
#include "tree/tree.h"

#define P    "./Vendor/MSFT/DMClient/Provider/"
#define PUSH P "Fleet/Push/"
#define HDR  "omadm-dmclient-push 1\n"

typedef struct fixture {
    fakeplat fp;
    omadm_status (*inner_read)(void *ctx, const char *name, size_t max, char **data, size_t *len);
    omadm_status push_read_status; /* file_read of the push file alone */
    omadm_tree *tree;
    omadm_dmclient *dm;
} fixture;

static fixture *current;

static omadm_status read_push_faulty(void *ctx, const char *name, size_t max, char **data,
                                     size_t *len)
{
    if (current->push_read_status != OMADM_OK && strcmp(name, OMADM_DMCLIENT_PUSH_FILE) == 0)
        return current->push_read_status;
    return current->inner_read(ctx, name, max, data, len);
}

static omadm_status open_tree(fixture *f)
{
    omadm_tree_free(f->tree);
    f->dm = NULL;
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    return omadm__dmclient_register(f->tree, &f->fp.p, &f->dm);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    fakeplat_init(&f->fp);
    f->inner_read = f->fp.p.file_read;
    f->fp.p.file_read = read_push_faulty;
    current = f;
    omadm_log_set(NULL, NULL, OMADM_LOG_ERROR);
    fakeplat_set_file(&f->fp, "dmclient.conf",
                      "omadm-dmclient 1\nprovider Fleet 0 15 10 0 0 0 0 0 0\n");
    assert_int_equal(open_tree(f), OMADM_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm__alloc_fail_at(0, 0);
    omadm_tree_free(f->tree);
    fakeplat_free(&f->fp);
    free(f);
    current = NULL;
    return 0;
}

/* Reopens on `content` as the push file; returns the Get of Fleet's PFN. */
static void reopen_with(fixture *f, const char *content, const char *want_get)
{
    fakeplat_set_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE, content);
    assert_int_equal(open_tree(f), OMADM_OK);
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL, want_get);
}

static void test_hostile_push_file(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "omadm-dmclient-push 2\npfn Fleet a\n", /* another version */
        "omadm-dmclient-push 1x\npfn Fleet a\n",
        "omadm-dmclient-push",              /* shorter than the header */
        HDR "pfn Fleet a\nsched Fleet a\n", /* an unknown line kills the whole file */
        HDR "pfn Fleet\n",                  /* no value */
        HDR "pfn  a\n",                     /* empty id */
        HDR "pfn Fleet \n",                 /* empty value */
        HDR "pfn\n",                        /* shorter than "pfn " */
        HDR "pfn Fleet a%2\n",              /* truncated escape */
        HDR "pfn Fleet a%00b\n",            /* an encoded NUL */
        HDR "pfn Fleet a%g1\n",             /* not hex */
        HDR "pfn Fle%t a\n",                /* bad escape in the id */
    };
    char many[2048];
    size_t i, len;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        reopen_with(f, bad[i], "S Get 1 404");

    /* accepted: blank lines, no final newline, lower-case hex */
    reopen_with(f, HDR "\n\npfn Fleet a%2fb", "S Get 1 200 | R 1 " PUSH "PFN=a/b(chr,text/plain)");
    reopen_with(f, "omadm-dmclient-push 1", "S Get 1 404"); /* the header alone: empty */

    /* the limit is 16 entries; 17 is corrupt as a whole */
    len = (size_t)snprintf(many, sizeof many, "%s", HDR);
    for (i = 0; i < OMADM_DMCLIENT_MAX_PROVIDERS - 1; i++)
        len += (size_t)snprintf(many + len, sizeof many - len, "pfn X%zu v\n", i);
    len += (size_t)snprintf(many + len, sizeof many - len, "pfn Fleet last\n");
    reopen_with(f, many, "S Get 1 200 | R 1 " PUSH "PFN=last(chr,text/plain)");
    snprintf(many + len, sizeof many - len, "pfn X99 v\n");
    reopen_with(f, many, "S Get 1 404");
}

static void test_provider_limit(void **state)
{
    fixture *f = *state;
    char many[2048];
    size_t i, len;

    /* 16 PFNs already stored for other providers: Fleet's is one too many */
    len = (size_t)snprintf(many, sizeof many, "%s", HDR);
    for (i = 0; i < OMADM_DMCLIENT_MAX_PROVIDERS; i++)
        len += (size_t)snprintf(many + len, sizeof many - len, "pfn X%zu v\n", i);
    reopen_with(f, many, "S Get 1 404");
    f->fp.replace_calls = 0;
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "mine", "chr", "S Replace 1 420");
    assert_int_equal(f->fp.replace_calls, 0);
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), many);
}

static void test_pfn_length_limit(void **state)
{
    fixture *f = *state;
    char pfn[OMADM_DMCLIENT_PFN_MAX + 2];

    memset(pfn, 'p', sizeof pfn - 1);
    pfn[OMADM_DMCLIENT_PFN_MAX] = '\0';
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", pfn, "chr", "S Replace 1 200");
    pfn[OMADM_DMCLIENT_PFN_MAX] = 'p';
    pfn[OMADM_DMCLIENT_PFN_MAX + 1] = '\0';
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", pfn, "chr", "S Replace 1 400");
    pfn[OMADM_DMCLIENT_PFN_MAX] = '\0';
    assert_non_null(strstr(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), pfn));
}

static void test_push_file_read_errors(void **state)
{
    fixture *f = *state;

    fakeplat_set_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE, HDR "pfn Fleet a\n");
    /* an unreadable push file fails the registration, nothing registered */
    f->push_read_status = OMADM_ERR_IO;
    assert_int_equal(open_tree(f), OMADM_ERR_IO);
    assert_null(f->dm);
    assert_int_equal(omadm__tree_count(f->tree), 0);
    f->push_read_status = OMADM_ERR_ACCESS;
    assert_int_equal(open_tree(f), OMADM_ERR_ACCESS);
    /* one too large is treated as empty: no PFN, the provider still there */
    f->push_read_status = OMADM_ERR_LIMIT;
    assert_int_equal(open_tree(f), OMADM_OK);
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_GET, P "Fleet/Push", NULL, NULL,
        "S Get 1 200 | R 1 " P "Fleet/Push=ChannelURI/Status(node)");
    f->push_read_status = OMADM_OK;
}

static void test_delete_edges(void **state)
{
    fixture *f = *state;

    one(f, SYNCML_CMD_DELETE, PUSH "PFN", NULL, NULL, "S Delete 1 404"); /* none stored */
    one(f, SYNCML_CMD_DELETE, PUSH "ChannelURI", NULL, NULL, "S Delete 1 405");
    one(f, SYNCML_CMD_DELETE, PUSH "Status", NULL, NULL, "S Delete 1 405");
    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "a", "chr", "S Replace 1 200");
    /* a failed write of a Delete keeps the PFN, in memory and on disk */
    f->fp.replace_status = OMADM_ERR_FULL;
    one(f, SYNCML_CMD_DELETE, PUSH "PFN", NULL, NULL, "S Delete 1 420");
    f->fp.replace_status = OMADM_OK;
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "PFN=a(chr,text/plain)");
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), HDR "pfn Fleet a\n");
}

/* Runs one Atomic of the given members (Replace PFN=value, or Delete when
 * value is NULL) and checks the statuses. */
static void atomic(fixture *f, const char *v1, const char *v2, const char *want)
{
    syncml_msg *in = dm_msg("2");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "10");

    if (v1)
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "11"), PUSH "PFN", v1, "chr");
    else
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_DELETE, "11"), PUSH "PFN", NULL, NULL);
    if (v2)
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "12"), PUSH "PFN", v2, "chr");
    else
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_DELETE, "12"), PUSH "PFN", NULL, NULL);
    dm_expect(f->tree, in, want);
    syncml_msg_free(in);
}

static void test_atomic_commits(void **state)
{
    fixture *f = *state;

    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "old", "chr", "S Replace 1 200");
    f->fp.replace_calls = 0;
    /* a change that ends where it began writes nothing */
    atomic(f, "tmp", "old", "S Atomic 10 200 | S Replace 11 200 | S Replace 12 200");
    assert_int_equal(f->fp.replace_calls, 0);
    /* a real change is written once, at commit */
    atomic(f, "mid", "new", "S Atomic 10 200 | S Replace 11 200 | S Replace 12 200");
    assert_int_equal(f->fp.replace_calls, 1);
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), HDR "pfn Fleet new\n");
    /* Delete inside an Atomic, then set again: net change, one write */
    atomic(f, NULL, "again", "S Atomic 10 200 | S Delete 11 200 | S Replace 12 200");
    assert_int_equal(f->fp.replace_calls, 2);
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), HDR "pfn Fleet again\n");
    /* a Delete of a PFN the Atomic already deleted is 404 and rolls back */
    atomic(f, NULL, NULL, "S Atomic 10 507 | S Delete 11 216 | S Delete 12 404");
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "PFN=again(chr,text/plain)");
    /* the commit's write fails: everything rolled back, the file untouched */
    f->fp.replace_status = OMADM_ERR_IO;
    atomic(f, "x", "y", "S Atomic 10 507 | S Replace 11 500 | S Replace 12 500");
    f->fp.replace_status = OMADM_OK;
    assert_int_equal(f->fp.replace_calls, 3);
    one(f, SYNCML_CMD_GET, PUSH "PFN", NULL, NULL,
        "S Get 1 200 | R 1 " PUSH "PFN=again(chr,text/plain)");
    assert_string_equal(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), HDR "pfn Fleet again\n");
}

/* Whether a Get of the PFN at `target` finds one. */
static int has_pfn(fixture *f, const char *target)
{
    syncml_msg *in = dm_msg("9"), *reply = NULL;
    syncml_cmd *answers = NULL;
    char got[256];

    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "1"), target, NULL, NULL);
    assert_int_equal(syncml_msg_new(&reply), OMADM_OK);
    assert_int_equal(omadm__dispatch_message(f->tree, in, "srv", reply, &answers), OMADM_OK);
    dm_describe(answers, "9", got, sizeof got);
    syncml_msg_free(reply);
    syncml_msg_free(in);
    return strncmp(got, "S Get 1 200", 11) == 0;
}

static void test_alloc_sweep(void **state)
{
    fixture *f = *state;
    long n;
    int done = 0;

    one(f, SYNCML_CMD_REPLACE, PUSH "PFN", "old", "chr", "S Replace 1 200");
    one(f, SYNCML_CMD_ADD, P "Other", NULL, "node", "S Add 1 200");
    one(f, SYNCML_CMD_REPLACE, P "Other/Push/PFN", "other", "chr", "S Replace 1 200");
    for (n = 1; n < 2000 && !done; n++) {
        syncml_msg *in = dm_msg("1"), *reply = NULL;
        syncml_cmd *answers = NULL, *at;
        omadm_status st;
        char *before = strdup(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE));
        char got[512];

        assert_non_null(before);
        dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1"), PUSH "PFN", "new", "chr");
        at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "2");
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_DELETE, "3"), P "Other/Push/PFN", NULL,
                NULL);
        dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_DELETE, "4"), PUSH "PFN", NULL, NULL);
        assert_int_equal(syncml_msg_new(&reply), OMADM_OK);
        omadm__alloc_fail_at(n, 1);
        st = omadm__dispatch_message(f->tree, in, "srv", reply, &answers);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (st != OMADM_OK) {
            assert_int_equal(st, OMADM_ERR_NOMEM);
        } else {
            const char *file = fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE);

            dm_describe(answers, "1", got, sizeof got);
            if (done)
                assert_string_equal(
                    got, "S Replace 1 200 | S Atomic 2 200 | S Delete 3 200 | S Delete 4 200");
            /* what each Status says is what the file holds */
            assert_int_equal(strstr(got, "S Atomic 2 200") != NULL,
                             strstr(file, "pfn Other ") == NULL);
            assert_int_equal(strstr(got, "S Delete 4 200") != NULL,
                             strstr(file, "pfn Fleet ") == NULL);
        }
        /* memory matches the file, whatever failed */
        assert_int_equal(has_pfn(f, PUSH "PFN"),
                         strstr(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), "pfn Fleet ") !=
                             NULL);
        assert_int_equal(has_pfn(f, P "Other/Push/PFN"),
                         strstr(fakeplat_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE), "pfn Other ") !=
                             NULL);
        syncml_msg_free(reply);
        syncml_msg_free(in);
        /* back to the starting point for the next round */
        fakeplat_set_file(&f->fp, OMADM_DMCLIENT_PUSH_FILE, before);
        assert_int_equal(open_tree(f), OMADM_OK);
        free(before);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_push_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pfn_length_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_file_read_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_sweep, setup, teardown),
    };
    return cmocka_run_group_tests_name("dmclient push edges", tests, NULL, NULL);
}
