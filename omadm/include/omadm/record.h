/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: records, the "key=value;key=value" lines of the restart
 * outcome alerts' Data (omadm_restart_outcome_type, reboot-csp.md §6) and
 * of the durable state an agent keeps beside them (e.g. the last restart
 * outcomes for a status report). Values are percent-encoded: '%', ';', '='
 * and every byte outside 0x21..0x7E are written %XX (upper-case hex), so a
 * line never holds a separator or a control character of its values.
 *
 * Writing: omadm_record_new, then omadm_record_put / _put_i64 (one pair
 * each, ';' between pairs of a line) and omadm_record_append for the rest
 * ("\n" ending a line, a header line); omadm_record_text gives the text.
 * Reading: omadm_record_get / _get_i64 on one line. */
#ifndef OMADM_RECORD_H
#define OMADM_RECORD_H

#include "omadm/export.h"

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Text being written. Owned by the caller (omadm_record_free). */
typedef struct omadm_record omadm_record;

/* An empty record. OMADM_ERR_INVALID for a NULL out, OMADM_ERR_NOMEM. */
OMADM_API omadm_status omadm_record_new(omadm_record **out);
/* Accepts NULL. */
OMADM_API void omadm_record_free(omadm_record *record);

/* Appends `len` bytes as they are (no encoding). On any error the record
 * is as it was before the call: OMADM_ERR_INVALID (NULL record, or NULL
 * text with len), OMADM_ERR_NOMEM, OMADM_ERR_LIMIT past 16 MiB. */
OMADM_API omadm_status omadm_record_append(omadm_record *record, const char *text, size_t len);

/* Appends key=value (value encoded; NULL is written empty), after a ';'
 * unless the record is empty or ends a line. The key: 1..64 bytes in
 * 0x21..0x7E, not '%', ';' or '=' (else OMADM_ERR_INVALID). Errors as
 * omadm_record_append. */
OMADM_API omadm_status omadm_record_put(omadm_record *record, const char *key, const char *value);
/* The same with a decimal integer value. */
OMADM_API omadm_status omadm_record_put_i64(omadm_record *record, const char *key, int64_t value);

/* The text so far (borrowed until the next call on the record,
 * NUL-terminated, "" when empty); *len (may be NULL) its length. NULL for
 * a NULL record. */
OMADM_API const char *omadm_record_text(const omadm_record *record, size_t *len);

/* The decoded value of `key` in one line (`len` bytes, no '\n' inside):
 * *value NUL-terminated, owned by the caller (omadm_free). NULL on error:
 * OMADM_ERR_NOT_FOUND when absent, OMADM_ERR_PARSE for a malformed pair or
 * encoding (a decoded NUL byte included), OMADM_ERR_INVALID for NULL
 * arguments, OMADM_ERR_NOMEM. */
OMADM_API omadm_status omadm_record_get(const char *line, size_t len, const char *key,
                                        char **value);
/* The same for a decimal integer value (optional '-'): OMADM_ERR_PARSE
 * when it is not one or out of range. */
OMADM_API omadm_status omadm_record_get_i64(const char *line, size_t len, const char *key,
                                            int64_t *value);

#ifdef __cplusplus
}
#endif
#endif
