/* SPDX-License-Identifier: Apache-2.0 */
/* The public builders of omadm/enroll.h: the internal ones, the buffer
 * handed out as a string. */
#include "enroll/enroll.h"

#include "core/alloc.h"

static omadm_status hand_out(omadm_status st, omadm_buf *buf, char **out, size_t *out_len)
{
    if (st == OMADM_OK && !buf->data)
        st = OMADM_ERR_NOMEM; /* nothing was appended: cannot happen for an envelope */
    if (st != OMADM_OK) {
        omadm__buf_free(buf);
        return st;
    }
    *out = buf->data;
    *out_len = buf->len;
    return OMADM_OK;
}

omadm_status omadm_enroll_build_discover(const omadm_enroll_addr *addr,
                                         const omadm_enroll_discover_req *req, char **out,
                                         size_t *out_len)
{
    omadm_buf buf = OMADM_BUF_INIT;

    if (!out || !out_len)
        return OMADM_ERR_INVALID;
    *out = NULL;
    *out_len = 0;
    return hand_out(omadm__enroll_build_discover(&buf, addr, req), &buf, out, out_len);
}

omadm_status omadm_enroll_build_get_policies(const omadm_enroll_addr *addr,
                                             const omadm_enroll_creds *creds, char **out,
                                             size_t *out_len)
{
    omadm_buf buf = OMADM_BUF_INIT;

    if (!out || !out_len)
        return OMADM_ERR_INVALID;
    *out = NULL;
    *out_len = 0;
    return hand_out(omadm__enroll_build_get_policies(&buf, addr, creds), &buf, out, out_len);
}

omadm_status omadm_enroll_build_rst(const omadm_enroll_addr *addr, const omadm_enroll_creds *creds,
                                    int renew, const char *csr_b64,
                                    const omadm_enroll_context_item *items, size_t n_items,
                                    char **out, size_t *out_len)
{
    omadm_buf buf = OMADM_BUF_INIT;

    if (!out || !out_len)
        return OMADM_ERR_INVALID;
    *out = NULL;
    *out_len = 0;
    return hand_out(omadm__enroll_build_rst(&buf, addr, creds, renew, csr_b64, items, n_items),
                    &buf, out, out_len);
}
