/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows service of omadm-agent (agent/service_win32.c and the
 * service_*_win32.c files next to it).
 *
 *   omadm-agent service install     creates the service "omadm-agent"
 *                                   (LocalSystem, automatic start, recovery:
 *                                   restart after 5 s, 30 s, 60 s) and its
 *                                   Event Log source
 *   omadm-agent service uninstall   stops it if running, removes both
 *   omadm-agent service start|stop  starts / stops it and waits for the state
 *   omadm-agent service status      prints its state and recovery actions
 *   omadm-agent service configure KEY=VALUE...
 *                                   what the MSI runs: writes server, device_id,
 *                                   cert, ca, log_level into the configuration
 *                                   file (other lines kept), checks the result,
 *                                   locks the state directory's ACL down and
 *                                   sets the recovery actions
 *
 * `run` started by the service control manager runs the agent's run loop on
 * a worker thread: STOP and SHUTDOWN are acknowledged at once (STOP_PENDING
 * with a wait hint, moving checkpoints until the worker is done), the log's
 * info, warning and error lines (session outcomes included) go to the
 * Application Event Log as well, and a worker that ends by itself reports a
 * service-specific error so that the recovery actions apply. `run
 * --foreground`, or `run` from a console, runs the same loop without the
 * SCM. */
#ifndef AGENT_SERVICE_WIN32_H
#define AGENT_SERVICE_WIN32_H

#include <stddef.h>

#include "agent/config.h"

#define AGENT_SERVICE_NAME         "omadm-agent"
#define AGENT_SERVICE_DISPLAY_NAME "omadm-agent (OMA-DM management agent)"

/* Recovery actions: restart after these delays; failure count reset after a
 * day without failure. */
#define AGENT_SERVICE_RESTART_DELAYS_MS                                                            \
    {                                                                                              \
        5000, 30000, 60000                                                                         \
    }
#define AGENT_SERVICE_FAILURE_RESET_S 86400

/* Wait hints reported while starting and stopping. */
#define AGENT_SERVICE_START_HINT_MS 10000
#define AGENT_SERVICE_STOP_HINT_MS  15000

/* The pieces of `service configure`, for tests: applies `key=value` to the
 * INI text `text` (NUL-terminated, not modified) and returns the new text
 * (malloc, owned by the caller) or NULL with a reason in err. Keys: server,
 * device_id, cert, ca, log_level; an empty value leaves the key alone. */
char *agent_service_ini_set(const char *text, const char *assignment, char *err, size_t errsize);

/* What `service configure` would refuse, without writing anything: applies
 * the `key=value` assignments (configure's, enroll_secret and enroll_token
 * included) to the default configuration and parses the result with the
 * agent's configuration parser. 0, or -1 with the parser's reason in err.
 * The MSI's validation custom action (msi_check_win32.c) calls it, so a
 * refused value fails the installation before anything is installed. */
int agent_service_check_assignments(int argc, const char *const *argv, char *err, size_t errsize);

#endif
