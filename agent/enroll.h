/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment (MS-MDE2) in the agent: the `enroll` and `unenroll` commands,
 * and how an enrollment fills the configuration of sync, run and status. */
#ifndef AGENT_ENROLL_H
#define AGENT_ENROLL_H

#include <stddef.h>
#include <stdio.h>

#include "agent/config.h"

/* `omadm-agent enroll`: Discover, GetPolicies, RequestSecurityToken, then
 * the enrollment state written atomically. Exit code: 0, 1 (the server
 * refused, or could not be reached), 2 (bad flags or files). */
int agent_cmd_enroll(const agent_config *cfg);

/* `omadm-agent unenroll`: one last session carrying Alert 1226
 * com.microsoft:mdm.unenrollment.userrequest, then the state removed. */
int agent_cmd_unenroll(agent_config *cfg);

/* Fills what the configuration leaves unset (server URL, device id, DM
 * credentials, client certificate and key, CA) from the enrollment state
 * in cfg->state_dir, when there is one and it belongs to this machine.
 * When there is none (or it belongs to another machine: a cloned image) and
 * [enroll] has a URL and credentials, sets cfg->enroll_pending. Returns 0,
 * or -1 with a message (a corrupt state file). */
int agent_enroll_apply(agent_config *cfg, char *err, size_t errsize);

/* Runs the enrollment sync/run owe before their session (enroll_pending),
 * then applies it. 0, or -1 (logged). */
int agent_enroll_before_session(agent_config *cfg);
/* The same, once: 0, or -1 (logged) with *transient non-zero when the
 * failure is worth retrying (the server could not be reached or answered
 * 5xx/429: agent__enroll_transient) and 0 for a refusal or a local error. */
int agent_enroll_attempt(agent_config *cfg, int *transient);

/* Certificate renewal (MS-MDE2 WSTEP, RequestType Renew, authenticated by
 * the current certificate): when the certificate is inside its renewal
 * period (the provisioned RenewPeriod, else Windows' 42 days) and no
 * back-off is pending. A failure keeps the old certificate (in use until it
 * expires) and backs off: 1 h, doubling, at most the provisioned
 * RetryInterval (else 7 days). On success the new certificate and key
 * replace the old ones in the state and in cfg. Returns 0 (nothing to do,
 * or renewed), -1 when a due renewal failed (logged). */
int agent_enroll_maybe_renew(agent_config *cfg);

/* The same during `run`, which holds the state directory's lock: before
 * each session. When the certificate was renewed (and the config names
 * none), *transport is replaced by one presenting the new certificate, so
 * management goes on without a gap; on failure the old one stays. */
struct omadm_transport;
void agent_enroll_renew_for_session(agent_config *cfg, struct omadm_transport **transport);

/* status: the enrollment in state_dir (server, provider, device id,
 * certificate subject and expiry), as text lines or one JSON value (an
 * object, or null when not enrolled). `p` is the open platform; NULL when
 * the state directory does not exist yet. */
struct omadm_platform;
void agent_enroll_print_status(FILE *f, const struct omadm_platform *p, int json);

#endif
