/* SPDX-License-Identifier: Apache-2.0 */
/* The push channel: a long-poll HTTPS GET that the `run` agent keeps open
 * to the server, over which the server sends a Package 0 notification
 * (omadm/notify) when it wants a session now. WNS's role, the OMA-DM way.
 *
 * Protocol (the mock server in tests/mockserver/mdmmock/push.py serves it):
 *   GET <push url>, mutual TLS exactly as for sessions (same CA, client
 *   certificate, proxy, user agent), Accept: application/vnd.syncml.dm.notification.
 *   The server holds the request until it has a notification or its
 *   long-poll period has passed, then answers:
 *     200 application/vnd.syncml.dm.notification  one Package 0 (body)
 *     204                                        nothing happened
 *     429/503 + Retry-After                      come back later
 *   Any answer may carry "X-Push-Period: <seconds>", the server's period
 *   (5 s .. 1 day), which replaces [push] period.
 *
 * Costs nothing between events: the channel runs on its own thread, which
 * sleeps in one blocking wait (no periodic wake-up); it sends at most one
 * request per period unless a notification came (then it asks again at
 * once, at most one request a second); errors back off exponentially with
 * jitter (5 s doubling to 15 min) and Retry-After is honoured; the body is
 * capped (OMADM_NOTIFY_DEFAULT_MAX). It never touches the session: a valid
 * notification (digest checked when [push] server_secret is set, replay
 * refused) is left for the poller (agent_push_take) and the poller is woken
 * (agent_os_request_sync). Notifications that come while a session runs
 * coalesce into one follow-up session. */
#ifndef AGENT_PUSH_H
#define AGENT_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"
#include "platform/platform.h"

#define AGENT_PUSH_CONTENT_TYPE "application/vnd.syncml.dm.notification"
/* The state file enrollment writes when the server hands it a push URL
 * (the hook for enrollment: [push] url wins when both exist). */
#define AGENT_FILE_PUSH_URL "push-url"

/* DMClient Push/Status values (DMClient CSP page). */
enum agent_push_status {
    AGENT_PUSH_STATUS_OK = 0,         /* channel up (or starting) */
    AGENT_PUSH_STATUS_NO_CHANNEL = 4, /* no push URL */
    AGENT_PUSH_STATUS_UNKNOWN = 8     /* the last attempt failed */
};

typedef struct agent_push agent_push;

/* The push URL: [push] url, else the one enrollment stored in the state
 * directory (AGENT_FILE_PUSH_URL, through `platform`). *out (malloc, the
 * caller frees) is NULL when there is none. 0, or -1 with a message (a
 * stored URL that is not a valid https URL). */
int agent_push_resolve_url(const agent_config *cfg, const omadm_platform *platform, char **out,
                           char *err, size_t errsize);

/* Starts the channel thread on `url` with cfg's TLS settings. libcurl's
 * global state must be initialised already (agent_https_open does it).
 * 0, or -1 with a message. */
int agent_push_start(agent_push **out, const agent_config *cfg, const char *url, char *err,
                     size_t errsize);

/* Stops the thread (at once, even in the middle of a request) and frees
 * everything. Accepts NULL. */
void agent_push_stop(agent_push *p);

/* Takes the notification waiting for a session: 1 with its session id, or
 * 0 when none. Thread-safe. */
int agent_push_take(agent_push *p, unsigned *session_id);

/* What DMClient Push/Status should say now. Thread-safe. */
enum agent_push_status agent_push_status(agent_push *p);

/* The delay before the next attempt after `failures` failures in a row
 * (>= 1), milliseconds: 5 s doubling to 15 min, then a random part of its
 * upper half drawn from *rng (jitter). Exposed for tests. */
int64_t agent_push_backoff_ms(unsigned failures, uint32_t *rng);

#endif
