/* The Windows service: `service install|uninstall|start|stop|status|configure`
 * and `run` under the service control manager (see service_win32.h).
 * Strings are UTF-8 inside; UTF-16 only at the Win32 calls. */
#include "agent/service_win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/event_ids.h"
#include "agent/log.h"
#include "agent/os.h"
#include "messages_win32.h"
#include "platform/win32/wstr.h"

#define SERVICE_NAME_W L"" AGENT_SERVICE_NAME
#define EVENT_SOURCE_KEY                                                                           \
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" SERVICE_NAME_W
#define SERVICE_DESCRIPTION                                                                        \
    L"OMA-DM (MS-MDM) management agent: polls the MDM server and carries out its commands, "       \
    L"restarts included."
/* The state directory: SYSTEM and Administrators only (it holds the
 * configuration, which may name credentials, and the outbox). */
#define STATE_DIR_SDDL     L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
#define CONTROL_TIMEOUT_MS 60000
#define CONFIG_MAX         (64 * 1024)

/* ---- small helpers --------------------------------------------------------- */

static void win_error(char *err, size_t errsize, const char *what, DWORD code)
{
    char msg[256] = "";
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                             MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), msg, sizeof msg, NULL);

    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    if (n == 0)
        snprintf(msg, sizeof msg, "error %lu", (unsigned long)code);
    snprintf(err, errsize, "%s: %s", what, msg);
}

static void event_report_once(const char *line);

/* Prints "omadm-agent: service VERB: message" and returns 1. `configure`
 * runs inside msiexec, where nobody sees the output: its failures also go
 * to the Event Log. */
static int fail(const char *verb, const char *msg)
{
    char line[768];

    snprintf(line, sizeof line, "service %s: %s", verb, msg);
    fprintf(stderr, "omadm-agent: %s\n", line);
    if (strcmp(verb, "configure") == 0)
        event_report_once(line);
    return AGENT_EXIT_FAILURE;
}

static int fail_win(const char *verb, const char *what, DWORD code)
{
    char msg[512];

    win_error(msg, sizeof msg, what, code);
    return fail(verb, msg);
}

/* The running executable's full path. */
static int exe_path(wchar_t *buf, DWORD size)
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

/* ---- Event Log ------------------------------------------------------------- */

static HANDLE event_source;

/* The message table entry (messages_win32.mc) of an event kind. */
static DWORD message_id(agent_event_id kind)
{
    switch (kind) {
    case AGENT_EVENT_SERVICE_STARTED:
        return AGENT_MSG_SERVICE_STARTED;
    case AGENT_EVENT_SERVICE_STOPPED:
        return AGENT_MSG_SERVICE_STOPPED;
    case AGENT_EVENT_SESSION_COMPLETED:
        return AGENT_MSG_SESSION_COMPLETED;
    case AGENT_EVENT_SESSION_FAILED:
        return AGENT_MSG_SESSION_FAILED;
    case AGENT_EVENT_RESTART_REQUESTED:
        return AGENT_MSG_RESTART_REQUESTED;
    case AGENT_EVENT_OUTCOME_REPORTED:
        return AGENT_MSG_OUTCOME_REPORTED;
    case AGENT_EVENT_CONFIG_ERROR:
        return AGENT_MSG_CONFIG_ERROR;
    case AGENT_EVENT_ERROR:
        return AGENT_MSG_ERROR;
    case AGENT_EVENT_WARNING:
        return AGENT_MSG_WARNING;
    case AGENT_EVENT_INFO:
    default:
        return AGENT_MSG_INFO;
    }
}

static void event_report(omadm_log_level level, const char *line)
{
    WORD type;
    DWORD id;
    wchar_t *w;
    const wchar_t *strings[1];

    if (!event_source || level == OMADM_LOG_DEBUG)
        return;
    type = level == OMADM_LOG_ERROR  ? EVENTLOG_ERROR_TYPE
           : level == OMADM_LOG_WARN ? EVENTLOG_WARNING_TYPE
                                     : EVENTLOG_INFORMATION_TYPE;
    id = message_id(agent_event_id_of(level, line));
    w = omadm_platform_win32_wide(line);
    if (!w)
        return;
    strings[0] = w;
    ReportEventW(event_source, type, 0, id, NULL, 1, 0, strings, NULL);
    free(w);
}

static void event_report_once(const char *line)
{
    HANDLE h = RegisterEventSourceW(NULL, SERVICE_NAME_W);

    if (!h)
        return;
    event_source = h;
    event_report(OMADM_LOG_ERROR, line);
    event_source = NULL;
    DeregisterEventSource(h);
}

static void event_tee(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    event_report(level, line);
}

static int register_event_source(const wchar_t *exe, char *err, size_t errsize)
{
    HKEY k;
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    LONG r = RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENT_SOURCE_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL,
                             &k, NULL);

    if (r == ERROR_SUCCESS) {
        r = RegSetValueExW(k, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                           (DWORD)((wcslen(exe) + 1) * sizeof *exe));
        if (r == ERROR_SUCCESS)
            r = RegSetValueExW(k, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
                               sizeof types);
        RegCloseKey(k);
    }
    if (r != ERROR_SUCCESS) {
        win_error(err, errsize, "cannot register the Event Log source", (DWORD)r);
        return -1;
    }
    return 0;
}

/* ---- recovery actions -------------------------------------------------------- */

static int set_recovery(SC_HANDLE s, char *err, size_t errsize)
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
        win_error(err, errsize, "cannot set the recovery actions", GetLastError());
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
        return fail_win(verb, "cannot query the service", GetLastError());
    if (st.dwCurrentState == SERVICE_STOPPED)
        return AGENT_EXIT_OK;
    if (st.dwCurrentState != SERVICE_STOP_PENDING && !ControlService(s, SERVICE_CONTROL_STOP, &ss))
        return fail_win(verb, "cannot stop the service", GetLastError());
    if (wait_state(s, SERVICE_STOP_PENDING, &st) < 0 || st.dwCurrentState != SERVICE_STOPPED)
        return fail(verb, "the service did not stop within 60 s");
    return AGENT_EXIT_OK;
}

static SC_HANDLE open_service(SC_HANDLE *scm, DWORD access, const char *verb, int *rc)
{
    SC_HANDLE s;

    *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!*scm) {
        *rc = fail_win(verb, "cannot open the service manager", GetLastError());
        return NULL;
    }
    s = OpenServiceW(*scm, SERVICE_NAME_W, access);
    if (!s) {
        DWORD e = GetLastError();
        *rc = e == ERROR_SERVICE_DOES_NOT_EXIST ? fail(verb, "the service is not installed")
                                                : fail_win(verb, "cannot open the service", e);
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

    if (!exe_path(exe, MAX_PATH + 1))
        return fail_win("install", "cannot find the program's path", GetLastError());
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" run", exe);
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
    if (!scm)
        return fail_win("install", "cannot open the service manager", GetLastError());
    /* LocalSystem (no account): restarts need SeShutdownPrivilege and the
     * state lives under %ProgramData%. */
    s = CreateServiceW(scm, SERVICE_NAME_W, L"" AGENT_SERVICE_DISPLAY_NAME,
                       SERVICE_CHANGE_CONFIG | SERVICE_START | SERVICE_QUERY_STATUS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd,
                       NULL, NULL, NULL, NULL, NULL);
    if (!s) {
        DWORD e = GetLastError();
        CloseServiceHandle(scm);
        return e == ERROR_SERVICE_EXISTS ? fail("install", "the service is already installed")
                                         : fail_win("install", "cannot create the service", e);
    }
    if (set_recovery(s, err, sizeof err) < 0 || register_event_source(exe, err, sizeof err) < 0)
        rc = fail("install", err);
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
        rc = fail_win("uninstall", "cannot delete the service", GetLastError());
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    if (rc == AGENT_EXIT_OK) {
        RegDeleteTreeW(HKEY_LOCAL_MACHINE, EVENT_SOURCE_KEY);
        RegDeleteKeyW(HKEY_LOCAL_MACHINE, EVENT_SOURCE_KEY);
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
        rc = fail_win("start", "cannot start the service", GetLastError());
    else if (wait_state(s, SERVICE_START_PENDING, &st) < 0 ||
             st.dwCurrentState != SERVICE_RUNNING) {
        snprintf(msg, sizeof msg, "the service did not start (state %s, exit code %lu/%lu)",
                 state_name(st.dwCurrentState), (unsigned long)st.dwWin32ExitCode,
                 (unsigned long)st.dwServiceSpecificExitCode);
        rc = fail("start", msg);
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
        rc = fail_win("status", "cannot query the service", GetLastError());
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

/* ---- configure: properties into the configuration file ---------------------------- */

/* The file `configure` starts from when there is none (the MSI does not own
 * it, so uninstalling keeps it). */
static const char default_config[] =
    "; omadm-agent configuration (Windows), read by the omadm-agent service.\r\n"
    "; The installer writes the values given as SERVERURL, DEVICEID, CERT, CA and\r\n"
    "; LOGLEVEL (msiexec /i omadm-agent.msi /qn SERVERURL=https://...) into this\r\n"
    "; file and keeps its other lines; uninstalling keeps the file. Without\r\n"
    "; DEVICEID the device id is this installation's MachineGuid.\r\n"
    "\r\n"
    "[server]\r\n"
    "; url = https://mdm.example.com/ManagementServer/MDM.svc\r\n"
    "\r\n"
    "[tls]\r\n"
    "; The client certificate: a store entry or a PFX file (key inside).\r\n"
    "; cert = LocalMachine\\MY\\0123456789abcdef0123456789abcdef01234567\r\n"
    "; cert = C:\\ProgramData\\omadm-agent\\device.pfx\r\n"
    "; ca = C:\\ProgramData\\omadm-agent\\ca.pem\r\n"
    "\r\n"
    "[agent]\r\n"
    "log_level = info\r\n";

static const struct {
    const char *key, *section, *name;
} config_keys[] = {
    { "server", "server", "url" },
    { "device_id", "server", "device_id" },
    { "cert", "tls", "cert" },
    { "ca", "tls", "ca" },
    { "log_level", "agent", "log_level" },
    { "proxy", "server", "proxy" },
    { "poll_interval", "poll", "initial_interval" },
};

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static int text_add(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return -1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
    return 0;
}

static int text_line(text *t, const char *name, const char *value, const char *eol)
{
    return text_add(t, name, strlen(name)) < 0 || text_add(t, " = ", 3) < 0 ||
                   text_add(t, value, strlen(value)) < 0 || text_add(t, eol, strlen(eol)) < 0
               ? -1
               : 0;
}

/* "name = value" + eol inserted at offset `at`. */
static int text_insert_line(text *t, size_t at, const char *name, const char *value,
                            const char *eol)
{
    text line = { NULL, 0, 0 };
    size_t tail = t->len - at;

    if (text_line(&line, name, value, eol) < 0 || text_add(t, line.p, line.len) < 0) {
        free(line.p);
        return -1;
    }
    memmove(t->p + at + line.len, t->p + at, tail);
    memcpy(t->p + at, line.p, line.len);
    free(line.p);
    return 0;
}

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* A value inih reads back unchanged: no control bytes, no surrounding
 * space, no inline comment (";" after a space). */
static int value_ok(const char *v, char *err, size_t errsize)
{
    size_t n = strlen(v);

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < ' ' || v[i] == 0x7f) {
            snprintf(err, errsize, "control characters are not allowed");
            return -1;
        }
        if (v[i] == ';' && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
            snprintf(err, errsize, "\" ;\" would start a comment");
            return -1;
        }
    }
    if (n && (v[0] == ' ' || v[n - 1] == ' ')) {
        snprintf(err, errsize, "leading or trailing spaces are not allowed");
        return -1;
    }
    return 0;
}

char *agent_service_ini_set(const char *in, const char *assignment, char *err, size_t errsize)
{
    const char *eq = strchr(assignment, '='), *value, *p, *section = NULL, *name = NULL;
    const char *eol = strstr(in, "\r\n") || !*in ? "\r\n" : "\n";
    char cur[64] = "";
    text out = { NULL, 0, 0 };
    int in_section = 0, written = 0, seen_section = 0;
    size_t i, klen, insert_at = 0; /* after the section's last non-blank line */

    if (!eq) {
        snprintf(err, errsize, "\"%s\": expected KEY=VALUE", assignment);
        return NULL;
    }
    klen = (size_t)(eq - assignment);
    for (i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++)
        if (strlen(config_keys[i].key) == klen && !strncmp(assignment, config_keys[i].key, klen)) {
            section = config_keys[i].section;
            name = config_keys[i].name;
        }
    if (!section) {
        snprintf(err, errsize,
                 "unknown key \"%.*s\" (server, device_id, cert, ca, log_level, proxy, "
                 "poll_interval)",
                 (int)klen, assignment);
        return NULL;
    }
    value = eq + 1;
    if (value_ok(value, err, errsize) < 0)
        return NULL;
    if (!*value) /* an MSI property left empty: keep what is there */
        return _strdup(in);

    for (p = in; *p;) {
        const char *end = strchr(p, '\n'), *next, *s, *le;
        end = end ? end : p + strlen(p);
        next = *end ? end + 1 : end;
        le = end > p && end[-1] == '\r' ? end - 1 : end;
        s = skip_space(p, le);
        if (s < le && *s == '[') {
            const char *close = memchr(s, ']', (size_t)(le - s));
            size_t n = close ? (size_t)(close - s - 1) : 0;
            /* Leaving our section without the key: add it after the
             * section's last line (not after the blank lines before the
             * next section). */
            if (in_section && !written) {
                if (text_insert_line(&out, insert_at, name, value, eol) < 0)
                    goto nomem;
                written = 1;
            }
            snprintf(cur, sizeof cur, "%.*s", (int)(n < sizeof cur ? n : sizeof cur - 1), s + 1);
            in_section = strcmp(cur, section) == 0;
            seen_section |= in_section;
        } else if (in_section && s < le && *s != ';' && *s != '#') {
            const char *k = s;
            while (s < le && *s != '=' && *s != ':')
                s++;
            while (s > k && (s[-1] == ' ' || s[-1] == '\t'))
                s--;
            if ((size_t)(s - k) == strlen(name) && !strncmp(k, name, strlen(name))) {
                /* Every occurrence: inih keeps the last one. */
                if (text_line(&out, name, value, eol) < 0)
                    goto nomem;
                written = 1;
                p = next;
                continue;
            }
        }
        if (text_add(&out, p, (size_t)(next - p)) < 0)
            goto nomem;
        if (!*end && end > p && text_add(&out, eol, strlen(eol)) < 0) /* last line had no EOL */
            goto nomem;
        if (in_section && s < le)
            insert_at = out.len;
        p = next;
    }
    if (!written && in_section) {
        if (text_insert_line(&out, insert_at, name, value, eol) < 0)
            goto nomem;
        written = 1;
    }
    if (!written) {
        if (!seen_section) {
            if ((out.len && text_add(&out, eol, strlen(eol)) < 0) || text_add(&out, "[", 1) < 0 ||
                text_add(&out, section, strlen(section)) < 0 || text_add(&out, "]", 1) < 0 ||
                text_add(&out, eol, strlen(eol)) < 0)
                goto nomem;
        }
        if (text_line(&out, name, value, eol) < 0)
            goto nomem;
    }
    if (!out.p && text_add(&out, "", 0) < 0)
        goto nomem;
    return out.p;
nomem:
    free(out.p);
    snprintf(err, errsize, "out of memory");
    return NULL;
}

/* This Windows installation's MachineGuid without dashes, upper case: a
 * device id when none is configured (unique per installation; sysprep
 * makes a new one for each imaged machine). */
static int machine_device_id(char *buf, size_t size)
{
    wchar_t w[64];
    DWORD n = sizeof w;
    size_t j = 0;

    if (RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Cryptography", L"MachineGuid",
                     RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY, NULL, w, &n) != ERROR_SUCCESS)
        return -1;
    for (size_t i = 0; w[i] && j + 1 < size; i++) {
        if (w[i] == L'-' || w[i] == L'{' || w[i] == L'}')
            continue;
        if (!iswxdigit(w[i]))
            return -1;
        buf[j++] = (char)towupper(w[i]);
    }
    buf[j] = '\0';
    return j == 32 ? 0 : -1;
}

static int lock_down_dir(const char *dir, char *err, size_t errsize)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    wchar_t *w = omadm_platform_win32_wide(dir);
    DWORD r;

    if (!w ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(STATE_DIR_SDDL, SDDL_REVISION_1, &sd,
                                                              NULL) ||
        !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
        free(w);
        if (sd)
            LocalFree(sd);
        snprintf(err, errsize, "cannot build the state directory's access list");
        return -1;
    }
    r = SetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, NULL,
                              NULL, dacl, NULL);
    LocalFree(sd);
    free(w);
    if (r != ERROR_SUCCESS) {
        win_error(err, errsize, "cannot restrict the state directory's access", r);
        return -1;
    }
    return 0;
}

static int write_file_atomic(const char *path, const char *data, char *err, size_t errsize)
{
    char tmp[MAX_PATH * 3 + 16];
    wchar_t *wt, *wp;
    HANDLE h;
    DWORD put = 0;
    int ok;

    snprintf(tmp, sizeof tmp, "%s.new", path);
    wt = omadm_platform_win32_wide(tmp);
    wp = omadm_platform_win32_wide(path);
    if (!wt || !wp) {
        free(wt);
        free(wp);
        snprintf(err, errsize, "%s: not a valid UTF-8 name", path);
        return -1;
    }
    h = CreateFileW(wt, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ok = h != INVALID_HANDLE_VALUE && WriteFile(h, data, (DWORD)strlen(data), &put, NULL) &&
         put == strlen(data) && FlushFileBuffers(h);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    ok = ok && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!ok) {
        win_error(err, errsize, path, GetLastError());
        DeleteFileW(wt);
    }
    free(wt);
    free(wp);
    return ok ? 0 : -1;
}

static int file_exists(const char *path)
{
    wchar_t *w = omadm_platform_win32_wide(path);
    int found = w && GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES;

    free(w);
    return found;
}

static int svc_configure(int argc, char **argv)
{
    const char *path = agent_os_default_config();
    const char *dir = agent_os_default_state_dir();
    char *textp = NULL, *next, err[1024], id[40];
    size_t len = 0;
    unsigned mode = 0;
    agent_config cfg;
    SC_HANDLE scm, s;
    int rc;

    if (agent_os_make_dir(dir, err, sizeof err) < 0)
        return fail("configure", err);
    if (lock_down_dir(dir, err, sizeof err) < 0)
        fprintf(stderr, "omadm-agent: warning: %s\n", err);
    if (!file_exists(path))
        textp = _strdup(default_config);
    else if (agent_os_read_file(path, CONFIG_MAX, &textp, &len, &mode, err, sizeof err) < 0)
        return fail("configure", err);
    if (!textp)
        return fail("configure", "out of memory");
    for (int i = 0; i < argc; i++) {
        next = agent_service_ini_set(textp, argv[i], err, sizeof err);
        free(textp);
        if (!next)
            return fail("configure", err);
        textp = next;
    }
    /* Check the result as the agent will read it; add a device id when
     * there is none. */
    if (agent_config_init(&cfg) < 0 ||
        agent_config_parse_string(&cfg, path, textp, err, sizeof err) < 0) {
        agent_config_free(&cfg);
        free(textp);
        return fail("configure", err);
    }
    if (!cfg.device_id && machine_device_id(id, sizeof id) == 0) {
        char assign[64];
        snprintf(assign, sizeof assign, "device_id=%s", id);
        next = agent_service_ini_set(textp, assign, err, sizeof err);
        free(textp);
        if (!next) {
            agent_config_free(&cfg);
            return fail("configure", err);
        }
        textp = next;
    }
    agent_config_free(&cfg);
    rc = write_file_atomic(path, textp, err, sizeof err) < 0 ? fail("configure", err)
                                                             : AGENT_EXIT_OK;
    free(textp);
    if (rc != AGENT_EXIT_OK)
        return rc;
    /* The MSI's ServiceInstall cannot set recovery actions: set them here
     * when the service exists. */
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    s = scm ? OpenServiceW(scm, SERVICE_NAME_W, SERVICE_CHANGE_CONFIG | SERVICE_START) : NULL;
    if (s) {
        wchar_t exe[MAX_PATH + 1];
        if (set_recovery(s, err, sizeof err) < 0 ||
            (exe_path(exe, MAX_PATH + 1) && register_event_source(exe, err, sizeof err) < 0))
            rc = fail("configure", err);
        CloseServiceHandle(s);
    }
    if (scm)
        CloseServiceHandle(scm);
    if (rc == AGENT_EXIT_OK)
        printf("configuration written to %s\n", path);
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
        return svc_configure(argc - 1, argv + 1);
    snprintf(err, errsize, "service needs install, uninstall, start, stop, status or configure%s%s",
             *verb ? ", not " : "", verb);
    return AGENT_EXIT_USAGE;
}

/* ---- run under the SCM ---------------------------------------------------------------- */

static const agent_config *svc_cfg;
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
    event_source = RegisterEventSourceW(NULL, SERVICE_NAME_W);
    agent_log_set_tee(event_tee, NULL);
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
    if (event_source)
        DeregisterEventSource(event_source);
    event_source = NULL;
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
    event_source = RegisterEventSourceW(NULL, SERVICE_NAME_W);
    event_report(OMADM_LOG_ERROR, line);
    if (event_source)
        DeregisterEventSource(event_source);
    event_source = NULL;
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

int agent_os_run_service(const agent_config *cfg)
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
