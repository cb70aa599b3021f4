/* SPDX-License-Identifier: Apache-2.0 */
/* Package 0: the server's wake-up notification (OMA DM Notification
 * Initiated Session 1.2, "General Package #0"). No I/O.
 *
 *   digest (16 bytes, MD5)
 *   trigger-hdr: version (10 bits) | ui-mode (2) | initiator (1) |
 *                future-use (27) | sessionid (16) | length-identifier (8) |
 *                server-identifier (length-identifier bytes)
 *   trigger-body: vendor-specific bytes (optional)
 *
 * Big-endian. digest = H(B64(H(server-id ":" password)) ":" nonce ":"
 * B64(H(trigger))), H = MD5, B64 = base64, trigger = header and body.
 *
 * The agent receives these over its push channel: parse (strict bounds,
 * no allocation), verify the digest when it knows the server's
 * credentials, then ask the replay guard before it starts the session the
 * notification asks for (Alert 1200 with the notification's session id). */
#ifndef OMADM_NOTIFY_NOTIFY_H
#define OMADM_NOTIFY_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"

#define OMADM_NOTIFY_DIGEST_LEN 16
/* Fixed part of the trigger header before the server identifier. */
#define OMADM_NOTIFY_FIXED_LEN 8
/* The smallest notification: digest, fixed header, 1-byte server id. */
#define OMADM_NOTIFY_MIN_LEN (OMADM_NOTIFY_DIGEST_LEN + OMADM_NOTIFY_FIXED_LEN + 1)
/* Default cap on a whole notification (header + a short vendor part). */
#define OMADM_NOTIFY_DEFAULT_MAX 2048
/* Versions we accept: DEC(version)/10, so 11 = "1.1" (the value the
 * DMNOTI 1.2 text and libdmclient use) and 12 = "1.2" (tolerated). */
#define OMADM_NOTIFY_VERSION     11
#define OMADM_NOTIFY_VERSION_MAX 12
/* The nonce a client falls back to when none was provisioned (the value
 * libdmclient uses to reset the server nonce). */
#define OMADM_NOTIFY_RESET_NONCE "0x00000000"

typedef enum omadm_notify_ui_mode {
    OMADM_NOTIFY_UI_NOT_SPECIFIED = 0,
    OMADM_NOTIFY_UI_BACKGROUND = 1,
    OMADM_NOTIFY_UI_INFORMATIVE = 2,
    OMADM_NOTIFY_UI_USER_INTERACTION = 3
} omadm_notify_ui_mode;

typedef struct omadm_notification {
    unsigned char digest[OMADM_NOTIFY_DIGEST_LEN];
    unsigned version; /* raw 10-bit value: 11 = 1.1 */
    omadm_notify_ui_mode ui_mode;
    int server_initiated;         /* initiator bit: 1 server, 0 user */
    uint32_t future;              /* the 27 reserved bits, as received */
    unsigned session_id;          /* 0..65535 */
    char server_id[256];          /* NUL-terminated copy; printable ASCII */
    size_t server_id_len;         /* 1..255 */
    const unsigned char *trigger; /* header + body, borrowed from the input */
    size_t trigger_len;
    const unsigned char *vendor; /* trigger-body, borrowed; NULL when empty */
    size_t vendor_len;
} omadm_notification;

/* Parses `len` bytes. `max_len` caps the whole notification (0 =
 * OMADM_NOTIFY_DEFAULT_MAX). Never allocates; `out` borrows from `data`.
 * OMADM_ERR_PARSE: truncated, empty or non-printable server id;
 * OMADM_ERR_LIMIT: longer than max_len; OMADM_ERR_UNSUPPORTED: version. */
omadm_status omadm__notify_parse(const unsigned char *data, size_t len, size_t max_len,
                                 omadm_notification *out);

/* Computes the digest of `trigger` for server id `server_id`, password
 * `password` and nonce (raw bytes). OMADM_ERR_UNSUPPORTED when MD5 is not
 * available (a FIPS-only OpenSSL). */
omadm_status omadm__notify_digest(const char *server_id, const char *password,
                                  const unsigned char *nonce, size_t nonce_len,
                                  const unsigned char *trigger, size_t trigger_len,
                                  unsigned char digest[OMADM_NOTIFY_DIGEST_LEN]);

/* Verifies n's digest: OMADM_OK, or OMADM_ERR_AUTH (wrong digest, or the
 * notification names another server than `server_id`). The comparison
 * takes the same time whatever bytes differ. */
omadm_status omadm__notify_verify(const omadm_notification *n, const char *server_id,
                                  const char *password, const unsigned char *nonce,
                                  size_t nonce_len);

/* Builds a notification (servers, tests, the fleet simulator). *out is
 * owned by the caller (omadm__free). OMADM_ERR_INVALID for an empty,
 * over-long or non-printable server id or a session id over 65535. */
omadm_status omadm__notify_build(unsigned version, omadm_notify_ui_mode ui, int server_initiated,
                                 unsigned session_id, const char *server_id,
                                 const unsigned char *vendor, size_t vendor_len,
                                 const char *password, const unsigned char *nonce, size_t nonce_len,
                                 unsigned char **out, size_t *out_len);

/* Replay guard: remembers the last `capacity` notifications accepted
 * (a hash of the whole message and the session id, bounded memory). */
typedef struct omadm_notify_guard omadm_notify_guard;

/* capacity 1..4096 (0 = 64). */
omadm_status omadm__notify_guard_new(omadm_notify_guard **out, size_t capacity);
void omadm__notify_guard_free(omadm_notify_guard *g);

/* OMADM_OK and remembers `n` (raw bytes `data`, `len`) when it is new;
 * OMADM_ERR_EXISTS when the same message, or another one with the same
 * session id, was accepted among the remembered ones. */
omadm_status omadm__notify_guard_check(omadm_notify_guard *g, const omadm_notification *n,
                                       const unsigned char *data, size_t len);

#endif
