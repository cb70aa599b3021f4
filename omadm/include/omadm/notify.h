/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: the server's wake-up notification ("General Package #0" of OMA
 * DM Notification Initiated Session 1.2), for an agent's push channel.
 *
 * On every notification received: omadm_notify_parse (strict bounds, no
 * allocation), check it names your server, omadm_notify_verify when you
 * know the server's credentials, then omadm_notify_replay_check before
 * starting the session it asks for: a server-initiated session (Alert
 * 1200) with the notification's session id. No I/O. */
#ifndef OMADM_NOTIFY_H
#define OMADM_NOTIFY_H

#include "omadm/export.h"

#include <stddef.h>

#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The cap omadm_notify_parse applies by default (max_len 0), bytes. */
#define OMADM_NOTIFY_DEFAULT_MAX 2048
/* The nonce to use when the server provisioned none. */
#define OMADM_NOTIFY_RESET_NONCE "0x00000000"

typedef struct omadm_notify_info {
    size_t size;          /* sizeof(omadm_notify_info) */
    unsigned version;     /* raw 10-bit value: 11 = 1.1, 12 = 1.2 */
    int ui_mode;          /* 0 not specified, 1 background, 2 informative,
                             3 user interaction */
    int server_initiated; /* the initiator bit: 1 server, 0 user */
    unsigned session_id;  /* 0..65535 */
    char server_id[256];  /* NUL-terminated; printable ASCII, 1..255 bytes */
    size_t vendor_len;    /* bytes of the vendor-specific trigger body */
} omadm_notify_info;

/* Parses `len` bytes; `max_len` caps the notification (0 =
 * OMADM_NOTIFY_DEFAULT_MAX).
 * OMADM_ERR_PARSE: truncated, or an empty or non-printable server id;
 * OMADM_ERR_LIMIT: longer than max_len; OMADM_ERR_UNSUPPORTED: a version
 * other than 1.1 or 1.2; OMADM_ERR_INVALID: NULL arguments or out->size
 * too small. */
OMADM_API omadm_status omadm_notify_parse(const unsigned char *data, size_t len, size_t max_len,
                                          omadm_notify_info *out);

/* Verifies the notification's digest for the server `server_id` with
 * `password` and the nonce (raw bytes; OMADM_NOTIFY_RESET_NONCE when none
 * was provisioned): OMADM_OK, or OMADM_ERR_AUTH (wrong digest, or the
 * notification names another server). The comparison takes the same time
 * whatever bytes differ. OMADM_ERR_PARSE... as omadm_notify_parse (no
 * size cap); OMADM_ERR_UNSUPPORTED when MD5 is not available. */
OMADM_API omadm_status omadm_notify_verify(const unsigned char *data, size_t len,
                                           const char *server_id, const char *password,
                                           const unsigned char *nonce, size_t nonce_len);

/* Replay guard: remembers the last `capacity` notifications accepted (a
 * hash of each and its session id; bounded memory). */
typedef struct omadm_notify_replay omadm_notify_replay;

/* capacity 1..4096 (0 = 64), else OMADM_ERR_INVALID; OMADM_ERR_NOMEM.
 * *out owned by the caller (omadm_notify_replay_free, accepts NULL). */
OMADM_API omadm_status omadm_notify_replay_new(omadm_notify_replay **out, size_t capacity);
OMADM_API void omadm_notify_replay_free(omadm_notify_replay *guard);

/* OMADM_OK, and remembers it, when the notification is new;
 * OMADM_ERR_EXISTS when the same bytes, or another notification with the
 * same session id, were accepted among the remembered ones. Errors of
 * omadm_notify_parse for a notification that does not parse. */
OMADM_API omadm_status omadm_notify_replay_check(omadm_notify_replay *guard,
                                                 const unsigned char *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
