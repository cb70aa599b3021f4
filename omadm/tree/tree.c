/* SPDX-License-Identifier: Apache-2.0 */
/* The DM tree: CSP registry, URI resolution, existence, child lists. */
#include "tree/tree.h"

#include <string.h>

#include "core/alloc.h"

struct omadm_tree {
    omadm_tree_reg **regs; /* owned, registration order */
    size_t n;
    size_t cap;
    omadm_tree_limits limits;
};

/* A split path: pointers into the string, not NUL-terminated. */
typedef struct split_path {
    const char *seg[OMADM_URI_MAX_SEGMENTS + 1];
    size_t len[OMADM_URI_MAX_SEGMENTS + 1];
    size_t n;
} split_path;

/* Splits "a/b/c" ("" = no segment). Returns 0, or -1 when there are too
 * many segments or one is empty. */
static int split(const char *path, split_path *out)
{
    const char *p = path;

    out->n = 0;
    if (!*p)
        return 0;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || out->n > OMADM_URI_MAX_SEGMENTS)
            return -1;
        out->seg[out->n] = p;
        out->len[out->n] = len;
        out->n++;
        if (!slash)
            return 0;
        p = slash + 1;
    }
}

static int seg_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

static int seg_is_star(const char *s, size_t len)
{
    return len == 1 && s[0] == '*';
}

/* ---- formats, values, children ------------------------------------------ */

const char *omadm_format_name(omadm_format format)
{
    switch (format) {
    case OMADM_FORMAT_CHR:
        return "chr";
    case OMADM_FORMAT_INT:
        return "int";
    case OMADM_FORMAT_BOOL:
        return "bool";
    case OMADM_FORMAT_B64:
        return "b64";
    case OMADM_FORMAT_XML:
        return "xml";
    case OMADM_FORMAT_NODE:
        return "node";
    case OMADM_FORMAT_NULL:
        return "null";
    case OMADM_FORMAT_BIN:
        return "bin";
    case OMADM_FORMAT_FLOAT:
        return "float";
    case OMADM_FORMAT_DATE:
        return "date";
    case OMADM_FORMAT_TIME:
        return "time";
    }
    return NULL;
}

omadm_status omadm_csp_value_set(omadm_csp_value *out, const char *data, size_t len)
{
    char *copy;

    if (!out || (!data && len))
        return OMADM_ERR_INVALID;
    copy = omadm__malloc(len + 1);
    if (!copy)
        return OMADM_ERR_NOMEM;
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    omadm__free(out->data);
    out->data = copy;
    out->len = len;
    out->set = 1;
    return OMADM_OK;
}

void omadm__csp_value_clear(omadm_csp_value *value)
{
    omadm__free(value->data);
    value->data = NULL;
    value->len = 0;
    value->set = 0;
}

omadm_status omadm_csp_children_add(omadm_csp_children *out, const char *name)
{
    char *copy;

    if (!out || !name || !*name || strchr(name, '/'))
        return OMADM_ERR_INVALID;
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        char **grown;
        if (cap > 100000)
            return OMADM_ERR_LIMIT;
        grown = omadm__realloc(out->names, cap * sizeof *grown);
        if (!grown)
            return OMADM_ERR_NOMEM;
        out->names = grown;
        out->cap = cap;
    }
    copy = omadm__strdup(name);
    if (!copy)
        return OMADM_ERR_NOMEM;
    out->names[out->n++] = copy;
    return OMADM_OK;
}

void omadm__csp_children_clear(omadm_csp_children *children)
{
    size_t i;

    for (i = 0; i < children->n; i++)
        omadm__free(children->names[i]);
    omadm__free(children->names);
    children->names = NULL;
    children->n = children->cap = 0;
}

int omadm__csp_children_has(const omadm_csp_children *children, const char *name)
{
    size_t i;

    for (i = 0; i < children->n; i++)
        if (strcmp(children->names[i], name) == 0)
            return 1;
    return 0;
}

/* ---- the tree ------------------------------------------------------------ */

omadm_status omadm_tree_new(omadm_tree **out)
{
    static const omadm_tree_limits defaults = OMADM_TREE_LIMITS_DEFAULT;
    omadm_tree *tree;

    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    tree = omadm__calloc(1, sizeof *tree);
    if (!tree)
        return OMADM_ERR_NOMEM;
    tree->limits = defaults;
    *out = tree;
    return OMADM_OK;
}

static void reg_free(omadm_tree_reg *reg)
{
    if (!reg)
        return;
    if (reg->destroy)
        reg->destroy(reg->csp);
    omadm__free(reg->root);
    omadm__free(reg);
}

void omadm_tree_free(omadm_tree *tree)
{
    size_t i;

    if (!tree)
        return;
    for (i = tree->n; i > 0; i--)
        reg_free(tree->regs[i - 1]);
    omadm__free(tree->regs);
    omadm__free(tree);
}

void omadm__tree_set_limits(omadm_tree *tree, const omadm_tree_limits *limits)
{
    static const omadm_tree_limits defaults = OMADM_TREE_LIMITS_DEFAULT;
    omadm_tree_limits l = *limits;

    if (!l.uri.max_len || l.uri.max_len > defaults.uri.max_len)
        l.uri.max_len = defaults.uri.max_len;
    if (!l.uri.max_segments || l.uri.max_segments > defaults.uri.max_segments)
        l.uri.max_segments = defaults.uri.max_segments;
    if (!l.uri.max_segment || l.uri.max_segment > defaults.uri.max_segment)
        l.uri.max_segment = defaults.uri.max_segment;
    if (!l.max_value || l.max_value > defaults.max_value)
        l.max_value = defaults.max_value;
    if (!l.max_cmd_id || l.max_cmd_id > defaults.max_cmd_id)
        l.max_cmd_id = defaults.max_cmd_id;
    tree->limits = l;
}

const omadm_tree_limits *omadm__tree_limits(const omadm_tree *tree)
{
    return &tree->limits;
}

size_t omadm__tree_count(const omadm_tree *tree)
{
    return tree->n;
}

omadm_tree_reg *omadm__tree_at(const omadm_tree *tree, size_t index)
{
    return index < tree->n ? tree->regs[index] : NULL;
}

/* A node table is valid when paths are well formed and unique, interior
 * entries have Format node, "" is present and every entry's parent is an
 * interior entry. */
static int table_valid(const omadm_node_def *nodes, size_t n_nodes)
{
    size_t i, j;
    int has_root = 0;

    if (!nodes || n_nodes == 0)
        return 0;
    for (i = 0; i < n_nodes; i++) {
        const omadm_node_def *d = &nodes[i];
        split_path sp;
        int interior = (d->flags & OMADM_NODE_INTERIOR) != 0;
        const char *last_slash;
        int parent_ok = 0;

        if (!d->path || split(d->path, &sp) != 0 || omadm_format_name(d->format) == NULL)
            return 0;
        if (interior != (d->format == OMADM_FORMAT_NODE))
            return 0;
        if (d->flags &
            ~(unsigned)(OMADM_NODE_INTERIOR | OMADM_NODE_DYNAMIC | OMADM_NODE_IMPLICIT_ADD))
            return 0;
        if (d->access & ~(unsigned)(OMADM_ACCESS_GET | OMADM_ACCESS_ADD | OMADM_ACCESS_REPLACE |
                                    OMADM_ACCESS_DELETE | OMADM_ACCESS_EXEC))
            return 0;
        if (sp.n == 0) {
            has_root = 1;
            continue;
        }
        last_slash = strrchr(d->path, '/');
        for (j = 0; j < n_nodes; j++) {
            size_t plen = last_slash ? (size_t)(last_slash - d->path) : 0;
            if (j != i && strcmp(nodes[j].path ? nodes[j].path : "", d->path) == 0)
                return 0; /* duplicate */
            if (nodes[j].path && strlen(nodes[j].path) == plen &&
                memcmp(nodes[j].path, d->path, plen) == 0 && (nodes[j].flags & OMADM_NODE_INTERIOR))
                parent_ok = 1;
        }
        if (!parent_ok)
            return 0;
    }
    return has_root;
}

/* 1: reg's root is a prefix of (or equal to) the URI's segments;
 * 2: the URI is a proper prefix of the root; 0: neither. */
static int root_relation(const omadm_tree_reg *reg, const omadm_uri *uri)
{
    const char *r = reg->root;
    size_t i;

    /* reg->root is "a/b/c" with reg->root_n non-empty segments */
    for (i = 0; i < reg->root_n && i < uri->n; i++) {
        const char *slash = strchr(r, '/');
        size_t len = slash ? (size_t)(slash - r) : strlen(r);

        if (!seg_eq(r, len, uri->seg[i], uri->seg_len[i]))
            return 0;
        r = slash ? slash + 1 : r + len;
    }
    return uri->n >= reg->root_n ? 1 : 2;
}

static omadm_status tree_register(omadm_tree *tree, const char *root, const omadm_csp_ops *ops,
                                  const omadm_node_def *nodes, size_t n_nodes, unsigned scope,
                                  void *csp, void (*destroy)(void *csp))
{
    omadm_uri uri;
    omadm_tree_reg *reg;
    char joined[OMADM_URI_MAX_LEN + 1];
    size_t i;

    if (!tree || !root || !ops || ops->version < 1)
        return OMADM_ERR_INVALID;
    if (scope == 0)
        scope = OMADM_CSP_SCOPE_DEVICE;
    if (scope & ~(unsigned)(OMADM_CSP_SCOPE_DEVICE | OMADM_CSP_SCOPE_USER))
        return OMADM_ERR_INVALID;
    if (omadm__uri_parse(root, &tree->limits.uri, &uri) != 0 || uri.n == 0 ||
        uri.scope == OMADM_URI_SCOPE_USER)
        return OMADM_ERR_INVALID;
    if (!table_valid(nodes, n_nodes))
        return OMADM_ERR_INVALID;
    if (omadm__uri_join(&uri, 0, joined, sizeof joined) != 0)
        return OMADM_ERR_INVALID;
    for (i = 0; i < tree->n; i++)
        if (root_relation(tree->regs[i], &uri) != 0)
            return OMADM_ERR_EXISTS;

    if (tree->n == tree->cap) {
        size_t cap = tree->cap ? tree->cap * 2 : 8;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        omadm_tree_reg **grown = omadm__realloc(tree->regs, cap * sizeof *grown);
        if (!grown)
            return OMADM_ERR_NOMEM;
        tree->regs = grown;
        tree->cap = cap;
    }
    reg = omadm__calloc(1, sizeof *reg);
    if (!reg)
        return OMADM_ERR_NOMEM;
    reg->root = omadm__strdup(joined);
    if (!reg->root) {
        omadm__free(reg);
        return OMADM_ERR_NOMEM;
    }
    reg->root_n = uri.n;
    reg->ops = ops;
    reg->nodes = nodes;
    reg->n_nodes = n_nodes;
    reg->scope = scope;
    reg->csp = csp;
    reg->destroy = destroy;
    tree->regs[tree->n++] = reg;
    return OMADM_OK;
}

omadm_status omadm_tree_register(omadm_tree *tree, const char *root, const omadm_csp_ops *ops,
                                 const omadm_node_def *nodes, size_t n_nodes, unsigned scope,
                                 void *csp)
{
    return tree_register(tree, root, ops, nodes, n_nodes, scope, csp, NULL);
}

omadm_status omadm_tree_register_owned(omadm_tree *tree, const char *root, const omadm_csp_ops *ops,
                                       const omadm_node_def *nodes, size_t n_nodes, unsigned scope,
                                       void *csp, void (*destroy)(void *csp))
{
    omadm_status st = tree_register(tree, root, ops, nodes, n_nodes, scope, csp, destroy);

    if (st != OMADM_OK && destroy)
        destroy(csp);
    return st;
}

omadm_status omadm_tree_unregister(omadm_tree *tree, const char *root)
{
    omadm_uri uri;
    char joined[OMADM_URI_MAX_LEN + 1];
    size_t i;

    if (!tree || !root || omadm__uri_parse(root, &tree->limits.uri, &uri) != 0 || uri.n == 0 ||
        uri.scope == OMADM_URI_SCOPE_USER || omadm__uri_join(&uri, 0, joined, sizeof joined) != 0)
        return OMADM_ERR_INVALID;
    for (i = 0; i < tree->n; i++) {
        if (strcmp(tree->regs[i]->root, joined) == 0) {
            reg_free(tree->regs[i]);
            /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
            memmove(&tree->regs[i], &tree->regs[i + 1], (tree->n - i - 1) * sizeof *tree->regs);
            tree->n--;
            return OMADM_OK;
        }
    }
    return OMADM_ERR_NOT_FOUND;
}

/* ---- lookup -------------------------------------------------------------- */

/* Matches a node table path (with "*" segments) against `want` segment by segment,
 * stopping at the first mismatch (most entries fail on their first
 * segment): -1 no match, else the number of literal (non-'*') matches. */
static long match_score(const char *have, const split_path *want)
{
    long score = 0;
    size_t j;

    if (want->n == 0)
        return *have ? -1 : 0;
    for (j = 0; j < want->n; j++) {
        const char *slash = strchr(have, '/');
        size_t len = slash ? (size_t)(slash - have) : strlen(have);

        if (len == 0 || (j + 1 < want->n) != (slash != NULL))
            return -1;
        if (seg_eq(have, len, want->seg[j], want->len[j]))
            score++;
        else if (!seg_is_star(have, len))
            return -1;
        have = slash ? slash + 1 : have + len;
    }
    return score;
}

const omadm_node_def *omadm__tree_match(const omadm_tree_reg *reg, const char *path)
{
    split_path want;
    const omadm_node_def *best = NULL;
    long best_score = -1;
    size_t i;

    if (split(path, &want) != 0)
        return NULL;
    for (i = 0; i < reg->n_nodes; i++) {
        long score = match_score(reg->nodes[i].path, &want);

        if (score > best_score) {
            best = &reg->nodes[i];
            best_score = score;
        }
    }
    return best;
}

static int reg_visible(const omadm_tree_reg *reg, omadm_uri_scope scope)
{
    if (scope == OMADM_URI_SCOPE_USER)
        return (reg->scope & OMADM_CSP_SCOPE_USER) != 0;
    return (reg->scope & OMADM_CSP_SCOPE_DEVICE) != 0;
}

static const omadm_node_def virtual_node = { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET,
                                             OMADM_NODE_INTERIOR, NULL };

int omadm__tree_resolve(const omadm_tree *tree, const char *uri, omadm_tree_target *out)
{
    size_t i;
    int rc, under_some_root = 0;

    out->reg = NULL;
    out->node = NULL;
    out->path[0] = '\0';
    rc = omadm__uri_parse(uri, &tree->limits.uri, &out->uri);
    if (rc)
        return rc;
    for (i = 0; i < tree->n; i++) {
        omadm_tree_reg *reg = tree->regs[i];
        int rel = root_relation(reg, &out->uri);
        if (rel == 1) {
            if (!reg_visible(reg, out->uri.scope))
                return 404;
            if (omadm__uri_join(&out->uri, reg->root_n, out->path, sizeof out->path) != 0)
                return 414;
            out->node = omadm__tree_match(reg, out->path);
            if (!out->node)
                return 404;
            out->reg = reg;
            return 0;
        }
        if (rel == 2 && reg_visible(reg, out->uri.scope))
            under_some_root = 1;
    }
    /* "." (or "./Device") is the tree's root and always exists. */
    if (!under_some_root && out->uri.n > 0)
        return 404;
    if (omadm__uri_join(&out->uri, 0, out->path, sizeof out->path) != 0)
        return 414;
    out->node = &virtual_node;
    return 0;
}

/* A "*" entry: one name per dynamic instance. */
static int node_is_star(const omadm_node_def *def)
{
    const char *last = strrchr(def->path, '/');

    return strcmp(last ? last + 1 : def->path, "*") == 0;
}

static int node_is_dynamic(const omadm_node_def *def)
{
    return (def->flags & OMADM_NODE_DYNAMIC) || node_is_star(def);
}

int omadm__tree_code(int rc)
{
    if (rc == 0)
        return 200;
    if (rc <= -100 && rc >= -599)
        return -rc;
    return 500;
}

int omadm__tree_exists(const omadm_tree_target *target, const omadm_csp_request *base, int *exists)
{
    const omadm_tree_reg *reg = target->reg;
    const omadm_uri *uri = &target->uri;
    char prefix[OMADM_URI_MAX_LEN + 1];
    char parent[OMADM_URI_MAX_LEN + 1];
    size_t i, depth;

    *exists = 1;
    if (!reg)
        return 0;
    parent[0] = '\0';
    depth = uri->n - reg->root_n;
    for (i = 1; i <= depth; i++) {
        const omadm_node_def *def, *parent_def;
        omadm_csp_children kids = { NULL, 0, 0 };
        omadm_csp_request req = *base;
        const char *name = uri->seg[reg->root_n + i - 1];
        int rc, found;

        /* prefix = the first i segments under the root */
        if (omadm__uri_join_range(uri, reg->root_n, reg->root_n + i, prefix, sizeof prefix) != 0)
            return 414;
        def = omadm__tree_match(reg, prefix);
        if (!def) {
            *exists = 0;
            return 0;
        }
        if (node_is_dynamic(def)) {
            if (!reg->ops->children) {
                /* The table lists literal names only (csp.h). */
                if (node_is_star(def)) {
                    *exists = 0;
                    return 0;
                }
            } else {
                parent_def = omadm__tree_match(reg, parent);
                req.path = parent;
                req.node = parent_def;
                rc = reg->ops->children(reg->csp, &req, &kids);
                if (rc != 0) {
                    omadm__csp_children_clear(&kids);
                    if (omadm__tree_code(rc) == 404) {
                        *exists = 0;
                        return 0;
                    }
                    return omadm__tree_code(rc);
                }
                found = omadm__csp_children_has(&kids, name);
                omadm__csp_children_clear(&kids);
                if (!found) {
                    *exists = 0;
                    return 0;
                }
            }
        }
        memcpy(parent, prefix, strlen(prefix) + 1);
    }
    return 0;
}

static int list_virtual(const omadm_tree *tree, const omadm_tree_target *target,
                        omadm_csp_children *out)
{
    size_t i;

    for (i = 0; i < tree->n; i++) {
        const omadm_tree_reg *reg = tree->regs[i];
        split_path sp;
        char name[OMADM_URI_MAX_SEGMENT + 1];
        omadm_status st;

        if (!reg_visible(reg, target->uri.scope) || root_relation(reg, &target->uri) != 2)
            continue;
        if (split(reg->root, &sp) != 0 || sp.n <= target->uri.n ||
            sp.len[target->uri.n] > OMADM_URI_MAX_SEGMENT)
            continue;
        memcpy(name, sp.seg[target->uri.n], sp.len[target->uri.n]);
        name[sp.len[target->uri.n]] = '\0';
        if (omadm__csp_children_has(out, name))
            continue;
        st = omadm_csp_children_add(out, name);
        if (st != OMADM_OK) {
            omadm__csp_children_clear(out);
            return 500;
        }
    }
    return 0;
}

int omadm__tree_list(const omadm_tree *tree, const omadm_tree_target *target,
                     const omadm_csp_request *base, omadm_csp_children *out)
{
    const omadm_tree_reg *reg = target->reg;
    split_path want, have;
    size_t i, j;

    if (!reg)
        return list_virtual(tree, target, out);
    if (reg->ops->children) {
        omadm_csp_request req = *base;
        int rc;
        req.path = target->path;
        req.node = target->node;
        rc = reg->ops->children(reg->csp, &req, out);
        if (rc != 0) {
            omadm__csp_children_clear(out);
            return omadm__tree_code(rc);
        }
        return 0;
    }
    if (split(target->path, &want) != 0)
        return 500;
    for (i = 0; i < reg->n_nodes; i++) {
        char name[OMADM_URI_MAX_SEGMENT + 1];
        if (split(reg->nodes[i].path, &have) != 0 || have.n != want.n + 1)
            continue;
        for (j = 0; j < want.n; j++)
            if (!seg_eq(have.seg[j], have.len[j], want.seg[j], want.len[j]) &&
                !seg_is_star(have.seg[j], have.len[j]))
                break;
        if (j < want.n || seg_is_star(have.seg[want.n], have.len[want.n]) ||
            have.len[want.n] > OMADM_URI_MAX_SEGMENT)
            continue;
        memcpy(name, have.seg[want.n], have.len[want.n]);
        name[have.len[want.n]] = '\0';
        if (omadm_csp_children_add(out, name) != OMADM_OK) {
            omadm__csp_children_clear(out);
            return 500;
        }
    }
    return 0;
}
