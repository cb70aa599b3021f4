/* SPDX-License-Identifier: Apache-2.0 */
/* tree: URI rules (syncml-dm §9), registration, resolution, existence and
 * child lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "tree/tree.h"
#include "tree/uri.h"

/* ---- URIs ------------------------------------------------------------------ */

static int parse(const char *uri, omadm_uri *out)
{
    return omadm__uri_parse(uri, NULL, out);
}

static void test_uri_scopes(void **state)
{
    omadm_uri u;

    (void)state;
    assert_int_equal(parse("./Vendor/MSFT/Reboot", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_NONE);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.seg[0], "Vendor");
    assert_string_equal(u.seg[2], "Reboot");

    assert_int_equal(parse("./Device/Vendor/MSFT/Reboot", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_DEVICE);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.seg[0], "Vendor");

    assert_int_equal(parse("./device/Vendor/MSFT/Reboot", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_DEVICE);
    assert_int_equal(parse("./USER/Vendor/MSFT/Reboot", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_USER);
    assert_int_equal(u.n, 3);

    /* Only the first segment is a scope. */
    assert_int_equal(parse("./Vendor/Device/X", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_NONE);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.seg[1], "Device");

    /* "./" may be left out; "." alone is the root. */
    assert_int_equal(parse("Vendor/MSFT", &u), 0);
    assert_int_equal(u.n, 2);
    assert_int_equal(parse(".", &u), 0);
    assert_int_equal(u.n, 0);
    assert_int_equal(parse("./Device", &u), 0);
    assert_int_equal(u.n, 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_DEVICE);
    /* The fixed prefixes in any case (issue 14): ./Device, ./User and the
     * Vendor right after them; nothing further. */
    assert_int_equal(parse("./device/vendor/MSFT/Reboot", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_DEVICE);
    assert_string_equal(u.seg[0], "Vendor");
    assert_string_equal(u.seg[1], "MSFT");
    assert_int_equal(parse("./uSeR/VENDOR/MSFT/x", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_USER);
    assert_string_equal(u.seg[0], "Vendor");
    assert_int_equal(parse("./vendor/msft/reboot", &u), 0);
    assert_string_equal(u.seg[0], "Vendor");
    assert_string_equal(u.seg[1], "msft");
    assert_string_equal(u.seg[2], "reboot");
    assert_int_equal(parse("./Vendor/MSFT/vendor", &u), 0);
    assert_string_equal(u.seg[2], "vendor");
    assert_int_equal(parse("./DevInfo/vendor", &u), 0);
    assert_string_equal(u.seg[1], "vendor");
    assert_int_equal(parse("./Vendors/MSFT", &u), 0);
    assert_string_equal(u.seg[0], "Vendors");

    /* A '.' inside a name is fine. */
    assert_int_equal(parse("./Vendor/a.b/.c", &u), 0);
    assert_string_equal(u.seg[1], "a.b");
    assert_string_equal(u.seg[2], ".c");
}

static void test_uri_rejects(void **state)
{
    static const struct {
        const char *uri;
        int code;
    } cases[] = {
        { "", 400 },
        { "/Vendor/MSFT", 400 },
        { "./", 400 },
        { "./Vendor//MSFT", 400 },
        { "./Vendor/MSFT/", 400 },
        { "./Vendor/./MSFT", 400 },
        { "./Vendor/../MSFT", 400 },
        { "./.", 400 },
        { "./Vendor/*", 400 },
        { "./Vendor/%2A", 400 },
        { "./Vendor/%2E/MSFT", 400 },
        { "./Vendor/%2e%2E/MSFT", 400 },
        { "./Vendor/.%2E", 400 },
        { "./Vendor/a\x01z", 400 },
        { "./Vendor/a\x7fz", 400 },
        { "./Vendor/a\tb", 400 },
        { "./Vendor/%G1", 400 },
        { "./Vendor/%4", 400 },
        { "./Vendor/a%", 400 },
        { "./Vendor/%00x", 400 },
        { "./Vendor/a%2Fb", 404 },
        { "./Vendor/MSFT?list=Struct", 406 },
        { "./Vendor/MSFT?prop=ACL", 406 },
        { "./Vendor/MSFT?list=StructData", 406 },
    };
    omadm_uri u;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = parse(cases[i].uri, &u);
        if (got != cases[i].code)
            fail_msg("%s: got %d, want %d", cases[i].uri, got, cases[i].code);
    }
    assert_int_equal(omadm__uri_parse(NULL, NULL, &u), 400);
}

static void test_uri_percent_decoding(void **state)
{
    omadm_uri u;

    (void)state;
    assert_int_equal(parse("./Vendor/DEMO%20MDM/%c3%a9t%C3%A9", &u), 0);
    assert_string_equal(u.seg[1], "DEMO MDM");
    assert_int_equal(u.seg_len[1], 8);
    assert_string_equal(u.seg[2], "\xc3\xa9t\xc3\xa9");
    /* An escaped scope name still names the scope. */
    assert_int_equal(parse("./%44evice/X", &u), 0);
    assert_int_equal(u.scope, OMADM_URI_SCOPE_DEVICE);
}

static void test_uri_limits(void **state)
{
    char uri[2048];
    omadm_uri u;
    size_t i, n;

    (void)state;
    /* 1024 bytes accepted, 1025 not. */
    memset(uri, 'a', sizeof uri);
    memcpy(uri, "./", 2);
    for (i = 2; i < 1024; i += 200)
        uri[i] = '/';
    uri[2] = 'a';
    uri[1024] = '\0';
    assert_int_equal(parse(uri, &u), 0);
    uri[1024] = 'b';
    uri[1025] = '\0';
    assert_int_equal(parse(uri, &u), 414);

    /* 32 segments (the scope prefix counts), not 33. */
    n = (size_t)snprintf(uri, sizeof uri, ".");
    for (i = 0; i < 32; i++)
        n += (size_t)snprintf(uri + n, sizeof uri - n, "/%s", i == 0 ? "Device" : "s");
    assert_int_equal(parse(uri, &u), 0);
    assert_int_equal(u.n, 31);
    snprintf(uri + n, sizeof uri - n, "/x");
    assert_int_equal(parse(uri, &u), 414);

    /* A segment of 255 decoded bytes, not 256 (escapes count once). */
    n = (size_t)snprintf(uri, sizeof uri, "./");
    for (i = 0; i < 255; i++)
        n += (size_t)snprintf(uri + n, sizeof uri - n, "%%41");
    assert_int_equal(parse(uri, &u), 0);
    assert_int_equal(u.seg_len[0], 255);
    snprintf(uri + n, sizeof uri - n, "B");
    assert_int_equal(parse(uri, &u), 414);

    /* Lowered limits apply. */
    {
        omadm_uri_limits small = { 12, 3, 4 };
        assert_int_equal(omadm__uri_parse("./a/b/c", &small, &u), 0);
        assert_int_equal(omadm__uri_parse("./a/b/c/d", &small, &u), 414);
        assert_int_equal(omadm__uri_parse("./abcde", &small, &u), 414);
        assert_int_equal(omadm__uri_parse("./abc/abc/ab", &small, &u), 0);
        assert_int_equal(omadm__uri_parse("./abc/abc/abc", &small, &u), 414);
    }
}

static void test_uri_encode_join(void **state)
{
    omadm_buf buf = OMADM_BUF_INIT;
    omadm_uri u;
    char joined[64];

    (void)state;
    assert_int_equal(omadm__uri_encode_append(&buf, "DEMO MDM/x~_.-\xc3\xa9"), OMADM_OK);
    assert_string_equal(buf.data, "DEMO%20MDM%2Fx~_.-%C3%A9");
    omadm__buf_free(&buf);
    assert_int_equal(omadm__uri_encode_append(&buf, ""), OMADM_OK);
    assert_string_equal(buf.data, "");
    omadm__buf_free(&buf);

    assert_int_equal(parse("./Device/A/B%20C/D", &u), 0);
    assert_int_equal(omadm__uri_join(&u, 1, joined, sizeof joined), 0);
    assert_string_equal(joined, "B C/D");
    assert_int_equal(omadm__uri_join(&u, 0, joined, 4), -1);
}

/* ---- a CSP for registry tests ------------------------------------------------ */

typedef struct kv {
    char names[4][16];
    size_t n;
    int children_calls;
} kv;

static int kv_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    kv *k = csp;
    size_t i;

    k->children_calls++;
    if (strcmp(req->path, "") == 0) {
        if (omadm_csp_children_add(out, "Fixed") != OMADM_OK)
            return -500;
        for (i = 0; i < k->n; i++)
            if (omadm_csp_children_add(out, k->names[i]) != OMADM_OK)
                return -500;
        return 0;
    }
    if (strcmp(req->path, "Fixed") == 0)
        return 0;
    for (i = 0; i < k->n; i++)
        if (strcmp(req->path, k->names[i]) == 0)
            return omadm_csp_children_add(out, "Leaf") == OMADM_OK ? 0 : -500;
    return -404;
}

static const omadm_csp_ops kv_ops = { OMADM_CSP_OPS_VERSION, NULL, NULL, NULL, NULL, NULL,
                                      kv_children,           NULL, NULL, NULL, NULL };
static const omadm_csp_ops plain_ops = {
    OMADM_CSP_OPS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static const omadm_node_def kv_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Fixed", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "*", OMADM_FORMAT_NODE, OMADM_ACCESS_GET | OMADM_ACCESS_ADD,
      OMADM_NODE_INTERIOR | OMADM_NODE_DYNAMIC, NULL },
    { "*/Leaf", OMADM_FORMAT_INT, OMADM_ACCESS_GET, 0, NULL },
    { "Fixed/Leaf", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, "text/x-special" },
};
#define N_KV (sizeof kv_nodes / sizeof kv_nodes[0])

static const omadm_node_def leaf_root[] = {
    { "", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
};

static void test_register_rules(void **state)
{
    omadm_tree *tree;
    kv k = { { "" }, 0, 0 };
    omadm_csp_ops v0 = kv_ops;
    static const omadm_node_def no_root[] = {
        { "A", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    };
    static const omadm_node_def bad_format[] = {
        { "", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    };
    static const omadm_node_def orphan[] = {
        { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
        { "A/B", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    };
    static const omadm_node_def leaf_parent[] = {
        { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
        { "A", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
        { "A/B", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    };
    static const omadm_node_def dup[] = {
        { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
        { "A", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
        { "A", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    };
    static const omadm_node_def bad_path[] = {
        { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
        { "A/", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    };

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(
        omadm_tree_register(tree, "./Vendor/Contoso/Settings", &kv_ops, kv_nodes, N_KV, 0, &k),
        OMADM_OK);
    /* The same node under another spelling, a parent or a child: overlap. */
    assert_int_equal(omadm_tree_register(tree, "./Device/Vendor/Contoso/Settings", &kv_ops,
                                         kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_EXISTS);
    assert_int_equal(omadm_tree_register(tree, "./Vendor/Contoso", &kv_ops, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_EXISTS);
    assert_int_equal(
        omadm_tree_register(tree, "./Vendor/Contoso/Settings/X", &kv_ops, kv_nodes, N_KV, 0, &k),
        OMADM_ERR_EXISTS);
    /* Bad roots. */
    assert_int_equal(omadm_tree_register(tree, ".", &kv_ops, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./User/Vendor/A", &kv_ops, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./A//B", &kv_ops, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, NULL, &kv_ops, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_INVALID);
    /* Bad ops, scope or table. */
    v0.version = 0;
    assert_int_equal(omadm_tree_register(tree, "./B", &v0, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", NULL, kv_nodes, N_KV, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, kv_nodes, N_KV, 8, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, no_root, 1, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, bad_format, 1, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, orphan, 2, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, leaf_parent, 3, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, dup, 3, 0, &k), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, bad_path, 2, 0, &k),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_register(tree, "./B", &kv_ops, NULL, 0, 0, &k), OMADM_ERR_INVALID);
    /* A single leaf as a CSP is fine; a sibling root too. */
    assert_int_equal(
        omadm_tree_register(tree, "./Vendor/Contoso/Flag", &plain_ops, leaf_root, 1, 0, &k),
        OMADM_OK);
    assert_int_equal(omadm__tree_count(tree), 2);
    omadm_tree_free(tree);
    omadm_tree_free(NULL);
    assert_int_equal(omadm_tree_new(NULL), OMADM_ERR_INVALID);
}

static int destroyed;
static void count_destroy(void *csp)
{
    (void)csp;
    destroyed++;
}

static void test_register_owned(void **state)
{
    omadm_tree *tree;

    (void)state;
    destroyed = 0;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(
        omadm_tree_register_owned(tree, "./A", &plain_ops, leaf_root, 1, 0, NULL, count_destroy),
        OMADM_OK);
    /* Failure: destroyed at once. */
    assert_int_equal(
        omadm_tree_register_owned(tree, "./A", &plain_ops, leaf_root, 1, 0, NULL, count_destroy),
        OMADM_ERR_EXISTS);
    assert_int_equal(destroyed, 1);
    omadm_tree_free(tree);
    assert_int_equal(destroyed, 2);
}

/* Unregister withdraws exactly one root; the place is free again. */
static void test_unregister(void **state)
{
    omadm_tree *tree;
    kv k = { { "" }, 0, 0 };

    (void)state;
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(
        omadm_tree_register(tree, "./Vendor/Contoso/Settings", &kv_ops, kv_nodes, N_KV, 0, &k),
        OMADM_OK);
    assert_int_equal(
        omadm_tree_register(tree, "./Vendor/Contoso/Flag", &plain_ops, leaf_root, 1, 0, &k),
        OMADM_OK);
    assert_int_equal(omadm_tree_unregister(tree, "./Vendor/Contoso"), OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm_tree_unregister(tree, "./Vendor/Contoso/Settings/X"),
                     OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm_tree_unregister(tree, "./A//B"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_unregister(tree, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_tree_unregister(tree, "./Device/Vendor/Contoso/Settings"), OMADM_OK);
    assert_int_equal(omadm__tree_count(tree), 1);
    assert_string_equal(omadm__tree_at(tree, 0)->root, "Vendor/Contoso/Flag");
    assert_int_equal(omadm_tree_unregister(tree, "./Vendor/Contoso/Settings"), OMADM_ERR_NOT_FOUND);
    assert_int_equal(
        omadm_tree_register(tree, "./Vendor/Contoso/Settings/X", &kv_ops, kv_nodes, N_KV, 0, &k),
        OMADM_OK);
    omadm_tree_free(tree);
}

static void test_register_nomem(void **state)
{
    omadm_tree *tree = NULL;
    kv k = { { "" }, 0, 0 };
    long n;
    omadm_status st;

    (void)state;
    for (n = 1; n < 20; n++) {
        omadm__alloc_fail_at(n, 0);
        st = omadm_tree_new(&tree);
        if (st == OMADM_OK)
            st = omadm_tree_register(tree, "./Vendor/Contoso/Settings", &kv_ops, kv_nodes, N_KV, 0,
                                     &k);
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK) {
            assert_int_equal(omadm__tree_count(tree), 1);
            omadm_tree_free(tree);
            break;
        }
        assert_int_equal(st, OMADM_ERR_NOMEM);
        if (tree)
            assert_int_equal(omadm__tree_count(tree), 0);
        omadm_tree_free(tree);
        tree = NULL;
    }
    assert_true(n > 1 && n < 20);
}

/* ---- resolution --------------------------------------------------------------- */

typedef struct fixture {
    omadm_tree *tree;
    kv k;
} fixture;

static int setup(void **state)
{
    static fixture f;

    memset(&f, 0, sizeof f);
    assert_int_equal(omadm_tree_new(&f.tree), OMADM_OK);
    assert_int_equal(omadm_tree_register(f.tree, "./Vendor/Contoso/Settings", &kv_ops, kv_nodes,
                                         N_KV, OMADM_CSP_SCOPE_DEVICE, &f.k),
                     OMADM_OK);
    assert_int_equal(omadm_tree_register(f.tree, "./Vendor/MSFT/UserOnly", &plain_ops, leaf_root, 1,
                                         OMADM_CSP_SCOPE_USER, &f.k),
                     OMADM_OK);
    assert_int_equal(omadm_tree_register(f.tree, "./Vendor/MSFT/Both", &plain_ops, leaf_root, 1,
                                         OMADM_CSP_SCOPE_USER | OMADM_CSP_SCOPE_DEVICE, &f.k),
                     OMADM_OK);
    assert_int_equal(omadm_tree_register(f.tree, "./DevInfo", &plain_ops, leaf_root, 1, 0, &f.k),
                     OMADM_OK);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_tree_free(f->tree);
    return 0;
}

static void test_resolve(void **state)
{
    fixture *f = *state;
    omadm_tree_target t;

    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/Fixed/Leaf", &t), 0);
    assert_non_null(t.reg);
    assert_string_equal(t.path, "Fixed/Leaf");
    assert_ptr_equal(t.node, &kv_nodes[4]); /* the literal entry, not "*"/Leaf */
    assert_int_equal(omadm__tree_resolve(f->tree, "./Device/Vendor/Contoso/Settings/abc/Leaf", &t),
                     0);
    assert_string_equal(t.path, "abc/Leaf");
    assert_ptr_equal(t.node, &kv_nodes[3]);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings", &t), 0);
    assert_string_equal(t.path, "");
    assert_ptr_equal(t.node, &kv_nodes[0]);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/a%20b", &t), 0);
    assert_string_equal(t.path, "a b");

    /* Not in the node table, no CSP, bad URI. */
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/a/b/c", &t), 404);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Other", &t), 404);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Nothing", &t), 404);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/", &t), 400);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings?list=Struct", &t),
                     406);

    /* Scopes: device-only under ./User is 404; user-only under device 404. */
    assert_int_equal(omadm__tree_resolve(f->tree, "./User/Vendor/Contoso/Settings", &t), 404);
    assert_int_equal(omadm__tree_resolve(f->tree, "./User/Vendor/MSFT/UserOnly", &t), 0);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/MSFT/UserOnly", &t), 404);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Device/Vendor/MSFT/UserOnly", &t), 404);
    assert_int_equal(omadm__tree_resolve(f->tree, "./User/Vendor/MSFT/Both", &t), 0);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/MSFT/Both", &t), 0);

    /* Virtual interior nodes above the roots. */
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/MSFT", &t), 0);
    assert_null(t.reg);
    assert_true(t.node->flags & OMADM_NODE_INTERIOR);
    assert_int_equal(omadm__tree_resolve(f->tree, ".", &t), 0);
    assert_null(t.reg);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Device", &t), 0);
    assert_null(t.reg);
}

static void list_of(fixture *f, const char *uri, char *out, size_t size)
{
    omadm_tree_target t;
    omadm_csp_children kids = { NULL, 0, 0 };
    omadm_csp_request req;
    size_t i, n = 0;

    memset(&req, 0, sizeof req);
    out[0] = '\0';
    assert_int_equal(omadm__tree_resolve(f->tree, uri, &t), 0);
    assert_int_equal(omadm__tree_list(f->tree, &t, &req, &kids), 0);
    for (i = 0; i < kids.n; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "", kids.names[i]);
    omadm__csp_children_clear(&kids);
}

static void test_children(void **state)
{
    fixture *f = *state;
    char got[256];

    list_of(f, ".", got, sizeof got);
    assert_string_equal(got, "Vendor,DevInfo");
    list_of(f, "./Vendor", got, sizeof got);
    assert_string_equal(got, "Contoso,MSFT");
    list_of(f, "./Vendor/MSFT", got, sizeof got);
    assert_string_equal(got, "Both");
    list_of(f, "./User/Vendor/MSFT", got, sizeof got);
    assert_string_equal(got, "UserOnly,Both");

    strcpy(f->k.names[0], "k1");
    strcpy(f->k.names[1], "k 2");
    f->k.n = 2;
    list_of(f, "./Vendor/Contoso/Settings", got, sizeof got);
    assert_string_equal(got, "Fixed,k1,k 2");
    f->k.n = 0;
}

static void test_exists(void **state)
{
    fixture *f = *state;
    omadm_tree_target t;
    omadm_csp_request req;
    int exists = -1;

    memset(&req, 0, sizeof req);
    strcpy(f->k.names[0], "k1");
    f->k.n = 1;

    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/k1/Leaf", &t), 0);
    f->k.children_calls = 0;
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_true(exists);
    assert_int_equal(f->k.children_calls, 1); /* only the dynamic level asks */

    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/k2/Leaf", &t), 0);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_false(exists);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/k2", &t), 0);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_false(exists);

    /* Permanent nodes exist without asking. */
    f->k.children_calls = 0;
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/Fixed/Leaf", &t), 0);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_true(exists);
    assert_int_equal(f->k.children_calls, 0);
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor", &t), 0);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_true(exists);

    /* A listing that runs out of memory is a 500, not "absent". */
    assert_int_equal(omadm__tree_resolve(f->tree, "./Vendor/Contoso/Settings/k1", &t), 0);
    omadm__alloc_fail_at(1, 1);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 500);
    omadm__alloc_fail_at(0, 0);
    f->k.n = 0;
}

static void test_exists_without_children_op(void **state)
{
    static const omadm_node_def nodes[] = {
        { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
        { "*", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, OMADM_NODE_DYNAMIC, NULL },
        { "Lit", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, OMADM_NODE_DYNAMIC, NULL },
    };
    omadm_tree *tree;
    omadm_tree_target t;
    omadm_csp_request req;
    omadm_csp_children kids = { NULL, 0, 0 };
    int exists = -1;

    (void)state;
    memset(&req, 0, sizeof req);
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(omadm_tree_register(tree, "./X", &plain_ops, nodes, 3, 0, NULL), OMADM_OK);
    /* Without a children callback, "*" instances never exist... */
    assert_int_equal(omadm__tree_resolve(tree, "./X/any", &t), 0);
    assert_ptr_equal(t.node, &nodes[1]);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_false(exists);
    /* ...and literal entries are listed by the table, so they do. */
    assert_int_equal(omadm__tree_resolve(tree, "./X/Lit", &t), 0);
    assert_ptr_equal(t.node, &nodes[2]);
    assert_int_equal(omadm__tree_exists(&t, &req, &exists), 0);
    assert_true(exists);
    assert_int_equal(omadm__tree_resolve(tree, "./X", &t), 0);
    assert_int_equal(omadm__tree_list(tree, &t, &req, &kids), 0);
    assert_int_equal(kids.n, 1);
    assert_string_equal(kids.names[0], "Lit");
    omadm__csp_children_clear(&kids);
    omadm_tree_free(tree);
}

static void test_codes_and_values(void **state)
{
    omadm_csp_value v = { NULL, 0, 0 };
    omadm_csp_children c = { NULL, 0, 0 };

    (void)state;
    assert_int_equal(omadm__tree_code(0), 200);
    assert_int_equal(omadm__tree_code(-404), 404);
    assert_int_equal(omadm__tree_code(-202), 202);
    assert_int_equal(omadm__tree_code(-1), 500);
    assert_int_equal(omadm__tree_code(-600), 500);
    assert_int_equal(omadm__tree_code(1), 500);
    assert_int_equal(omadm__tree_code(404), 500);

    assert_int_equal(omadm_csp_value_set(&v, "abc", 2), OMADM_OK);
    assert_string_equal(v.data, "ab");
    assert_int_equal(omadm_csp_value_set(&v, "xyz", 3), OMADM_OK); /* replaces */
    assert_string_equal(v.data, "xyz");
    assert_int_equal(omadm_csp_value_set(&v, NULL, 1), OMADM_ERR_INVALID);
    omadm__alloc_fail_at(1, 0);
    assert_int_equal(omadm_csp_value_set(&v, "q", 1), OMADM_ERR_NOMEM);
    omadm__alloc_fail_at(0, 0);
    assert_string_equal(v.data, "xyz"); /* unchanged */
    omadm__csp_value_clear(&v);

    assert_int_equal(omadm_csp_children_add(&c, "a"), OMADM_OK);
    assert_int_equal(omadm_csp_children_add(&c, ""), OMADM_ERR_INVALID);
    assert_int_equal(omadm_csp_children_add(&c, "a/b"), OMADM_ERR_INVALID);
    assert_int_equal(c.n, 1);
    omadm__csp_children_clear(&c);

    assert_string_equal(omadm_format_name(OMADM_FORMAT_NODE), "node");
    assert_string_equal(omadm_format_name(OMADM_FORMAT_TIME), "time");
    assert_null(omadm_format_name((omadm_format)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unregister),
        cmocka_unit_test(test_uri_scopes),
        cmocka_unit_test(test_uri_rejects),
        cmocka_unit_test(test_uri_percent_decoding),
        cmocka_unit_test(test_uri_limits),
        cmocka_unit_test(test_uri_encode_join),
        cmocka_unit_test(test_register_rules),
        cmocka_unit_test(test_register_owned),
        cmocka_unit_test(test_register_nomem),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exists, setup, teardown),
        cmocka_unit_test(test_exists_without_children_op),
        cmocka_unit_test(test_codes_and_values),
    };
    return cmocka_run_group_tests_name("tree", tests, NULL, NULL);
}
