/* SPDX-License-Identifier: Apache-2.0 */
/* The DM tree, internal side: CSP registry, URI resolution, existence and
 * child lists. The public side is omadm/csp.h. */
#ifndef OMADM_TREE_TREE_H
#define OMADM_TREE_TREE_H

#include <stddef.h>

#include "omadm/csp.h"
#include "tree/uri.h"

/* Output of a handler's get (csp.h): the copied value. */
struct omadm_csp_value {
    char *data; /* owned, NUL-terminated; NULL until set */
    size_t len;
    int set;
};

/* Output of a handler's children (csp.h): copied names. */
struct omadm_csp_children {
    char **names; /* owned */
    size_t n;
    size_t cap;
};

void omadm__csp_value_clear(omadm_csp_value *value);
void omadm__csp_children_clear(omadm_csp_children *children);
/* Non-zero when `name` is in the list. */
int omadm__csp_children_has(const omadm_csp_children *children, const char *name);

/* Limits the tree applies to commands (DESIGN §6). Lowered only. */
typedef struct omadm_tree_limits {
    omadm_uri_limits uri;
    size_t max_value;  /* bytes of one Item's Data: 512 KiB (413 beyond) */
    size_t max_cmd_id; /* bytes of a CmdID: 64 (400 beyond) */
} omadm_tree_limits;

#define OMADM_TREE_LIMITS_DEFAULT                                                                  \
    {                                                                                              \
        OMADM_URI_LIMITS_DEFAULT, 524288, 64                                                       \
    }

/* Sets the limits; a value above the default is clamped to it. */
void omadm__tree_set_limits(omadm_tree *tree, const omadm_tree_limits *limits);
const omadm_tree_limits *omadm__tree_limits(const omadm_tree *tree);

/* One registered CSP. */
typedef struct omadm_tree_reg {
    char *root;    /* owned: decoded root segments joined by '/', no scope prefix */
    size_t root_n; /* its segment count */
    const omadm_csp_ops *ops;
    const omadm_node_def *nodes;
    size_t n_nodes;
    unsigned scope; /* enum omadm_csp_scope bits, never 0 */
    void *csp;
    void (*destroy)(void *csp); /* owned CSP state, freed with the tree; may be NULL */
} omadm_tree_reg;

size_t omadm__tree_count(const omadm_tree *tree);
/* Registrations in registration order; borrowed, valid while the tree is. */
omadm_tree_reg *omadm__tree_at(const omadm_tree *tree, size_t index);

/* omadm_tree_register_owned (omadm/csp.h) registers the built-in CSPs. */

/* A resolved target URI. */
typedef struct omadm_tree_target {
    omadm_tree_reg *reg;              /* NULL for a virtual interior node (a proper
                                         prefix of registered roots, e.g. "./Vendor") */
    const omadm_node_def *node;       /* the matching table entry (a static
                                         interior Get-only entry for virtual nodes) */
    omadm_uri uri;                    /* the parsed URI */
    char path[OMADM_URI_MAX_LEN + 1]; /* decoded path relative to reg's root
                                         ("" = root); for a virtual node the
                                         path from the tree root */
} omadm_tree_target;

/* Resolves `uri` (as received). Returns 0, or the DM code: 400/404/406/414
 * from the URI rules, 404 when no CSP or no node-table entry matches (or a
 * device-only CSP is addressed under ./User). Existence of dynamic nodes is
 * not checked here (omadm__tree_exists). No allocation. */
int omadm__tree_resolve(const omadm_tree *tree, const char *uri, omadm_tree_target *out);

/* Sets *exists: permanent nodes always exist; a dynamic node (flag DYNAMIC
 * or a "*" entry) exists when its parent's children list names it, for it
 * and every dynamic ancestor. `base` supplies the request context (its path
 * and node are replaced). Returns 0, or a DM code (500 when memory ran out,
 * or a handler's error). */
int omadm__tree_exists(const omadm_tree_target *target, const omadm_csp_request *base, int *exists);

/* The children of the interior node `target` (it must exist). Returns 0 or
 * a DM code; on error `out` is empty. */
int omadm__tree_list(const omadm_tree *tree, const omadm_tree_target *target,
                     const omadm_csp_request *base, omadm_csp_children *out);

/* Maps a handler's return value to a DM status code: 0 -> 200, -100..-599
 * -> 100..599, anything else -> 500. */
int omadm__tree_code(int rc);

/* The table entry matching `path` ('/'-separated, relative to the CSP root;
 * literal names win over "*"), or NULL. */
const omadm_node_def *omadm__tree_match(const omadm_tree_reg *reg, const char *path);

#endif
