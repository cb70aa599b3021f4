/* SPDX-License-Identifier: Apache-2.0 */
/* Internal growable byte buffer with a size cap. Always NUL-terminated when
 * data is non-NULL. */
#ifndef OMADM_CORE_BUF_H
#define OMADM_CORE_BUF_H

#include <stddef.h>

#include "core/compiler.h"
#include "omadm/status.h"

typedef struct omadm_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t limit; /* 0 = no cap; appends past it fail with OMADM_ERR_LIMIT */
} omadm_buf;

#define OMADM_BUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Room for `extra` more bytes (and the NUL) without another allocation:
 * afterwards cap - len > extra. */
omadm_status omadm__buf_reserve(omadm_buf *buf, size_t extra);
omadm_status omadm__buf_append(omadm_buf *buf, const void *data, size_t len);
omadm_status omadm__buf_append_str(omadm_buf *buf, const char *str);
/* printf-style append. */
omadm_status omadm__buf_printf(omadm_buf *buf, const char *fmt, ...) OMADM__PRINTF(2, 3);
void omadm__buf_reset(omadm_buf *buf);
/* Hands the data to the caller (free with omadm__free) and empties buf. */
char *omadm__buf_steal(omadm_buf *buf, size_t *len);
void omadm__buf_free(omadm_buf *buf);

#endif
