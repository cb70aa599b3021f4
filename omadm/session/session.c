#include "session/session.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/compiler.h"
#include "core/crash.h"
#include "core/log.h"
#include "dispatch/dispatch.h"
#include "session/auth.h"
#include "session/inbound.h"
#include "syncml/fragment.h"

#define SESSION_DEFAULT_MAX_MSG      524288u
#define SESSION_DEFAULT_MAX_MESSAGES 100u
/* A challenge is answered at most this many times per session. */
#define SESSION_MAX_AUTH_ATTEMPTS 2u
/* Smallest MaxMsgSize we accept from a server: below it nothing useful fits. */
#define SESSION_MIN_SERVER_MAX 1024u

/* Answers (Status, Results) to one server message, waiting to be sent.
 * Each answer is encoded once, when queued (its tail: all but its CmdID,
 * which is only known when it is packed into a message). */
typedef struct answer_batch {
    syncml_msg *arena; /* owns the answers */
    syncml_cmd *head;  /* answers not sent yet, in order */
    omadm_buf tails;   /* the answers' tails, back to back */
    size_t *tail_end;  /* tail_end[i]: end of answer i's tail in `tails` */
    size_t sent;       /* answers already packed (index of head) */
    struct answer_batch *next;
} answer_batch;

/* An outbox record carried as an Alert in a message awaiting its reply. */
typedef struct inflight_alert {
    uint64_t outbox_id;
    char cmd_id[16];
} inflight_alert;

struct omadm_session {
    char *server_uri;
    char *device_id;
    char *auth_name;
    char *auth_secret;
    char *login_status; /* NULL = no Alert 1224 */
    int unenroll_request;
    char session_id[12];
    int server_initiated;
    size_t max_msg_size;
    size_t server_max;
    unsigned max_messages;
    omadm_tree *tree;
    omadm_outbox *outbox;
    const omadm_platform *platform;
    syncml_limits limits;

    omadm_session_state state;
    char error[256];
    unsigned sent;      /* messages sent; also our last MsgID */
    int awaiting_reply; /* a message went out, its reply is not fed yet */
    int package1_due;   /* the next message is package 1 (first, or after a challenge) */

    char server_msg_id[72];   /* MsgID of the last server message */
    char server_uri_in[1025]; /* the server's Source/LocURI, for CSP requests */
    const char *hdr_status;   /* our Status for its SyncHdr */
    int hdr_status_due;       /* that Status goes in the next message */
    int server_package_open;  /* the server's package continues (no Final) */
    size_t too_large;         /* size of a server message over the inbound
                                 cap (SIZE_MAX: unknown), 0: none */

    answer_batch *batches;
    answer_batch *batches_tail;

    int send_cred;
    char cred_type[32];
    char nonce[256];
    unsigned auth_attempts;

    inflight_alert *inflight;
    size_t n_inflight;

    omadm__sent_cmds sent_cmds; /* what a server Status may name */
};

static const char *const state_names[] = { "running", "completed", "failed", "aborted" };

const char *omadm_session_state_name(omadm_session_state state)
{
    if ((unsigned)state < sizeof state_names / sizeof state_names[0])
        return state_names[state];
    return "unknown";
}

omadm_session_state omadm_session_get_state(const omadm_session *session)
{
    return session->state;
}

const char *omadm_session_error(const omadm_session *session)
{
    return session->error;
}

unsigned omadm_session_messages_sent(const omadm_session *session)
{
    return session->sent;
}

static void batch_free(answer_batch *b)
{
    syncml_msg_free(b->arena);
    omadm__buf_free(&b->tails);
    omadm__free(b->tail_end);
    omadm__free(b);
}

static void free_batches(omadm_session *s)
{
    while (s->batches) {
        answer_batch *next = s->batches->next;

        batch_free(s->batches);
        s->batches = next;
    }
    s->batches_tail = NULL;
}

static int answers_pending(const omadm_session *s)
{
    const answer_batch *b;

    for (b = s->batches; b; b = b->next)
        if (b->head)
            return 1;
    return 0;
}

/* Applies the outbox acknowledgement rules to the alerts of the last
 * message. `reply` NULL means no usable reply arrived. */
static void settle_inflight(omadm_session *s, const syncml_msg *reply)
{
    const char *hdr_code = NULL;
    const syncml_cmd *c;
    size_t i;

    if (!s->n_inflight)
        return;
    if (reply) {
        char ours[16];

        snprintf(ours, sizeof ours, "%u", s->sent);
        for (c = reply->body; c; c = c->next)
            if (c->type == SYNCML_CMD_STATUS && c->cmd_ref && strcmp(c->cmd_ref, "0") == 0)
                hdr_code = c->data;
        omadm__crash_point("ack-received");
        for (i = 0; i < s->n_inflight; i++) {
            const char *alert_code = NULL;

            for (c = reply->body; c; c = c->next)
                if (c->type == SYNCML_CMD_STATUS && c->cmd_ref &&
                    strcmp(c->cmd_ref, s->inflight[i].cmd_id) == 0 &&
                    (!c->msg_ref || strcmp(c->msg_ref, ours) == 0))
                    alert_code = c->data;
            omadm_outbox_settle(s->outbox, s->inflight[i].outbox_id,
                                omadm_outbox_classify(alert_code, hdr_code));
        }
    } else {
        for (i = 0; i < s->n_inflight; i++)
            omadm_outbox_settle(s->outbox, s->inflight[i].outbox_id, OMADM_OUTBOX_RETRY);
    }
    omadm__free(s->inflight);
    s->inflight = NULL;
    s->n_inflight = 0;
}

static void finish(omadm_session *s, omadm_session_state state)
{
    if (s->state != OMADM_SESSION_RUNNING)
        return;
    settle_inflight(s, NULL);
    free_batches(s);
    s->state = state;
    if (s->tree)
        omadm__tree_session_end(s->tree, state == OMADM_SESSION_COMPLETED);
}

static void fail(omadm_session *s, const char *fmt, ...) OMADM__PRINTF(2, 3);

static void fail(omadm_session *s, const char *fmt, ...)
{
    va_list ap;

    if (s->state != OMADM_SESSION_RUNNING)
        return;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    omadm__log(OMADM_LOG_WARN, "session %s failed: %s", s->session_id, s->error);
    finish(s, OMADM_SESSION_FAILED);
}

static void fail_too_large(omadm_session *s)
{
    if (s->too_large == SIZE_MAX)
        fail(s,
             "the server's message exceeds the %zu-byte inbound cap (max_inbound_size); "
             "answered 413",
             s->limits.max_message);
    else
        fail(s,
             "the server's message of %zu bytes exceeds the %zu-byte inbound cap "
             "(max_inbound_size); answered 413",
             s->too_large, s->limits.max_message);
}

void omadm_session_fail(omadm_session *session, omadm_status why, const char *detail)
{
    session->awaiting_reply = 0;
    if (session->too_large) {
        fail_too_large(session);
        return;
    }
    fail(session, "no reply from the server (%s%s%s)", omadm_status_str(why), detail ? ": " : "",
         detail ? detail : "");
}

/* A server message over the inbound cap is not parsed: its SyncHdr gets
 * 413 in our next message (MsgRef: the MsgID it must have had), then the
 * session ends. */
static void take_too_large(omadm_session *s, size_t len)
{
    char *end, size[48] = "";
    unsigned long last = strtoul(s->server_msg_id, &end, 10);

    if (len != SIZE_MAX)
        snprintf(size, sizeof size, " of %zu bytes", len);
    omadm__log(OMADM_LOG_WARN,
               "session %s: the server's message%s exceeds the %zu-byte inbound cap "
               "(max_inbound_size): answering 413",
               s->session_id, size, s->limits.max_message);
    if (s->server_msg_id[0] && *end == '\0' && last < 0xFFFFFFFFul)
        snprintf(s->server_msg_id, sizeof s->server_msg_id, "%lu", last + 1);
    else
        snprintf(s->server_msg_id, sizeof s->server_msg_id, "1");
    s->too_large = len;
    s->hdr_status = "413";
    s->hdr_status_due = 1;
    s->server_package_open = 0;
}

void omadm_session_reply_too_large(omadm_session *session, size_t len)
{
    if (session->state != OMADM_SESSION_RUNNING || !session->awaiting_reply)
        return;
    session->awaiting_reply = 0;
    if (session->too_large) { /* the answer to our 413 too: give up */
        fail_too_large(session);
        return;
    }
    take_too_large(session, len ? len : SIZE_MAX);
}

omadm_status omadm_session_new(omadm_session **out, const omadm_session_config *cfg)
{
    omadm_session *s;
    syncml_limits defaults = SYNCML_LIMITS_DEFAULT;

    *out = NULL;
    if (!cfg || !cfg->server_uri || !cfg->device_id || !cfg->tree || !cfg->platform ||
        (cfg->server_initiated ? cfg->session_id > 0xffff
                               : cfg->session_id == 0 || cfg->session_id > 255))
        return OMADM_ERR_INVALID;
    s = omadm__calloc(1, sizeof *s);
    if (!s)
        return OMADM_ERR_NOMEM;
    s->server_uri = omadm__strdup(cfg->server_uri);
    s->device_id = omadm__strdup(cfg->device_id);
    if (cfg->auth_name && cfg->auth_secret) {
        s->auth_name = omadm__strdup(cfg->auth_name);
        s->auth_secret = omadm__strdup(cfg->auth_secret);
    }
    if (cfg->login_status)
        s->login_status = omadm__strdup(cfg->login_status);
    s->unenroll_request = cfg->unenroll_request;
    if (!s->server_uri || !s->device_id || (cfg->login_status && !s->login_status) ||
        (cfg->auth_name && cfg->auth_secret && (!s->auth_name || !s->auth_secret))) {
        omadm_session_free(s);
        return OMADM_ERR_NOMEM;
    }
    /* A notification's 16-bit session id in hex fits SessionID's 4 bytes. */
    snprintf(s->session_id, sizeof s->session_id, cfg->server_initiated ? "%X" : "%u",
             cfg->session_id);
    s->server_initiated = cfg->server_initiated;
    s->max_msg_size = cfg->max_msg_size ? cfg->max_msg_size : SESSION_DEFAULT_MAX_MSG;
    s->server_max = cfg->default_server_max ? cfg->default_server_max : SESSION_DEFAULT_MAX_MSG;
    s->max_messages = cfg->max_messages ? cfg->max_messages : SESSION_DEFAULT_MAX_MESSAGES;
    s->tree = cfg->tree;
    s->outbox = cfg->outbox;
    s->platform = cfg->platform;
    {
        size_t inbound =
            cfg->max_inbound_size ? cfg->max_inbound_size : OMADM_SESSION_DEFAULT_MAX_INBOUND;

        if (cfg->limits) {
            s->limits = *cfg->limits;
            if (s->limits.max_message > inbound)
                s->limits.max_message = inbound;
        } else {
            /* Fleet-sized replies: the command count scales with the cap. */
            size_t per_mib = (size_t)defaults.max_commands * (inbound / 1048576u);

            s->limits = defaults;
            s->limits.max_message = inbound;
            if (per_mib > defaults.max_commands && per_mib < 1000000u)
                s->limits.max_commands = (unsigned)per_mib;
        }
    }
    s->package1_due = 1;
    s->hdr_status = "200";
    *out = s;
    return OMADM_OK;
}

void omadm_session_free(omadm_session *session)
{
    if (!session)
        return;
    finish(session, OMADM_SESSION_FAILED);
    free_batches(session);
    omadm__free(session->inflight);
    omadm__sent_free(&session->sent_cmds);
    omadm__free(session->server_uri);
    omadm__free(session->device_id);
    omadm__free(session->auth_name);
    omadm__free(session->login_status);
    if (session->auth_secret) {
        memset(session->auth_secret, 0, strlen(session->auth_secret));
        omadm__free(session->auth_secret);
    }
    omadm__free(session);
}

omadm_status omadm_session_set_credentials(omadm_session *session, const char *name,
                                           const char *secret)
{
    char *n = NULL, *sec = NULL;

    if (!session || !name != !secret)
        return OMADM_ERR_INVALID;
    if (name && (!(n = omadm__strdup(name)) || !(sec = omadm__strdup(secret)))) {
        omadm__free(n);
        return OMADM_ERR_NOMEM;
    }
    omadm__free(session->auth_name);
    if (session->auth_secret) {
        memset(session->auth_secret, 0, strlen(session->auth_secret));
        omadm__free(session->auth_secret);
    }
    session->auth_name = n;
    session->auth_secret = sec;
    return OMADM_OK;
}

/* ---- building our messages ------------------------------------------- */

static int set_str(syncml_msg *m, char **field, const char *value)
{
    *field = syncml_strdup(m, value);
    return *field != NULL;
}

static int set_cmd_id(syncml_msg *m, syncml_cmd *cmd, unsigned *counter)
{
    char id[16];

    snprintf(id, sizeof id, "%u", (*counter)++);
    return set_str(m, &cmd->cmd_id, id);
}

/* SyncHdr of our next message, with the SyncHdr Status when one is due. */
static omadm_status build_header(omadm_session *s, syncml_msg *m, unsigned msg_id,
                                 unsigned *counter, int with_status)
{
    char id[16];
    syncml_hdr *h = &m->hdr;

    snprintf(id, sizeof id, "%u", msg_id);
    if (!set_str(m, &h->ver_dtd, "1.2") || !set_str(m, &h->ver_proto, "DM/1.2") ||
        !set_str(m, &h->session_id, s->session_id) || !set_str(m, &h->msg_id, id) ||
        !set_str(m, &h->target_uri, s->server_uri) || !set_str(m, &h->source_uri, s->device_id))
        return OMADM_ERR_NOMEM;
    h->meta = syncml_meta_new(m);
    snprintf(id, sizeof id, "%zu", s->max_msg_size);
    if (!h->meta || !set_str(m, &h->meta->max_msg_size, id))
        return OMADM_ERR_NOMEM;
    if (with_status) {
        syncml_cmd *st = syncml_cmd_new(m, SYNCML_CMD_STATUS);

        if (!st || !set_cmd_id(m, st, counter) || !set_str(m, &st->msg_ref, s->server_msg_id) ||
            !set_str(m, &st->cmd_ref, "0") || !set_str(m, &st->cmd, "SyncHdr") ||
            !set_str(m, &st->data, s->hdr_status))
            return OMADM_ERR_NOMEM;
        syncml_cmd_append(&m->body, st);
    }
    return OMADM_OK;
}

static omadm_status add_cred(omadm_session *s, syncml_msg *m)
{
    char *value = NULL;
    omadm_status st;
    int md5 = strcmp(s->cred_type, SYNCML_AUTH_MD5) == 0;

    if (md5)
        st = omadm__auth_md5(s->auth_name, s->auth_secret, s->nonce, &value);
    else
        st = omadm__auth_basic(s->auth_name, s->auth_secret, &value);
    if (st != OMADM_OK)
        return st;
    st = OMADM_ERR_NOMEM;
    m->hdr.cred = syncml_alloc(m, sizeof *m->hdr.cred);
    if (m->hdr.cred && (m->hdr.cred->meta = syncml_meta_new(m)) &&
        set_str(m, &m->hdr.cred->meta->type, md5 ? SYNCML_AUTH_MD5 : SYNCML_AUTH_BASIC) &&
        set_str(m, &m->hdr.cred->meta->format, "b64") && set_str(m, &m->hdr.cred->data, value))
        st = OMADM_OK;
    memset(value, 0, strlen(value));
    omadm__free(value);
    return st;
}

static syncml_cmd *new_alert(syncml_msg *m, const char *code, unsigned *counter)
{
    syncml_cmd *a = syncml_cmd_new(m, SYNCML_CMD_ALERT);

    if (!a || !set_cmd_id(m, a, counter) || !set_str(m, &a->data, code))
        return NULL;
    return a;
}

/* One Alert 1226 per outbox record of kind OUTCOME or ALERT. */
static omadm_status add_outbox_alerts(omadm_session *s, syncml_msg *m, unsigned *counter)
{
    size_t i, n = s->outbox ? omadm_outbox_count(s->outbox) : 0, k = 0;

    if (!n)
        return OMADM_OK;
    s->inflight = omadm__calloc(n, sizeof *s->inflight);
    if (!s->inflight)
        return OMADM_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(s->outbox, i);
        syncml_cmd *a;
        syncml_item *it;

        if (!e || e->kind == OMADM_OUTBOX_INTENT)
            continue;
        a = new_alert(m, "1226", counter);
        it = syncml_item_new(m);
        if (!a || !it || !(it->meta = syncml_meta_new(m)))
            return OMADM_ERR_NOMEM;
        if ((e->source_uri && !set_str(m, &it->source_uri, e->source_uri)) ||
            (e->type && !set_str(m, &it->meta->type, e->type)) ||
            (e->format && !set_str(m, &it->meta->format, e->format)) ||
            (e->mark && !set_str(m, &it->meta->mark, e->mark)) ||
            !set_str(m, &it->data, e->data ? e->data : ""))
            return OMADM_ERR_NOMEM;
        it->data_len = strlen(it->data);
        a->items = it;
        syncml_cmd_append(&m->body, a);
        s->inflight[k].outbox_id = e->id;
        snprintf(s->inflight[k].cmd_id, sizeof s->inflight[k].cmd_id, "%s", a->cmd_id);
        k++;
    }
    s->n_inflight = k;
    return OMADM_OK;
}

/* MS-MDM: Alert 1224 LoginStatus after 1201; Alert 1226 for the user's
 * unenrollment request (its Item has no Source or Target). */
static omadm_status add_enrollment_alerts(omadm_session *s, syncml_msg *m, unsigned *counter)
{
    syncml_cmd *a;
    syncml_item *it;

    if (s->login_status) {
        a = new_alert(m, "1224", counter);
        it = syncml_item_new(m);
        if (!a || !it || !(it->meta = syncml_meta_new(m)) ||
            !set_str(m, &it->meta->type, "com.microsoft/MDM/LoginStatus") ||
            !set_str(m, &it->data, s->login_status))
            return OMADM_ERR_NOMEM;
        it->data_len = strlen(it->data);
        a->items = it;
        syncml_cmd_append(&m->body, a);
    }
    if (s->unenroll_request) {
        a = new_alert(m, "1226", counter);
        it = syncml_item_new(m);
        if (!a || !it || !(it->meta = syncml_meta_new(m)) ||
            !set_str(m, &it->meta->type, "com.microsoft:mdm.unenrollment.userrequest") ||
            !set_str(m, &it->meta->format, "int") || !set_str(m, &it->data, "1"))
            return OMADM_ERR_NOMEM;
        it->data_len = 1;
        a->items = it;
        syncml_cmd_append(&m->body, a);
    }
    return OMADM_OK;
}

static const char *const devinfo_nodes[] = { "./DevInfo/DevId", "./DevInfo/Man", "./DevInfo/Mod",
                                             "./DevInfo/DmV", "./DevInfo/Lang" };

/* The package-1 Replace of the DevInfo nodes. The values come from
 * whatever CSP serves ./DevInfo, read through the dispatcher with Gets. */
static omadm_status add_devinfo_replace(omadm_session *s, syncml_msg *m, unsigned *counter)
{
    syncml_msg *query = NULL;
    syncml_cmd *answers = NULL, *rep, *c;
    omadm_status st;
    size_t i;

    st = syncml_msg_new(&query);
    if (st != OMADM_OK)
        return st;
    st = OMADM_ERR_NOMEM;
    if (!set_str(query, &query->hdr.msg_id, "0") ||
        !set_str(query, &query->hdr.session_id, s->session_id))
        goto done;
    for (i = 0; i < sizeof devinfo_nodes / sizeof devinfo_nodes[0]; i++) {
        syncml_cmd *get = syncml_cmd_new(query, SYNCML_CMD_GET);
        syncml_item *it = syncml_item_new(query);
        char id[8];

        snprintf(id, sizeof id, "%zu", i + 1);
        if (!get || !it || !set_str(query, &get->cmd_id, id) ||
            !set_str(query, &it->target_uri, devinfo_nodes[i]))
            goto done;
        get->items = it;
        syncml_cmd_append(&query->body, get);
    }
    st = omadm__dispatch_message(s->tree, query, s->server_uri, query, &answers);
    if (st != OMADM_OK)
        goto done;
    st = OMADM_ERR_NOMEM;
    rep = syncml_cmd_new(m, SYNCML_CMD_REPLACE);
    if (!rep || !set_cmd_id(m, rep, counter))
        goto done;
    for (c = answers; c; c = c->next) {
        syncml_item *src, *it;

        if (c->type != SYNCML_CMD_RESULTS)
            continue;
        for (src = c->items; src; src = src->next) {
            it = syncml_item_new(m);
            if (!it || !src->source_uri || !set_str(m, &it->source_uri, src->source_uri) ||
                !set_str(m, &it->data, src->data ? src->data : ""))
                goto done;
            it->data_len = strlen(it->data);
            syncml_item_append(&rep->items, it);
        }
    }
    syncml_cmd_append(&m->body, rep);
    st = OMADM_OK;
done:
    syncml_msg_free(query);
    return st;
}

static omadm_status build_package1(omadm_session *s, syncml_msg *m, unsigned *counter)
{
    syncml_cmd *a = new_alert(m, s->server_initiated ? "1200" : "1201", counter);
    omadm_status st;

    if (!a)
        return OMADM_ERR_NOMEM;
    syncml_cmd_append(&m->body, a);
    st = add_enrollment_alerts(s, m, counter);
    if (st == OMADM_OK)
        st = add_outbox_alerts(s, m, counter);
    if (st == OMADM_OK)
        st = add_devinfo_replace(s, m, counter);
    m->final = true;
    return st;
}

/* `v` in decimal into buf (at least 11 bytes); snprintf costs more than
 * the rest of packing an answer. */
static void decimal(unsigned v, char *buf)
{
    char tmp[12];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

/* Appends as many pending answers to `out` (a message opened with
 * omadm__syncml_write_open) as fit in the server's MaxMsgSize, each from
 * its tail encoded when it was queued. */
static omadm_status pack_answers(omadm_session *s, omadm_buf *out, unsigned *counter, int *added)
{
    size_t size = out->len + omadm__syncml_close_size(false), cmd_size,
           final_size = omadm__syncml_close_size(true) - omadm__syncml_close_size(false);
    omadm_status st;

    *added = 0;
    while (s->batches) {
        answer_batch *b = s->batches;

        while (b->head) {
            size_t from = b->sent ? b->tail_end[b->sent - 1] : 0, len = b->tail_end[b->sent] - from;
            char id[16];

            decimal(*counter, id);
            cmd_size = omadm__syncml_cmd_size_from_tail(b->head, id, len);
            if (*added && size + cmd_size + final_size > s->server_max)
                return OMADM_OK;
            st = omadm__syncml_write_cmd_from_tail(b->head, id, b->tails.data + from, len, out);
            if (st != OMADM_OK)
                return st;
            (*counter)++;
            size += cmd_size;
            (*added)++;
            b->head = b->head->next;
            b->sent++;
        }
        s->batches = b->next;
        if (!s->batches)
            s->batches_tail = NULL;
        batch_free(b);
    }
    return OMADM_OK;
}

static int only_successful_hdr_status(const syncml_msg *m)
{
    const syncml_cmd *c = m->body;

    if (!c)
        return 1;
    return c->next == NULL && c->type == SYNCML_CMD_STATUS && c->cmd_ref &&
           strcmp(c->cmd_ref, "0") == 0 && c->data && c->data[0] == '2';
}

omadm_status omadm_session_next_message(omadm_session *session, char **msg, size_t *len)
{
    omadm_session *s = session;
    syncml_msg *m = NULL;
    unsigned counter;
    int added = 0, has_answers, written = 0;
    omadm_status st;

    *msg = NULL;
    *len = 0;
    if (s->state != OMADM_SESSION_RUNNING)
        return OMADM_OK;
    if (s->awaiting_reply)
        return OMADM_ERR_STATE;
    if (s->sent >= s->max_messages) {
        fail(s, "the server did not end the session within %u messages", s->max_messages);
        return OMADM_ERR_LIMIT;
    }
    st = syncml_msg_new(&m);
    if (st != OMADM_OK) {
        fail(s, "could not build the next message: %s", omadm_status_str(st));
        return st;
    }
    counter = s->package1_due && !s->hdr_status_due ? 2 : 1;
    st = build_header(s, m, s->sent + 1, &counter, s->hdr_status_due);
    if (st == OMADM_OK && s->send_cred)
        st = add_cred(s, m);
    if (st == OMADM_OK && s->package1_due) {
        st = build_package1(s, m, &counter);
    } else if (st == OMADM_OK) {
        /* Header and SyncHdr Status, then the answers as they fit: each
         * piece is written once, straight into the message. */
        omadm_buf out = OMADM_BUF_INIT;

        st = omadm__syncml_write_open(m, &out);
        if (st == OMADM_OK)
            st = pack_answers(s, &out, &counter, &added);
        if (st == OMADM_OK && !added && only_successful_hdr_status(m) && !s->server_package_open) {
            /* Nothing to say but "200" to the header: the session is over
             * (syncml-dm.md §3 rule 4). */
            omadm__buf_free(&out);
            syncml_msg_free(m);
            finish(s, OMADM_SESSION_COMPLETED);
            return OMADM_OK;
        }
        if (st == OMADM_OK && !answers_pending(s)) {
            if (s->server_package_open && added == 0) {
                syncml_cmd *next = new_alert(m, "1222", &counter);

                st = next ? omadm__syncml_write_cmd(next, &out) : OMADM_ERR_NOMEM;
            }
            m->final = !s->server_package_open;
        }
        if (st == OMADM_OK)
            st = omadm__syncml_write_close(m->final, &out);
        if (st == OMADM_OK)
            *msg = omadm__buf_steal(&out, len);
        omadm__buf_free(&out);
        written = 1;
    }
    if (st == OMADM_OK && !written)
        st = syncml_write(m, msg, len);
    if (st == OMADM_OK)
        omadm__sent_record(&s->sent_cmds, s->sent + 1, m->body);
    has_answers = added > 0;
    syncml_msg_free(m);
    if (st != OMADM_OK) {
        /* Out of memory while building: the queued answers are intact only
         * if nothing was moved; either way this session cannot go on. */
        omadm__free(*msg);
        *msg = NULL;
        *len = 0;
        fail(s, "could not build the next message: %s", omadm_status_str(st));
        return st;
    }
    if (s->package1_due && s->n_inflight)
        omadm__log(OMADM_LOG_DEBUG, "package 1 carries %zu outbox alert(s)", s->n_inflight);
    if (*len > s->server_max)
        omadm__log(OMADM_LOG_WARN, "message %u is %zu bytes, over the server's %zu", s->sent + 1,
                   *len, s->server_max);
    if (has_answers)
        omadm__crash_point("status-produced");
    s->sent++;
    s->awaiting_reply = 1;
    s->package1_due = 0;
    s->hdr_status_due = 0;
    return OMADM_OK;
}

/* ---- taking the server's replies ------------------------------------- */

static int is_code(const char *data, const char *code)
{
    return data && strcmp(data, code) == 0;
}

/* Encodes the tail of answers[from..n) into b->tails. */
static omadm_status encode_tails(answer_batch *b, syncml_cmd *const *answers, size_t from, size_t n)
{
    omadm_status st;

    b->tails.len = from ? b->tail_end[from - 1] : 0;
    for (; from < n; from++) {
        st = omadm__syncml_cmd_tail(answers[from], &b->tails);
        if (st != OMADM_OK)
            return st;
        b->tail_end[from] = b->tails.len;
    }
    return OMADM_OK;
}

/* Encodes every answer once (its tail, see answer_batch). A Results too
 * large for any message of ours is dropped and its Get answered 413
 * instead (the Status precedes it in the same batch). */
static omadm_status fit_results(omadm_session *s, answer_batch *b)
{
    syncml_cmd **link = &b->head, **answers;
    /* Room left for one command once header, SyncHdr Status and Final are
     * in: a generous fixed allowance (the header is well under 1 KiB with
     * the 1 KiB URI limits). */
    size_t room = s->server_max > 2048 ? s->server_max - 2048 : 0, n = 0, status_at = 0;
    int have_status = 0;
    omadm_status st = OMADM_OK;

    n = syncml_cmd_count(b->head);
    b->tail_end = omadm__calloc(n ? n : 1, sizeof *b->tail_end);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    answers = omadm__calloc(n ? n : 1, sizeof *answers);
    if (!b->tail_end || !answers) {
        omadm__free(answers);
        return OMADM_ERR_NOMEM;
    }
    n = 0;
    while (*link && st == OMADM_OK) {
        syncml_cmd *c = *link;

        answers[n] = c;
        st = encode_tails(b, answers, n, n + 1);
        if (st != OMADM_OK)
            break;
        if (c->type == SYNCML_CMD_STATUS) {
            status_at = n;
            have_status = 1;
        } else if (c->type == SYNCML_CMD_RESULTS) {
            size_t from = n ? b->tail_end[n - 1] : 0,
                   size = omadm__syncml_cmd_size_from_tail(c, NULL, b->tail_end[n] - from);

            if (size > room) {
                omadm__log(OMADM_LOG_WARN, "Results for Get %s (%zu bytes) cannot fit in %zu",
                           c->cmd_ref ? c->cmd_ref : "", size, s->server_max);
                *link = c->next;
                if (have_status) {
                    if (!set_str(b->arena, &answers[status_at]->data, "413"))
                        st = OMADM_ERR_NOMEM;
                    else /* rare: encode again from that Status on */
                        st = encode_tails(b, answers, status_at, n);
                } else {
                    b->tails.len = from;
                }
                continue;
            }
        }
        n++;
        link = &c->next;
    }
    omadm__free(answers);
    return st;
}

static omadm_status queue_answers(omadm_session *s, const syncml_msg *in)
{
    answer_batch *b = omadm__calloc(1, sizeof *b);
    omadm_status st;

    if (!b)
        return OMADM_ERR_NOMEM;
    st = syncml_msg_new(&b->arena);
    if (st == OMADM_OK)
        st = omadm__dispatch_message(s->tree, in, s->server_uri_in, b->arena, &b->head);
    if (st == OMADM_OK)
        st = fit_results(s, b);
    if (st != OMADM_OK || !b->head) {
        batch_free(b);
        return st;
    }
    if (s->batches_tail)
        s->batches_tail->next = b;
    else
        s->batches = b;
    s->batches_tail = b;
    return OMADM_OK;
}

/* Keeps a NextNonce for the MD5 digest; a nonce we could not use fails
 * the session saying why (returns 0). */
static int take_nonce(omadm_session *s, const char *nonce)
{
    char why[96];

    if (omadm__nonce_check(nonce, sizeof s->nonce - 1, why, sizeof why) != OMADM_OK) {
        fail(s, "the server's authentication nonce (NextNonce) %s", why);
        return 0;
    }
    snprintf(s->nonce, sizeof s->nonce, "%s", nonce);
    return 1;
}

/* Our SyncHdr was challenged (401/407): answer with Cred if we can. */
static omadm_status take_challenge(omadm_session *s, const syncml_cmd *st)
{
    const syncml_meta *chal = st->chal;

    if (!s->auth_name) {
        fail(s, "the server requires authentication (%s) and no credentials are configured",
             st->data);
        return OMADM_ERR_AUTH;
    }
    if (s->auth_attempts >= SESSION_MAX_AUTH_ATTEMPTS) {
        fail(s, "the server rejected our credentials (%s)", st->data);
        return OMADM_ERR_AUTH;
    }
    if (chal && chal->type && strcmp(chal->type, SYNCML_AUTH_MD5) != 0 &&
        strcmp(chal->type, SYNCML_AUTH_BASIC) != 0) {
        fail(s, "the server asked for unsupported authentication %s", chal->type);
        return OMADM_ERR_AUTH;
    }
    snprintf(s->cred_type, sizeof s->cred_type, "%s",
             chal && chal->type ? chal->type : SYNCML_AUTH_BASIC);
    if (chal && chal->next_nonce && !take_nonce(s, chal->next_nonce))
        return OMADM_ERR_PROTOCOL;
    if (strcmp(s->cred_type, SYNCML_AUTH_MD5) == 0 && !s->nonce[0]) {
        fail(s, "the server asked for %s without a nonce", SYNCML_AUTH_MD5);
        return OMADM_ERR_PROTOCOL;
    }
    s->auth_attempts++;
    s->send_cred = 1;
    /* OMA DM: the client restarts with package 1 carrying Cred. */
    s->package1_due = 1;
    free_batches(s);
    return OMADM_OK;
}

static int count_commands(const syncml_msg *in, int *only_next_alerts, const syncml_cmd **abort)
{
    const syncml_cmd *c;
    int n = 0;

    *only_next_alerts = 1;
    *abort = NULL;
    for (c = in->body; c; c = c->next) {
        if (c->type == SYNCML_CMD_STATUS || c->type == SYNCML_CMD_RESULTS)
            continue;
        n++;
        if (c->type == SYNCML_CMD_ALERT && is_code(c->data, "1223"))
            *abort = c;
        if (!(c->type == SYNCML_CMD_ALERT && is_code(c->data, "1222")))
            *only_next_alerts = 0;
    }
    return n;
}

omadm_status omadm_session_feed(omadm_session *session, const char *body, size_t len)
{
    omadm_session *s = session;
    syncml_msg *in = NULL;
    syncml_error err;
    const syncml_cmd *c, *hdr_st = NULL, *abort_alert;
    int commands, only_next;
    omadm_status st;

    if (s->state != OMADM_SESSION_RUNNING || !s->awaiting_reply)
        return OMADM_ERR_STATE;
    s->awaiting_reply = 0;
    if (s->n_inflight)
        omadm__crash_point("alert-sent");
    if (s->too_large) {
        /* Whatever answers our 413, the session is over. */
        fail_too_large(s);
        return OMADM_ERR_LIMIT;
    }
    if (len == 0) {
        /* An empty body ends the session (observed with Fleet). */
        finish(s, OMADM_SESSION_COMPLETED);
        return OMADM_OK;
    }
    if (len > s->limits.max_message) {
        take_too_large(s, len);
        return OMADM_OK;
    }
    if (len > s->max_msg_size)
        omadm__log(OMADM_LOG_INFO,
                   "session %s: the server's message of %zu bytes is over our MaxMsgSize %zu "
                   "(accepted up to %zu)",
                   s->session_id, len, s->max_msg_size, s->limits.max_message);
    memset(&err, 0, sizeof err);
    st = syncml_parse(body, len, &s->limits, &in, &err);
    if (st != OMADM_OK) {
        fail(s, "the server's reply is not a usable SyncML message: %s", err.message);
        return st == OMADM_ERR_NOMEM ? st : OMADM_ERR_PROTOCOL;
    }
    if (!is_code(in->hdr.session_id, s->session_id)) {
        fail(s, "the server answered with SessionID %s", in->hdr.session_id);
        syncml_msg_free(in);
        return OMADM_ERR_PROTOCOL;
    }
    if (!is_code(in->hdr.ver_dtd, "1.2") || !is_code(in->hdr.ver_proto, "DM/1.2")) {
        fail(s, "the server speaks %s, not SyncML DM 1.2", in->hdr.ver_proto);
        syncml_msg_free(in);
        return OMADM_ERR_PROTOCOL;
    }
    snprintf(s->server_msg_id, sizeof s->server_msg_id, "%s", in->hdr.msg_id);
    snprintf(s->server_uri_in, sizeof s->server_uri_in, "%s", in->hdr.source_uri);
    omadm__check_target(&in->hdr, s->device_id, s->session_id);
    if (in->hdr.meta) {
        size_t max = omadm__server_max_msg_size(in->hdr.meta->max_msg_size, SESSION_MIN_SERVER_MAX,
                                                s->session_id);

        if (max)
            s->server_max = max;
    }
    omadm__check_statuses(&s->sent_cmds, in, s->sent, s->session_id);
    for (c = in->body; c; c = c->next)
        if (c->type == SYNCML_CMD_STATUS && is_code(c->cmd_ref, "0"))
            hdr_st = c;
    settle_inflight(s, in);

    commands = count_commands(in, &only_next, &abort_alert);
    if (abort_alert) {
        omadm__log(OMADM_LOG_INFO, "session %s aborted by the server (1223)", s->session_id);
        syncml_msg_free(in);
        finish(s, OMADM_SESSION_ABORTED);
        return OMADM_OK;
    }
    s->hdr_status = "200";
    if (hdr_st && (is_code(hdr_st->data, "401") || is_code(hdr_st->data, "407"))) {
        st = take_challenge(s, hdr_st);
        syncml_msg_free(in);
        s->hdr_status_due = st == OMADM_OK;
        return st;
    }
    if (hdr_st && is_code(hdr_st->data, "212"))
        s->send_cred = 0;
    /* A new nonce for our next MD5 Cred; unused otherwise. */
    if (hdr_st && hdr_st->chal && hdr_st->chal->next_nonce && s->send_cred &&
        strcmp(s->cred_type, SYNCML_AUTH_MD5) == 0 && !take_nonce(s, hdr_st->chal->next_nonce)) {
        syncml_msg_free(in);
        return OMADM_ERR_PROTOCOL;
    }

    if (commands > 0) {
        st = queue_answers(s, in);
        if (st != OMADM_OK) {
            syncml_msg_free(in);
            fail(s, "could not answer the server's commands: %s", omadm_status_str(st));
            return st;
        }
    }
    /* A message asking only for our next part does not open a package. */
    if (commands > 0 && !only_next)
        s->server_package_open = !in->final;
    else if (commands == 0)
        s->server_package_open = 0;
    syncml_msg_free(in);
    if (commands == 0 && !answers_pending(s)) {
        finish(s, OMADM_SESSION_COMPLETED);
        return OMADM_OK;
    }
    s->hdr_status_due = 1;
    return OMADM_OK;
}
