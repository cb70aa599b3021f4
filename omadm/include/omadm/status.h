/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm status codes: one enum, 0 is success, errors are negative.
 *
 * The table is append-only: a retired value is never reused. DM protocol
 * codes (200, 404, 507...) are data inside messages, never omadm_status. */
#ifndef OMADM_STATUS_H
#define OMADM_STATUS_H

#include "omadm/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, description) */
#define OMADM_STATUS_TABLE(X)                                                                      \
    X(OMADM_OK, 0, "success")                                                                      \
    X(OMADM_ERR_NOMEM, -1, "out of memory")                                                        \
    X(OMADM_ERR_INVALID, -2, "invalid argument")                                                   \
    X(OMADM_ERR_PARSE, -3, "malformed input")                                                      \
    X(OMADM_ERR_LIMIT, -4, "input exceeds a limit")                                                \
    X(OMADM_ERR_IO, -5, "input/output error")                                                      \
    X(OMADM_ERR_NOT_FOUND, -6, "not found")                                                        \
    X(OMADM_ERR_ACCESS, -7, "access denied")                                                       \
    X(OMADM_ERR_UNSUPPORTED, -8, "not supported")                                                  \
    X(OMADM_ERR_TRANSPORT, -9, "transport failure")                                                \
    X(OMADM_ERR_TLS, -10, "TLS failure")                                                           \
    X(OMADM_ERR_TIMEOUT, -11, "timed out")                                                         \
    X(OMADM_ERR_PROTOCOL, -12, "protocol violation by the peer")                                   \
    X(OMADM_ERR_STATE, -13, "not valid in the current state")                                      \
    X(OMADM_ERR_CORRUPT, -14, "corrupt record")                                                    \
    X(OMADM_ERR_EXISTS, -15, "already exists")                                                     \
    X(OMADM_ERR_RETRY_LATER, -16, "server asked to retry later")                                   \
    X(OMADM_ERR_ABORTED, -17, "aborted")                                                           \
    X(OMADM_ERR_AUTH, -18, "authentication failed")                                                \
    X(OMADM_ERR_CONFIG, -19, "configuration error")                                                \
    X(OMADM_ERR_FULL, -20, "storage full")

typedef enum omadm_status {
#define OMADM_STATUS_ENUM_(name, value, text) name = (value),
    OMADM_STATUS_TABLE(OMADM_STATUS_ENUM_)
#undef OMADM_STATUS_ENUM_
} omadm_status;

/* The enumerator's name, e.g. "OMADM_ERR_NOMEM"; "OMADM_UNKNOWN" for a value
 * not in the table. Borrowed, static. */
OMADM_API const char *omadm_status_name(omadm_status status);
/* A short description, e.g. "out of memory". Borrowed, static. */
OMADM_API const char *omadm_status_str(omadm_status status);

#ifdef __cplusplus
}
#endif
#endif
