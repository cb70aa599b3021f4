/* SPDX-License-Identifier: Apache-2.0 */
/* The device the agent manages: the platform, the outbox, the DM tree with
 * its CSPs (DevInfo, DevDetail, DMClient, Reboot), and one session driven
 * over any exchange function (HTTPS for sync/run, files for replay). */
#ifndef AGENT_DEVICE_H
#define AGENT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"
#include "omadm/csp.h"
#include "omadm/device.h"
#include "omadm/dmclient.h"
#include "omadm/restart.h"
#include "outbox/outbox.h"
#include "platform/platform.h"
#include "session/session.h"

/* State files the agent itself keeps (through the platform's file API). */
#define AGENT_FILE_SESSION_ID   "agent-session-id"
#define AGENT_FILE_SESSION_USED "agent-session-used"
#define AGENT_FILE_LAST_SESSION "agent-last-session"
#define AGENT_FILE_POLL_STATE   "agent-poll-state"

/* The agent's device is an omadm_device (omadm/device.h): it opens the
 * platform, the outbox and the restart state and registers the built-in
 * CSPs; the agent adds its own (DMAcc, plugins) to its tree. */
typedef struct agent_device {
    const agent_config *cfg;
    const char *state_dir; /* borrowed */
    omadm_device *dev;
    omadm_platform platform; /* a copy of the device's: its ctx is the device's */
    int have_platform;
    omadm_outbox *outbox;          /* the device's */
    omadm_tree *tree;              /* the device's; NULL in STATUS mode */
    struct agent_plugins *plugins; /* CSP plugins (SESSION, REPLAY) */
} agent_device;

enum agent_device_mode {
    AGENT_DEVICE_STATUS,  /* read state only: platform, outbox, reboot state */
    AGENT_DEVICE_SESSION, /* everything, restart allowed (native) */
    AGENT_DEVICE_REPLAY   /* everything, restart never allowed */
};

/* Opens the platform on `state_dir` and what `mode` needs. Returns 0, or -1
 * with a one-line reason in err. For SESSION and REPLAY the Reboot CSP's
 * startup is NOT run here: agent_device_startup does it. */
int agent_device_open(agent_device *d, const agent_config *cfg, const char *state_dir,
                      enum agent_device_mode mode, char *err, size_t errsize);
void agent_device_close(agent_device *d);

/* The restart lifecycle's start-up (resolve intents against this boot). */
int agent_device_startup(agent_device *d, char *err, size_t errsize);

/* Wall-clock time as the platform tells it (the sim's may be scripted). */
int64_t agent_device_now(const agent_device *d);

/* Sends one message and returns the reply: OMADM_OK with *reply (malloc'd
 * by the callee, freed by the caller with `free_reply`) or an error with a
 * reason in `why` and, for "retry later", *retry_after in seconds. */
typedef struct agent_exchange {
    omadm_status (*post)(void *user, const char *msg, size_t len, char **reply, size_t *reply_len,
                         char *why, size_t whysize, int64_t *retry_after);
    void (*free_reply)(void *user, char *reply);
    /* Called with each client message before it is sent (replay prints);
     * may be NULL. */
    void (*sent)(void *user, unsigned index, const char *msg, size_t len);
    void *user;
} agent_exchange;

typedef struct agent_session_result {
    unsigned session_id;
    unsigned messages;
    omadm_session_state state;
    char error[300];
    int64_t started; /* unix seconds */
    int64_t duration_ms;
    int64_t retry_after; /* -1 or seconds the server asked for */
} agent_session_result;

/* Runs one whole session: takes the next SessionID (persisted, 1..255)
 * unless `session_id` (1..255) is given (replay: the captured one),
 * drives the session, stops early (aborting it) when a stop signal came,
 * writes the last-session record, logs one line. Returns 0 when the session
 * completed, -1 otherwise (res says why). */
int agent_device_session(agent_device *d, unsigned session_id, const agent_exchange *ex,
                         agent_session_result *res);

/* The same for a server-initiated session (a push notification): Alert
 * 1200 and SessionID = the notification's `session_id` (0..65535, hex). */
int agent_device_server_session(agent_device *d, unsigned session_id, const agent_exchange *ex,
                                agent_session_result *res);

/* The last-session record, as written by agent_device_session. */
typedef struct agent_last_session {
    int64_t time;
    unsigned session_id;
    char result[16];
    unsigned messages;
    int64_t duration_ms;
    char server[1100];
    char error[300];
} agent_last_session;

int agent_last_session_format(const agent_last_session *ls, char *buf, size_t size);
int agent_last_session_parse(agent_last_session *ls, const char *text);

/* Formats unix seconds as "2026-11-25T09:00:00Z" (buf >= 21 bytes). */
void agent_format_time(int64_t unix_seconds, char *buf, size_t size);

#endif
