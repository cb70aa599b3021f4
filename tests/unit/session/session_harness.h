/* SPDX-License-Identifier: Apache-2.0 */
/* A scripted MDM server for session tests: no network, the test plays the
 * server by feeding messages to the session and reading its replies. */
#ifndef OMADM_TEST_SESSION_HARNESS_H
#define OMADM_TEST_SESSION_HARNESS_H

#include <stddef.h>

#include "omadm/csp.h"
#include "outbox/outbox.h"
#include "platform/platform.h"
#include "session/session.h"
#include "syncml/syncml.h"

#define HARNESS_SERVER "https://mdm.example.test/ManagementServer/MDM.svc"
#define HARNESS_DEVICE "9A41C0DE77E94B6F8C3D2E1F0A5B6C7D"

typedef struct harness {
    char dir[256];
    omadm_platform platform;
    omadm_tree *tree;
    omadm_outbox *outbox;
    omadm_session *session;
    omadm_session_config cfg;
    syncml_msg *last;    /* the last client message, parsed */
    size_t last_len;     /* its size in bytes */
    unsigned exec_count; /* Execs on ./Vendor/Test/Run */
    int session_ended;   /* session_end calls seen by the test CSP */
    int session_completed;
} harness;

/* A DevInfo leaf ("Lang"...) whose Get fails with 500, or NULL (the default). */
extern const char *harness_devinfo_fail;

/* Sets up sim platform, outbox, tree (test DevInfo + ./Vendor/Test CSPs)
 * in a fresh temporary state directory; the session is created with
 * harness_start so tests can adjust cfg first. */
void harness_init(harness *h);
void harness_start(harness *h);
void harness_free(harness *h);

/* Next client message, parsed into h->last (NULL when the session has
 * nothing more to send). Asserts the message is well-formed SyncML. */
syncml_msg *harness_next(harness *h);

/* Builds a server message: SyncHdr for MsgID `msg_id` (SessionID taken from
 * the session config) around `body`, with <Final/> when `final`. `meta` is
 * inserted in SyncHdr (may be NULL). Returns a malloc'd string. */
char *harness_server_msg(const harness *h, unsigned msg_id, const char *meta, const char *body,
                         int final);
/* Feeds a message built as above and asserts the session took it. */
void harness_feed(harness *h, unsigned msg_id, const char *body, int final);

/* Statuses/Results lookups in a client message. */
const syncml_cmd *harness_find(const syncml_msg *m, syncml_cmd_type type, const char *cmd_ref);
size_t harness_count(const syncml_msg *m, syncml_cmd_type type);

#endif
