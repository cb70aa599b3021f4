/* SPDX-License-Identifier: Apache-2.0 */
/* Checks on what a server sends that do not stop a session but must not
 * pass silently (issue 14): a Status naming a command we never sent, a
 * SyncHdr Target that is not our device id, a MaxMsgSize we cannot use;
 * and the validation of an MD5 challenge's nonce. Internal to session/. */
#ifndef OMADM_SESSION_INBOUND_H
#define OMADM_SESSION_INBOUND_H

#include <stddef.h>

#include "omadm/status.h"
#include "syncml/syncml.h"

/* The commands we sent that a server may answer with a Status: every one
 * but Status and Results, by our MsgID and CmdID. */
typedef struct omadm__sent_cmd {
    unsigned msg, cmd;
} omadm__sent_cmd;

typedef struct omadm__sent_cmds {
    omadm__sent_cmd *v;
    size_t n, cap;
    int incomplete; /* a record failed (out of memory): no warnings */
} omadm__sent_cmds;

/* Records the commands of our message `msg_id` (its body). */
void omadm__sent_record(omadm__sent_cmds *sent, unsigned msg_id, const syncml_cmd *body);
void omadm__sent_free(omadm__sent_cmds *sent);

/* Logs a warning for every Status in `in` (but the SyncHdr's) whose
 * MsgRef/CmdRef name no command we sent; a Status without MsgRef refers to
 * `last_msg`. */
void omadm__check_statuses(const omadm__sent_cmds *sent, const syncml_msg *in, unsigned last_msg,
                           const char *session_id);

/* Logs a warning when the SyncHdr Target is not `device_id`. */
void omadm__check_target(const syncml_hdr *hdr, const char *device_id, const char *session_id);

/* The server's SyncHdr MaxMsgSize as a usable size: 0 when absent, and
 * (with a warning) when it is not a decimal number or below `minimum` (0,
 * 1, "garbage"): treated as absent. */
size_t omadm__server_max_msg_size(const char *text, size_t minimum, const char *session_id);

/* An MD5 challenge's NextNonce: OMADM_OK; OMADM_ERR_LIMIT when longer than
 * `max` bytes, OMADM_ERR_PARSE when not base64 (RFC 4648, padded); `why`
 * then says which, e.g. "is not base64 (character 3)". */
omadm_status omadm__nonce_check(const char *nonce, size_t max, char *why, size_t whysize);

#endif
