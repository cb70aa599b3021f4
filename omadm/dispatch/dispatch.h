/* SPDX-License-Identifier: Apache-2.0 */
/* The command dispatcher: runs a server message's commands against the DM
 * tree and builds their Status and Results.
 *
 * Internal to libomadm; the session drives it once per server message. */
#ifndef OMADM_DISPATCH_DISPATCH_H
#define OMADM_DISPATCH_DISPATCH_H

#include "omadm/csp.h"
#include "syncml/syncml.h"

/* Runs every command of `in->body` in document order and appends the
 * answers to `*answers` (a list allocated in `reply`'s arena): for each
 * command its Status, then its Results (a Get answered 200). Atomic and
 * Sequence answer the container first, then each member.
 *
 * Statuses carry MsgRef (in->hdr.msg_id), CmdRef (the CmdID verbatim, ""
 * when the command had none), Cmd and, when Items of one command end with
 * different codes, one Status per Item with its TargetRef/SourceRef.
 * CmdIDs of the answers are left NULL: the session numbers them.
 *
 * Not answered (nothing appended): Status and Results from the server.
 * Alert 1222 and 1223 are answered 200 (the session acts on them), any other
 * Alert code 406. The SyncHdr Status is the session's job.
 *
 * `server` is the server's URI (for omadm_csp_request.server).
 * Returns OMADM_OK, or OMADM_ERR_NOMEM (then the tree is as before: any
 * Atomic in progress is rolled back). */
omadm_status omadm__dispatch_message(omadm_tree *tree, const syncml_msg *in, const char *server,
                                     syncml_msg *reply, syncml_cmd **answers);

/* Tells every registered CSP that the session ended (its session_end
 * callback). `completed` non-zero when the server answered our last
 * message. */
void omadm__tree_session_end(omadm_tree *tree, int completed);

#endif
