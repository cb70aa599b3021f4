/* SPDX-License-Identifier: Apache-2.0 */
/* Dispatcher internals shared by dispatch.c (commands) and atomic.c
 * (Atomic and Sequence). */
#ifndef OMADM_DISPATCH_DISPATCH_INT_H
#define OMADM_DISPATCH_DISPATCH_INT_H

#include "dispatch/dispatch.h"
#include "tree/tree.h"

typedef struct item_plan {
    const syncml_item *item;
    int code;            /* DM status code of this Item */
    int executed;        /* its handler ran and succeeded (Atomic undo) */
    omadm_tree_reg *reg; /* the CSP it resolved to (Atomic), may be NULL */
    syncml_cmd *status;  /* preallocated per-Item Status (only when the
                            command has more than one Item) */
    syncml_item *result; /* Get: the Results Item (code 200 only) */
    size_t seq;          /* run order in the message, from 1; 0: not run */
} item_plan;

typedef struct cmd_plan {
    const syncml_cmd *cmd;
    int answer;         /* 0: nothing to answer (a Status/Results) */
    int code;           /* code of the command itself when it has no
                           Items or is a container */
    int whole;          /* `code` applies to every Item */
    syncml_cmd *status; /* preallocated Status */
    char *cmd_ref;      /* arena copies shared by its Statuses */
    char *cmd_name;
    item_plan *items; /* owned (omadm__calloc) */
    size_t n_items;
    struct cmd_plan *members; /* owned: Atomic/Sequence members */
    size_t n_members;
    omadm_tree_reg **txn; /* owned: Atomic, CSPs in the transaction in
                             order of first use, NULL-terminated */
    int *txn_rb_failed;   /* owned: per txn entry, its rollback failed */
    size_t txn_cap;
    syncml_cmd *results; /* Get: built while running */
    syncml_item *results_tail;
} cmd_plan;

/* A CSP with a group commit (dispatch.h) and its uncommitted changes. */
typedef struct dispatch_group {
    omadm_tree_reg *reg;
    const omadm__csp_ops_ext *ext;
    size_t first; /* seq of its first uncommitted change; 0: none */
} dispatch_group;

typedef struct dispatch_ctx {
    omadm_tree *tree;
    const syncml_msg *in;
    const char *server;
    syncml_msg *reply;
    char *msg_ref;   /* arena copy shared by every answer */
    cmd_plan *plans; /* the message's commands */
    size_t n_plans;
    size_t seq;             /* items run so far */
    dispatch_group *groups; /* owned; one per group-commit CSP of the tree */
    size_t n_groups;
} dispatch_ctx;

/* Runs one command (not Atomic: see omadm__dispatch_atomic). */
void omadm__dispatch_run(dispatch_ctx *ctx, cmd_plan *plan);
/* Validates one Item of an Add/Replace/Delete/Exec/Get without running
 * it; *target and *req receive the resolution. Returns 0 or a DM code. */
int omadm__dispatch_check_item(dispatch_ctx *ctx, const syncml_cmd *cmd, const syncml_item *item,
                               int in_txn, omadm_tree_target *target, omadm_csp_request *req);
/* Runs one Item (validation included). Returns the DM code. */
int omadm__dispatch_run_item(dispatch_ctx *ctx, cmd_plan *plan, item_plan *ip, int in_txn);
void omadm__dispatch_atomic(dispatch_ctx *ctx, cmd_plan *plan);
void omadm__dispatch_sequence(dispatch_ctx *ctx, cmd_plan *plan);
/* Finds the tree's group-commit CSPs (phase 1: may fail with NOMEM). */
omadm_status omadm__dispatch_groups_prepare(dispatch_ctx *ctx);
void omadm__dispatch_groups_free(dispatch_ctx *ctx);
/* Item `seq` changed `reg` outside an Atomic (no-op for other CSPs). */
void omadm__dispatch_group_changed(dispatch_ctx *ctx, const omadm_tree_reg *reg, size_t seq);
/* Runs every pending group commit (dispatch.h) and turns the answers of
 * the commands a failed one undid into its code. */
void omadm__dispatch_group_commit(dispatch_ctx *ctx);
/* A Sequence's own code from its members' (200 when all succeeded). */
void omadm__sequence_code(cmd_plan *plan);
/* Sets every Item's code (and the command's) to `code`. */
void omadm__plan_set_all(cmd_plan *plan, int code);
/* Marks the command and everything inside it not executed (215). */
void omadm__plan_skip(cmd_plan *plan);
/* Non-zero for 2xx. */
int omadm__code_ok(int code);

#endif
