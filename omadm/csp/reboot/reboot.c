/* SPDX-License-Identifier: Apache-2.0 */
/* The Reboot CSP: node table, callbacks, Atomic, status getters. */
#include "csp/reboot/reboot.h"

#include <string.h>

#include "core/alloc.h"
#include "core/crash.h"
#include "core/log.h"
#include "csp/reboot/rbint.h"
#include "dispatch/dispatch.h"

static const omadm_node_def reboot_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "RebootNow", OMADM_FORMAT_NULL, OMADM_ACCESS_EXEC | OMADM_ACCESS_GET, 0, NULL },
    { "Schedule", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Schedule/Single", OMADM_FORMAT_CHR,
      OMADM_ACCESS_ADD | OMADM_ACCESS_DELETE | OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE,
      OMADM_NODE_DYNAMIC | OMADM_NODE_IMPLICIT_ADD, NULL },
    { "Schedule/DailyRecurrent", OMADM_FORMAT_CHR,
      OMADM_ACCESS_ADD | OMADM_ACCESS_DELETE | OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE,
      OMADM_NODE_DYNAMIC | OMADM_NODE_IMPLICIT_ADD, NULL },
    { "Schedule/WeeklyRecurrent", OMADM_FORMAT_CHR,
      OMADM_ACCESS_ADD | OMADM_ACCESS_DELETE | OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE,
      OMADM_NODE_DYNAMIC | OMADM_NODE_IMPLICIT_ADD, NULL },
};

/* "Schedule/<node>" -> kind; -1 for any other path. */
static int schedule_kind(const char *path)
{
    int k;

    if (strncmp(path, "Schedule/", 9) != 0)
        return -1;
    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++) {
        if (strcmp(path + 9, omadm__rb_node_name((omadm_reboot_kind)k)) == 0)
            return k;
    }
    return -1;
}

/* ---- callbacks ---------------------------------------------------------- */

static int rb_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    omadm_reboot *rb = csp;
    char value[32];
    int k;

    if (strcmp(req->path, "RebootNow") == 0)
        return omadm_csp_value_set(out, "", 0) == OMADM_OK ? 0 : -500;
    k = schedule_kind(req->path);
    if (k < 0)
        return -404;
    if (!rb->sched[k].set)
        return -404;
    if (omadm__rb_sched_display(rb, &rb->sched[k], value) != OMADM_OK)
        return -500;
    return omadm_csp_value_set(out, value, strlen(value)) == OMADM_OK ? 0 : -500;
}

static int rb_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    omadm_reboot *rb = csp;
    omadm_status st = OMADM_OK;
    int k;

    if (req->path[0] == '\0') {
        st = omadm_csp_children_add(out, "RebootNow");
        if (st == OMADM_OK)
            st = omadm_csp_children_add(out, "Schedule");
    } else if (strcmp(req->path, "Schedule") == 0) {
        for (k = 0; st == OMADM_OK && k < OMADM_REBOOT_KIND_COUNT; k++) {
            if (rb->sched[k].set)
                st = omadm_csp_children_add(out, omadm__rb_node_name((omadm_reboot_kind)k));
        }
    } else {
        return -404;
    }
    return st == OMADM_OK ? 0 : -500;
}

static int rb_add(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    int k = schedule_kind(req->path);

    if (k < 0)
        return strcmp(req->path, "RebootNow") == 0 || !req->path[0] ||
                       strcmp(req->path, "Schedule") == 0
                   ? -405
                   : -404;
    return omadm__rb_sched_set(csp, (omadm_reboot_kind)k, req, data, len, 1);
}

static int rb_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    int k = schedule_kind(req->path);

    if (k < 0)
        return strcmp(req->path, "RebootNow") == 0 || !req->path[0] ||
                       strcmp(req->path, "Schedule") == 0
                   ? -405
                   : -404;
    return omadm__rb_sched_set(csp, (omadm_reboot_kind)k, req, data, len, 0);
}

static int rb_del(void *csp, const omadm_csp_request *req)
{
    int k = schedule_kind(req->path);

    if (k < 0)
        return strcmp(req->path, "RebootNow") == 0 || !req->path[0] ||
                       strcmp(req->path, "Schedule") == 0
                   ? -405
                   : -404;
    return omadm__rb_sched_delete(csp, (omadm_reboot_kind)k);
}

/* Whether the platform would permit a restart (reboot-csp.md §3: refusal
 * known at Exec time gets a failure Status and keeps no intent). */
static omadm_status probe_restart(const omadm_reboot *rb)
{
    if (rb->platform->can_restart)
        return rb->platform->can_restart(rb->platform->ctx);
    return OMADM_OK;
}

static void pending_free(rb_pending_exec *p)
{
    while (p) {
        rb_pending_exec *next = p->next;

        omadm__free(p->uri);
        omadm__free(p->server);
        omadm__free(p->session);
        omadm__free(p->msgref);
        omadm__free(p->cmdref);
        omadm__free(p);
        p = next;
    }
}

static char *dup_or_empty(const char *s)
{
    return omadm__strdup(s ? s : "");
}

/* A copy of the Exec's request, for a write at commit. */
static rb_pending_exec *pending_new(const omadm_csp_request *req)
{
    rb_pending_exec *p = omadm__calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->uri = dup_or_empty(req->uri);
    p->server = dup_or_empty(req->server);
    p->session = dup_or_empty(req->session_id);
    p->msgref = dup_or_empty(req->msg_id);
    p->cmdref = dup_or_empty(req->cmd_id);
    if (!p->uri || !p->server || !p->session || !p->msgref || !p->cmdref) {
        pending_free(p);
        return NULL;
    }
    return p;
}

static int rb_exec(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    omadm_reboot *rb = csp;
    rb_pending_exec *p, **tail;
    omadm_status st;

    (void)data; /* reboot-csp.md §3: Data ignored */
    (void)len;
    if (strcmp(req->path, "RebootNow") != 0)
        return schedule_kind(req->path) >= 0 || !req->path[0] || strcmp(req->path, "Schedule") == 0
                   ? -405
                   : -404;
    if (omadm__rb_is_repeat(rb, req->server, req->cmd_id)) {
        omadm__log(OMADM_LOG_INFO, "reboot: RebootNow resent with an executed CmdID: no restart");
        return 0;
    }
    /* Accepted earlier in this Atomic or message, not yet written. */
    for (tail = rb->in_txn ? &rb->pending : &rb->msg_pending; *tail; tail = &(*tail)->next) {
        if (!omadm__rb_cmdid_is_integer(req->cmd_id) &&
            strcmp((*tail)->cmdref, req->cmd_id ? req->cmd_id : "") == 0 &&
            strcmp((*tail)->server, req->server ? req->server : "") == 0)
            return 0;
    }
    st = probe_restart(rb);
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_WARN, "reboot: restart not permitted (%s)", omadm_status_str(st));
        return st == OMADM_ERR_ACCESS ? -425 : -500;
    }
    /* Written at the Atomic's commit (armed only then, syncml-dm.md §6),
     * else by the message's group commit, before the Status exists. */
    p = pending_new(req);
    if (!p)
        return -500;
    if (!rb->in_txn)
        omadm__rb_msg_open(rb);
    *tail = p;
    return 0;
}

/* ---- durable commits (Atomic and message groups) ------------------------ */

/* Writes `pending` as intents and, when `sched_dirty`, the schedules, as one
 * group: each intent record with its content flushed, then the schedule
 * file (or, without it, the last record) flushed with the directory, so
 * one directory flush makes every name durable: n + 1 flushes for n files
 * (reboot-csp.md's guarantees hold: nothing is acknowledged before the
 * group is durable). On failure the intents written are removed again and
 * the error is returned. */
static omadm_status write_group(omadm_reboot *rb, const rb_pending_exec *pending, int sched_dirty,
                                size_t *written)
{
    char boot[RB_BOOT_ID_MAX];
    uint64_t ids[64];
    size_t n = 0, i;
    const rb_pending_exec *p;
    int64_t now = 0;
    omadm_status st = OMADM_OK;

    *written = 0;
    if (pending) {
        st = rb->platform->now(rb->platform->ctx, &now);
        if (st == OMADM_OK)
            st = omadm__rb_current_boot(rb, boot, sizeof(boot));
    }
    for (p = pending; st == OMADM_OK && p; p = p->next) {
        unsigned flush = sched_dirty || p->next ? OMADM_FILE_FLUSH_ORDERED : OMADM_FILE_FLUSH_ALL;

        if (n == sizeof(ids) / sizeof(ids[0])) {
            st = OMADM_ERR_LIMIT;
            break;
        }
        st = omadm__rb_intent_add(rb, RB_NOW, p->uri, p->server, p->session, p->msgref, p->cmdref,
                                  now, boot, flush, &ids[n]);
        if (st == OMADM_OK)
            n++;
    }
    if (st == OMADM_OK && sched_dirty) {
        /* Killed here: the intents may stand without the schedules; no
         * Status said either was done. */
        if (n)
            omadm__crash_point("group-between");
        st = omadm__rb_sched_save(rb, OMADM_FILE_FLUSH_ALL);
    }
    if (st != OMADM_OK) {
        /* Undo: nothing of this group may stay armed. */
        for (i = 0; i < n; i++)
            omadm_outbox_remove(rb->outbox, ids[i]);
        if (n)
            omadm__rb_intents_load(rb);
        return st;
    }
    *written = n;
    return OMADM_OK;
}

void omadm__rb_msg_open(omadm_reboot *rb)
{
    if (rb->in_msg)
        return;
    rb->in_msg = 1;
    rb->msg_sched_dirty = 0;
}

void omadm__rb_msg_keep(omadm_reboot *rb, omadm_reboot_kind kind, rb_schedule *old)
{
    if (rb->msg_kept[kind]) {
        omadm__rb_sched_free(old);
        return;
    }
    rb->msg_saved[kind] = *old;
    memset(old, 0, sizeof(*old));
    rb->msg_kept[kind] = 1;
}

/* Closes the message's group; with `undo` the schedules it changed return
 * to their state before it. */
static void msg_end(omadm_reboot *rb, int undo)
{
    int k;

    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++) {
        if (!rb->msg_kept[k])
            continue;
        if (undo) {
            omadm__rb_sched_free(&rb->sched[k]);
            rb->sched[k] = rb->msg_saved[k];
        } else {
            omadm__rb_sched_free(&rb->msg_saved[k]);
        }
        memset(&rb->msg_saved[k], 0, sizeof(rb->msg_saved[k]));
        rb->msg_kept[k] = 0;
    }
    pending_free(rb->msg_pending);
    rb->msg_pending = NULL;
    rb->in_msg = 0;
    rb->msg_sched_dirty = 0;
}

/* The dispatcher's group commit (dispatch.h): a message's schedule changes
 * and accepted RebootNow Execs become durable together (3 flushes for
 * both, 2 for either) before their Statuses are built. */
static int rb_message_commit(void *csp)
{
    omadm_reboot *rb = csp;
    size_t n = 0;
    omadm_status st;

    if (!rb->in_msg)
        return 0;
    st = write_group(rb, rb->msg_pending, rb->msg_sched_dirty, &n);
    if (st != OMADM_OK) {
        msg_end(rb, 1);
        omadm__log(OMADM_LOG_ERROR, "reboot: changes not written (%s)", omadm_status_str(st));
        return omadm__rb_dm_error(st);
    }
    msg_end(rb, 0);
    if (n) {
        omadm__crash_point("intent-written");
        omadm__log(OMADM_LOG_INFO, "reboot: RebootNow accepted; restart armed");
    }
    return 0;
}

/* ---- Atomic ------------------------------------------------------------- */

static void sched_restore(omadm_reboot *rb)
{
    int k;

    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++) {
        omadm__rb_sched_free(&rb->sched[k]);
        rb->sched[k] = rb->saved[k];
        memset(&rb->saved[k], 0, sizeof(rb->saved[k]));
    }
}

static void txn_end(omadm_reboot *rb)
{
    int k;

    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++)
        omadm__rb_sched_free(&rb->saved[k]);
    pending_free(rb->pending);
    rb->pending = NULL;
    rb->in_txn = 0;
    rb->txn_sched_dirty = 0;
}

static int rb_txn_begin(void *csp)
{
    omadm_reboot *rb = csp;
    int k;

    if (rb->in_txn)
        return -500;
    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++) {
        if (omadm__rb_sched_copy(&rb->saved[k], &rb->sched[k]) != OMADM_OK) {
            while (k-- > 0)
                omadm__rb_sched_free(&rb->saved[k]);
            return -500;
        }
    }
    rb->in_txn = 1;
    rb->txn_sched_dirty = 0;
    rb->pending = NULL;
    return 0;
}

static int rb_txn_rollback(void *csp)
{
    omadm_reboot *rb = csp;

    if (!rb->in_txn)
        return 0;
    sched_restore(rb);
    txn_end(rb);
    return 0;
}

static int rb_txn_commit(void *csp)
{
    omadm_reboot *rb = csp;
    size_t n = 0;
    omadm_status st;

    if (!rb->in_txn)
        return -500;
    st = write_group(rb, rb->pending, rb->txn_sched_dirty, &n);
    if (st != OMADM_OK) {
        /* Nothing of this Atomic stays armed (write_group removed it). */
        sched_restore(rb);
        txn_end(rb);
        omadm__log(OMADM_LOG_ERROR, "reboot: Atomic commit failed (%s)", omadm_status_str(st));
        return omadm__rb_dm_error(st);
    }
    if (n)
        omadm__crash_point("intent-written");
    txn_end(rb);
    return 0;
}

static void rb_session_end(void *csp, int completed)
{
    omadm_reboot *rb = csp;
    omadm_status st;

    if (!completed)
        return; /* stays armed: tick() requests it by the deadline */
    st = omadm__reboot_flush(rb);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "reboot: restart request after the session failed (%s)",
                   omadm_status_str(st));
}

static const omadm__csp_ops_ext reboot_ops = {
    { OMADM_CSP_OPS_VERSION | OMADM__CSP_OPS_EXT, rb_get, rb_add, rb_replace, rb_del, rb_exec,
      rb_children, rb_txn_begin, rb_txn_commit, rb_txn_rollback, rb_session_end },
    rb_message_commit,
};

/* ---- lifetime ----------------------------------------------------------- */

omadm_status omadm__reboot_new(omadm_reboot **out, const omadm_platform *platform,
                               omadm_outbox *outbox)
{
    omadm_reboot *rb;
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    if (!platform || !outbox || !platform->now || !platform->utc_offset || !platform->boot_id ||
        !platform->boot_time || !platform->request_restart || !platform->file_read ||
        !platform->file_replace)
        return OMADM_ERR_INVALID;
    rb = omadm__calloc(1, sizeof(*rb));
    if (!rb)
        return OMADM_ERR_NOMEM;
    rb->platform = platform;
    rb->outbox = outbox;
    if (platform->boot_id(platform->ctx, rb->boot, sizeof(rb->boot)) != OMADM_OK)
        rb->boot[0] = '\0';
    st = omadm__rb_sched_load(rb);
    if (st == OMADM_OK)
        st = omadm__rb_history_load(rb);
    if (st == OMADM_OK)
        st = omadm__rb_requested_load(rb);
    if (st == OMADM_OK)
        st = omadm__rb_intents_load(rb);
    if (st != OMADM_OK) {
        omadm__reboot_free(rb);
        return st;
    }
    *out = rb;
    return OMADM_OK;
}

void omadm__reboot_free(omadm_reboot *rb)
{
    int k;

    if (!rb)
        return;
    if (rb->in_txn) {
        sched_restore(rb);
        txn_end(rb);
    }
    if (rb->in_msg)
        msg_end(rb, 1); /* never committed: never acknowledged */
    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++)
        omadm__rb_sched_free(&rb->sched[k]);
    omadm__rb_history_clear(rb);
    omadm__rb_requested_clear(rb);
    omadm__rb_intents_clear(rb);
    omadm__free(rb);
}

omadm_status omadm__reboot_register(omadm_reboot *rb, omadm_tree *tree)
{
    if (!rb || !tree)
        return OMADM_ERR_INVALID;
    return omadm_tree_register(tree, OMADM_REBOOT_ROOT, &reboot_ops.ops, reboot_nodes,
                               sizeof(reboot_nodes) / sizeof(reboot_nodes[0]),
                               OMADM_CSP_SCOPE_DEVICE, rb);
}

/* ---- status ------------------------------------------------------------- */

size_t omadm__reboot_pending_count(const omadm_reboot *rb)
{
    return rb ? rb->n_intents : 0;
}

omadm_status omadm__reboot_pending_at(const omadm_reboot *rb, size_t index,
                                      omadm_reboot_pending *out)
{
    char boot[RB_BOOT_ID_MAX];
    const rb_intent *in;

    if (!rb || !out)
        return OMADM_ERR_INVALID;
    if (index >= rb->n_intents)
        return OMADM_ERR_NOT_FOUND;
    in = &rb->intents[index];
    out->trigger = omadm__rb_trigger_name(in->trigger);
    out->uri = in->uri;
    out->cmdref = in->trigger == RB_NOW ? in->cmdref : NULL;
    out->state = in->state == RB_ARMED ? "armed" : "requested";
    out->requested = in->requested;
    out->deadline = in->deadline;
    out->earlier_boot = omadm__rb_current_boot(rb, boot, sizeof(boot)) == OMADM_OK &&
                        strcmp(boot, in->boot ? in->boot : "") != 0;
    return OMADM_OK;
}

omadm_status omadm__reboot_schedule_get(const omadm_reboot *rb, omadm_reboot_kind kind,
                                        omadm_reboot_schedule *out)
{
    const rb_schedule *s;

    if (!rb || !out || (unsigned)kind >= OMADM_REBOOT_KIND_COUNT)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    s = &rb->sched[kind];
    out->node = omadm__rb_node_name(kind);
    out->next_fire = INT64_MAX;
    if (!s->set)
        return OMADM_OK;
    out->set = 1;
    out->text = s->text;
    out->instant = s->at;
    out->next_fire = s->next;
    return omadm__rb_sched_display(rb, s, out->value);
}
