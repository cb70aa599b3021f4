/* SPDX-License-Identifier: Apache-2.0 */
/* The session's state shared by its parts (internal to session/):
 * session.c drives a session (lifecycle, sending, taking replies),
 * build.c builds our messages' header and package 1, answers.c encodes
 * and packs the answers to the server's commands. */
#ifndef OMADM_SESSION_PRIV_H
#define OMADM_SESSION_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "session/inbound.h"
#include "session/session.h"
#include "syncml/syncml.h"

#define SESSION_DEFAULT_MAX_MSG      524288u
#define SESSION_DEFAULT_MAX_MESSAGES 100u
/* A challenge is answered at most this many times per session. */
#define SESSION_MAX_AUTH_ATTEMPTS 2u
/* Smallest MaxMsgSize we accept from a server: below it nothing useful fits. */
#define SESSION_MIN_SERVER_MAX 1024u

/* Answers (Status, Results) to one server message, waiting to be sent.
 * Each answer is encoded once, when queued (its tail: all but its CmdID,
 * which is only known when it is packed into a message). */
typedef struct answer_batch {
    syncml_msg *arena; /* owns the answers */
    syncml_cmd *head;  /* answers not sent yet, in order */
    omadm_buf tails;   /* the answers' tails, back to back */
    size_t *tail_end;  /* tail_end[i]: end of answer i's tail in `tails` */
    size_t sent;       /* answers already packed (index of head) */
    struct answer_batch *next;
} answer_batch;

/* An outbox record carried as an Alert in a message awaiting its reply. */
typedef struct inflight_alert {
    uint64_t outbox_id;
    char cmd_id[16];
} inflight_alert;

struct omadm_session {
    char *server_uri;
    char *device_id;
    char *auth_name;
    char *auth_secret;
    char *login_status; /* NULL = no Alert 1224 */
    int unenroll_request;
    char session_id[12];
    int server_initiated;
    size_t max_msg_size;
    size_t server_max;
    unsigned max_messages;
    omadm_tree *tree;
    omadm_outbox *outbox;
    const omadm_platform *platform;
    syncml_limits limits;

    omadm_session_state state;
    char error[256];
    unsigned sent;      /* messages sent; also our last MsgID */
    int awaiting_reply; /* a message went out, its reply is not fed yet */
    int package1_due;   /* the next message is package 1 (first, or after a challenge) */

    char server_msg_id[72];   /* MsgID of the last server message */
    char server_uri_in[1025]; /* the server's Source/LocURI, for CSP requests */
    const char *hdr_status;   /* our Status for its SyncHdr */
    int hdr_status_due;       /* that Status goes in the next message */
    int server_package_open;  /* the server's package continues (no Final) */
    size_t too_large;         /* size of a server message over the inbound
                                 cap (SIZE_MAX: unknown), 0: none */

    answer_batch *batches;
    answer_batch *batches_tail;

    int send_cred;
    char cred_type[32];
    char nonce[256];
    unsigned auth_attempts;

    inflight_alert *inflight;
    size_t n_inflight;

    omadm__sent_cmds sent_cmds; /* what a server Status may name */
};

/* answers.c */
void omadm__session_free_batches(omadm_session *s);
int omadm__session_answers_pending(const omadm_session *s);
/* Runs the server's commands in `in` and queues their answers, each
 * encoded once. */
omadm_status omadm__session_queue_answers(omadm_session *s, const syncml_msg *in);
/* Appends as many pending answers to `out` (a message opened with
 * omadm__syncml_write_open) as fit in the server's MaxMsgSize; *added
 * says how many. */
omadm_status omadm__session_pack_answers(omadm_session *s, omadm_buf *out, unsigned *counter,
                                         int *added);

/* build.c */
/* SyncHdr of our next message, with the SyncHdr Status when one is due. */
omadm_status omadm__session_build_header(omadm_session *s, syncml_msg *m, unsigned msg_id,
                                         unsigned *counter, int with_status);
omadm_status omadm__session_add_cred(omadm_session *s, syncml_msg *m);
syncml_cmd *omadm__session_new_alert(syncml_msg *m, const char *code, unsigned *counter);
/* Package 1: Alert 1200/1201, enrollment and outbox alerts, DevInfo. */
omadm_status omadm__session_build_package1(omadm_session *s, syncml_msg *m, unsigned *counter);

#endif
