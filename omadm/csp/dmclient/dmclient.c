/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient CSP: per-provider poll schedules, persisted in dmclient.conf
 * (state.c); the CSP's nodes and transactions (this file). */
#include "csp/dmclient/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "csp/dmclient/push.h"
#include "tree/tree.h"

struct omadm_dmclient {
    const omadm_platform *platform;
    state cur;
    state snap; /* the state at txn_begin */
    int in_txn;
    unsigned generation;
    omadm__dmpush *push; /* Provider/{id}/Push (push.c) */
};

static const struct leaf {
    const char *name;
    int is_bool;
    int idx;
} leaves[] = {
    { "IntervalForFirstSetOfRetries", 0, 0 },
    { "NumberOfFirstRetries", 0, 1 },
    { "IntervalForSecondSetOfRetries", 0, 2 },
    { "NumberOfSecondRetries", 0, 3 },
    { "IntervalForRemainingScheduledRetries", 0, 4 },
    { "NumberOfRemainingScheduledRetries", 0, 5 },
    { "PollOnLogin", 1, 0 },
    { "AllUsersPollOnFirstLogin", 1, 1 },
};
#define N_LEAVES (sizeof leaves / sizeof leaves[0])

#define LEAF_FLAGS 0
#define LEAF_ACCESS                                                                                \
    (OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_REPLACE | OMADM_ACCESS_DELETE)
#define POLL_LEAF(name, fmt)                                                                       \
    {                                                                                              \
        "Provider/*/Poll/" name, fmt, LEAF_ACCESS, OMADM_NODE_IMPLICIT_ADD, NULL                   \
    }

static const omadm_node_def dmclient_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Provider", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Provider/*", OMADM_FORMAT_NODE, OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_DELETE,
      OMADM_NODE_INTERIOR | OMADM_NODE_DYNAMIC, NULL },
    { "Provider/*/Poll", OMADM_FORMAT_NODE,
      OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_DELETE,
      OMADM_NODE_INTERIOR | OMADM_NODE_DYNAMIC, NULL },
    POLL_LEAF("IntervalForFirstSetOfRetries", OMADM_FORMAT_INT),
    POLL_LEAF("NumberOfFirstRetries", OMADM_FORMAT_INT),
    POLL_LEAF("IntervalForSecondSetOfRetries", OMADM_FORMAT_INT),
    POLL_LEAF("NumberOfSecondRetries", OMADM_FORMAT_INT),
    POLL_LEAF("IntervalForRemainingScheduledRetries", OMADM_FORMAT_INT),
    POLL_LEAF("NumberOfRemainingScheduledRetries", OMADM_FORMAT_INT),
    POLL_LEAF("PollOnLogin", OMADM_FORMAT_BOOL),
    POLL_LEAF("AllUsersPollOnFirstLogin", OMADM_FORMAT_BOOL),
    { "Provider/*/Push", OMADM_FORMAT_NODE,
      OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_DELETE, OMADM_NODE_INTERIOR, NULL },
    { "Provider/*/Push/PFN", OMADM_FORMAT_CHR, LEAF_ACCESS,
      OMADM_NODE_DYNAMIC | OMADM_NODE_IMPLICIT_ADD, NULL },
    { "Provider/*/Push/ChannelURI", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Provider/*/Push/Status", OMADM_FORMAT_INT, OMADM_ACCESS_GET, 0, NULL },
};

/* ---- paths and values ------------------------------------------------------ */

typedef struct parsed_path {
    size_t n; /* segments */
    char id[OMADM_URI_MAX_SEGMENT + 1];
    const struct leaf *leaf;
} parsed_path;

/* "Provider/<id>[/Poll[/<leaf>]]" or "" / "Provider". -1 when unknown. */
static int parse_path(const char *path, parsed_path *out)
{
    const char *p = path, *slash;
    size_t len, i;

    memset(out, 0, sizeof *out);
    if (!*p)
        return 0;
    if (strncmp(p, "Provider", 8) != 0 || (p[8] != '\0' && p[8] != '/'))
        return -1;
    out->n = 1;
    if (!p[8])
        return 0;
    p += 9;
    slash = strchr(p, '/');
    len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len > OMADM_URI_MAX_SEGMENT)
        return -1;
    memcpy(out->id, p, len);
    out->id[len] = '\0';
    out->n = 2;
    if (!slash)
        return 0;
    p = slash + 1;
    if (strncmp(p, "Poll", 4) != 0 || (p[4] != '\0' && p[4] != '/'))
        return -1;
    out->n = 3;
    if (!p[4])
        return 0;
    p += 5;
    for (i = 0; i < N_LEAVES; i++)
        if (strcmp(p, leaves[i].name) == 0) {
            out->leaf = &leaves[i];
            out->n = 4;
            return 0;
        }
    return -1;
}

static int ascii_ieq(const char *a, size_t alen, const char *b)
{
    size_t i;

    if (alen != strlen(b))
        return 0;
    for (i = 0; i < alen; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != b[i])
            return 0;
    }
    return 1;
}

/* Parses a leaf value. Returns 0 or a negative DM code. */
static int parse_value(const struct leaf *leaf, const char *data, size_t len, unsigned *out)
{
    unsigned long v = 0;
    size_t i;

    if (leaf->is_bool) {
        if (ascii_ieq(data, len, "true"))
            *out = 1;
        else if (ascii_ieq(data, len, "false"))
            *out = 0;
        else
            return -415;
        return 0;
    }
    if (len > 0 && data[0] == '-') {
        for (i = 1; i < len; i++)
            if (data[i] < '0' || data[i] > '9')
                return -415;
        return len > 1 ? -400 : -415; /* negative: a well-formed int we refuse */
    }
    if (len == 0)
        return -415;
    for (i = 0; i < len; i++) {
        if (data[i] < '0' || data[i] > '9')
            return -415;
        v = v * 10 + (unsigned long)(data[i] - '0');
        if (v > OMADM_DMCLIENT_VALUE_MAX)
            return -400;
    }
    *out = (unsigned)v;
    return 0;
}

static void set_leaf(provider *p, const struct leaf *leaf, unsigned value)
{
    if (leaf->is_bool)
        p->b[leaf->idx] = (int)value;
    else
        p->v[leaf->idx] = value;
}

/* ---- handlers ------------------------------------------------------------- */

typedef int (*mutation)(state *s, const parsed_path *pp, const char *data, size_t len);

/* Applies a change: outside an Atomic it is checked and saved at once (and
 * undone on any failure); inside, both wait for txn_commit. */
static int mutate(omadm_dmclient *dm, const char *path, mutation fn, const char *data, size_t len)
{
    parsed_path pp;
    state backup;
    int rc;

    if (parse_path(path, &pp) != 0)
        return -404;
    if (dm->in_txn)
        return fn(&dm->cur, &pp, data, len);
    if (omadm__dmcstate_clone(&dm->cur, &backup) != 0)
        return -500;
    rc = fn(&dm->cur, &pp, data, len);
    if (rc == 0 && !omadm__dmcstate_valid(&dm->cur))
        rc = -403;
    if (rc == 0 && !omadm__dmcstate_equal(&dm->cur, &backup))
        rc = omadm__dmcstate_save(dm->platform, &dm->cur);
    if (rc != 0) {
        omadm__dmcstate_clear(&dm->cur);
        dm->cur = backup;
        return rc;
    }
    if (!omadm__dmcstate_equal(&dm->cur, &backup))
        dm->generation++;
    omadm__dmcstate_clear(&backup);
    return 0;
}

static int do_add(state *s, const parsed_path *pp, const char *data, size_t len)
{
    provider *p = omadm__dmcstate_find(s, pp->id);
    unsigned value = 0;
    int rc;

    if (pp->n < 2)
        return -405;
    if (pp->n == 4 && (rc = parse_value(pp->leaf, data, len, &value)) != 0)
        return rc;
    if (pp->n == 2 && p)
        return -418;
    if (pp->n >= 3 && p && p->has_poll)
        return -418; /* Poll exists, and so do its leaves */
    rc = omadm__dmcstate_find_or_add(s, pp->id, &p);
    if (rc)
        return rc;
    if (pp->n >= 3) {
        p->has_poll = 1;
        omadm__dmcstate_poll_defaults(p);
    }
    if (pp->n == 4)
        set_leaf(p, pp->leaf, value);
    return 0;
}

static int do_replace(state *s, const parsed_path *pp, const char *data, size_t len)
{
    provider *p;
    unsigned value;
    int rc;

    if (pp->n != 4)
        return -405;
    rc = parse_value(pp->leaf, data, len, &value);
    if (rc)
        return rc;
    rc = omadm__dmcstate_find_or_add(s, pp->id, &p); /* implicit Add (Fleet Replaces directly) */
    if (rc)
        return rc;
    if (!p->has_poll) {
        p->has_poll = 1;
        omadm__dmcstate_poll_defaults(p);
    }
    set_leaf(p, pp->leaf, value);
    return 0;
}

static int do_delete(state *s, const parsed_path *pp, const char *data, size_t len)
{
    provider *p = omadm__dmcstate_find(s, pp->id);

    (void)data;
    (void)len;
    if (pp->n < 2)
        return -405;
    if (!p || (pp->n >= 3 && !p->has_poll))
        return -404;
    if (pp->n == 2) {
        omadm__dmcstate_remove(s, p);
    } else if (pp->n == 3) {
        p->has_poll = 0;
        omadm__dmcstate_poll_defaults(p);
    } else {
        set_leaf(p, pp->leaf,
                 pp->leaf->is_bool
                     ? 0u
                     : omadm__dmcstate_default_ints[pp->leaf->idx]); /* back to default */
    }
    return 0;
}

/* Provider/{id}/Push...: 1 with id and leaf when `path` is there and the
 * provider exists, else 0 (*rc = -404 when under Push but not a node or no
 * such provider). */
static int push_target(omadm_dmclient *dm, const char *path, char *id, char *leaf, int *rc)
{
    int k = omadm__dmpush_path(path, id, OMADM_URI_MAX_SEGMENT + 1, leaf, 16);

    *rc = -404;
    if (k == 0)
        return 0;
    if (k < 0 || !omadm__dmcstate_find(&dm->cur, id))
        return -1;
    return 1;
}

static int dmclient_add(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    omadm_dmclient *dm = csp;
    char id[OMADM_URI_MAX_SEGMENT + 1], leaf[16];
    int rc, k = push_target(dm, req->path, id, leaf, &rc);

    if (k)
        return k < 0
                   ? rc
                   : (*leaf ? omadm__dmpush_set(dm->push, id, leaf, data, len, dm->in_txn) : -418);
    return mutate(csp, req->path, do_add, data, len);
}

static int dmclient_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    omadm_dmclient *dm = csp;
    char id[OMADM_URI_MAX_SEGMENT + 1], leaf[16];
    int rc, k = push_target(dm, req->path, id, leaf, &rc);

    if (k)
        return k < 0 ? rc : omadm__dmpush_set(dm->push, id, leaf, data, len, dm->in_txn);
    return mutate(csp, req->path, do_replace, data, len);
}

static int dmclient_delete(void *csp, const omadm_csp_request *req)
{
    omadm_dmclient *dm = csp;
    char id[OMADM_URI_MAX_SEGMENT + 1], leaf[16];
    int rc, k = push_target(dm, req->path, id, leaf, &rc);
    parsed_path pp;

    if (k)
        return k < 0 ? rc : omadm__dmpush_delete(dm->push, id, leaf, dm->in_txn);
    rc = mutate(csp, req->path, do_delete, NULL, 0);
    if (rc == 0 && parse_path(req->path, &pp) == 0 && pp.n == 2)
        omadm__dmpush_forget(dm->push, pp.id);
    return rc;
}

static int dmclient_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    omadm_dmclient *dm = csp;
    parsed_path pp;
    provider *p;
    char buf[16], id[OMADM_URI_MAX_SEGMENT + 1], leaf[16];
    int rc, k = push_target(dm, req->path, id, leaf, &rc);

    if (k)
        return k < 0 ? rc : omadm__dmpush_get(dm->push, id, leaf, out);
    if (parse_path(req->path, &pp) != 0 || pp.n != 4)
        return -404;
    p = omadm__dmcstate_find(&dm->cur, pp.id);
    if (!p || !p->has_poll)
        return -404;
    if (pp.leaf->is_bool)
        snprintf(buf, sizeof buf, "%s", p->b[pp.leaf->idx] ? "true" : "false");
    else
        snprintf(buf, sizeof buf, "%u", p->v[pp.leaf->idx]);
    return omadm_csp_value_set(out, buf, strlen(buf)) == OMADM_OK ? 0 : -500;
}

static int dmclient_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    omadm_dmclient *dm = csp;
    parsed_path pp;
    provider *p;
    size_t i;
    char id[OMADM_URI_MAX_SEGMENT + 1], leaf[16];
    int rc, k = push_target(dm, req->path, id, leaf, &rc);

    if (k)
        return k < 0 ? rc : omadm__dmpush_children(dm->push, id, leaf, out);
    if (parse_path(req->path, &pp) != 0 || pp.n == 4)
        return -404;
    if (pp.n == 0)
        return omadm_csp_children_add(out, "Provider") == OMADM_OK ? 0 : -500;
    if (pp.n == 1) {
        for (i = 0; i < dm->cur.n; i++)
            if (omadm_csp_children_add(out, dm->cur.p[i].id) != OMADM_OK)
                return -500;
        return 0;
    }
    p = omadm__dmcstate_find(&dm->cur, pp.id);
    if (!p || (pp.n == 3 && !p->has_poll))
        return -404;
    if (pp.n == 2)
        return (!p->has_poll || omadm_csp_children_add(out, "Poll") == OMADM_OK) &&
                       omadm_csp_children_add(out, "Push") == OMADM_OK
                   ? 0
                   : -500;
    for (i = 0; i < N_LEAVES; i++)
        if (omadm_csp_children_add(out, leaves[i].name) != OMADM_OK)
            return -500;
    return 0;
}

static int dmclient_txn_begin(void *csp)
{
    omadm_dmclient *dm = csp;

    if (dm->in_txn)
        return -500;
    if (omadm__dmcstate_clone(&dm->cur, &dm->snap) != 0)
        return -500;
    if (omadm__dmpush_txn_begin(dm->push) != 0) {
        omadm__dmcstate_clear(&dm->snap);
        return -500;
    }
    dm->in_txn = 1;
    return 0;
}

static int dmclient_txn_commit(void *csp)
{
    omadm_dmclient *dm = csp;
    int rc;

    if (!dm->in_txn)
        return -500;
    if (!omadm__dmcstate_valid(&dm->cur))
        return -403; /* the dispatcher rolls back */
    rc = omadm__dmpush_txn_commit(dm->push);
    if (rc)
        return rc;
    if (!omadm__dmcstate_equal(&dm->cur, &dm->snap)) {
        rc = omadm__dmcstate_save(dm->platform, &dm->cur);
        if (rc)
            return rc;
        dm->generation++;
    }
    omadm__dmcstate_clear(&dm->snap);
    dm->in_txn = 0;
    return 0;
}

static int dmclient_txn_rollback(void *csp)
{
    omadm_dmclient *dm = csp;

    if (!dm->in_txn)
        return -500;
    omadm__dmcstate_clear(&dm->cur);
    dm->cur = dm->snap;
    memset(&dm->snap, 0, sizeof dm->snap);
    dm->in_txn = 0;
    omadm__dmpush_txn_rollback(dm->push);
    return 0;
}

static const omadm_csp_ops dmclient_ops = {
    OMADM_CSP_OPS_VERSION,
    dmclient_get,
    dmclient_add,
    dmclient_replace,
    dmclient_delete,
    NULL,
    dmclient_children,
    dmclient_txn_begin,
    dmclient_txn_commit,
    dmclient_txn_rollback,
    NULL,
};

static void dmclient_destroy(void *csp)
{
    omadm_dmclient *dm = csp;

    if (!dm)
        return;
    omadm__dmcstate_clear(&dm->cur);
    omadm__dmcstate_clear(&dm->snap);
    omadm__dmpush_free(dm->push);
    omadm__free(dm);
}

omadm_status omadm__dmclient_register(omadm_tree *tree, const omadm_platform *platform,
                                      omadm_dmclient **out)
{
    omadm_dmclient *dm;
    omadm_status st;

    if (out)
        *out = NULL;
    if (!tree)
        return OMADM_ERR_INVALID;
    dm = omadm__calloc(1, sizeof *dm);
    if (!dm)
        return OMADM_ERR_NOMEM;
    dm->platform = platform;
    st = omadm__dmcstate_load(platform, &dm->cur);
    if (st == OMADM_OK)
        st = omadm__dmpush_new(&dm->push, platform);
    if (st != OMADM_OK) {
        dmclient_destroy(dm);
        return st;
    }
    st = omadm_tree_register_owned(tree, "./Vendor/MSFT/DMClient", &dmclient_ops, dmclient_nodes,
                                   sizeof dmclient_nodes / sizeof dmclient_nodes[0],
                                   OMADM_CSP_SCOPE_DEVICE, dm, dmclient_destroy);
    if (st == OMADM_OK && out)
        *out = dm;
    return st;
}

static void schedule_of(const state *s, omadm_poll_schedule *out, int *has_provider)
{
    static const omadm_poll_schedule defaults = OMADM_POLL_SCHEDULE_DEFAULT;
    size_t i;

    *out = defaults;
    if (has_provider)
        *has_provider = 0;
    for (i = 0; i < s->n; i++) {
        const provider *p = &s->p[i];
        if (!p->has_poll)
            continue;
        out->interval_first = p->v[0];
        out->count_first = p->v[1];
        out->interval_second = p->v[2];
        out->count_second = p->v[3];
        out->interval_remaining = p->v[4];
        out->count_remaining = p->v[5];
        out->poll_on_login = p->b[0];
        out->all_users_poll_on_first_login = p->b[1];
        if (has_provider)
            *has_provider = 1;
        return;
    }
}

void omadm__dmclient_poll_get(const omadm_dmclient *dmclient, omadm_poll_schedule *out,
                              int *has_provider)
{
    schedule_of(dmclient->in_txn ? &dmclient->snap : &dmclient->cur, out, has_provider);
}

unsigned omadm__dmclient_generation(const omadm_dmclient *dmclient)
{
    return dmclient->generation;
}

omadm_status omadm__dmclient_load_schedule(const omadm_platform *platform, omadm_poll_schedule *out,
                                           int *has_provider)
{
    state s;
    omadm_status st = omadm__dmcstate_load(platform, &s);

    schedule_of(&s, out, has_provider);
    omadm__dmcstate_clear(&s);
    return st;
}

omadm_status omadm__dmclient_ensure_provider(omadm_dmclient *dmclient, const char *id)
{
    provider *p = NULL;
    int rc;

    if (!dmclient || !id || !*id || strlen(id) > OMADM_URI_MAX_SEGMENT || strchr(id, '/'))
        return OMADM_ERR_INVALID;
    if (dmclient->in_txn)
        return OMADM_ERR_STATE;
    if (omadm__dmcstate_find(&dmclient->cur, id))
        return OMADM_OK;
    rc = omadm__dmcstate_find_or_add(&dmclient->cur, id, &p);
    if (rc != 0 || !p)
        return rc == -420 ? OMADM_ERR_LIMIT : OMADM_ERR_NOMEM;
    /* No Poll node: the schedule (and so the generation) is unchanged. */
    if (omadm__dmcstate_save(dmclient->platform, &dmclient->cur) != 0) {
        omadm__dmcstate_remove(&dmclient->cur, p);
        return OMADM_ERR_IO;
    }
    return OMADM_OK;
}

omadm_status omadm__dmclient_push_set_channel(omadm_dmclient *dmclient, const char *uri, int status)
{
    return dmclient ? omadm__dmpush_set_channel(dmclient->push, uri, status) : OMADM_ERR_INVALID;
}
