/* SPDX-License-Identifier: Apache-2.0 */
#include "testcsp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

const omadm_node_def tcsp_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "RW", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "RO", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Num", OMADM_FORMAT_INT, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "Flag", OMADM_FORMAT_BOOL, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "Typed", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, "text/x-test" },
    { "Exec", OMADM_FORMAT_NULL, OMADM_ACCESS_EXEC, 0, NULL },
    { "Restart", OMADM_FORMAT_NULL, OMADM_ACCESS_EXEC, 0, NULL },
    { "Dyn", OMADM_FORMAT_NODE, OMADM_ACCESS_GET | OMADM_ACCESS_ADD, OMADM_NODE_INTERIOR, NULL },
    { "Dyn/*", OMADM_FORMAT_CHR,
      OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_REPLACE | OMADM_ACCESS_DELETE,
      OMADM_NODE_DYNAMIC, NULL },
    { "Auto", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Auto/*", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE,
      OMADM_NODE_DYNAMIC | OMADM_NODE_IMPLICIT_ADD, NULL },
};
const size_t tcsp_n_nodes = sizeof tcsp_nodes / sizeof tcsp_nodes[0];

static void log_to(char *log, size_t size, tcsp *t, const char *op, const char *path)
{
    size_t n = strlen(log);

    snprintf(log + n, size - n, "%s%s(%s%s%s)", n ? " " : "", op, t->name, path ? ":" : "",
             path ? path : "");
}

static void logf_(tcsp *t, const char *op, const char *path)
{
    log_to(t->log, sizeof t->log, t, op, path);
    if (t->shared)
        log_to(t->shared, 1024, t, op, path);
}

void tcsp_init(tcsp *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    strcpy(t->s.rw, "rw0");
    t->s.num = 5;
    strcpy(t->s.typed, "t0");
    strcpy(t->s.keys[0].key, "d1");
    strcpy(t->s.keys[0].val, "v1");
    t->s.keys[0].used = 1;
}

void tcsp_register(omadm_tree *tree, const char *root, tcsp *t)
{
    assert_int_equal(omadm_tree_register(tree, root, &tcsp_ops, tcsp_nodes, tcsp_n_nodes, 0, t),
                     OMADM_OK);
}

/* "Dyn/k" -> key slot (in_auto 0), "Auto/k" -> (in_auto 1). */
static int split_key(const char *path, int *in_auto, const char **key)
{
    if (strncmp(path, "Dyn/", 4) == 0) {
        *in_auto = 0;
        *key = path + 4;
        return 1;
    }
    if (strncmp(path, "Auto/", 5) == 0) {
        *in_auto = 1;
        *key = path + 5;
        return 1;
    }
    return 0;
}

static int find_key(tcsp_state *s, int in_auto, const char *key)
{
    int i;

    for (i = 0; i < TCSP_KEYS; i++)
        if (s->keys[i].used && s->keys[i].in_auto == in_auto && strcmp(s->keys[i].key, key) == 0)
            return i;
    return -1;
}

const char *tcsp_key(const tcsp *t, const char *key)
{
    int i;

    for (i = 0; i < TCSP_KEYS; i++)
        if (t->s.keys[i].used && strcmp(t->s.keys[i].key, key) == 0)
            return t->s.keys[i].val;
    return NULL;
}

static int copy_value(char *dst, size_t size, const char *data, size_t len)
{
    if (len >= size)
        return -413;
    memcpy(dst, data, len);
    dst[len] = '\0';
    return 0;
}

static int injected(tcsp *t, const omadm_csp_request *req)
{
    return t->fail_path && strcmp(t->fail_path, req->path) == 0 ? t->fail_code : 0;
}

static int t_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    tcsp *t = csp;
    char buf[64];
    const char *v = NULL, *key;
    int in_auto, i;

    if (injected(t, req))
        return injected(t, req);
    if (strcmp(req->path, "RW") == 0)
        v = t->s.rw;
    else if (strcmp(req->path, "RO") == 0)
        v = "ro0";
    else if (strcmp(req->path, "Typed") == 0)
        v = t->s.typed;
    else if (strcmp(req->path, "Flag") == 0)
        v = t->s.flag ? "true" : "false";
    else if (strcmp(req->path, "Num") == 0) {
        snprintf(buf, sizeof buf, "%ld", t->s.num);
        v = buf;
    } else if (split_key(req->path, &in_auto, &key) && (i = find_key(&t->s, in_auto, key)) >= 0)
        v = t->s.keys[i].val;
    if (!v)
        return -404;
    return omadm_csp_value_set(out, v, strlen(v)) == OMADM_OK ? 0 : -500;
}

static int t_add(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    tcsp *t = csp;
    const char *key;
    int in_auto, i;

    logf_(t, "add", req->path);
    if (injected(t, req))
        return injected(t, req);
    if (!split_key(req->path, &in_auto, &key) || in_auto)
        return -405;
    if (find_key(&t->s, in_auto, key) >= 0)
        return -418;
    for (i = 0; i < TCSP_KEYS; i++)
        if (!t->s.keys[i].used) {
            int rc = copy_value(t->s.keys[i].val, sizeof t->s.keys[i].val, data, len);
            if (rc)
                return rc;
            snprintf(t->s.keys[i].key, sizeof t->s.keys[i].key, "%s", key);
            t->s.keys[i].used = 1;
            t->s.keys[i].in_auto = 0;
            return 0;
        }
    return -420;
}

static int t_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    tcsp *t = csp;
    const char *key;
    int in_auto, i;

    logf_(t, "replace", req->path);
    if (injected(t, req))
        return injected(t, req);
    if (strcmp(req->path, "RW") == 0)
        return copy_value(t->s.rw, sizeof t->s.rw, data, len);
    if (strcmp(req->path, "Typed") == 0)
        return copy_value(t->s.typed, sizeof t->s.typed, data, len);
    if (strcmp(req->path, "Num") == 0) {
        char buf[32];
        if (copy_value(buf, sizeof buf, data, len))
            return -415;
        t->s.num = strtol(buf, NULL, 10);
        return 0;
    }
    if (strcmp(req->path, "Flag") == 0) {
        t->s.flag = len == 4 && memcmp(data, "true", 4) == 0;
        return 0;
    }
    if (!split_key(req->path, &in_auto, &key))
        return -405;
    i = find_key(&t->s, in_auto, key);
    if (i < 0 && in_auto) {
        for (i = 0; i < TCSP_KEYS && t->s.keys[i].used; i++)
            ;
        if (i == TCSP_KEYS)
            return -420;
        snprintf(t->s.keys[i].key, sizeof t->s.keys[i].key, "%s", key);
        t->s.keys[i].used = 1;
        t->s.keys[i].in_auto = 1;
    }
    if (i < 0)
        return -404;
    return copy_value(t->s.keys[i].val, sizeof t->s.keys[i].val, data, len);
}

static int t_del(void *csp, const omadm_csp_request *req)
{
    tcsp *t = csp;
    const char *key;
    int in_auto, i;

    logf_(t, "delete", req->path);
    if (injected(t, req))
        return injected(t, req);
    if (!split_key(req->path, &in_auto, &key))
        return -405;
    i = find_key(&t->s, in_auto, key);
    if (i < 0)
        return -404;
    t->s.keys[i].used = 0;
    return 0;
}

static int t_exec(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    tcsp *t = csp;

    (void)data;
    (void)len;
    logf_(t, "exec", req->path);
    if (injected(t, req))
        return injected(t, req);
    if (strcmp(req->path, "Restart") == 0) {
        /* Cannot be undone: armed only when the transaction commits. */
        if (req->in_transaction)
            t->restart_pending = 1;
        else
            t->s.restart_armed++;
        return 0;
    }
    t->s.exec_calls++;
    return 0;
}

static int t_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    static const char *const top[] = { "RW",   "RO",      "Num", "Flag", "Typed",
                                       "Exec", "Restart", "Dyn", "Auto" };
    tcsp *t = csp;
    size_t i;
    int in_auto;

    if (strcmp(req->path, "") == 0) {
        for (i = 0; i < sizeof top / sizeof top[0]; i++)
            if (omadm_csp_children_add(out, top[i]) != OMADM_OK)
                return -500;
        return 0;
    }
    if (strcmp(req->path, "Dyn") == 0)
        in_auto = 0;
    else if (strcmp(req->path, "Auto") == 0)
        in_auto = 1;
    else
        return -404;
    for (i = 0; i < TCSP_KEYS; i++)
        if (t->s.keys[i].used && t->s.keys[i].in_auto == in_auto &&
            omadm_csp_children_add(out, t->s.keys[i].key) != OMADM_OK)
            return -500;
    return 0;
}

static int t_begin(void *csp)
{
    tcsp *t = csp;

    t->begin_calls++;
    logf_(t, "begin", NULL);
    if (t->fail_begin)
        return t->fail_begin;
    assert_false(t->in_txn);
    t->snap = t->s;
    t->in_txn = 1;
    t->restart_pending = 0;
    return 0;
}

static int t_commit(void *csp)
{
    tcsp *t = csp;

    t->commit_calls++;
    logf_(t, "commit", NULL);
    assert_true(t->in_txn);
    if (t->fail_commit)
        return t->fail_commit;
    if (t->restart_pending)
        t->s.restart_armed++;
    t->restart_pending = 0;
    t->in_txn = 0;
    return 0;
}

static int t_rollback(void *csp)
{
    tcsp *t = csp;

    t->rollback_calls++;
    logf_(t, "rollback", NULL);
    assert_true(t->in_txn);
    t->in_txn = 0;
    t->restart_pending = 0;
    if (t->fail_rollback)
        return t->fail_rollback; /* state left as it is */
    t->s = t->snap;
    return 0;
}

static void t_session_end(void *csp, int completed)
{
    tcsp *t = csp;

    t->session_end_calls += completed ? 10 : 1;
}

const omadm_csp_ops tcsp_ops = {
    OMADM_CSP_OPS_VERSION,
    t_get,
    t_add,
    t_replace,
    t_del,
    t_exec,
    t_children,
    t_begin,
    t_commit,
    t_rollback,
    t_session_end,
};

const omadm_csp_ops tcsp_ops_no_txn = {
    OMADM_CSP_OPS_VERSION,
    t_get,
    t_add,
    t_replace,
    t_del,
    t_exec,
    t_children,
    NULL,
    NULL,
    NULL,
    NULL,
};

int tcsp_fixture_setup(void **state)
{
    tcsp_fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tcsp_init(&f->a, "A");
    tcsp_init(&f->b, "B");
    tcsp_init(&f->c, "C");
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    tcsp_register(f->tree, "./Vendor/Test", &f->a);
    tcsp_register(f->tree, "./Vendor/Test2", &f->b);
    assert_int_equal(omadm_tree_register(f->tree, "./Vendor/NoTxn", &tcsp_ops_no_txn, tcsp_nodes,
                                         tcsp_n_nodes, 0, &f->c),
                     OMADM_OK);
    *state = f;
    return 0;
}

int tcsp_fixture_teardown(void **state)
{
    tcsp_fixture *f = *state;

    omadm_tree_free(f->tree);
    free(f);
    return 0;
}
