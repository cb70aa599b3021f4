/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: the outbox record format (record.c). Also the entry point of a
 * fuzz target: decode takes untrusted bytes. */
#ifndef OMADM_OUTBOX_RECORD_H
#define OMADM_OUTBOX_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "outbox/outbox.h"

/* Smallest possible record: header, five absent strings, checksum. */
#define OMADM__OUTBOX_RECORD_MIN (31 + 4 * 5 + 32)

/* Serialises `e` (with its id and attempts) into a new buffer (*out, owned
 * by the caller: omadm__free). OMADM_ERR_LIMIT when larger than `max`. */
omadm_status omadm__outbox_record_encode(const omadm_outbox_entry *e, size_t max,
                                         unsigned char **out, size_t *len);

/* Parses `len` bytes of a record that must carry `id`. On success *e owns
 * its strings (release with omadm__outbox_entry_free). OMADM_ERR_CORRUPT
 * with *why (static text) for anything wrong; OMADM_ERR_NOMEM when out of
 * memory; *e holds nothing on failure. */
omadm_status omadm__outbox_record_decode(const unsigned char *buf, size_t len, uint64_t id,
                                         omadm_outbox_entry *e, const char **why);

/* Frees the strings of an entry (not the entry itself) and sets them NULL. */
void omadm__outbox_entry_free(omadm_outbox_entry *e);

#endif
