/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: build server messages with the syncml builders, dispatch
 * them, and describe the answers as one comparable string. */
#ifndef OMADM_TESTS_DMTEST_H
#define OMADM_TESTS_DMTEST_H

#include <stddef.h>

#include "dispatch/dispatch.h"
#include "syncml/syncml.h"

/* A server message: SessionID "7", MsgID `msg_id`, Source the server URI
 * "https://mdm.example.test/MDM", Target "DEV1". Aborts the test on
 * allocation failure. */
syncml_msg *dm_msg(const char *msg_id);

/* Appends a command to `*list` (msg->body or a container's children). */
syncml_cmd *dm_cmd(syncml_msg *msg, syncml_cmd **list, syncml_cmd_type type, const char *cmd_id);
/* An element the dispatcher does not know (SYNCML_CMD_UNKNOWN). */
syncml_cmd *dm_unknown(syncml_msg *msg, syncml_cmd **list, const char *element, const char *cmd_id);
/* Appends an Item: Target/LocURI `target`, Data `data` (NULL: none),
 * Meta/Format `format` (NULL: no Meta). */
syncml_item *dm_item(syncml_msg *msg, syncml_cmd *cmd, const char *target, const char *data,
                     const char *format);

/* Dispatches `in` into a new reply message (*reply, freed by the caller)
 * and returns the answers; asserts OMADM_OK. */
syncml_cmd *dm_run(omadm_tree *tree, const syncml_msg *in, syncml_msg **reply);

/* One line per answer, joined by " | ":
 *   Status:  "S <Cmd> <CmdRef> <code>" plus " T=<TargetRef>" / " S=<SourceRef>"
 *   Results: "R <CmdRef> [<source>=<data>(<format>[,<type>])...]"
 * Asserts that every answer carries MsgRef `msg_ref` and no CmdID. */
void dm_describe(const syncml_cmd *answers, const char *msg_ref, char *out, size_t size);

/* Dispatches, describes, compares with `want` (fails the test with both
 * strings on a difference) and frees the reply. */
void dm_expect(omadm_tree *tree, const syncml_msg *in, const char *want);

#endif
