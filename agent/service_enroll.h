/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment at the start of `run`: the Windows service's first start on
 * an imaged PC (the MSI only wrote [enroll]), or `omadm-agent run` on Linux
 * with [enroll] set and no enrollment yet (or one made for another machine:
 * a cloned image).
 *
 * Retry policy: a server that cannot be reached (no connection, a timeout,
 * HTTP 5xx, 408 or 429: agent__enroll_transient) is tried again after a
 * back-off of [enroll] retry_interval (default 30 s), doubling up to one
 * hour (or retry_interval when larger), each delay with jitter (its upper
 * half random) so that a fleet imaged together does not retry in step; a
 * stop request ends the wait at once, a sync request (SIGUSR1, the
 * service's control) retries at once. A refusal (a SOAP fault such as wrong
 * credentials, an HTTP 4xx, a TLS failure, a malformed or hostile answer)
 * or a local error is not retried: the same request would be refused
 * again, and retrying wrong credentials could lock the account. `run` then
 * ends with exit code 1 (the service: a service-specific error in the
 * Event Log). */
#ifndef AGENT_SERVICE_ENROLL_H
#define AGENT_SERVICE_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"

/* The longest wait between two attempts unless retry_interval is longer. */
#define AGENT_ENROLL_RETRY_CAP_S 3600

typedef enum agent_enroll_start {
    AGENT_ENROLL_START_OK = 0,  /* enrolled now, or nothing was pending */
    AGENT_ENROLL_START_REFUSED, /* refused or a local error (logged): exit 1 */
    AGENT_ENROLL_START_STOPPED  /* a stop request came while waiting */
} agent_enroll_start;

/* Enrolls when cfg->enroll_pending, retrying as above; on success cfg
 * holds the enrollment (agent_enroll_apply). Signals must be set up
 * (agent_os_signals_init) for stop requests to end the waits. */
agent_enroll_start agent_enroll_at_start(agent_config *cfg);

/* The wait before the next attempt after `failures` (>= 1) failed ones, in
 * ms: first_ms doubled (failures - 1) times, at most cap_ms (raised to
 * first_ms when lower), of which the upper half is `random` modulo it. */
int64_t agent_enroll_backoff_ms(unsigned failures, int64_t first_ms, int64_t cap_ms,
                                uint32_t random);

#ifdef _WIN32
/* The file `service configure` keeps ENROLLSECRET or ENROLLTOKEN in, in
 * the state directory. */
#define AGENT_ENROLL_SECRET_FILE "enroll-secret"
#define AGENT_ENROLL_TOKEN_FILE  "enroll-token"

/* `service configure` (the MSI): "enroll_secret=VALUE" or
 * "enroll_token=VALUE" writes VALUE into an owner-only file in `dir`
 * (SYSTEM and Administrators only, no inherited access; atomically) and
 * returns the assignment that names it ("secret_file=PATH" or
 * "token_file=PATH", malloc); an empty value (an MSI property left unset)
 * gives "secret_file=" or "token_file=", which changes nothing. NULL with
 * err "" for any other assignment, NULL with a reason in err on failure.
 * The value is never logged. */
char *agent_service_enroll_assignment(const char *assignment, const char *dir, char *err,
                                      size_t errsize);
#endif

#endif
