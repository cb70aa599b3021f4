/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin's durable key-value store (omadm/plugin.h, host->kv_*): one
 * file under the state directory, rewritten whole and atomically through
 * the platform's file_replace at every change.
 *
 * File format (text, every line ends with '\n'):
 *
 *   omadm-kv 1
 *   <key>=<value>          one line per key, keys in strictly increasing
 *   ...                    byte order; the value percent-encoded: bytes
 *   end <count>            0x21..0x7e other than '%' as themselves, every
 *                          other byte as %XX (upper-case hex)
 *
 * The parser accepts exactly this (and the limits of omadm/plugin.h) and
 * rejects anything else with OMADM_ERR_CORRUPT and "line N: why". */
#ifndef OMADM_PLUGIN_KV_H
#define OMADM_PLUGIN_KV_H

#include <stddef.h>

#include "omadm/plugin.h"
#include "platform/platform.h"

/* Largest store file: every byte of keys and values encoded, plus the
 * framing of OMADM_PLUGIN_KV_MAX_KEYS lines. */
#define OMADM__KV_FILE_MAX (3u * OMADM_PLUGIN_KV_MAX_BYTES + 3u * OMADM_PLUGIN_KV_MAX_KEYS + 64u)

typedef struct omadm__kv omadm__kv;

/* Non-zero when `key` is a valid key (omadm/plugin.h). */
int omadm__kv_key_valid(const char *key);

/* Parses store text (`len` bytes) into a new store not bound to any file
 * (omadm__kv_set then only changes memory). OMADM_ERR_CORRUPT with
 * "line N: why" in err, OMADM_ERR_NOMEM. *out owned by the caller. */
omadm_status omadm__kv_parse(omadm__kv **out, const char *text, size_t len, char *err,
                             size_t errsize);
/* Formats the store; *text (omadm__free) NUL-terminated, *len bytes. */
omadm_status omadm__kv_format(const omadm__kv *kv, char **text, size_t *len);

/* Opens the store kept in `file` (a platform file name) of `platform`
 * (borrowed; must outlive the store): an absent file is an empty store.
 * OMADM_ERR_CORRUPT with the reason in err for a file that does not parse
 * (it is left as it is), OMADM_ERR_LIMIT for one over OMADM__KV_FILE_MAX,
 * OMADM_ERR_IO (or the platform's status) when it cannot be read. */
omadm_status omadm__kv_open(omadm__kv **out, const omadm_platform *platform, const char *file,
                            char *err, size_t errsize);
/* Accepts NULL. */
void omadm__kv_free(omadm__kv *kv);

/* The value of `key` (borrowed until the next change, NUL-terminated),
 * `*len` bytes. OMADM_ERR_NOT_FOUND, OMADM_ERR_INVALID for a bad key. */
omadm_status omadm__kv_get(const omadm__kv *kv, const char *key, const char **value, size_t *len);
/* Sets or adds `key`; durable (file replaced) before OMADM_OK; on any
 * error the store and the file are unchanged. See omadm/plugin.h kv_set. */
omadm_status omadm__kv_set(omadm__kv *kv, const char *key, const void *value, size_t len);
/* Removes `key` durably. OMADM_ERR_NOT_FOUND when absent. */
omadm_status omadm__kv_delete(omadm__kv *kv, const char *key);
/* Calls fn for each key in order; stops when it returns non-zero. */
omadm_status omadm__kv_list(const omadm__kv *kv, omadm_plugin_kv_fn fn, void *user);
size_t omadm__kv_count(const omadm__kv *kv);

#endif
