/* SPDX-License-Identifier: Apache-2.0 */
/* One OMA-DM session as a pull API with no I/O.
 *
 * The driver (the agent's sync loop, `replay`, tests, benchmarks) asks for
 * the next message to send, sends it however it likes, and feeds the
 * server's reply back:
 *
 *     omadm_session_new(&s, &cfg);
 *     while (omadm_session_next_message(s, &msg, &len) == OMADM_OK && msg) {
 *         if (post(msg, len, &reply, &reply_len) == OK)
 *             omadm_session_feed(s, reply, reply_len);
 *         else
 *             omadm_session_fail(s, status, "why");
 *         free(msg), free(reply);
 *     }
 *     omadm_session_state(s) == OMADM_SESSION_COMPLETED ?
 *
 * Never blocks. Package 1 holds Alert 1201 (1200 when server-initiated),
 * the outbox's pending alerts (1226), the DevInfo Replace and Final. Every
 * server command goes through the dispatcher; replies are split so that no
 * message exceeds the server's MaxMsgSize. When the session reaches a final
 * state every CSP's session_end runs and outbox alerts are settled. */
#ifndef OMADM_SESSION_SESSION_H
#define OMADM_SESSION_SESSION_H

#include <stddef.h>

#include "omadm/csp.h"
#include "outbox/outbox.h"
#include "platform/platform.h"
#include "syncml/syncml.h"

typedef struct omadm_session omadm_session;

typedef struct omadm_session_config {
    const char *server_uri;         /* our Target/LocURI (the server URL); copied */
    const char *device_id;          /* our Source/LocURI (DevInfo/DevId); copied */
    unsigned session_id;            /* 1..255; the caller persists the counter.
                                       Server-initiated: the notification's
                                       0..65535, sent in hex ("1A2B") */
    int server_initiated;           /* non-zero: Alert 1200 instead of 1201 */
    size_t max_msg_size;            /* announced to the server; 0 = 524288 */
    size_t default_server_max;      /* our cap when the server announced no
                                       MaxMsgSize; 0 = 524288 */
    unsigned max_messages;          /* messages we send per session; 0 = 100 */
    const char *auth_name;          /* credentials for a 401/407 challenge;
                                       NULL = none configured; copied */
    const char *auth_secret;        /* copied; never logged */
    omadm_tree *tree;               /* borrowed, outlives the session */
    omadm_outbox *outbox;           /* borrowed, may be NULL */
    const omadm_platform *platform; /* borrowed */
    const syncml_limits *limits;    /* copied; NULL = SYNCML_LIMITS_DEFAULT with
                                       max_message = max_inbound_size and
                                       1000 commands per MiB of it */
    size_t max_inbound_size;        /* hard cap on one server message; 0 =
                                       OMADM_SESSION_DEFAULT_MAX_INBOUND */
    /* Enrolled devices (MS-MDM, as Windows sends them; NULL/0 = none):
     * package 1 carries, right after Alert 1201/1200, Alert 1224 with Meta
     * Type com.microsoft/MDM/LoginStatus and this Data ("user", "others",
     * "none"...); copied */
    const char *login_status;
    /* non-zero: package 1 also carries Alert 1226, Meta Type
     * com.microsoft:mdm.unenrollment.userrequest, Format int, Data 1, no
     * Source/Target (the user asked to unenroll) */
    int unenroll_request;
} omadm_session_config;

/* Servers (Fleet) put every queued command in one reply whatever MaxMsgSize
 * we announced: a server message larger than max_msg_size is accepted up to
 * max_inbound_size (our replies still fit the server's MaxMsgSize). One
 * beyond it is not parsed: the session answers it with a SyncHdr Status 413
 * (MsgRef one more than the last server MsgID, "1" when none; Final and no
 * other command) and then ends FAILED, saying so. */
#define OMADM_SESSION_DEFAULT_MAX_INBOUND ((size_t)4 * 1024 * 1024)

typedef enum omadm_session_state {
    OMADM_SESSION_RUNNING = 0,
    OMADM_SESSION_COMPLETED, /* the server had nothing more to say */
    OMADM_SESSION_FAILED,    /* transport failure, bad reply, limits */
    OMADM_SESSION_ABORTED    /* Alert 1223 from the server */
} omadm_session_state;

/* Creates a session; *out owned by the caller (omadm_session_free). */
omadm_status omadm_session_new(omadm_session **out, const omadm_session_config *cfg);
/* Frees the session; a session still RUNNING counts as failed (CSPs get
 * session_end(0)). Accepts NULL. */
void omadm_session_free(omadm_session *session);

/* The next message to send. *msg (NUL-terminated, *len bytes) is owned by
 * the caller (omadm_free). OMADM_OK with *msg == NULL: nothing more to send
 * (the session has reached a final state). Calling it again before feeding
 * the reply to the previous message is OMADM_ERR_STATE. */
omadm_status omadm_session_next_message(omadm_session *session, char **msg, size_t *len);

/* Feeds the server's reply to the last message sent (the HTTP body; len 0
 * means an empty body, which ends the session). Returns OMADM_OK when the
 * reply was taken (the session may now be COMPLETED, ABORTED or still
 * RUNNING), an error when the reply failed the session (state FAILED, see
 * omadm_session_error). */
omadm_status omadm_session_feed(omadm_session *session, const char *body, size_t len);

/* Replaces the credentials (both copied; NULL and NULL = none) from the
 * next message on: a server that rotated them (DMAcc AppAuth CLCRED) and
 * then challenges gets a Cred made with the new ones. OMADM_ERR_INVALID for
 * one of the two alone, OMADM_ERR_NOMEM (the old ones kept). */
omadm_status omadm_session_set_credentials(omadm_session *session, const char *name,
                                           const char *secret);

/* The last message got no usable reply (transport failure). The session
 * becomes FAILED; `detail` (copied, may be NULL) explains why. */
void omadm_session_fail(omadm_session *session, omadm_status why, const char *detail);

/* The reply to the last message was larger than max_inbound_size and was
 * not read past it (the transport's cap): answered like an oversized
 * message fed to omadm_session_feed (413, then FAILED). `len` is its size
 * when known, 0 otherwise. */
void omadm_session_reply_too_large(omadm_session *session, size_t len);

omadm_session_state omadm_session_get_state(const omadm_session *session);
/* "completed", "failed", "aborted", "running". Static. */
const char *omadm_session_state_name(omadm_session_state state);
/* Why the session failed, or "" — borrowed until the session is freed. */
const char *omadm_session_error(const omadm_session *session);
/* Messages sent so far. */
unsigned omadm_session_messages_sent(const omadm_session *session);

#endif
