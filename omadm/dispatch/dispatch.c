/* SPDX-License-Identifier: Apache-2.0 */
/* The command dispatcher: Get, Add, Replace, Delete, Exec, Alert and the
 * answers (Status, Results). Atomic and Sequence live in atomic.c.
 *
 * Two phases keep an allocation failure from leaving the tree changed
 * without a Status to say so: every Status of the message is allocated
 * first (phase 1, the only place OMADM_ERR_NOMEM comes from), then the
 * commands run (phase 2) and only fill in codes; an allocation failing
 * there (a Get's Results, a child list) costs that command a 500. Between
 * phase 2 and the answers, the group commits (group.c) make the message's
 * changes durable. */
#include "dispatch/dispatch_int.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"

int omadm__code_ok(int code)
{
    return code >= 200 && code <= 299;
}

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y || !x)
            return x - y;
    }
}

static int ascii_ncaseeq(const char *a, size_t alen, const char *b)
{
    size_t i;

    if (alen != strlen(b))
        return 0;
    for (i = 0; i < alen; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (x != y)
            return 0;
    }
    return 1;
}

/* ---- phase 1: answers allocated up front --------------------------------- */

static syncml_cmd *status_new(dispatch_ctx *ctx, cmd_plan *plan, const syncml_item *item)
{
    syncml_cmd *st = syncml_cmd_new(ctx->reply, SYNCML_CMD_STATUS);

    if (!st)
        return NULL;
    st->msg_ref = ctx->msg_ref;
    st->cmd_ref = plan->cmd_ref;
    st->cmd = plan->cmd_name;
    st->data = syncml_strdup(ctx->reply, "500");
    if (!st->data)
        return NULL;
    if (item) {
        if (item->target_uri) {
            st->target_ref = syncml_strdup(ctx->reply, item->target_uri);
            if (!st->target_ref)
                return NULL;
        }
        if (item->source_uri) {
            st->source_ref = syncml_strdup(ctx->reply, item->source_uri);
            if (!st->source_ref)
                return NULL;
        }
    }
    return st;
}

static void plan_free(cmd_plan *plan)
{
    size_t i;

    for (i = 0; i < plan->n_members; i++)
        plan_free(&plan->members[i]);
    omadm__free(plan->members);
    omadm__free(plan->items);
    omadm__free(plan->txn);
    omadm__free(plan->txn_rb_failed);
}

static omadm_status plan_prepare(dispatch_ctx *ctx, cmd_plan *plan, const syncml_cmd *cmd)
{
    const syncml_item *it;
    const syncml_cmd *m;
    const char *name;
    size_t i, n;

    memset(plan, 0, sizeof *plan);
    plan->cmd = cmd;
    plan->code = 500;
    if (cmd->type == SYNCML_CMD_STATUS || cmd->type == SYNCML_CMD_RESULTS)
        return OMADM_OK; /* never answered (syncml-dm §3 rule 5) */
    plan->answer = 1;
    plan->cmd_ref = syncml_strdup(ctx->reply, cmd->cmd_id ? cmd->cmd_id : "");
    name = cmd->type == SYNCML_CMD_UNKNOWN ? (cmd->element ? cmd->element : "")
                                           : syncml_cmd_type_name(cmd->type);
    plan->cmd_name = syncml_strdup(ctx->reply, name);
    if (!plan->cmd_ref || !plan->cmd_name)
        return OMADM_ERR_NOMEM;
    plan->status = status_new(ctx, plan, NULL);
    if (!plan->status)
        return OMADM_ERR_NOMEM;

    n = syncml_item_count(cmd->items);
    if (n) {
        plan->items = omadm__calloc(n, sizeof *plan->items);
        if (!plan->items)
            return OMADM_ERR_NOMEM;
        plan->n_items = n;
        for (i = 0, it = cmd->items; it; it = it->next, i++) {
            plan->items[i].item = it;
            plan->items[i].code = 500;
            if (plan->n_items > 1) {
                plan->items[i].status = status_new(ctx, plan, it);
                if (!plan->items[i].status)
                    return OMADM_ERR_NOMEM;
            }
        }
    }

    n = syncml_cmd_count(cmd->children);
    if (n) {
        size_t total_items = 0;
        plan->members = omadm__calloc(n, sizeof *plan->members);
        if (!plan->members)
            return OMADM_ERR_NOMEM;
        plan->n_members = n; /* only now: plan_free walks them */
        for (i = 0, m = cmd->children; m; m = m->next, i++) {
            omadm_status st = plan_prepare(ctx, &plan->members[i], m);
            if (st != OMADM_OK)
                return st; /* plan_free frees what was prepared */
            total_items += plan->members[i].n_items;
        }
        if (cmd->type == SYNCML_CMD_ATOMIC) {
            plan->txn_cap = total_items;
            /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
            plan->txn = omadm__calloc(total_items + 1, sizeof *plan->txn);
            plan->txn_rb_failed = omadm__calloc(total_items + 1, sizeof *plan->txn_rb_failed);
            if (!plan->txn || !plan->txn_rb_failed)
                return OMADM_ERR_NOMEM;
        }
    }
    return OMADM_OK;
}

/* ---- phase 2: running ---------------------------------------------------- */

void omadm__plan_set_all(cmd_plan *plan, int code)
{
    size_t i;

    plan->code = code;
    plan->whole = 1;
    for (i = 0; i < plan->n_items; i++)
        plan->items[i].code = code;
}

static unsigned access_for(syncml_cmd_type type)
{
    switch (type) {
    case SYNCML_CMD_GET:
        return OMADM_ACCESS_GET;
    case SYNCML_CMD_ADD:
        return OMADM_ACCESS_ADD;
    case SYNCML_CMD_REPLACE:
        return OMADM_ACCESS_REPLACE;
    case SYNCML_CMD_DELETE:
        return OMADM_ACCESS_DELETE;
    case SYNCML_CMD_EXEC:
        return OMADM_ACCESS_EXEC;
    default:
        return 0;
    }
}

/* The value must be what the node's Format says (syncml-dm §7: a format
 * error in the value is 415). */
static int check_value(omadm_format format, const char *data, size_t len)
{
    size_t i = 0;

    if (format == OMADM_FORMAT_INT) {
        if (len && data[0] == '-')
            i = 1;
        if (i == len || len > 20)
            return 415;
        for (; i < len; i++)
            if (data[i] < '0' || data[i] > '9')
                return 415;
    } else if (format == OMADM_FORMAT_BOOL) {
        if (!ascii_ncaseeq(data, len, "true") && !ascii_ncaseeq(data, len, "false"))
            return 415;
    }
    return 0;
}

static const char *meta_format(const syncml_cmd *cmd, const syncml_item *item)
{
    if (item->meta && item->meta->format)
        return item->meta->format;
    return cmd->meta ? cmd->meta->format : NULL;
}

static const char *meta_type(const syncml_cmd *cmd, const syncml_item *item)
{
    if (item->meta && item->meta->type)
        return item->meta->type;
    return cmd->meta ? cmd->meta->type : NULL;
}

int omadm__dispatch_check_item(dispatch_ctx *ctx, const syncml_cmd *cmd, const syncml_item *item,
                               int in_txn, omadm_tree_target *target, omadm_csp_request *req)
{
    const omadm_tree_limits *limits = omadm__tree_limits(ctx->tree);
    const omadm_node_def *node;
    const omadm_csp_ops *ops;
    int rc, exists, interior;

    memset(req, 0, sizeof *req);
    req->uri = item->target_uri;
    req->format = meta_format(cmd, item);
    req->type = meta_type(cmd, item);
    req->server = ctx->server;
    req->session_id = ctx->in->hdr.session_id;
    req->msg_id = ctx->in->hdr.msg_id;
    req->cmd_id = cmd->cmd_id;
    req->in_transaction = in_txn;

    if (!item->target_uri)
        return 412;
    if (item->data && item->data_len > limits->max_value)
        return 413;
    if (item->more_data)
        return 406; /* large objects: not supported (LrgObj false) */
    rc = omadm__tree_resolve(ctx->tree, item->target_uri, target);
    if (rc)
        return rc;
    node = target->node;
    req->path = target->path;
    req->node = node;
    rc = omadm__tree_exists(target, req, &exists);
    if (rc)
        return rc;
    req->path = target->path;
    req->node = node;
    interior = (node->flags & OMADM_NODE_INTERIOR) != 0;
    ops = target->reg ? target->reg->ops : NULL;

    if (cmd->type == SYNCML_CMD_ADD) {
        if (exists)
            return 418;
    } else if (!exists) {
        if (!(cmd->type == SYNCML_CMD_REPLACE && (node->flags & OMADM_NODE_IMPLICIT_ADD)))
            return 404;
    }
    if (!(node->access & access_for(cmd->type)))
        return 405;
    switch (cmd->type) {
    case SYNCML_CMD_GET:
        if (!interior && (!ops || !ops->get))
            return 405;
        break;
    case SYNCML_CMD_ADD:
        if (!ops || !ops->add)
            return 405;
        break;
    case SYNCML_CMD_REPLACE:
        if (!ops || !ops->replace)
            return 405;
        break;
    case SYNCML_CMD_DELETE:
        if (!ops || !ops->del)
            return 405;
        break;
    case SYNCML_CMD_EXEC:
        if (!ops || !ops->exec)
            return 405;
        break;
    default:
        return 400;
    }
    if (cmd->type == SYNCML_CMD_ADD || cmd->type == SYNCML_CMD_REPLACE) {
        if (req->format && ascii_casecmp(req->format, omadm_format_name(node->format)) != 0)
            return 415;
        if (!interior && check_value(node->format, item->data ? item->data : "",
                                     item->data ? item->data_len : 0))
            return 415;
    }
    return 0;
}

static syncml_meta *results_meta(dispatch_ctx *ctx, const omadm_node_def *node, int interior)
{
    syncml_meta *meta = syncml_meta_new(ctx->reply);

    if (!meta)
        return NULL;
    meta->format = syncml_strdup(ctx->reply, omadm_format_name(node->format));
    if (!meta->format)
        return NULL;
    if (!interior) {
        meta->type = syncml_strdup(ctx->reply, node->type ? node->type : "text/plain");
        if (!meta->type)
            return NULL;
    }
    return meta;
}

/* Builds the Results Item of a Get; returns 0 or a DM code. */
static int get_value(dispatch_ctx *ctx, cmd_plan *plan, item_plan *ip,
                     const omadm_tree_target *target, const omadm_csp_request *req)
{
    const omadm_node_def *node = target->node;
    int interior = (node->flags & OMADM_NODE_INTERIOR) != 0;
    syncml_item *res;
    char *data = NULL;
    size_t len = 0;
    int code = 0;

    if (interior) {
        omadm_csp_children kids = { NULL, 0, 0 };
        omadm_buf buf = OMADM_BUF_INIT;
        size_t i;
        code = omadm__tree_list(ctx->tree, target, req, &kids);
        for (i = 0; !code && i < kids.n; i++) {
            if ((i && omadm__buf_append(&buf, "/", 1) != OMADM_OK) ||
                omadm__uri_encode_append(&buf, kids.names[i]) != OMADM_OK)
                code = 500;
        }
        omadm__csp_children_clear(&kids);
        if (!code) {
            data = syncml_strndup(ctx->reply, buf.data ? buf.data : "", buf.len);
            len = buf.len;
            if (!data)
                code = 500;
        }
        omadm__buf_free(&buf);
    } else {
        omadm_csp_value value = { NULL, 0, 0 };
        code = omadm__tree_code(target->reg->ops->get(target->reg->csp, req, &value));
        if (code == 200) {
            code = 0;
            data = syncml_strndup(ctx->reply, value.data ? value.data : "", value.len);
            len = value.len;
            if (!data)
                code = 500;
        }
        omadm__csp_value_clear(&value);
    }
    if (code)
        return code;

    res = syncml_item_new(ctx->reply);
    if (!res)
        return 500;
    res->source_uri = syncml_strdup(ctx->reply, ip->item->target_uri);
    res->meta = results_meta(ctx, node, interior);
    if (!res->source_uri || !res->meta)
        return 500;
    res->data = data;
    res->data_len = len;
    if (!plan->results) {
        plan->results = syncml_cmd_new(ctx->reply, SYNCML_CMD_RESULTS);
        if (!plan->results)
            return 500;
        plan->results->msg_ref = ctx->msg_ref;
        plan->results->cmd_ref = plan->cmd_ref;
        plan->results->cmd = plan->cmd_name;
    }
    if (plan->results_tail)
        plan->results_tail->next = res;
    else
        plan->results->items = res;
    plan->results_tail = res;
    ip->result = res;
    return 0;
}

int omadm__dispatch_run_item(dispatch_ctx *ctx, cmd_plan *plan, item_plan *ip, int in_txn)
{
    const syncml_cmd *cmd = plan->cmd;
    const syncml_item *item = ip->item;
    omadm_tree_target target;
    omadm_csp_request req;
    const omadm_csp_ops *ops;
    void *csp;
    const char *data = item->data;
    size_t len = item->data ? item->data_len : 0;
    int code, rc;

    code = omadm__dispatch_check_item(ctx, cmd, item, in_txn, &target, &req);
    if (code)
        return code;
    ip->reg = target.reg;
    ip->seq = ++ctx->seq;
    if (cmd->type == SYNCML_CMD_GET) {
        code = get_value(ctx, plan, ip, &target, &req);
        return code ? code : 200;
    }
    ops = target.reg->ops;
    csp = target.reg->csp;
    switch (cmd->type) {
    case SYNCML_CMD_ADD:
        rc = ops->add(csp, &req, data, len);
        break;
    case SYNCML_CMD_REPLACE:
        rc = ops->replace(csp, &req, data, len);
        break;
    case SYNCML_CMD_DELETE:
        rc = ops->del(csp, &req);
        break;
    case SYNCML_CMD_EXEC:
        rc = ops->exec(csp, &req, data, len);
        break;
    default:
        return 400;
    }
    code = omadm__tree_code(rc);
    if (omadm__code_ok(code)) {
        ip->executed = 1;
        if (!in_txn)
            omadm__dispatch_group_changed(ctx, target.reg, ip->seq);
    }
    return code;
}

static int alert_code(const syncml_cmd *cmd)
{
    if (!cmd->data)
        return 400;
    if (strcmp(cmd->data, "1222") == 0 || strcmp(cmd->data, "1223") == 0)
        return 200;
    return 406;
}

void omadm__dispatch_run(dispatch_ctx *ctx, cmd_plan *plan)
{
    const syncml_cmd *cmd = plan->cmd;
    size_t i;

    if (!plan->answer)
        return;
    if (cmd->reject_code) {
        /* Over a per-command limit while parsing: its own Status, the
         * session goes on (syncml_parse). */
        omadm__log(OMADM_LOG_WARN, "%s %s answered %d: %s", plan->cmd_name, plan->cmd_ref,
                   cmd->reject_code, cmd->reject_reason ? cmd->reject_reason : "over a limit");
        omadm__plan_set_all(plan, cmd->reject_code);
        for (i = 0; i < plan->n_members; i++)
            omadm__plan_skip(&plan->members[i]);
        return;
    }
    if (!cmd->cmd_id || !cmd->cmd_id[0] ||
        strlen(cmd->cmd_id) > omadm__tree_limits(ctx->tree)->max_cmd_id) {
        omadm__plan_set_all(plan, 400);
        for (i = 0; i < plan->n_members; i++)
            omadm__plan_skip(&plan->members[i]);
        return;
    }
    switch (cmd->type) {
    case SYNCML_CMD_GET:
    case SYNCML_CMD_ADD:
    case SYNCML_CMD_REPLACE:
    case SYNCML_CMD_DELETE:
    case SYNCML_CMD_EXEC:
        if (plan->n_items == 0) {
            omadm__plan_set_all(plan, 412);
            return;
        }
        for (i = 0; i < plan->n_items; i++)
            plan->items[i].code = omadm__dispatch_run_item(ctx, plan, &plan->items[i], 0);
        plan->code = plan->items[0].code;
        return;
    case SYNCML_CMD_ALERT:
        omadm__plan_set_all(plan, alert_code(cmd));
        return;
    case SYNCML_CMD_COPY:
        omadm__plan_set_all(plan, 406);
        return;
    case SYNCML_CMD_ATOMIC:
        omadm__dispatch_atomic(ctx, plan);
        return;
    case SYNCML_CMD_SEQUENCE:
        omadm__dispatch_sequence(ctx, plan);
        return;
    default:
        omadm__plan_set_all(plan, 400);
        return;
    }
}

/* ---- answers --------------------------------------------------------------- */

static void set_code(syncml_cmd *status, int code)
{
    /* The buffer holds "500": three digits and a NUL, as every code has. */
    if (code < 100 || code > 999)
        code = 500;
    status->data[0] = (char)('0' + code / 100);
    status->data[1] = (char)('0' + code / 10 % 10);
    status->data[2] = (char)('0' + code % 10);
    status->data[3] = '\0';
}

static void link_answer(syncml_cmd ***tail, syncml_cmd *cmd)
{
    cmd->next = NULL;
    **tail = cmd;
    *tail = &cmd->next;
}

static void emit(cmd_plan *plan, syncml_cmd ***tail)
{
    size_t i;
    int same = 1;

    if (!plan->answer)
        return;
    for (i = 1; i < plan->n_items; i++)
        if (plan->items[i].code != plan->items[0].code)
            same = 0;
    if (!plan->cmd->no_resp) {
        if (plan->n_items > 1 && !same && !plan->whole) {
            for (i = 0; i < plan->n_items; i++) {
                set_code(plan->items[i].status, plan->items[i].code);
                link_answer(tail, plan->items[i].status);
            }
        } else {
            int code = plan->code;
            if (plan->n_items && !plan->n_members && !plan->whole)
                code = plan->items[0].code;
            set_code(plan->status, code);
            link_answer(tail, plan->status);
        }
    }
    if (plan->results)
        link_answer(tail, plan->results);
    for (i = 0; i < plan->n_members; i++)
        emit(&plan->members[i], tail);
}

omadm_status omadm__dispatch_message(omadm_tree *tree, const syncml_msg *in, const char *server,
                                     syncml_msg *reply, syncml_cmd **answers)
{
    dispatch_ctx ctx;
    cmd_plan *plans = NULL;
    const syncml_cmd *cmd;
    syncml_cmd **tail;
    size_t n, i, prepared = 0;
    omadm_status st = OMADM_OK;

    if (!tree || !in || !reply || !answers)
        return OMADM_ERR_INVALID;
    memset(&ctx, 0, sizeof ctx);
    ctx.tree = tree;
    ctx.in = in;
    ctx.server = server;
    ctx.reply = reply;
    if (in->hdr.msg_id) {
        ctx.msg_ref = syncml_strdup(reply, in->hdr.msg_id);
        if (!ctx.msg_ref)
            return OMADM_ERR_NOMEM;
    }

    n = syncml_cmd_count(in->body);
    if (n) {
        plans = omadm__calloc(n, sizeof *plans);
        if (!plans)
            return OMADM_ERR_NOMEM;
    }
    ctx.plans = plans;
    ctx.n_plans = n;
    for (i = 0, cmd = in->body; cmd && i < n && st == OMADM_OK; cmd = cmd->next, i++) {
        st = plan_prepare(&ctx, &plans[i], cmd);
        prepared = i + 1;
    }
    if (st == OMADM_OK)
        st = omadm__dispatch_groups_prepare(&ctx);
    if (st == OMADM_OK) {
        for (i = 0; i < n; i++)
            omadm__dispatch_run(&ctx, &plans[i]);
        /* Durable before any Status says so. */
        omadm__dispatch_group_commit(&ctx);
        tail = answers;
        while (*tail)
            tail = &(*tail)->next;
        for (i = 0; i < n; i++)
            emit(&plans[i], &tail);
    }
    for (i = 0; i < prepared; i++)
        plan_free(&plans[i]);
    omadm__free(plans);
    omadm__dispatch_groups_free(&ctx);
    return st;
}

void omadm__tree_session_end(omadm_tree *tree, int completed)
{
    size_t i;

    for (i = 0; tree && i < omadm__tree_count(tree); i++) {
        omadm_tree_reg *reg = omadm__tree_at(tree, i);
        if (reg->ops->session_end)
            reg->ops->session_end(reg->csp, completed);
    }
}
