/* SPDX-License-Identifier: Apache-2.0 */
/* The public notification API (omadm/notify.h) over notify.h: the
 * internal struct borrows from the input, so each public call parses the
 * bytes it is given. */
#include "omadm/notify.h"

#include <string.h>

#include "core/alloc.h"
#include "core/versioned.h"
#include "notify/notify.h"

struct omadm_notify_replay {
    omadm_notify_guard *guard;
};

/* No cap beyond the bytes given: the caller capped them at parse. */
static omadm_status parse_all(const unsigned char *data, size_t len, omadm_notification *n)
{
    return omadm__notify_parse(data, len, len, n);
}

omadm_status omadm_notify_parse(const unsigned char *data, size_t len, size_t max_len,
                                omadm_notify_info *out)
{
    omadm_notification n;
    omadm_status st;

    if (!data || !out || out->size < sizeof *out)
        return OMADM_ERR_INVALID;
    st = omadm__notify_parse(data, len, max_len, &n);
    if (st != OMADM_OK)
        return st;
    omadm__versioned_clear(out, sizeof *out);
    out->version = n.version;
    out->ui_mode = (int)n.ui_mode;
    out->server_initiated = n.server_initiated;
    out->session_id = n.session_id;
    memcpy(out->server_id, n.server_id, n.server_id_len);
    out->server_id[n.server_id_len] = '\0';
    out->vendor_len = n.vendor_len;
    return OMADM_OK;
}

omadm_status omadm_notify_verify(const unsigned char *data, size_t len, const char *server_id,
                                 const char *password, const unsigned char *nonce, size_t nonce_len)
{
    omadm_notification n;
    omadm_status st;

    if (!data || !server_id || !password || (!nonce && nonce_len))
        return OMADM_ERR_INVALID;
    st = parse_all(data, len, &n);
    if (st != OMADM_OK)
        return st;
    return omadm__notify_verify(&n, server_id, password, nonce, nonce_len);
}

omadm_status omadm_notify_replay_new(omadm_notify_replay **out, size_t capacity)
{
    omadm_notify_replay *r;
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    r = omadm__calloc(1, sizeof *r);
    if (!r)
        return OMADM_ERR_NOMEM;
    st = omadm__notify_guard_new(&r->guard, capacity);
    if (st != OMADM_OK) {
        omadm__free(r);
        return st;
    }
    *out = r;
    return OMADM_OK;
}

void omadm_notify_replay_free(omadm_notify_replay *r)
{
    if (!r)
        return;
    omadm__notify_guard_free(r->guard);
    omadm__free(r);
}

omadm_status omadm_notify_replay_check(omadm_notify_replay *r, const unsigned char *data,
                                       size_t len)
{
    omadm_notification n;
    omadm_status st;

    if (!r || !data)
        return OMADM_ERR_INVALID;
    st = parse_all(data, len, &n);
    if (st != OMADM_OK)
        return st;
    return omadm__notify_guard_check(r->guard, &n, data, len);
}
