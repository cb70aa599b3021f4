/* SPDX-License-Identifier: Apache-2.0 */
/* The service control verbs: `service install|uninstall|start|stop|status`
 * (see service_win32.h). Strings are UTF-8 inside; UTF-16 only at the
 * Win32 calls. */
#include "agent/service_win32_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/os.h"

#define SERVICE_DESCRIPTION                                                                        \
    L"OMA-DM (MS-MDM) management agent: polls the MDM server and carries out its commands, "       \
    L"restarts included."
#define CONTROL_TIMEOUT_MS 60000

/* ---- small helpers --------------------------------------------------------- */

int agent_service_fail(const char *verb, const char *msg)
{
    char line[768];

    snprintf(line, sizeof line, "service %s: %s", verb, msg);
    fprintf(stderr, "omadm-agent: %s\n", line);
    if (strcmp(verb, "configure") == 0)
        agent_service_event_report_once(line);
    return AGENT_EXIT_FAILURE;
}

int agent_service_fail_win(const char *verb, const char *what, DWORD code)
{
    char msg[512];

    agent_win_error(msg, sizeof msg, what, code);
    return agent_service_fail(verb, msg);
}

int agent_service_exe_path(wchar_t *buf, DWORD size)
{
    DWORD n = GetModuleFileNameW(NULL, buf, size);
    return n > 0 && n < size;
}

static const char *state_name(DWORD state)
{
    switch (state) {
    case SERVICE_STOPPED:
        return "STOPPED";
    case SERVICE_START_PENDING:
        return "START_PENDING";
    case SERVICE_STOP_PENDING:
        return "STOP_PENDING";
    case SERVICE_RUNNING:
        return "RUNNING";
    case SERVICE_CONTINUE_PENDING:
        return "CONTINUE_PENDING";
    case SERVICE_PAUSE_PENDING:
        return "PAUSE_PENDING";
    case SERVICE_PAUSED:
        return "PAUSED";
    default:
        return "UNKNOWN";
    }
}

/* ---- recovery actions -------------------------------------------------------- */

int agent_service_set_recovery(SC_HANDLE s, char *err, size_t errsize)
{
    static const DWORD delays[] = AGENT_SERVICE_RESTART_DELAYS_MS;
    SC_ACTION actions[sizeof delays / sizeof delays[0]];
    SERVICE_FAILURE_ACTIONSW fa;
    SERVICE_FAILURE_ACTIONS_FLAG flag;
    SERVICE_DESCRIPTIONW desc;
    size_t i;

    for (i = 0; i < sizeof delays / sizeof delays[0]; i++) {
        actions[i].Type = SC_ACTION_RESTART;
        actions[i].Delay = delays[i];
    }
    memset(&fa, 0, sizeof fa);
    fa.dwResetPeriod = AGENT_SERVICE_FAILURE_RESET_S;
    fa.cActions = (DWORD)(sizeof actions / sizeof actions[0]);
    fa.lpsaActions = actions;
    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS, &fa)) {
        agent_win_error(err, errsize, "cannot set the recovery actions", GetLastError());
        return -1;
    }
    /* A worker that ends with an error (not only a crash) counts as a
     * failure. Wine's service manager does not know this setting: a warning
     * there, not a failure. */
    flag.fFailureActionsOnNonCrashFailures = TRUE;
    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag))
        fprintf(stderr, "omadm-agent: warning: cannot count error exits as failures (error %lu)\n",
                (unsigned long)GetLastError());
    desc.lpDescription = (wchar_t *)SERVICE_DESCRIPTION;
    ChangeServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, &desc);
    return 0;
}

/* ---- control helpers ------------------------------------------------------------ */

/* Waits until the service leaves `pending` (or the timeout); returns its
 * last status. */
static int wait_state(SC_HANDLE s, DWORD pending, SERVICE_STATUS_PROCESS *st)
{
    DWORD got, start = GetTickCount();

    for (;;) {
        if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)st, sizeof *st, &got))
            return -1;
        if (st->dwCurrentState != pending)
            return 0;
        if (GetTickCount() - start > CONTROL_TIMEOUT_MS)
            return -1;
        Sleep(200);
    }
}

static int stop_service(SC_HANDLE s, const char *verb)
{
    SERVICE_STATUS_PROCESS st;
    SERVICE_STATUS ss;
    DWORD got;

    if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &got))
        return agent_service_fail_win(verb, "cannot query the service", GetLastError());
    if (st.dwCurrentState == SERVICE_STOPPED)
        return AGENT_EXIT_OK;
    if (st.dwCurrentState != SERVICE_STOP_PENDING && !ControlService(s, SERVICE_CONTROL_STOP, &ss))
        return agent_service_fail_win(verb, "cannot stop the service", GetLastError());
    if (wait_state(s, SERVICE_STOP_PENDING, &st) < 0 || st.dwCurrentState != SERVICE_STOPPED)
        return agent_service_fail(verb, "the service did not stop within 60 s");
    return AGENT_EXIT_OK;
}

static SC_HANDLE open_service(SC_HANDLE *scm, DWORD access, const char *verb, int *rc)
{
    SC_HANDLE s;

    *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!*scm) {
        *rc = agent_service_fail_win(verb, "cannot open the service manager", GetLastError());
        return NULL;
    }
    s = OpenServiceW(*scm, SERVICE_NAME_W, access);
    if (!s) {
        DWORD e = GetLastError();
        *rc = e == ERROR_SERVICE_DOES_NOT_EXIST
                  ? agent_service_fail(verb, "the service is not installed")
                  : agent_service_fail_win(verb, "cannot open the service", e);
        CloseServiceHandle(*scm);
        *scm = NULL;
    }
    return s;
}

/* ---- the verbs --------------------------------------------------------------------- */

static int svc_install(void)
{
    wchar_t exe[MAX_PATH + 1], cmd[MAX_PATH + 16];
    SC_HANDLE scm, s;
    char err[512];
    int rc = AGENT_EXIT_OK;

    if (!agent_service_exe_path(exe, MAX_PATH + 1))
        return agent_service_fail_win("install", "cannot find the program's path", GetLastError());
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" run", exe);
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
    if (!scm)
        return agent_service_fail_win("install", "cannot open the service manager", GetLastError());
    /* LocalSystem (no account): restarts need SeShutdownPrivilege and the
     * state lives under %ProgramData%. */
    s = CreateServiceW(scm, SERVICE_NAME_W, L"" AGENT_SERVICE_DISPLAY_NAME,
                       SERVICE_CHANGE_CONFIG | SERVICE_START | SERVICE_QUERY_STATUS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd,
                       NULL, NULL, NULL, NULL, NULL);
    if (!s) {
        DWORD e = GetLastError();
        CloseServiceHandle(scm);
        return e == ERROR_SERVICE_EXISTS
                   ? agent_service_fail("install", "the service is already installed")
                   : agent_service_fail_win("install", "cannot create the service", e);
    }
    if (agent_service_set_recovery(s, err, sizeof err) < 0 ||
        agent_service_register_event_source(exe, err, sizeof err) < 0)
        rc = agent_service_fail("install", err);
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    if (rc == AGENT_EXIT_OK)
        printf("service %s installed (automatic start, LocalSystem)\n", AGENT_SERVICE_NAME);
    return rc;
}

static int svc_uninstall(void)
{
    SC_HANDLE scm, s;
    int rc = AGENT_EXIT_OK;

    s = open_service(&scm, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE, "uninstall", &rc);
    if (!s)
        return rc;
    rc = stop_service(s, "uninstall");
    if (rc == AGENT_EXIT_OK && !DeleteService(s) &&
        GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE)
        rc = agent_service_fail_win("uninstall", "cannot delete the service", GetLastError());
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    if (rc == AGENT_EXIT_OK) {
        agent_service_unregister_event_source();
        printf("service %s removed (the state directory is kept)\n", AGENT_SERVICE_NAME);
    }
    return rc;
}

static int svc_start(void)
{
    SC_HANDLE scm, s;
    SERVICE_STATUS_PROCESS st;
    int rc = AGENT_EXIT_OK;
    char msg[256];

    s = open_service(&scm, SERVICE_START | SERVICE_QUERY_STATUS, "start", &rc);
    if (!s)
        return rc;
    if (!StartServiceW(s, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
        rc = agent_service_fail_win("start", "cannot start the service", GetLastError());
    else if (wait_state(s, SERVICE_START_PENDING, &st) < 0 ||
             st.dwCurrentState != SERVICE_RUNNING) {
        snprintf(msg, sizeof msg, "the service did not start (state %s, exit code %lu/%lu)",
                 state_name(st.dwCurrentState), (unsigned long)st.dwWin32ExitCode,
                 (unsigned long)st.dwServiceSpecificExitCode);
        rc = agent_service_fail("start", msg);
    }
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return rc;
}

static int svc_stop(void)
{
    SC_HANDLE scm, s;
    int rc = AGENT_EXIT_OK;

    s = open_service(&scm, SERVICE_STOP | SERVICE_QUERY_STATUS, "stop", &rc);
    if (!s)
        return rc;
    rc = stop_service(s, "stop");
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return rc;
}

static int svc_status(void)
{
    SC_HANDLE scm, s;
    SERVICE_STATUS_PROCESS st;
    SERVICE_FAILURE_ACTIONSW *fa;
    BYTE buf[1024];
    DWORD got;
    int rc = AGENT_EXIT_OK;

    s = open_service(&scm, SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG, "status", &rc);
    if (!s)
        return rc;
    if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &got)) {
        rc = agent_service_fail_win("status", "cannot query the service", GetLastError());
    } else {
        printf("state: %s\npid: %lu\nexit code: %lu/%lu\n", state_name(st.dwCurrentState),
               (unsigned long)st.dwProcessId, (unsigned long)st.dwWin32ExitCode,
               (unsigned long)st.dwServiceSpecificExitCode);
        fa = (SERVICE_FAILURE_ACTIONSW *)buf;
        if (QueryServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS, buf, sizeof buf, &got)) {
            printf("recovery:");
            for (DWORD i = 0; i < fa->cActions; i++)
                printf(" %s/%lums",
                       fa->lpsaActions[i].Type == SC_ACTION_RESTART ? "restart" : "other",
                       (unsigned long)fa->lpsaActions[i].Delay);
            printf(" reset=%lus\n", (unsigned long)fa->dwResetPeriod);
        } else {
            printf("recovery: unknown (error %lu)\n", (unsigned long)GetLastError());
        }
    }
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return rc;
}

int agent_os_service_command(int argc, char **argv, char *err, size_t errsize)
{
    const char *verb = argc > 0 ? argv[0] : "";

    if (argc > 1 && strcmp(verb, "configure") != 0) {
        snprintf(err, errsize, "service %s takes no arguments (got \"%s\")", verb, argv[1]);
        return AGENT_EXIT_USAGE;
    }
    if (!strcmp(verb, "install"))
        return svc_install();
    if (!strcmp(verb, "uninstall"))
        return svc_uninstall();
    if (!strcmp(verb, "start"))
        return svc_start();
    if (!strcmp(verb, "stop"))
        return svc_stop();
    if (!strcmp(verb, "status"))
        return svc_status();
    if (!strcmp(verb, "configure"))
        return agent_service_configure(argc - 1, argv + 1);
    snprintf(err, errsize, "service needs install, uninstall, start, stop, status or configure%s%s",
             *verb ? ", not " : "", verb);
    return AGENT_EXIT_USAGE;
}
