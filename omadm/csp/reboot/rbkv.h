/* SPDX-License-Identifier: Apache-2.0 */
/* "key=value;key=value" lines, the Reboot CSP's one text format: the
 * outcome alert Data (reboot-csp.md §6), the intent payloads and the state
 * files. Values are percent-encoded: '%', ';', '=' and every byte outside
 * 0x21-0x7E become %XX (upper-case hex). */
#ifndef OMADM_CSP_REBOOT_RBKV_H
#define OMADM_CSP_REBOOT_RBKV_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "omadm/status.h"

/* Appends "key=<encoded value>" to buf, preceded by ';' unless buf is empty
 * or ends with '\n'. A NULL value is written as empty. */
omadm_status omadm__reboot_kv_put(omadm_buf *buf, const char *key, const char *value);
omadm_status omadm__reboot_kv_put_i64(omadm_buf *buf, const char *key, int64_t value);

/* Finds `key` in the line (len bytes, no '\n' inside) and returns its decoded
 * value in *value (NUL-terminated, owned by the caller: omadm__free).
 * OMADM_ERR_NOT_FOUND when absent, OMADM_ERR_PARSE for a malformed pair or
 * encoding (a decoded NUL byte included), OMADM_ERR_NOMEM. */
omadm_status omadm__reboot_kv_get(const char *line, size_t len, const char *key, char **value);
/* As above for a decimal integer value (optional '-'), OMADM_ERR_PARSE when
 * not one or out of range. */
omadm_status omadm__reboot_kv_get_i64(const char *line, size_t len, const char *key,
                                      int64_t *value);

#endif
