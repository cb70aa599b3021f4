/* SPDX-License-Identifier: Apache-2.0 */
/* The public key-value store (omadm/kv.h) over the plugin store (kv.h). */
#include "omadm/kv.h"

#include <stdio.h>

#include "core/alloc.h"
#include "plugin/kv.h"

struct omadm_kv {
    omadm__kv *kv;
};

omadm_status omadm_kv_open(omadm_kv **out, const struct omadm_platform *platform, const char *file,
                           char *why, size_t whysize)
{
    omadm_kv *k;
    omadm_status st;

    if (why && whysize)
        why[0] = '\0';
    if (out)
        *out = NULL;
    if (!out || !platform || !file || !file[0]) {
        if (why && whysize)
            snprintf(why, whysize, "no store file");
        return OMADM_ERR_INVALID;
    }
    k = omadm__calloc(1, sizeof *k);
    if (!k)
        return OMADM_ERR_NOMEM;
    st = omadm__kv_open(&k->kv, platform, file, why, whysize);
    if (st != OMADM_OK) {
        omadm__free(k);
        return st;
    }
    *out = k;
    return OMADM_OK;
}

void omadm_kv_free(omadm_kv *k)
{
    if (!k)
        return;
    omadm__kv_free(k->kv);
    omadm__free(k);
}

omadm_status omadm_kv_get(const omadm_kv *k, const char *key, const char **value, size_t *len)
{
    if (value)
        *value = NULL;
    if (len)
        *len = 0;
    if (!k || !key || !value || !len)
        return OMADM_ERR_INVALID;
    return omadm__kv_get(k->kv, key, value, len);
}

omadm_status omadm_kv_set(omadm_kv *k, const char *key, const void *value, size_t len)
{
    if (!k || !key)
        return OMADM_ERR_INVALID;
    return omadm__kv_set(k->kv, key, value, len);
}

omadm_status omadm_kv_delete(omadm_kv *k, const char *key)
{
    if (!k || !key)
        return OMADM_ERR_INVALID;
    return omadm__kv_delete(k->kv, key);
}

omadm_status omadm_kv_list(const omadm_kv *k, omadm_plugin_kv_fn fn, void *user)
{
    if (!k || !fn)
        return OMADM_ERR_INVALID;
    return omadm__kv_list(k->kv, fn, user);
}

size_t omadm_kv_count(const omadm_kv *k)
{
    return k ? omadm__kv_count(k->kv) : 0;
}
