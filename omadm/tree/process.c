/* SPDX-License-Identifier: Apache-2.0 */
/* omadm_tree_process: one server message through the tree, outside any
 * session (CSP authors' tests and tools). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "dispatch/dispatch.h"
#include "tree/tree.h"

/* Copies `src` into the reply's arena; NULL stays NULL. Returns 0 on
 * allocation failure of a non-NULL source. */
static int copy_str(syncml_msg *msg, char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 1;
    *dst = syncml_strdup(msg, src);
    return *dst != NULL;
}

static int hdr_code(const syncml_hdr *hdr)
{
    if (!hdr->ver_dtd || strcmp(hdr->ver_dtd, "1.2") != 0)
        return 505;
    if (hdr->ver_proto && strcmp(hdr->ver_proto, "DM/1.2") != 0)
        return 513;
    return 200;
}

static omadm_status build_reply(omadm_tree *tree, const syncml_msg *in, syncml_msg *out)
{
    syncml_cmd *answers = NULL, *hdr_status, *c;
    unsigned next_id = 1;
    int code = hdr_code(&in->hdr);
    char id[24];
    omadm_status st;

    if (!copy_str(out, &out->hdr.ver_dtd, "1.2") || !copy_str(out, &out->hdr.ver_proto, "DM/1.2") ||
        !copy_str(out, &out->hdr.session_id, in->hdr.session_id) ||
        !copy_str(out, &out->hdr.msg_id, in->hdr.msg_id) ||
        !copy_str(out, &out->hdr.target_uri, in->hdr.source_uri) ||
        !copy_str(out, &out->hdr.source_uri, in->hdr.target_uri))
        return OMADM_ERR_NOMEM;
    out->final = true;

    hdr_status = syncml_cmd_new(out, SYNCML_CMD_STATUS);
    if (!hdr_status || !copy_str(out, &hdr_status->msg_ref, in->hdr.msg_id) ||
        !copy_str(out, &hdr_status->cmd_ref, "0") || !copy_str(out, &hdr_status->cmd, "SyncHdr"))
        return OMADM_ERR_NOMEM;
    snprintf(id, sizeof id, "%d", code);
    if (!copy_str(out, &hdr_status->data, id))
        return OMADM_ERR_NOMEM;
    answers = hdr_status;

    /* A header we do not speak: answer it, process nothing else. */
    if (code == 200) {
        st = omadm__dispatch_message(tree, in, in->hdr.source_uri, out, &answers);
        if (st != OMADM_OK)
            return st;
    }
    for (c = answers; c; c = c->next) {
        snprintf(id, sizeof id, "%u", next_id++);
        if (!copy_str(out, &c->cmd_id, id))
            return OMADM_ERR_NOMEM;
    }
    out->body = answers;
    return OMADM_OK;
}

omadm_status omadm_tree_process(omadm_tree *tree, const char *msg, size_t len, char **reply,
                                size_t *reply_len)
{
    syncml_msg *in = NULL, *out = NULL;
    omadm_status st;

    if (reply)
        *reply = NULL;
    if (reply_len)
        *reply_len = 0;
    if (!tree || !msg || !reply || !reply_len)
        return OMADM_ERR_INVALID;
    st = syncml_parse(msg, len, NULL, &in, NULL);
    if (st != OMADM_OK)
        return st;
    st = syncml_msg_new(&out);
    if (st == OMADM_OK)
        st = build_reply(tree, in, out);
    if (st == OMADM_OK)
        st = syncml_write(out, reply, reply_len);
    syncml_msg_free(out);
    syncml_msg_free(in);
    return st;
}
