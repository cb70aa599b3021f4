/* SPDX-License-Identifier: Apache-2.0 */
/* The example OEM CSP. It sees the DM tree only through omadm/csp.h:
 * handlers get a normalised, percent-decoded path relative to the CSP
 * root, return 0 or a negative DM status code, and support Atomic with a
 * snapshot taken at txn_begin. It calls no libomadm function itself (the
 * io table answers), so the same file builds into a plugin. */
#include "contoso_settings.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;
    char *value;
} entry;

typedef struct store {
    entry e[CONTOSO_MAX_KEYS];
    int n;
} store;

struct contoso_settings {
    store cur;
    store snap; /* state at txn_begin */
    int in_txn;
    contoso_io io;
};

static const omadm_node_def nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "*", OMADM_FORMAT_CHR,
      OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_REPLACE | OMADM_ACCESS_DELETE,
      OMADM_NODE_DYNAMIC, NULL },
};

static void store_clear(store *s)
{
    int i;

    for (i = 0; i < s->n; i++) {
        free(s->e[i].key);
        free(s->e[i].value);
    }
    s->n = 0;
}

static char *dup_n(const char *src, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy) {
        if (len)
            memcpy(copy, src, len);
        copy[len] = '\0';
    }
    return copy;
}

static int store_copy(store *to, const store *from)
{
    int i;

    to->n = 0;
    for (i = 0; i < from->n; i++) {
        to->e[i].key = dup_n(from->e[i].key, strlen(from->e[i].key));
        to->e[i].value = dup_n(from->e[i].value, strlen(from->e[i].value));
        to->n = i + 1;
        if (!to->e[i].key || !to->e[i].value) {
            store_clear(to);
            return -1;
        }
    }
    return 0;
}

static int find(const store *s, const char *key)
{
    int i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->e[i].key, key) == 0)
            return i;
    return -1;
}

static int cs_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    contoso_settings *cs = csp;
    int i = find(&cs->cur, req->path);

    if (i < 0)
        return -404;
    if (cs->io.value_set(out, cs->cur.e[i].value, strlen(cs->cur.e[i].value)) != OMADM_OK)
        return -500;
    return 0;
}

/* Makes one change durable outside an Atomic (inside one, commit does). */
static int save(contoso_settings *cs, const char *key, const char *value, size_t len)
{
    if (cs->in_txn || !cs->io.save)
        return 0;
    return cs->io.save(cs->io.user, key, value, len) == OMADM_OK ? 0 : -1;
}

static int cs_add(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    contoso_settings *cs = csp;
    entry *e;

    if (find(&cs->cur, req->path) >= 0)
        return -418;
    if (len > CONTOSO_MAX_VALUE)
        return -413;
    if (cs->cur.n == CONTOSO_MAX_KEYS)
        return -420;
    e = &cs->cur.e[cs->cur.n];
    e->key = dup_n(req->path, strlen(req->path));
    e->value = dup_n(data, len);
    if (!e->key || !e->value || save(cs, e->key, e->value, len) != 0) {
        free(e->key);
        free(e->value);
        return -500;
    }
    cs->cur.n++;
    return 0;
}

static int cs_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    contoso_settings *cs = csp;
    int i = find(&cs->cur, req->path);
    char *value;

    if (i < 0)
        return -404;
    if (len > CONTOSO_MAX_VALUE)
        return -413;
    value = dup_n(data, len);
    if (!value || save(cs, req->path, value, len) != 0) {
        free(value);
        return -500;
    }
    free(cs->cur.e[i].value);
    cs->cur.e[i].value = value;
    return 0;
}

static int cs_delete(void *csp, const omadm_csp_request *req)
{
    contoso_settings *cs = csp;
    int i = find(&cs->cur, req->path);

    if (i < 0)
        return -404;
    if (save(cs, req->path, NULL, 0) != 0)
        return -500;
    free(cs->cur.e[i].key);
    free(cs->cur.e[i].value);
    cs->cur.e[i] = cs->cur.e[cs->cur.n - 1];
    cs->cur.n--;
    return 0;
}

static int cs_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    contoso_settings *cs = csp;
    int i;

    if (req->path[0] != '\0')
        return -404;
    for (i = 0; i < cs->cur.n; i++)
        if (cs->io.children_add(out, cs->cur.e[i].key) != OMADM_OK)
            return -500;
    return 0;
}

static int cs_begin(void *csp)
{
    contoso_settings *cs = csp;

    if (cs->in_txn || store_copy(&cs->snap, &cs->cur) != 0)
        return -500;
    cs->in_txn = 1;
    return 0;
}

/* Saves what differs between `from` (on storage) and `to`. 0, or -1. */
static int save_diff(contoso_settings *cs, const store *from, const store *to)
{
    int i, rc = 0;

    if (!cs->io.save)
        return 0;
    for (i = 0; i < to->n; i++) {
        int j = find(from, to->e[i].key);
        if (j < 0 || strcmp(from->e[j].value, to->e[i].value) != 0)
            if (cs->io.save(cs->io.user, to->e[i].key, to->e[i].value, strlen(to->e[i].value)) !=
                OMADM_OK)
                rc = -1;
    }
    for (i = 0; i < from->n; i++)
        if (find(to, from->e[i].key) < 0 &&
            cs->io.save(cs->io.user, from->e[i].key, NULL, 0) != OMADM_OK)
            rc = -1;
    return rc;
}

static int cs_commit(void *csp)
{
    contoso_settings *cs = csp;

    /* On failure the tree calls rollback next, which puts storage back. */
    if (save_diff(cs, &cs->snap, &cs->cur) != 0)
        return -500;
    store_clear(&cs->snap);
    cs->in_txn = 0;
    return 0;
}

static int cs_rollback(void *csp)
{
    contoso_settings *cs = csp;
    int rc;

    /* Storage may hold part of a failed commit: bring it back too. */
    rc = save_diff(cs, &cs->cur, &cs->snap);
    store_clear(&cs->cur);
    cs->cur = cs->snap;
    cs->snap.n = 0;
    cs->in_txn = 0;
    return rc == 0 ? 0 : -500;
}

static const omadm_csp_ops ops = {
    OMADM_CSP_OPS_VERSION,
    cs_get,
    cs_add,
    cs_replace,
    cs_delete,
    NULL, /* exec: nothing to run (405) */
    cs_children,
    cs_begin,
    cs_commit,
    cs_rollback,
    NULL, /* session_end */
};

contoso_settings *contoso_settings_new_io(const contoso_io *io)
{
    contoso_settings *cs = calloc(1, sizeof(contoso_settings));

    if (cs)
        cs->io = *io;
    return cs;
}

void contoso_settings_free(contoso_settings *settings)
{
    if (!settings)
        return;
    store_clear(&settings->cur);
    store_clear(&settings->snap);
    free(settings);
}

int contoso_settings_load(contoso_settings *settings, const char *key, const char *value,
                          size_t len)
{
    entry *e;

    if (settings->cur.n == CONTOSO_MAX_KEYS || len > CONTOSO_MAX_VALUE ||
        find(&settings->cur, key) >= 0)
        return -1;
    e = &settings->cur.e[settings->cur.n];
    e->key = dup_n(key, strlen(key));
    e->value = dup_n(value, len);
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return -1;
    }
    settings->cur.n++;
    return 0;
}

const omadm_csp_ops *contoso_settings_ops(void)
{
    return &ops;
}

const omadm_node_def *contoso_settings_nodes(size_t *n)
{
    *n = sizeof nodes / sizeof nodes[0];
    return nodes;
}

const char *contoso_settings_get(const contoso_settings *settings, const char *key)
{
    int i = find(&settings->cur, key);

    return i < 0 ? NULL : settings->cur.e[i].value;
}

int contoso_settings_count(const contoso_settings *settings)
{
    return settings->cur.n;
}
