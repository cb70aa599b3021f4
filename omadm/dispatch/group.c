/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit (dispatch.h): the CSPs that make a message's changes
 * durable together, and what a failed commit does to the answers. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "dispatch/dispatch_int.h"

static const omadm__csp_ops_ext *ext_of(const omadm_tree_reg *reg)
{
    if (!reg || !(reg->ops->version & OMADM__CSP_OPS_EXT))
        return NULL;
    /* NOLINTNEXTLINE(bugprone-casting-through-void): ops is the first member */
    return (const omadm__csp_ops_ext *)(const void *)reg->ops;
}

omadm_status omadm__dispatch_groups_prepare(dispatch_ctx *ctx)
{
    size_t i, n = omadm__tree_count(ctx->tree), k = 0;

    for (i = 0; i < n; i++) {
        const omadm__csp_ops_ext *ext = ext_of(omadm__tree_at(ctx->tree, i));
        if (ext && ext->message_commit)
            k++;
    }
    if (!k)
        return OMADM_OK;
    ctx->groups = omadm__calloc(k, sizeof *ctx->groups);
    if (!ctx->groups)
        return OMADM_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        omadm_tree_reg *reg = omadm__tree_at(ctx->tree, i);
        const omadm__csp_ops_ext *ext = ext_of(reg);
        if (ext && ext->message_commit) {
            ctx->groups[ctx->n_groups].reg = reg;
            ctx->groups[ctx->n_groups].ext = ext;
            ctx->n_groups++;
        }
    }
    return OMADM_OK;
}

void omadm__dispatch_groups_free(dispatch_ctx *ctx)
{
    omadm__free(ctx->groups);
    ctx->groups = NULL;
    ctx->n_groups = 0;
}

void omadm__dispatch_group_changed(dispatch_ctx *ctx, const omadm_tree_reg *reg, size_t seq)
{
    size_t g;

    for (g = 0; g < ctx->n_groups; g++) {
        if (ctx->groups[g].reg == reg) {
            if (!ctx->groups[g].first)
                ctx->groups[g].first = seq;
            return;
        }
    }
}

/* Removes the Results Item of `ip` from its command's Results. */
static void drop_result(cmd_plan *plan, item_plan *ip)
{
    syncml_item **pp, *prev = NULL;

    if (!ip->result || !plan->results)
        return;
    for (pp = &plan->results->items; *pp; prev = *pp, pp = &(*pp)->next) {
        if (*pp == ip->result) {
            *pp = ip->result->next;
            if (plan->results_tail == ip->result)
                plan->results_tail = prev;
            break;
        }
    }
    ip->result = NULL;
    if (!plan->results->items)
        plan->results = NULL;
}

/* Every Item of `reg` run at or after `first` that succeeded answers
 * `code`. Returns non-zero when one did. */
static int fail_from(cmd_plan *plan, const omadm_tree_reg *reg, size_t first, int code)
{
    size_t i;
    int changed = 0, inner = 0;

    if (!plan->answer)
        return 0;
    for (i = 0; i < plan->n_items; i++) {
        item_plan *ip = &plan->items[i];
        if (ip->reg == reg && ip->seq >= first && omadm__code_ok(ip->code)) {
            ip->code = code;
            drop_result(plan, ip);
            changed = 1;
        }
    }
    if (changed && !plan->n_members && !plan->whole)
        plan->code = plan->items[0].code;
    for (i = 0; i < plan->n_members; i++)
        inner |= fail_from(&plan->members[i], reg, first, code);
    if (inner && plan->cmd->type == SYNCML_CMD_SEQUENCE)
        omadm__sequence_code(plan);
    return changed | inner;
}

void omadm__dispatch_group_commit(dispatch_ctx *ctx)
{
    size_t g, i;

    for (g = 0; g < ctx->n_groups; g++) {
        dispatch_group *grp = &ctx->groups[g];
        size_t first = grp->first;
        int code;

        if (!first)
            continue;
        grp->first = 0;
        code = omadm__tree_code(grp->ext->message_commit(grp->reg->csp));
        if (code == 200)
            continue;
        if (omadm__code_ok(code))
            code = 500; /* a success other than 0 is no commit */
        omadm__log(OMADM_LOG_ERROR, "dispatch: %s: group commit failed, changes answered %d",
                   grp->reg->root, code);
        for (i = 0; i < ctx->n_plans; i++)
            (void)fail_from(&ctx->plans[i], grp->reg, first, code);
    }
}
