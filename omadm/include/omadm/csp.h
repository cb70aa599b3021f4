/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: the DM tree and the CSP (configuration service provider) API.
 *
 * A CSP is a static const table of callbacks (struct omadm_csp_ops, version
 * field first) plus a node table, registered on a subtree of the DM tree,
 * for example "./Vendor/Contoso/Settings". The dispatcher maps every Get,
 * Add, Replace, Delete and Exec on a URI under that root to the CSP.
 *
 * Handlers return 0 for success (Status 200) or a negative DM status code
 * (-404, -405, -415, -418...). Any other return value becomes Status 500.
 *
 * Threading: a tree and its CSPs are used from one thread at a time. */
#ifndef OMADM_CSP_H
#define OMADM_CSP_H

#include "omadm/export.h"

#include <stddef.h>

#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Meta/Format of a node's value (syncml-dm §10). */
typedef enum omadm_format {
    OMADM_FORMAT_CHR = 0,
    OMADM_FORMAT_INT,
    OMADM_FORMAT_BOOL,
    OMADM_FORMAT_B64,
    OMADM_FORMAT_XML,
    OMADM_FORMAT_NODE,
    OMADM_FORMAT_NULL,
    OMADM_FORMAT_BIN,
    OMADM_FORMAT_FLOAT,
    OMADM_FORMAT_DATE,
    OMADM_FORMAT_TIME
} omadm_format;

/* "chr", "int", ... Borrowed, static; NULL for a value outside the enum. */
OMADM_API const char *omadm_format_name(omadm_format format);

/* Access types of a node: a bit set. */
enum omadm_access {
    OMADM_ACCESS_GET = 1u << 0,
    OMADM_ACCESS_ADD = 1u << 1,
    OMADM_ACCESS_REPLACE = 1u << 2,
    OMADM_ACCESS_DELETE = 1u << 3,
    OMADM_ACCESS_EXEC = 1u << 4
};

/* Node flags: a bit set. */
enum omadm_node_flags {
    /* Interior node (Format node); otherwise a leaf. */
    OMADM_NODE_INTERIOR = 1u << 0,
    /* Dynamic (created and deleted by the server); otherwise permanent. */
    OMADM_NODE_DYNAMIC = 1u << 1,
    /* Replace on an absent instance creates it (implicit Add). */
    OMADM_NODE_IMPLICIT_ADD = 1u << 2
};

/* One entry of a CSP's node table (its DDF, in short).
 * `path` is relative to the CSP root: "" is the root itself,
 * "Schedule/Single" a descendant. A segment "*" matches any one name (a
 * dynamic instance such as DMClient's {ProviderID}). */
typedef struct omadm_node_def {
    const char *path; /* borrowed; must outlive the registration */
    omadm_format format;
    unsigned access;  /* enum omadm_access bits */
    unsigned flags;   /* enum omadm_node_flags bits */
    const char *type; /* MIME type of the value; NULL means text/plain */
} omadm_node_def;

/* Registration scope bits. */
enum omadm_csp_scope {
    /* "./Vendor/X" and "./Device/Vendor/X" name the same node. */
    OMADM_CSP_SCOPE_DEVICE = 1u << 0,
    /* Reachable under "./User/Vendor/X" (else those URIs answer 404). */
    OMADM_CSP_SCOPE_USER = 1u << 1
};

/* What a handler is asked to act on. Every pointer is borrowed and valid only
 * during the call. */
typedef struct omadm_csp_request {
    const char *uri;            /* the target LocURI exactly as the server sent it */
    const char *path;           /* normalised, percent-decoded, relative to the CSP
                                   root ("" = the root), segments separated by '/' */
    const omadm_node_def *node; /* the node table entry that matched */
    const char *format;         /* Item Meta/Format as received, NULL if absent */
    const char *type;           /* Item Meta/Type as received, NULL if absent */
    const char *server;         /* the server's URI (SyncHdr Source/LocURI) */
    const char *session_id;     /* SyncHdr SessionID */
    const char *msg_id;         /* MsgID of the server message carrying the command */
    const char *cmd_id;         /* CmdID of the command, verbatim */
    int in_transaction;         /* non-zero inside an Atomic (between txn_begin and
                                   commit/rollback) */
} omadm_csp_request;

/* Output of a get: set with omadm_csp_value_set (which copies; a second
 * call replaces the first). A get that returns 0 without setting a value
 * answers an empty value. Owned by the library; valid during the call. */
typedef struct omadm_csp_value omadm_csp_value;
/* Copies `len` bytes of `data` (need not be NUL-terminated) as the value.
 * Returns OMADM_OK or OMADM_ERR_NOMEM. */
OMADM_API omadm_status omadm_csp_value_set(omadm_csp_value *out, const char *data, size_t len);

/* Output of a children listing: one call per child name (copied; not
 * empty, no '/'; OMADM_ERR_INVALID otherwise). Owned by the library. */
typedef struct omadm_csp_children omadm_csp_children;
OMADM_API omadm_status omadm_csp_children_add(omadm_csp_children *out, const char *name);

#define OMADM_CSP_OPS_VERSION 1

/* The callbacks of a CSP. `csp` is the pointer given at registration.
 * Any entry but `version` may be NULL:
 *  - get NULL: Get on a leaf answers 405;
 *  - add / replace / del / exec NULL: that command answers 405;
 *  - children NULL: interior nodes list the children in the node table
 *    (dynamic "*" entries are then never listed);
 *  - txn_begin NULL: the CSP cannot take part in an Atomic (its members
 *    answer 406 and the Atomic 507 without executing anything);
 *  - session_end NULL: nothing to do at the end of a session.
 * `data` arguments point at `len` bytes of the Item's Data (not
 * NUL-terminated; may be NULL when len is 0), borrowed for the call.
 *
 * Before calling a handler the tree has already checked, in this order:
 * the URI (400/404/406/414), a node-table entry for it (404), existence
 * (404; Add: 418 when it exists), the node's access types (405), that the
 * handler is not NULL (405) and, for Add/Replace, that Meta/Format (when
 * sent) equals the node's format and that an int/bool value is well
 * formed (415). Handlers see only the rest: a value they refuse (-400),
 * a policy refusal (-403), storage full (-420)...
 *
 * Existence: permanent table entries always exist; a dynamic one (flag
 * OMADM_NODE_DYNAMIC or a "*" entry), and everything under it, exists when
 * `children` of its parent lists it. `add` may be asked to create a node
 * whose dynamic ancestors do not exist yet: create them, or return -404.
 * `replace` on an absent node is only called for OMADM_NODE_IMPLICIT_ADD
 * entries (it then creates the node). `del` removes the whole subtree.
 *
 * Return values: 0 (Status 200) or a negative DM status code, -100..-599
 * (-202 for "accepted, completes later"); anything else is Status 500. */
typedef struct omadm_csp_ops {
    unsigned version; /* OMADM_CSP_OPS_VERSION */
    int (*get)(void *csp, const omadm_csp_request *req, omadm_csp_value *out);
    int (*add)(void *csp, const omadm_csp_request *req, const char *data, size_t len);
    int (*replace)(void *csp, const omadm_csp_request *req, const char *data, size_t len);
    int (*del)(void *csp, const omadm_csp_request *req);
    int (*exec)(void *csp, const omadm_csp_request *req, const char *data, size_t len);
    /* Lists the existing children of the interior node req->path. Also
     * decides existence: a dynamic instance not listed by its parent does
     * not exist. */
    int (*children)(void *csp, const omadm_csp_request *req, omadm_csp_children *out);
    /* Atomic: begin before the first member, commit after the last, or
     * rollback to the state at begin. An action that cannot be undone (a
     * restart) must only be armed at commit. Handlers called in between
     * see req->in_transaction set; Get is never called inside an Atomic.
     * When a commit fails (non-zero), rollback is called next, and its
     * members answer the commit's code. txn_commit/txn_rollback NULL with
     * txn_begin set: commit does nothing, rollback counts as failed (516). */
    int (*txn_begin)(void *csp);
    int (*txn_commit)(void *csp);
    int (*txn_rollback)(void *csp);
    /* The session ended: `completed` is non-zero when the server answered
     * our last message (the session finished normally). */
    void (*session_end)(void *csp, int completed);
} omadm_csp_ops;

/* The DM tree: the registry of CSPs. Opaque. */
typedef struct omadm_tree omadm_tree;

/* Creates an empty tree. *out is owned by the caller (omadm_tree_free). */
OMADM_API omadm_status omadm_tree_new(omadm_tree **out);
/* Frees the tree (not the CSPs registered with omadm_tree_register, which
 * the caller owns). Accepts NULL. */
OMADM_API void omadm_tree_free(omadm_tree *tree);

/* Registers a CSP at `root` (e.g. "./Vendor/Contoso/Settings", "./DevInfo";
 * "./Device/..." is the same root, "./User/..." is refused: use the scope).
 * `ops`, `nodes` and `csp` are borrowed and must outlive the tree; `root` is
 * copied. `scope` is a set of enum omadm_csp_scope bits (0 means device).
 * The table must hold "" (the root itself) and every entry's parent, as an
 * interior entry; interior entries have Format node, leaves another.
 * Fails with OMADM_ERR_EXISTS when the root overlaps a registered CSP (is
 * equal to, above or below it) and OMADM_ERR_INVALID for a bad root, table,
 * scope or ops version. Interior nodes above the roots ("./Vendor") answer
 * Get with the names below them. */
OMADM_API omadm_status omadm_tree_register(omadm_tree *tree, const char *root,
                                           const omadm_csp_ops *ops, const omadm_node_def *nodes,
                                           size_t n_nodes, unsigned scope, void *csp);

/* As omadm_tree_register, and the tree takes ownership of `csp` whatever
 * the outcome: `destroy(csp)` (when non-NULL) runs when the tree is freed
 * or unregisters it, or at once when registration fails. For CSPs whose
 * lifetime is the tree's (the stock agent's DMAcc). */
OMADM_API omadm_status omadm_tree_register_owned(omadm_tree *tree, const char *root,
                                                 const omadm_csp_ops *ops,
                                                 const omadm_node_def *nodes, size_t n_nodes,
                                                 unsigned scope, void *csp,
                                                 void (*destroy)(void *csp));

/* Withdraws the CSP registered at exactly `root` (same spellings as
 * omadm_tree_register; not a root above or below it). The CSP's state is
 * the caller's again. Not from inside a handler. OMADM_ERR_NOT_FOUND when
 * no CSP is registered there, OMADM_ERR_INVALID for a bad root. */
OMADM_API omadm_status omadm_tree_unregister(omadm_tree *tree, const char *root);

/* Runs one server SyncML message through the tree, outside any session:
 * every command is dispatched and the reply (a SyncML message holding the
 * SyncHdr Status, a Status per command and Results, numbered CmdID 1..,
 * addressed back to the server, same SessionID and MsgID) is returned in
 * *reply, *reply_len bytes, NUL-terminated, owned by the caller (free with
 * omadm_free). On error *reply is NULL: OMADM_ERR_PARSE/LIMIT for a message
 * the codec refuses (nothing ran), OMADM_ERR_NOMEM (commands may have run).
 * For CSP authors' tests and tools. */
OMADM_API omadm_status omadm_tree_process(omadm_tree *tree, const char *msg, size_t len,
                                          char **reply, size_t *reply_len);

/* Frees memory the library returned. Accepts NULL. */
OMADM_API void omadm_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif
