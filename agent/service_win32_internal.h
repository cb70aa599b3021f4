/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of the Windows service (service_win32.h
 * is the contract): the service control verbs (service_control_win32.c),
 * `service configure` (service_configure_win32.c), the Event Log
 * (service_eventlog_win32.c) and the run under the service control manager
 * (service_win32.c). Windows only; includes <windows.h>. */
#ifndef AGENT_SERVICE_WIN32_INTERNAL_H
#define AGENT_SERVICE_WIN32_INTERNAL_H

#include <stddef.h>

#include <windows.h>

#include "agent/service_win32.h"
#include "agent/win_error_win32.h"
#include "omadm/log.h"

#define SERVICE_NAME_W L"" AGENT_SERVICE_NAME

/* Prints "omadm-agent: service VERB: message" and returns AGENT_EXIT_FAILURE.
 * `configure` runs inside msiexec, where nobody sees the output: its
 * failures also go to the Event Log. */
int agent_service_fail(const char *verb, const char *msg);
/* The same with the system's message for code. */
int agent_service_fail_win(const char *verb, const char *what, DWORD code);

/* The running executable's full path; 1 when it fits in buf. */
int agent_service_exe_path(wchar_t *buf, DWORD size);

/* Recovery actions and description of the service s (needs
 * SERVICE_CHANGE_CONFIG); 0 or -1 with a reason in err. */
int agent_service_set_recovery(SC_HANDLE s, char *err, size_t errsize);

/* `service configure KEY=VALUE...` (service_configure_win32.c). */
int agent_service_configure(int argc, char **argv);

/* ---- Event Log (service_eventlog_win32.c) ---- */

/* Registers the Event Log source with exe as its message file; 0 or -1
 * with a reason in err. */
int agent_service_register_event_source(const wchar_t *exe, char *err, size_t errsize);
/* Removes the Event Log source's registration. */
void agent_service_unregister_event_source(void);
/* Opens / closes the source the running service reports to. */
void agent_service_event_open(void);
void agent_service_event_close(void);
/* Reports a log line (not debug) with the Event ID of its kind
 * (event_ids.h); nothing when the source is not open. */
void agent_service_event_report(omadm_log_level level, const char *line);
/* Reports an error line through a source opened for this line only. */
void agent_service_event_report_once(const char *line);
/* agent_log's tee: agent_service_event_report. */
void agent_service_event_tee(void *user, omadm_log_level level, const char *line);

#endif
