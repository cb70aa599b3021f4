/* SPDX-License-Identifier: Apache-2.0 */
#include "session/session.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hex.h"
#include "core/compiler.h"
#include "core/crash.h"
#include "core/log.h"
#include "dispatch/dispatch.h"
#include "session/auth.h"
#include "session/inbound.h"
#include "session/session_priv.h"
#include "syncml/fragment.h"

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
        char ours[OMADM_DEC_U64_LEN];

        omadm__dec_u64(s->sent, ours);
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
    omadm__session_free_batches(s);
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
    omadm__session_free_batches(session);
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
    st = omadm__session_build_header(s, m, s->sent + 1, &counter, s->hdr_status_due);
    if (st == OMADM_OK && s->send_cred)
        st = omadm__session_add_cred(s, m);
    if (st == OMADM_OK && s->package1_due) {
        st = omadm__session_build_package1(s, m, &counter);
    } else if (st == OMADM_OK) {
        /* Header and SyncHdr Status, then the answers as they fit: each
         * piece is written once, straight into the message. */
        omadm_buf out = OMADM_BUF_INIT;

        st = omadm__syncml_write_open(m, &out);
        if (st == OMADM_OK)
            st = omadm__session_pack_answers(s, &out, &counter, &added);
        if (st == OMADM_OK && !added && only_successful_hdr_status(m) && !s->server_package_open) {
            /* Nothing to say but "200" to the header: the session is over
             * (syncml-dm.md §3 rule 4). */
            omadm__buf_free(&out);
            syncml_msg_free(m);
            finish(s, OMADM_SESSION_COMPLETED);
            return OMADM_OK;
        }
        if (st == OMADM_OK && !omadm__session_answers_pending(s)) {
            if (s->server_package_open && added == 0) {
                syncml_cmd *next = omadm__session_new_alert(m, "1222", &counter);

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
    omadm__session_free_batches(s);
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
        st = omadm__session_queue_answers(s, in);
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
    if (commands == 0 && !omadm__session_answers_pending(s)) {
        finish(s, OMADM_SESSION_COMPLETED);
        return OMADM_OK;
    }
    s->hdr_status_due = 1;
    return OMADM_OK;
}
