/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: a durable key-value store in one file of a device's state
 * directory, the store behind a plugin's host->kv_* (omadm/plugin.h):
 * every change rewrites the file atomically (temp, flush, rename) before
 * it returns OMADM_OK, and on any error the store and the file are as they
 * were. Keys and limits as omadm/plugin.h says (OMADM_PLUGIN_KV_*).
 *
 * Threading: one thread at a time per store; one store per file. */
#ifndef OMADM_KV_H
#define OMADM_KV_H

#include "omadm/export.h"

#include <stddef.h>

#include "omadm/plugin.h"
#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct omadm_kv omadm_kv;

struct omadm_platform;

/* Opens the store kept in `file` (a plain file name, e.g.
 * "plugin.contoso.kv", in the state directory of `platform`, which
 * omadm_device_get_platform (omadm/device.h) gives; borrowed, it must outlive
 * the store). An absent file is an empty store. *out is owned by the
 * caller (omadm_kv_free). On error *out is NULL and `why` (may be NULL)
 * says why: OMADM_ERR_CORRUPT ("line N: ...") for a file that does not
 * parse (it is left as it is), OMADM_ERR_LIMIT for one too large,
 * OMADM_ERR_INVALID for NULL arguments, the platform's error when it
 * cannot be read, OMADM_ERR_NOMEM. */
OMADM_API omadm_status omadm_kv_open(omadm_kv **out, const struct omadm_platform *platform,
                                     const char *file, char *why, size_t whysize);
/* Accepts NULL. */
OMADM_API void omadm_kv_free(omadm_kv *kv);

/* The value of `key`: *value borrowed until the next change (its `*len`
 * bytes then a NUL). OMADM_ERR_NOT_FOUND; OMADM_ERR_INVALID for a bad key
 * or NULL arguments. */
OMADM_API omadm_status omadm_kv_get(const omadm_kv *kv, const char *key, const char **value,
                                    size_t *len);
/* Sets or adds `key` (`len` bytes of `value`, any bytes), durably.
 * OMADM_ERR_INVALID for a bad key, OMADM_ERR_LIMIT past a limit, the
 * platform's error when the file cannot be replaced. */
OMADM_API omadm_status omadm_kv_set(omadm_kv *kv, const char *key, const void *value, size_t len);
/* Removes `key` durably. OMADM_ERR_NOT_FOUND when absent. */
OMADM_API omadm_status omadm_kv_delete(omadm_kv *kv, const char *key);
/* Calls fn for each key in byte order (value borrowed for the call);
 * stops when it returns non-zero. */
OMADM_API omadm_status omadm_kv_list(const omadm_kv *kv, omadm_plugin_kv_fn fn, void *user);
/* Number of keys (0 for NULL). */
OMADM_API size_t omadm_kv_count(const omadm_kv *kv);

#ifdef __cplusplus
}
#endif
#endif
