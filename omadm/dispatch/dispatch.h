/* SPDX-License-Identifier: Apache-2.0 */
/* The command dispatcher: runs a server message's commands against the DM
 * tree and builds their Status and Results.
 *
 * Internal to libomadm; the session drives it once per server message. */
#ifndef OMADM_DISPATCH_DISPATCH_H
#define OMADM_DISPATCH_DISPATCH_H

#include "omadm/csp.h"
#include "syncml/syncml.h"

/* Group commit, for libomadm's own CSPs (not a public contract: the public
 * omadm_csp_ops stays as it is). A CSP declares it by registering the
 * `ops` member of an omadm__csp_ops_ext whose ops.version has
 * OMADM__CSP_OPS_EXT set; the dispatcher then reads the fields after it.
 * Public tables carry small version numbers and never this bit.
 *
 * message_commit: the CSP may keep the changes of its add/replace/del/exec
 * handlers outside an Atomic in memory only and make them durable here,
 * together. Called once the message's commands have run, before any of
 * their Statuses is built, and before an Atomic begins, when at least one
 * such handler of the CSP succeeded since the last call. Returns 0 when
 * they are durable, or a negative DM code: the CSP is then back in its
 * state before the first of them, in memory and on disk, and every command
 * it ran from the first of them on (Gets included: they may have read the
 * undone values) answers that code instead of its success (Results
 * dropped). A Status 200 is never built for a change that is not durable. */
#define OMADM__CSP_OPS_EXT 0x40000000u
typedef struct omadm__csp_ops_ext {
    omadm_csp_ops ops; /* first: the tree holds &ext->ops */
    int (*message_commit)(void *csp);
} omadm__csp_ops_ext;

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
 * Group commits (above) run before the answers are built.
 * Returns OMADM_OK, or OMADM_ERR_NOMEM (then nothing ran). */
omadm_status omadm__dispatch_message(omadm_tree *tree, const syncml_msg *in, const char *server,
                                     syncml_msg *reply, syncml_cmd **answers);

/* Tells every registered CSP that the session ended (its session_end
 * callback). `completed` non-zero when the server answered our last
 * message. */
void omadm__tree_session_end(omadm_tree *tree, int completed);

#endif
