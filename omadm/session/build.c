/* SPDX-License-Identifier: Apache-2.0 */
/* Building our messages: the SyncHdr (with Cred) and package 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hex.h"
#include "core/log.h"
#include "dispatch/dispatch.h"
#include "session/auth.h"
#include "session/session_priv.h"

static int set_str(syncml_msg *m, char **field, const char *value)
{
    *field = syncml_strdup(m, value);
    return *field != NULL;
}

static int set_cmd_id(syncml_msg *m, syncml_cmd *cmd, unsigned *counter)
{
    char id[OMADM_DEC_U64_LEN];

    omadm__dec_u64((*counter)++, id);
    return set_str(m, &cmd->cmd_id, id);
}

/* SyncHdr of our next message, with the SyncHdr Status when one is due. */
omadm_status omadm__session_build_header(omadm_session *s, syncml_msg *m, unsigned msg_id,
                                         unsigned *counter, int with_status)
{
    char id[OMADM_DEC_U64_LEN];
    syncml_hdr *h = &m->hdr;

    omadm__dec_u64(msg_id, id);
    if (!set_str(m, &h->ver_dtd, "1.2") || !set_str(m, &h->ver_proto, "DM/1.2") ||
        !set_str(m, &h->session_id, s->session_id) || !set_str(m, &h->msg_id, id) ||
        !set_str(m, &h->target_uri, s->server_uri) || !set_str(m, &h->source_uri, s->device_id))
        return OMADM_ERR_NOMEM;
    h->meta = syncml_meta_new(m);
    omadm__dec_u64(s->max_msg_size, id);
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

omadm_status omadm__session_add_cred(omadm_session *s, syncml_msg *m)
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

syncml_cmd *omadm__session_new_alert(syncml_msg *m, const char *code, unsigned *counter)
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
        a = omadm__session_new_alert(m, "1226", counter);
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
        a = omadm__session_new_alert(m, "1224", counter);
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
        a = omadm__session_new_alert(m, "1226", counter);
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
        char id[OMADM_DEC_U64_LEN];

        omadm__dec_u64(i + 1, id);
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

        if (c->type == SYNCML_CMD_STATUS && c->data && strcmp(c->data, "200") != 0) {
            /* A node the CSP cannot read (404, or 500 for a failure,
             * out of memory included) is left out of the Replace: the
             * device still checks in, and the log says what is missing. */
            size_t k = c->cmd_ref ? strtoul(c->cmd_ref, NULL, 10) : 0;

            omadm__log(OMADM_LOG_WARN, "package 1: %s left out of the DevInfo Replace (Get: %s)",
                       k >= 1 && k <= sizeof devinfo_nodes / sizeof devinfo_nodes[0]
                           ? devinfo_nodes[k - 1]
                           : "a DevInfo node",
                       c->data);
            continue;
        }
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

omadm_status omadm__session_build_package1(omadm_session *s, syncml_msg *m, unsigned *counter)
{
    syncml_cmd *a = omadm__session_new_alert(m, s->server_initiated ? "1200" : "1201", counter);
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
