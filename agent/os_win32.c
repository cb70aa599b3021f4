/* SPDX-License-Identifier: Apache-2.0 */
/* Windows side of agent/os.h: paths, file checks, console control events
 * and the idle wait. Strings are UTF-8; UTF-16 only at the Win32 calls. */
#include "agent/os.h"
#include "agent/win_error_win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <windows.h>

#include "platform/win32/win32.h"
#include "omadm/cert.h"

/* ---- UTF-8 <-> UTF-16 ---------------------------------------------------- */

static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;

    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

void agent_win_error(char *err, size_t errsize, const char *what, DWORD code)
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

/* ---- paths --------------------------------------------------------------- */

static char default_dir[MAX_PATH * 3];
static char default_conf[MAX_PATH * 3 + 16];

static void init_defaults(void)
{
    if (default_dir[0])
        return;
    if (omadm_platform_win32_default_dir(default_dir, sizeof default_dir) != OMADM_OK)
        snprintf(default_dir, sizeof default_dir, "C:\\ProgramData\\omadm-agent");
    snprintf(default_conf, sizeof default_conf, "%s\\agent.conf", default_dir);
}

const char *agent_os_default_config(void)
{
    init_defaults();
    return default_conf;
}

const char *agent_os_default_state_dir(void)
{
    init_defaults();
    return default_dir;
}

int agent_os_is_cert_store_path(const char *cert)
{
    /* "LocalMachine\MY\<thumbprint>"...: the transport's rule (libcurl's
     * Schannel store paths), so the two never disagree. */
    return omadm_cert_kind_of(cert) == OMADM_CERT_STORE;
}

/* ---- files --------------------------------------------------------------- */

static HANDLE open_regular(const char *path, char *err, size_t errsize)
{
    wchar_t *w = wide(path);
    HANDLE h;
    DWORD code;

    if (!w) {
        snprintf(err, errsize, "cannot open: not a valid UTF-8 name");
        return INVALID_HANDLE_VALUE;
    }
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    code = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        agent_win_error(err, errsize, "cannot open", code);
        return h;
    }
    if (GetFileType(h) != FILE_TYPE_DISK) {
        snprintf(err, errsize, "not a regular file");
        CloseHandle(h);
        return INVALID_HANDLE_VALUE;
    }
    return h;
}

int agent_os_check_readable(const char *path, char *err, size_t errsize)
{
    BY_HANDLE_FILE_INFORMATION info;
    HANDLE h = open_regular(path, err, errsize);

    if (h == INVALID_HANDLE_VALUE)
        return -1;
    if (!GetFileInformationByHandle(h, &info) ||
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        snprintf(err, errsize, "not a regular file");
        CloseHandle(h);
        return -1;
    }
    CloseHandle(h);
    return 0;
}

int agent_os_check_private(const char *path, char *err, size_t errsize)
{
    /* Access to the key is an NTFS ACL matter, set by the installer on
     * %ProgramData%\omadm-agent; there are no mode bits to check. */
    (void)path;
    (void)err;
    (void)errsize;
    return 0;
}

int agent_os_read_file(const char *path, size_t max, char **data, size_t *len, unsigned *mode,
                       char *err, size_t errsize)
{
    LARGE_INTEGER size;
    HANDLE h = open_regular(path, err, errsize);
    char *buf;
    DWORD got = 0;

    if (h == INVALID_HANDLE_VALUE)
        return -1;
    if (!GetFileSizeEx(h, &size) || (unsigned long long)size.QuadPart > max) {
        snprintf(err, errsize, "larger than %lu bytes", (unsigned long)max);
        CloseHandle(h);
        return -1;
    }
    buf = malloc((size_t)size.QuadPart + 1);
    if (!buf) {
        snprintf(err, errsize, "out of memory");
        CloseHandle(h);
        return -1;
    }
    if (size.QuadPart > 0 && !ReadFile(h, buf, (DWORD)size.QuadPart, &got, NULL)) {
        agent_win_error(err, errsize, "cannot read", GetLastError());
        free(buf);
        CloseHandle(h);
        return -1;
    }
    CloseHandle(h);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    if (mode)
        *mode = 0;
    return 0;
}

int agent_os_check_config_mode(unsigned mode, int holds_key_path, int holds_secret, char *err,
                               size_t errsize)
{
    /* ACLs, not mode bits (see agent_os_check_private). */
    (void)mode;
    (void)holds_key_path;
    (void)holds_secret;
    (void)err;
    (void)errsize;
    return 0;
}

int agent_os_make_dir(const char *path, char *err, size_t errsize)
{
    char buf[MAX_PATH * 3];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof buf) {
        snprintf(err, errsize, "invalid directory name");
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1;; p++) {
        if (*p == '\\' || *p == '/' || *p == '\0') {
            char saved = *p;
            wchar_t *w;
            *p = '\0';
            /* skip "C:" */
            if (!(p == buf + 2 && buf[1] == ':')) {
                w = wide(buf);
                if (!w || (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS)) {
                    DWORD code = GetLastError();
                    free(w);
                    agent_win_error(err, errsize, "cannot create the directory", code);
                    return -1;
                }
                free(w);
            }
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    if (!agent_os_is_dir(path)) {
        snprintf(err, errsize, "not a directory");
        return -1;
    }
    return 0;
}

int agent_os_make_temp_dir(char **out, char *err, size_t errsize)
{
    wchar_t tmp[MAX_PATH + 1];
    char base[MAX_PATH * 3];
    DWORD n = GetTempPathW(MAX_PATH + 1, tmp);

    if (n == 0 || n > MAX_PATH ||
        WideCharToMultiByte(CP_UTF8, 0, tmp, -1, base, sizeof base, NULL, NULL) <= 0) {
        snprintf(err, errsize, "no temporary directory");
        return -1;
    }
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        char path[MAX_PATH * 3 + 40];
        wchar_t *w;
        int ok;

        snprintf(path, sizeof path, "%somadm-agent-%lu-%u", base,
                 (unsigned long)GetCurrentProcessId(), (unsigned)(GetTickCount() + attempt));
        w = wide(path);
        ok = w && CreateDirectoryW(w, NULL);
        free(w);
        if (ok) {
            *out = _strdup(path);
            if (!*out) {
                snprintf(err, errsize, "out of memory");
                return -1;
            }
            return 0;
        }
    }
    snprintf(err, errsize, "cannot create a temporary directory in %s", base);
    return -1;
}

void agent_os_remove_tree(const char *path)
{
    char pattern[MAX_PATH * 3 + 4];
    WIN32_FIND_DATAW fd;
    wchar_t *w;
    HANDLE find;

    snprintf(pattern, sizeof pattern, "%s\\*", path);
    w = wide(pattern);
    find = w ? FindFirstFileW(w, &fd) : INVALID_HANDLE_VALUE;
    free(w);
    if (find != INVALID_HANDLE_VALUE) {
        do {
            char name[MAX_PATH * 3], child[MAX_PATH * 6 + 2];
            if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
                continue;
            if (WideCharToMultiByte(CP_UTF8, 0, fd.cFileName, -1, name, sizeof name, NULL, NULL) <=
                0)
                continue;
            snprintf(child, sizeof child, "%s\\%s", path, name);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
                agent_os_remove_tree(child);
            } else {
                wchar_t *wc = wide(child);
                if (wc)
                    DeleteFileW(wc);
                free(wc);
            }
        } while (FindNextFileW(find, &fd));
        FindClose(find);
    }
    w = wide(path);
    if (w)
        RemoveDirectoryW(w);
    free(w);
}

#define MAX_LOCKS 4
static HANDLE locks[MAX_LOCKS];

/* The lock is an unshared open, which tells nobody its holder: the holder
 * writes "PID SINCE" (unix seconds) into agent.pid next to it for
 * `status`. Read only while the lock is held, so a stale file is never
 * believed; informational, hence no atomic write. */
static void write_holder(const char *dir)
{
    char path[MAX_PATH * 3 + 16], text[64];
    wchar_t *w;
    HANDLE h;
    DWORD put;
    int n;

    snprintf(path, sizeof path, "%s\\agent.pid", dir);
    w = wide(path);
    if (!w)
        return;
    h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                    NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return;
    n = snprintf(text, sizeof text, "%lu %lld\r\n", (unsigned long)GetCurrentProcessId(),
                 (long long)time(NULL));
    if (n > 0)
        WriteFile(h, text, (DWORD)n, &put, NULL);
    CloseHandle(h);
}

static void read_holder(const char *dir, long *pid, int64_t *since)
{
    char path[MAX_PATH * 3 + 16], text[64];
    wchar_t *w;
    HANDLE h;
    DWORD got = 0;
    unsigned long p;
    long long t;

    snprintf(path, sizeof path, "%s\\agent.pid", dir);
    w = wide(path);
    if (!w)
        return;
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return;
    if (ReadFile(h, text, sizeof text - 1, &got, NULL)) {
        text[got] = '\0';
        if (sscanf(text, "%lu %lld", &p, &t) == 2 && p > 0 && t > 0) {
            *pid = (long)p;
            *since = (int64_t)t;
        }
    }
    CloseHandle(h);
}

int agent_os_lock_dir(const char *dir, char *err, size_t errsize)
{
    char path[MAX_PATH * 3 + 16];
    wchar_t *w;
    HANDLE h;
    DWORD code;
    int slot;

    for (slot = 0; slot < MAX_LOCKS && locks[slot]; slot++)
        ;
    if (slot == MAX_LOCKS) {
        snprintf(err, errsize, "too many locks");
        return -1;
    }
    snprintf(path, sizeof path, "%s\\agent.lock", dir);
    w = wide(path);
    if (!w) {
        snprintf(err, errsize, "%s: not a valid UTF-8 name", path);
        return -1;
    }
    /* No sharing: a second agent cannot open it while we hold it. */
    h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                    NULL);
    code = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        if (code == ERROR_SHARING_VIOLATION)
            snprintf(err, errsize, "another omadm-agent is using %s", dir);
        else
            agent_win_error(err, errsize, path, code);
        return -1;
    }
    locks[slot] = h;
    write_holder(dir);
    return slot;
}

int agent_os_lock_holder(const char *dir, long *pid, int64_t *since, char *err, size_t errsize)
{
    char path[MAX_PATH * 3 + 16];
    wchar_t *w;
    HANDLE h;
    DWORD code;

    *pid = 0; /* from agent.pid, written by the holder (write_holder) */
    *since = 0;
    snprintf(path, sizeof path, "%s\\agent.lock", dir);
    w = wide(path);
    if (!w) {
        snprintf(err, errsize, "%s: not a valid UTF-8 name", path);
        return -1;
    }
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    code = GetLastError();
    free(w);
    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        return 0;
    }
    if (code == ERROR_SHARING_VIOLATION) {
        read_holder(dir, pid, since);
        return 1;
    }
    if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND)
        return 0;
    agent_win_error(err, errsize, path, code);
    return -1;
}

void agent_os_unlock_dir(int handle)
{
    if (handle >= 0 && handle < MAX_LOCKS && locks[handle]) {
        CloseHandle(locks[handle]);
        locks[handle] = NULL;
    }
}

int agent_os_check_state_dir(const char *path, char *err, size_t errsize)
{
    wchar_t *w = wide(path);
    DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;

    free(w);
    if (attr == INVALID_FILE_ATTRIBUTES)
        return 1; /* created by the service at its first session */
    if (!(attr & FILE_ATTRIBUTE_DIRECTORY)) {
        snprintf(err, errsize, "not a directory");
        return -1;
    }
    return 0;
}

int agent_os_is_dir(const char *path)
{
    wchar_t *w = wide(path);
    DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;

    free(w);
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
}

int agent_os_native_platform(struct omadm_platform *out, const char *state_dir, int allow_restart)
{
    return (int)omadm_platform_win32_new(out, state_dir, allow_restart);
}

int agent_os_stderr_is_journal(void)
{
    return 0;
}

long agent_os_pid(void)
{
    return (long)GetCurrentProcessId();
}

int64_t agent_os_wall_time(void)
{
    return (int64_t)time(NULL);
}

int64_t agent_os_monotonic_ms(void)
{
    return (int64_t)GetTickCount64();
}

/* ---- console control events and the wait --------------------------------- */

/* Ctrl+C, Ctrl+Break, closing the console, log-off and shut-down stop the
 * agent as SIGTERM does on POSIX; the service code calls
 * agent_os_request_stop. The handler runs on its own thread: flags are
 * interlocked and the loop waits on an event. */
static volatile LONG stop_flag;
static volatile LONG sync_flag;
static HANDLE wake_event;

static BOOL WINAPI on_console(DWORD type)
{
    /* A service gets CTRL_LOGOFF_EVENT whenever any user logs off. */
    if (type == CTRL_LOGOFF_EVENT)
        return FALSE;
    if (InterlockedExchange(&stop_flag, 1))
        ExitProcess(1); /* second request: go now; durable state is complete */
    if (wake_event)
        SetEvent(wake_event);
    return TRUE;
}

int agent_os_signals_init(char *err, size_t errsize)
{
    if (!wake_event) {
        wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        if (!wake_event) {
            agent_win_error(err, errsize, "cannot create the wake-up event", GetLastError());
            return -1;
        }
    }
    InterlockedExchange(&stop_flag, 0);
    InterlockedExchange(&sync_flag, 0);
    if (!SetConsoleCtrlHandler(on_console, TRUE)) {
        agent_win_error(err, errsize, "cannot install the console handler", GetLastError());
        return -1;
    }
    return 0;
}

void agent_os_signals_reset(void)
{
    SetConsoleCtrlHandler(on_console, FALSE);
    InterlockedExchange(&stop_flag, 0);
    InterlockedExchange(&sync_flag, 0);
}

int agent_os_stop_requested(void)
{
    return InterlockedCompareExchange(&stop_flag, 0, 0) != 0;
}

void agent_os_request_stop(void)
{
    InterlockedExchange(&stop_flag, 1);
    if (wake_event)
        SetEvent(wake_event);
}

void agent_os_request_sync(void)
{
    InterlockedExchange(&sync_flag, 1);
    if (wake_event)
        SetEvent(wake_event);
}

enum agent_wake agent_os_wait(int64_t delay_ms)
{
    int64_t deadline = delay_ms >= 0 ? agent_os_monotonic_ms() + delay_ms : -1;

    for (;;) {
        DWORD timeout, rc;

        if (agent_os_stop_requested())
            return AGENT_WAKE_STOP;
        if (InterlockedExchange(&sync_flag, 0))
            return AGENT_WAKE_SYNC;
        if (deadline < 0) {
            timeout = INFINITE;
        } else {
            int64_t left = deadline - agent_os_monotonic_ms();
            if (left <= 0)
                return AGENT_WAKE_TIMEOUT;
            timeout = left >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)left;
        }
        rc = wake_event ? WaitForSingleObject(wake_event, timeout) : (Sleep(timeout), WAIT_TIMEOUT);
        if (rc == WAIT_FAILED)
            return AGENT_WAKE_ERROR;
    }
}
