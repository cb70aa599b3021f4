/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation-failure sweeps: fail the 1st, 2nd, ... allocation (once, and
 * from then on) until a run succeeds. Every failing run must return
 * OMADM_ERR_NOMEM and leave nothing behind (LSan/valgrind check leaks).
 *
 * Each sweep runs twice:
 * - "ours": libxml2 uses plain malloc; the failures hit the arena, the
 *   parser state, the scratch buffers, the output buffer. Strict: every
 *   failing run returns OMADM_ERR_NOMEM.
 * - "libxml2": libxml2 is routed through the same hook (xmlMemSetup; test
 *   only, a library must not change libxml2's global allocator), so its own
 *   allocations fail too (parser context, dictionary, input buffer, URI
 *   checks, xmlTextWriter). libxml2 2.9 absorbs some failures (it checks a
 *   namespace URI, or builds a writer's unused document, and goes on): a run
 *   that still succeeds must give exactly the reference result. One libxml2
 *   2.9 defect turns a failed dictionary lookup of a namespace name into
 *   "Empty XML namespace is not allowed": tolerated, counted, reported.
 *   Another is not survivable: xmlTextWriterStartElement ignores a failed
 *   xmlListPushFront and leaks its stack entry, so the hook never fails an
 *   allocation made by xmlListPushFront (found with dladdr; on platforms
 *   without it the writer is swept with our allocations only). */
#if defined(__linux__)
#define _GNU_SOURCE 1 /* dladdr */
#include <dlfcn.h>
#define CAN_SPARE_LIST_PUSH 1
#else
#define CAN_SPARE_LIST_PUSH 0
#endif

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlmemory.h>

#include "core/alloc.h"

SYNCML_ALLOC_TESTS(SYNCML_DECLARE_TEST)

static char names[MAX_FIXTURES][64];

/* The allocation libxml2 2.9's xmlTextWriterStartElement cannot survive. */
static bool spared(void *caller)
{
#if CAN_SPARE_LIST_PUSH
    Dl_info info;

    return dladdr(caller, &info) && info.dli_sname &&
           strcmp(info.dli_sname, "xmlListPushFront") == 0;
#else
    (void)caller;
    return false;
#endif
}

static void *xml_malloc(size_t size)
{
    if (spared(__builtin_return_address(0)))
        return malloc(size);
    return omadm__malloc(size);
}

static void *xml_realloc(void *ptr, size_t size)
{
    return omadm__realloc(ptr, size);
}

static void xml_free(void *ptr)
{
    omadm__free(ptr);
}

static char *xml_strdup(const char *src)
{
    return omadm__strdup(src);
}

static char *plain_strdup(const char *src)
{
    return strdup(src);
}

/* Both end in malloc/free, so blocks may cross from one setting to the
 * other. */
static void route_libxml2(bool routed)
{
    if (routed)
        xmlMemSetup(xml_free, xml_malloc, xml_realloc, xml_strdup);
    else
        xmlMemSetup(free, malloc, realloc, plain_strdup);
}

typedef struct outcome {
    long failed_runs; /* runs that hit an injected failure */
    long absorbed;    /* ... and still succeeded with the reference result */
    long misreported; /* ... and got libxml2's known misreport */
} outcome;

/* `op` returns the status and sets *same when a successful run gave the
 * reference result, *misreport when the error is libxml2's known one. */
typedef omadm_status (*op_fn)(void *ctx, bool *same, bool *misreport);

static void sweep(const char *what, op_fn op, void *ctx, outcome *out, bool writes)
{
    int routed, sticky;

    for (routed = 0; routed <= (writes && !CAN_SPARE_LIST_PUSH ? 0 : 1); routed++) {
        route_libxml2(routed);
        for (sticky = 0; sticky <= 1; sticky++) {
            long n;

            for (n = 1;; n++) {
                bool same = false, misreport = false;
                omadm_status st;
                int failed;

                omadm__alloc_fail_at(n, sticky);
                st = op(ctx, &same, &misreport);
                failed = omadm__alloc_failed();
                omadm__alloc_fail_at(0, 0);
                if (!failed) {
                    if (st != OMADM_OK || !same)
                        fail_msg("%s: clean run returned %s", what, omadm_status_name(st));
                    break;
                }
                out->failed_runs++;
                if (st == OMADM_ERR_NOMEM)
                    continue;
                if (routed && st == OMADM_OK && same) {
                    out->absorbed++;
                    continue;
                }
                if (routed && st == OMADM_ERR_PARSE && misreport) {
                    out->misreported++;
                    continue;
                }
                route_libxml2(false);
                fail_msg("%s: failing allocation %ld (%s, %s) returned %s%s", what, n,
                         sticky ? "sticky" : "once", routed ? "libxml2 routed" : "ours only",
                         omadm_status_name(st),
                         st == OMADM_OK && !same ? " with another result" : "");
            }
        }
    }
    route_libxml2(false);
}

typedef struct parse_ctx {
    const char *data;
    size_t len;
    const syncml_msg *ref;
    const syncml_limits *lim; /* NULL: the defaults */
} parse_ctx;

static omadm_status op_parse(void *ctx, bool *same, bool *misreport)
{
    parse_ctx *p = ctx;
    syncml_msg *msg = (syncml_msg *)p; /* must come back NULL on failure */
    syncml_error err;
    omadm_status st = syncml_parse(p->data, p->len, p->lim, &msg, &err);

    if (st == OMADM_OK) {
        *same = syncml_msg_equal(p->ref, msg, NULL, 0);
        syncml_msg_free(msg);
        return st;
    }
    if (msg != NULL)
        fail_msg("failed parse left *out set");
    if (st == OMADM_ERR_NOMEM && strcmp(err.message, "out of memory") != 0)
        fail_msg("NOMEM with message \"%s\"", err.message);
    *misreport = strstr(err.message, "Empty XML namespace is not allowed") != NULL;
    return st;
}

static void report(const char *what, const outcome *o)
{
    print_message("%s: %ld failing runs, %ld absorbed by libxml2 with the right result, %ld "
                  "misreported by libxml2\n",
                  what, o->failed_runs, o->absorbed, o->misreported);
}

void test_alloc_sweep_parse(void **state)
{
    size_t n = list_fixtures(names, MAX_FIXTURES), i;
    outcome o = { 0, 0, 0 };

    (void)state;
    for (i = 0; i < n; i++) {
        parse_ctx ctx;
        char *in = read_fixture(names[i], &ctx.len);
        syncml_msg *ref = parse_ok(in, ctx.len);

        ctx.data = in;
        ctx.ref = ref;
        ctx.lim = NULL;
        sweep(names[i], op_parse, &ctx, &o, false);
        syncml_msg_free(ref);
        free(in);
    }
    report("parse sweep", &o);
    assert_true(o.failed_runs > (long)n * 20);
}

typedef struct write_ctx {
    const syncml_msg *msg;
    const char *expect;
    size_t expect_len;
    size_t first_cmd_size;
} write_ctx;

static omadm_status op_write(void *ctx, bool *same, bool *misreport)
{
    static char sentinel; /* a failed write must reset `out` from this */
    write_ctx *w = ctx;
    char *out = &sentinel;
    size_t len = 1;
    omadm_status st = syncml_write(w->msg, &out, &len);

    if (st == OMADM_OK) {
        *same = len == w->expect_len && memcmp(out, w->expect, len) == 0;
        omadm__free(out);
    } else if (out != NULL || len != 0) {
        fail_msg("failed write left output set");
    }
    return st;
}

static omadm_status op_sizes(void *ctx, bool *same, bool *misreport)
{
    write_ctx *w = ctx;
    size_t size = 1, cmd_size = 1;
    omadm_status st = syncml_encoded_size(w->msg, &size);

    if (st != OMADM_OK) {
        assert_int_equal(size, 0);
        return st;
    }
    st = syncml_cmd_encoded_size(w->msg->body, &cmd_size);
    if (st != OMADM_OK) {
        assert_int_equal(cmd_size, 0);
        return st;
    }
    *same = size == w->expect_len && cmd_size == w->first_cmd_size;
    return st;
}

void test_alloc_sweep_write(void **state)
{
    size_t n = list_fixtures(names, MAX_FIXTURES), i;
    outcome o = { 0, 0, 0 };

    (void)state;
    for (i = 0; i < n; i++) {
        size_t len;
        char *in = read_fixture(names[i], &len);
        syncml_msg *msg = parse_ok(in, len);
        char *golden;
        write_ctx ctx;

        golden = read_golden(names[i], &ctx.expect_len);
        ctx.msg = msg;
        ctx.expect = golden;
        assert_int_equal(syncml_cmd_encoded_size(msg->body, &ctx.first_cmd_size), OMADM_OK);
        sweep(names[i], op_write, &ctx, &o, true);
        sweep(names[i], op_sizes, &ctx, &o, true);
        syncml_msg_free(msg);
        free(golden);
        free(in);
    }
    report("write sweep", &o);
    /* Without dladdr (Windows) the writer is swept with our allocations
     * only: far fewer failing runs, still at least one per fixture. */
    assert_true(o.failed_runs > (long)n * (CAN_SPARE_LIST_PUSH ? 10 : 1));
    assert_int_equal(o.misreported, 0);
}

/* Builders and clone: NULL on failure, and the arena frees whatever was
 * allocated before it. */
typedef struct clone_ctx {
    const syncml_msg *src;
} clone_ctx;

static omadm_status op_clone(void *ctx, bool *same, bool *misreport)
{
    clone_ctx *c = ctx;
    syncml_msg *dst;
    const syncml_cmd *cmd;
    omadm_status st = syncml_msg_new(&dst);

    if (st != OMADM_OK) {
        assert_null(dst);
        return st;
    }
    for (cmd = c->src->body; cmd; cmd = cmd->next) {
        syncml_cmd *copy = syncml_cmd_clone(dst, cmd);

        if (!copy) {
            st = OMADM_ERR_NOMEM;
            break;
        }
        syncml_cmd_append(&dst->body, copy);
    }
    if (st == OMADM_OK) {
        dst->hdr = c->src->hdr;
        dst->final = c->src->final;
        *same = syncml_msg_equal(c->src, dst, NULL, 0);
        memset(&dst->hdr, 0, sizeof(dst->hdr));
    }
    syncml_msg_free(dst);
    return st;
}

void test_alloc_sweep_clone(void **state)
{
    size_t n = list_fixtures(names, MAX_FIXTURES), i;
    outcome o = { 0, 0, 0 };

    (void)state;
    for (i = 0; i < n; i++) {
        size_t len;
        char *in = read_fixture(names[i], &len);
        clone_ctx ctx;
        syncml_msg *src = parse_ok(in, len);

        ctx.src = src;
        sweep(names[i], op_clone, &ctx, &o, false);
        syncml_msg_free(src);
        free(in);
    }
    assert_int_equal(o.absorbed + o.misreported, 0); /* no libxml2 involved */
    assert_true(o.failed_runs >= (long)n * 4);
}

/* Failures while capturing raw XML (namespaces, attributes) and while
 * growing the parser's element stack past its inline frames. */
void test_alloc_sweep_parse_deep(void **state)
{
    char *open = repeat("<p:e xmlns:p=\"urn:x\" a=\"1 &amp; 2\">t", 60);
    char *close = repeat("</p:e>", 60);
    char *body =
        fmt("<Replace><CmdID>1</CmdID><Item><Data>%s%s</Data></Item></Replace>", open, close);
    syncml_limits lim = SYNCML_LIMITS_DEFAULT;
    syncml_error err;
    parse_ctx ctx;
    outcome o = { 0, 0, 0 };
    char *in = wrap_body(body, &ctx.len);
    syncml_msg *ref = NULL;

    (void)state;
    lim.max_depth = 100;
    assert_int_equal(syncml_parse(in, ctx.len, &lim, &ref, &err), OMADM_OK);
    assert_true(ref->body->items->data_is_xml);
    ctx.data = in;
    ctx.ref = ref;
    ctx.lim = &lim;
    sweep("deep raw XML", op_parse, &ctx, &o, false);
    report("deep sweep", &o);
    assert_true(o.failed_runs > 20);
    syncml_msg_free(ref);
    free(in);
    free(body);
    free(open);
    free(close);
}
