/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows service run by the service control manager: `run` started
 * by the SCM (service_main: the start path) and the stop at once on a
 * configuration error (see service_win32.h). The verbs live in
 * service_control_win32.c, `service configure` in
 * service_configure_win32.c, the Event Log in service_eventlog_win32.c. */
#include "agent/service_win32_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/log.h"
#include "agent/os.h"

/* ---- run under the SCM ---------------------------------------------------------------- */

static agent_config *svc_cfg;
static SERVICE_STATUS_HANDLE svc_handle;
static SERVICE_STATUS scm_status;
static CRITICAL_SECTION svc_lock;
static volatile LONG svc_stop_wanted;
static int svc_rc = AGENT_EXIT_FAILURE;

static void set_state(DWORD state, DWORD exit_code, DWORD specific, DWORD hint)
{
    EnterCriticalSection(&svc_lock);
    scm_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    scm_status.dwCurrentState = state;
    scm_status.dwControlsAccepted =
        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    scm_status.dwWin32ExitCode = exit_code;
    scm_status.dwServiceSpecificExitCode = specific;
    scm_status.dwWaitHint = hint;
    scm_status.dwCheckPoint =
        state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : scm_status.dwCheckPoint + 1;
    SetServiceStatus(svc_handle, &scm_status);
    LeaveCriticalSection(&svc_lock);
}

static DWORD WINAPI on_control(DWORD control, DWORD type, void *data, void *context)
{
    (void)type;
    (void)data;
    (void)context;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        /* Acknowledged at once; the worker finishes what must be durable
         * and the main thread keeps the SCM informed until it has. */
        if (!InterlockedExchange(&svc_stop_wanted, 1))
            set_state(SERVICE_STOP_PENDING, NO_ERROR, 0, AGENT_SERVICE_STOP_HINT_MS);
        agent_os_request_stop();
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static DWORD WINAPI worker(void *arg)
{
    (void)arg;
    svc_rc = agent_cmd_run(svc_cfg);
    return 0;
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    HANDLE thread;
    int clean;

    (void)argc;
    (void)argv;
    svc_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME_W, on_control, NULL);
    if (!svc_handle)
        return;
    set_state(SERVICE_START_PENDING, NO_ERROR, 0, AGENT_SERVICE_START_HINT_MS);
    agent_service_event_open();
    agent_log_set_tee(agent_service_event_tee, NULL);
    thread = CreateThread(NULL, 0, worker, NULL, 0, NULL);
    if (!thread) {
        DWORD e = GetLastError();
        agent_log(OMADM_LOG_ERROR, "service: cannot start the worker thread (error %lu)",
                  (unsigned long)e);
        set_state(SERVICE_STOPPED, e, 0, 0);
        return;
    }
    set_state(SERVICE_RUNNING, NO_ERROR, 0, 0);
    agent_log(OMADM_LOG_INFO, "service: running");
    while (WaitForSingleObject(thread, 1000) == WAIT_TIMEOUT) {
        if (InterlockedCompareExchange(&svc_stop_wanted, 0, 0)) {
            /* Again, in case the worker had not set up its wake-up yet. */
            agent_os_request_stop();
            set_state(SERVICE_STOP_PENDING, NO_ERROR, 0, AGENT_SERVICE_STOP_HINT_MS);
        }
    }
    CloseHandle(thread);
    clean = svc_stop_wanted && svc_rc == AGENT_EXIT_OK;
    if (clean)
        agent_log(OMADM_LOG_INFO, "service: stopped");
    else
        agent_log(OMADM_LOG_ERROR, "service: the agent ended by itself (exit code %d)", svc_rc);
    agent_log_set_tee(NULL, NULL);
    agent_service_event_close();
    /* A service-specific error makes the recovery actions apply. */
    set_state(SERVICE_STOPPED, clean ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR,
              clean ? 0 : (DWORD)(svc_rc ? svc_rc : AGENT_EXIT_FAILURE), 0);
}

/* ---- a configuration error at service start ------------------------------ */

static const char *config_error;

/* Started by the SCM with a configuration that cannot work: say why in the
 * Event Log and stop at once, with a service-specific exit code, rather
 * than leave the SCM waiting for a service that never connects. */
static void WINAPI service_main_config_error(DWORD argc, wchar_t **argv)
{
    char line[1200];

    (void)argc;
    (void)argv;
    svc_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME_W, on_control, NULL);
    if (!svc_handle)
        return;
    snprintf(line, sizeof line, "configuration error: %s", config_error);
    agent_service_event_open();
    agent_service_event_report(OMADM_LOG_ERROR, line);
    agent_service_event_close();
    set_state(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, AGENT_EXIT_USAGE, 0);
}

int agent_os_service_config_error(const char *msg)
{
    static SERVICE_TABLE_ENTRYW table[] = {
        { (wchar_t *)SERVICE_NAME_W, service_main_config_error }, { NULL, NULL }
    };

    config_error = msg;
    InitializeCriticalSection(&svc_lock);
    /* From a console the dispatcher fails at once: the caller prints. */
    return StartServiceCtrlDispatcherW(table) ? 0 : -1;
}

int agent_os_run_service(agent_config *cfg)
{
    static SERVICE_TABLE_ENTRYW table[] = { { (wchar_t *)SERVICE_NAME_W, service_main },
                                            { NULL, NULL } };

    svc_cfg = cfg;
    InitializeCriticalSection(&svc_lock);
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD e = GetLastError();
        if (e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            /* Started from a console, not by the SCM: the same loop here. */
            agent_log(OMADM_LOG_INFO, "not started by the service manager: running in the "
                                      "foreground");
            return agent_cmd_run(cfg);
        }
        agent_log(OMADM_LOG_ERROR, "service: cannot connect to the service manager (error %lu)",
                  (unsigned long)e);
        return AGENT_EXIT_FAILURE;
    }
    return svc_rc;
}
