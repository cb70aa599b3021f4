/* SPDX-License-Identifier: Apache-2.0 */
#include "session/inbound.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"

/* A CmdID or MsgID of ours: a decimal number without sign or padding. */
static int our_number(const char *text, unsigned *out)
{
    unsigned long v = 0;
    const char *p = text;

    if (!p || *p < '1' || *p > '9')
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000ul)
            return 0;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *out = (unsigned)v;
    return 1;
}

void omadm__sent_record(omadm__sent_cmds *sent, unsigned msg_id, const syncml_cmd *body)
{
    const syncml_cmd *c;

    for (c = body; c; c = c->next) {
        unsigned id;

        if (c->type == SYNCML_CMD_STATUS || c->type == SYNCML_CMD_RESULTS ||
            !our_number(c->cmd_id, &id))
            continue;
        if (sent->n == sent->cap) {
            size_t cap = sent->cap ? sent->cap * 2 : 16;
            omadm__sent_cmd *grown = omadm__realloc(sent->v, cap * sizeof *grown);

            if (!grown) {
                sent->incomplete = 1;
                return;
            }
            sent->v = grown;
            sent->cap = cap;
        }
        sent->v[sent->n].msg = msg_id;
        sent->v[sent->n].cmd = id;
        sent->n++;
    }
}

void omadm__sent_free(omadm__sent_cmds *sent)
{
    omadm__free(sent->v);
    memset(sent, 0, sizeof *sent);
}

static int was_sent(const omadm__sent_cmds *sent, unsigned msg, unsigned cmd)
{
    size_t i;

    for (i = 0; i < sent->n; i++)
        if (sent->v[i].msg == msg && sent->v[i].cmd == cmd)
            return 1;
    return 0;
}

void omadm__check_statuses(const omadm__sent_cmds *sent, const syncml_msg *in, unsigned last_msg,
                           const char *session_id)
{
    const syncml_cmd *c;

    if (sent->incomplete)
        return;
    for (c = in->body; c; c = c->next) {
        unsigned msg = last_msg, cmd;

        if (c->type != SYNCML_CMD_STATUS || (c->cmd_ref && strcmp(c->cmd_ref, "0") == 0))
            continue;
        if ((c->msg_ref && !our_number(c->msg_ref, &msg)) || !our_number(c->cmd_ref, &cmd) ||
            !was_sent(sent, msg, cmd))
            omadm__log(OMADM_LOG_WARN,
                       "session %s: the server's Status %.64s (code %.16s) names a command we "
                       "never sent: MsgRef %.64s, CmdRef %.64s",
                       session_id, c->cmd_id ? c->cmd_id : "(no CmdID)", c->data ? c->data : "",
                       c->msg_ref ? c->msg_ref : "(none)", c->cmd_ref ? c->cmd_ref : "(none)");
    }
}

void omadm__check_target(const syncml_hdr *hdr, const char *device_id, const char *session_id)
{
    if (hdr->target_uri && strcmp(hdr->target_uri, device_id) != 0)
        omadm__log(OMADM_LOG_WARN,
                   "session %s: the server's message is addressed to \"%.128s\", not to this "
                   "device (%s)",
                   session_id, hdr->target_uri, device_id);
}

size_t omadm__server_max_msg_size(const char *text, size_t minimum, const char *session_id)
{
    unsigned long long v = 0;
    const char *p = text;

    if (!text)
        return 0;
    for (; *p >= '0' && *p <= '9' && v <= (unsigned long long)SIZE_MAX / 10; p++)
        v = v * 10 + (unsigned)(*p - '0');
    if (p == text || *p || v > SIZE_MAX) {
        omadm__log(OMADM_LOG_WARN,
                   "session %s: the server's MaxMsgSize \"%.32s\" is not a number: ignored",
                   session_id, text);
        return 0;
    }
    if (v < minimum) {
        omadm__log(OMADM_LOG_WARN,
                   "session %s: the server's MaxMsgSize %llu is below the usable minimum %zu: "
                   "ignored",
                   session_id, v, minimum);
        return 0;
    }
    return (size_t)v;
}

static int b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

omadm_status omadm__nonce_check(const char *nonce, size_t max, char *why, size_t whysize)
{
    size_t n = strlen(nonce), i;

    if (n > max) {
        snprintf(why, whysize, "is %zu bytes, over the %zu-byte limit", n, max);
        return OMADM_ERR_LIMIT;
    }
    if (n == 0 || n % 4 != 0) {
        snprintf(why, whysize, "is not base64 (%zu characters, not a multiple of 4)", n);
        return OMADM_ERR_PARSE;
    }
    for (i = 0; i < n; i++) {
        int pad_ok = nonce[i] == '=' && i >= n - 2 && (i == n - 1 || nonce[n - 1] == '=');

        if (!b64_char(nonce[i]) && !pad_ok) {
            snprintf(why, whysize, "is not base64 (character %zu)", i + 1);
            return OMADM_ERR_PARSE;
        }
    }
    return OMADM_OK;
}
