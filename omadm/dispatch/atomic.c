/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic (all or nothing, syncml-dm §6) and Sequence (in order).
 *
 * Atomic: validate every member, begin a transaction on each CSP involved
 * (in order of first use), run the members in order; on the first failure
 * roll every CSP back in reverse order. Codes: the failed Item its error,
 * Items undone 216 (516 when their CSP's rollback failed), Items not run
 * 215, the Atomic 507 (516 when a rollback failed). CSPs arm what cannot be
 * undone (a restart) only in txn_commit, so a failed Atomic never arms it.
 * A commit that fails is followed by that CSP's rollback (and the rollback
 * of every CSP not yet committed). */
#include <string.h>

#include "dispatch/dispatch_int.h"

void omadm__plan_skip(cmd_plan *plan)
{
    size_t i;

    if (!plan->answer)
        return;
    omadm__plan_set_all(plan, 215);
    for (i = 0; i < plan->n_members; i++)
        omadm__plan_skip(&plan->members[i]);
}

static void member_code(cmd_plan *m)
{
    if (m->n_items && !m->whole)
        m->code = m->items[0].code;
}

static size_t txn_index(const cmd_plan *atomic, const omadm_tree_reg *reg)
{
    size_t k;

    for (k = 0; k < atomic->txn_cap && atomic->txn[k]; k++)
        if (atomic->txn[k] == reg)
            return k;
    return (size_t)-1;
}

static size_t txn_count(const cmd_plan *atomic)
{
    size_t n = 0;

    while (n < atomic->txn_cap && atomic->txn[n])
        n++;
    return n;
}

/* Validates one member before anything runs: sets its codes (215 for the
 * valid Items: not run yet) and returns non-zero when it is invalid. */
static int member_invalid(dispatch_ctx *ctx, cmd_plan *atomic, cmd_plan *m)
{
    const syncml_cmd *cmd = m->cmd;
    size_t i;
    int bad = 0;

    if (cmd->reject_code) { /* over a per-command limit while parsing */
        omadm__plan_set_all(m, cmd->reject_code);
        for (i = 0; i < m->n_members; i++)
            omadm__plan_skip(&m->members[i]);
        return 1;
    }
    if (!cmd->cmd_id || !cmd->cmd_id[0] ||
        strlen(cmd->cmd_id) > omadm__tree_limits(ctx->tree)->max_cmd_id) {
        omadm__plan_set_all(m, 400);
        return 1;
    }
    switch (cmd->type) {
    case SYNCML_CMD_ADD:
    case SYNCML_CMD_REPLACE:
    case SYNCML_CMD_DELETE:
    case SYNCML_CMD_EXEC:
        break;
    case SYNCML_CMD_GET:      /* syncml-dm §5: Get in Atomic is 500 */
    case SYNCML_CMD_ATOMIC:   /* nested Atomic: 500, the outer one 507 */
    case SYNCML_CMD_SEQUENCE: /* not in Atomic's content model */
    case SYNCML_CMD_ALERT:
        omadm__plan_set_all(m, 500);
        for (i = 0; i < m->n_members; i++)
            omadm__plan_skip(&m->members[i]);
        return 1;
    case SYNCML_CMD_COPY:
        omadm__plan_set_all(m, 406);
        return 1;
    default:
        omadm__plan_set_all(m, 400);
        return 1;
    }
    if (m->n_items == 0) {
        omadm__plan_set_all(m, 412);
        return 1;
    }
    for (i = 0; i < m->n_items; i++) {
        omadm_tree_target target;
        omadm_csp_request req;
        size_t k;
        int code = omadm__dispatch_check_item(ctx, cmd, m->items[i].item, 1, &target, &req);

        if (!code && target.reg && !target.reg->ops->txn_begin)
            code = 406; /* the CSP cannot take part in an Atomic (csp.h) */
        m->items[i].code = code ? code : 215;
        if (code) {
            bad = 1;
            continue;
        }
        m->items[i].reg = target.reg;
        k = txn_index(atomic, target.reg);
        if (k == (size_t)-1 && target.reg)
            atomic->txn[txn_count(atomic)] = target.reg;
    }
    member_code(m);
    return bad;
}

static int rollback_range(cmd_plan *atomic, size_t from, size_t to)
{
    size_t k;
    int any = 0;

    for (k = to; k > from; k--) {
        omadm_tree_reg *reg = atomic->txn[k - 1];
        int rc = reg->ops->txn_rollback ? reg->ops->txn_rollback(reg->csp) : -500;
        if (rc != 0) {
            atomic->txn_rb_failed[k - 1] = 1;
            any = 1;
        }
    }
    return any;
}

/* Applies `fn` to every Item of every member. `m` and `ip` name the loop
 * variables the macro declares, so they cannot be parenthesised. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define FOR_EACH_ITEM(atomic, m, ip, body)                                                         \
    do {                                                                                           \
        size_t mi_, ii_;                                                                           \
        for (mi_ = 0; mi_ < (atomic)->n_members; mi_++) {                                          \
            cmd_plan *m = &(atomic)->members[mi_];                                                 \
            if (!m->answer)                                                                        \
                continue;                                                                          \
            for (ii_ = 0; ii_ < m->n_items; ii_++) {                                               \
                item_plan *ip = &m->items[ii_];                                                    \
                body                                                                               \
            }                                                                                      \
            member_code(m);                                                                        \
        }                                                                                          \
    } while (0)
/* NOLINTEND(bugprone-macro-parentheses) */

void omadm__dispatch_atomic(dispatch_ctx *ctx, cmd_plan *plan)
{
    size_t i, j, n_txn, b;
    int invalid = 0, failed = 0, rb_any;

    /* Changes before the Atomic are made durable first: its rollback and
     * commit then start from a committed state. */
    omadm__dispatch_group_commit(ctx);
    for (i = 0; i < plan->n_members; i++)
        if (plan->members[i].answer && member_invalid(ctx, plan, &plan->members[i]))
            invalid = 1;
    if (invalid) {
        plan->code = 507; /* nothing ran */
        return;
    }
    n_txn = txn_count(plan);

    for (b = 0; b < n_txn; b++) {
        omadm_tree_reg *reg = plan->txn[b];
        int rc = reg->ops->txn_begin(reg->csp);
        if (rc != 0) {
            int code = omadm__tree_code(rc), marked = 0;
            rb_any = rollback_range(plan, 0, b);
            FOR_EACH_ITEM(plan, m, ip, {
                if (!marked && ip->reg == reg) {
                    ip->code = code == 200 ? 500 : code;
                    marked = 1;
                }
            });
            plan->code = rb_any ? 516 : 507;
            return;
        }
    }

    for (i = 0; i < plan->n_members && !failed; i++) {
        cmd_plan *m = &plan->members[i];
        if (!m->answer)
            continue;
        for (j = 0; j < m->n_items && !failed; j++) {
            m->items[j].code = omadm__dispatch_run_item(ctx, m, &m->items[j], 1);
            failed = !omadm__code_ok(m->items[j].code);
        }
        member_code(m);
    }

    if (failed) {
        rb_any = rollback_range(plan, 0, n_txn);
        FOR_EACH_ITEM(plan, m, ip, {
            if (ip->executed)
                ip->code = plan->txn_rb_failed[txn_index(plan, ip->reg)] ? 516 : 216;
        });
        plan->code = rb_any ? 516 : 507;
        return;
    }

    for (b = 0; b < n_txn; b++) {
        omadm_tree_reg *reg = plan->txn[b];
        int rc = reg->ops->txn_commit ? reg->ops->txn_commit(reg->csp) : 0;
        int code;
        if (rc == 0)
            continue;
        code = omadm__tree_code(rc);
        if (code == 200)
            code = 500;
        rb_any = rollback_range(plan, b, n_txn);
        FOR_EACH_ITEM(plan, m, ip, {
            size_t k = txn_index(plan, ip->reg);
            if (k == b)
                ip->code = code;
            else if (k > b && k != (size_t)-1)
                ip->code = plan->txn_rb_failed[k] ? 516 : 216;
        });
        plan->code = rb_any ? 516 : 507;
        return;
    }
    plan->code = 200;
}

void omadm__dispatch_sequence(dispatch_ctx *ctx, cmd_plan *plan)
{
    size_t i;

    for (i = 0; i < plan->n_members; i++) {
        if (plan->members[i].answer)
            omadm__dispatch_run(ctx, &plan->members[i]);
    }
    omadm__sequence_code(plan);
}

void omadm__sequence_code(cmd_plan *plan)
{
    size_t i, j;
    int all_ok = 1;

    for (i = 0; i < plan->n_members; i++) {
        cmd_plan *m = &plan->members[i];
        if (!m->answer)
            continue;
        if (m->n_items && !m->n_members) {
            for (j = 0; j < m->n_items; j++)
                if (!omadm__code_ok(m->items[j].code))
                    all_ok = 0;
        } else if (!omadm__code_ok(m->code)) {
            all_ok = 0;
        }
    }
    plan->code = all_ok ? 200 : 500;
}
