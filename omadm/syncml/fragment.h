/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a message in pieces, so that each command is encoded once.
 *
 * A message's bytes are: open (SyncML, SyncHdr, "<SyncBody>", the commands
 * of msg->body) + the bytes of each further command + close (Final,
 * "</SyncBody></SyncML>"). A command's bytes do not depend on where it
 * sits, so a sender can size a message as the sum of its pieces and append
 * them as they are decided. A command may also be kept as its "tail" (all
 * it holds after CmdID, without its end tag) while its CmdID is not yet
 * known: the command is then written from the tail with any CmdID, with
 * exactly omadm__syncml_cmd_size_from_tail bytes.
 *
 * Every function appends to `out` (an omadm_buf) and on failure leaves it
 * as it was: OMADM_ERR_INVALID for what syncml_write refuses,
 * OMADM_ERR_NOMEM (OMADM_ERR_LIMIT when `out` has a limit) otherwise. */
#ifndef OMADM_SYNCML_FRAGMENT_H
#define OMADM_SYNCML_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "syncml/syncml.h"

omadm_status omadm__syncml_write_open(const syncml_msg *msg, omadm_buf *out);
omadm_status omadm__syncml_write_close(bool final, omadm_buf *out);
/* Bytes omadm__syncml_write_close appends. */
size_t omadm__syncml_close_size(bool final);

/* One command (and its children), as in a message. */
omadm_status omadm__syncml_write_cmd(const syncml_cmd *cmd, omadm_buf *out);

/* The command's tail (its CmdID is ignored). */
omadm_status omadm__syncml_cmd_tail(const syncml_cmd *cmd, omadm_buf *out);
/* The command with `cmd_id` (NULL: none; digits only, it is not escaped)
 * and a tail made by omadm__syncml_cmd_tail for it. */
omadm_status omadm__syncml_write_cmd_from_tail(const syncml_cmd *cmd, const char *cmd_id,
                                               const char *tail, size_t tail_len, omadm_buf *out);
size_t omadm__syncml_cmd_size_from_tail(const syncml_cmd *cmd, const char *cmd_id, size_t tail_len);

#endif
