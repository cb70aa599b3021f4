/* SPDX-License-Identifier: Apache-2.0 */
#include "dmtest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static char *dup(syncml_msg *msg, const char *s)
{
    char *copy;

    if (!s)
        return NULL;
    copy = syncml_strdup(msg, s);
    assert_non_null(copy);
    return copy;
}

syncml_msg *dm_msg(const char *msg_id)
{
    syncml_msg *msg = NULL;

    assert_int_equal(syncml_msg_new(&msg), OMADM_OK);
    msg->hdr.ver_dtd = dup(msg, "1.2");
    msg->hdr.ver_proto = dup(msg, "DM/1.2");
    msg->hdr.session_id = dup(msg, "7");
    msg->hdr.msg_id = dup(msg, msg_id);
    msg->hdr.source_uri = dup(msg, "https://mdm.example.test/MDM");
    msg->hdr.target_uri = dup(msg, "DEV1");
    msg->final = true;
    return msg;
}

syncml_cmd *dm_cmd(syncml_msg *msg, syncml_cmd **list, syncml_cmd_type type, const char *cmd_id)
{
    syncml_cmd *cmd = syncml_cmd_new(msg, type);

    assert_non_null(cmd);
    cmd->cmd_id = dup(msg, cmd_id);
    syncml_cmd_append(list, cmd);
    return cmd;
}

syncml_cmd *dm_unknown(syncml_msg *msg, syncml_cmd **list, const char *element, const char *cmd_id)
{
    syncml_cmd *cmd = dm_cmd(msg, list, SYNCML_CMD_UNKNOWN, cmd_id);

    cmd->element = dup(msg, element);
    return cmd;
}

syncml_item *dm_item(syncml_msg *msg, syncml_cmd *cmd, const char *target, const char *data,
                     const char *format)
{
    syncml_item *item = syncml_item_new(msg);

    assert_non_null(item);
    item->target_uri = dup(msg, target);
    if (data) {
        item->data = dup(msg, data);
        item->data_len = strlen(data);
    }
    if (format) {
        item->meta = syncml_meta_new(msg);
        assert_non_null(item->meta);
        item->meta->format = dup(msg, format);
    }
    syncml_item_append(&cmd->items, item);
    return item;
}

syncml_cmd *dm_run(omadm_tree *tree, const syncml_msg *in, syncml_msg **reply)
{
    syncml_cmd *answers = NULL;

    assert_int_equal(syncml_msg_new(reply), OMADM_OK);
    assert_int_equal(omadm__dispatch_message(tree, in, in->hdr.source_uri, *reply, &answers),
                     OMADM_OK);
    return answers;
}

void dm_describe(const syncml_cmd *answers, const char *msg_ref, char *out, size_t size)
{
    const syncml_cmd *a;
    size_t n = 0;

    out[0] = '\0';
    for (a = answers; a; a = a->next) {
        assert_null(a->cmd_id);
        if (msg_ref) {
            assert_non_null(a->msg_ref);
            assert_string_equal(a->msg_ref, msg_ref);
        }
        if (n)
            n += (size_t)snprintf(out + n, size - n, " | ");
        if (a->type == SYNCML_CMD_STATUS) {
            n += (size_t)snprintf(out + n, size - n, "S %s %s %s", a->cmd ? a->cmd : "(null)",
                                  a->cmd_ref ? a->cmd_ref : "(null)", a->data ? a->data : "(null)");
            if (a->target_ref)
                n += (size_t)snprintf(out + n, size - n, " T=%s", a->target_ref);
            if (a->source_ref)
                n += (size_t)snprintf(out + n, size - n, " S=%s", a->source_ref);
        } else if (a->type == SYNCML_CMD_RESULTS) {
            const syncml_item *it;
            n += (size_t)snprintf(out + n, size - n, "R %s", a->cmd_ref ? a->cmd_ref : "(null)");
            for (it = a->items; it; it = it->next) {
                assert_int_equal(strlen(it->data ? it->data : ""), it->data_len);
                n += (size_t)snprintf(out + n, size - n, " %s=%s(%s", it->source_uri,
                                      it->data ? it->data : "(null)",
                                      it->meta && it->meta->format ? it->meta->format : "-");
                if (it->meta && it->meta->type)
                    n += (size_t)snprintf(out + n, size - n, ",%s", it->meta->type);
                n += (size_t)snprintf(out + n, size - n, ")");
            }
        } else {
            n += (size_t)snprintf(out + n, size - n, "?%d", (int)a->type);
        }
        if (n >= size)
            fail_msg("description too long");
    }
}

void dm_expect(omadm_tree *tree, const syncml_msg *in, const char *want)
{
    syncml_msg *reply = NULL;
    syncml_cmd *answers = dm_run(tree, in, &reply);
    char got[4096];

    dm_describe(answers, in->hdr.msg_id, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("answers differ\n  got:  %s\n  want: %s", got, want);
    syncml_msg_free(reply);
}
