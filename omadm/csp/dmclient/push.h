/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient Provider/{id}/Push (DMClient CSP page): the part of the DMClient
 * CSP that dmclient.c forwards to. Internal to csp/dmclient.
 *
 *   Push            node, Get/Add/Delete; exists with its provider; Delete
 *                   removes PFN
 *   Push/PFN        chr, Add/Delete/Get/Replace; stored durably in
 *                   "dmclient-push.conf"; exists once set
 *   Push/ChannelURI chr, Get: the channel the agent holds (its push URL),
 *                   empty when it has none
 *   Push/Status     int, Get: 0 success, 4 no channel, 8 unknown error...
 * Changes inside an Atomic are kept aside until commit. */
#ifndef OMADM_CSP_DMCLIENT_PUSH_H
#define OMADM_CSP_DMCLIENT_PUSH_H

#include <stddef.h>

#include "omadm/csp.h"
#include "platform/platform.h"

#define OMADM_DMCLIENT_PUSH_FILE "dmclient-push.conf"
#define OMADM_DMCLIENT_PFN_MAX   512

typedef struct omadm__dmpush omadm__dmpush;

/* Loads the state file (missing or corrupt: nothing stored, a warning).
 * Fails only with the platform's read error or OMADM_ERR_NOMEM. */
omadm_status omadm__dmpush_new(omadm__dmpush **out, const omadm_platform *platform);
void omadm__dmpush_free(omadm__dmpush *p);

/* Splits "Provider/<id>/Push[/<leaf>]": 1 (id and leaf, "" for the Push
 * node itself, copied into the buffers), 0 when `path` is not under Push,
 * -1 when it is but names no Push node. */
int omadm__dmpush_path(const char *path, char *id, size_t idsize, char *leaf, size_t leafsize);

/* Handlers for provider `id` (which exists) and `leaf` ("" = Push):
 * the csp.h conventions (0 or a negative DM status). */
int omadm__dmpush_get(omadm__dmpush *p, const char *id, const char *leaf, omadm_csp_value *out);
int omadm__dmpush_set(omadm__dmpush *p, const char *id, const char *leaf, const char *data,
                      size_t len, int in_txn);
int omadm__dmpush_delete(omadm__dmpush *p, const char *id, const char *leaf, int in_txn);
int omadm__dmpush_children(omadm__dmpush *p, const char *id, const char *leaf,
                           omadm_csp_children *out);
/* The provider went away: its PFN too (saved with the provider's change). */
void omadm__dmpush_forget(omadm__dmpush *p, const char *id);

int omadm__dmpush_txn_begin(omadm__dmpush *p);
int omadm__dmpush_txn_commit(omadm__dmpush *p);
void omadm__dmpush_txn_rollback(omadm__dmpush *p);

/* What ChannelURI and Status answer (uri copied; NULL = no channel). */
omadm_status omadm__dmpush_set_channel(omadm__dmpush *p, const char *uri, int status);

#endif
