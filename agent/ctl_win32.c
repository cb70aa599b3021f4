/* SPDX-License-Identifier: Apache-2.0 */
/* On-demand sync on Windows: named events per state directory (ctl.h). */
#include "agent/ctl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "agent/log.h"
#include "agent/os.h"

struct agent_ctl {
    HANDLE sync_event; /* auto-reset: a client asks for a session */
    HANDLE done_event; /* manual-reset: set when a session ends */
    HANDLE stop_event;
    HANDLE thread;
};

/* "Global\omadm-agent-<FNV-1a of the lower-cased state dir>-<what>". */
static void event_name(const char *state_dir, const char *what, wchar_t *out, size_t n)
{
    uint32_t h = 2166136261u;

    for (const char *p = state_dir; *p; p++) {
        h ^= (uint32_t)tolower((unsigned char)(*p == '/' ? '\\' : *p));
        h *= 16777619u;
    }
    _snwprintf(out, n, L"Global\\omadm-agent-%08lx-%hs", (unsigned long)h, what);
    out[n - 1] = L'\0';
}

static DWORD WINAPI ctl_main(LPVOID arg)
{
    agent_ctl *c = arg;
    HANDLE h[2] = { c->stop_event, c->sync_event };

    for (;;) {
        DWORD rc = WaitForMultipleObjects(2, h, FALSE, INFINITE);
        if (rc != WAIT_OBJECT_0 + 1)
            break;
        agent_log(OMADM_LOG_INFO, "sync requested by omadm-agent sync");
        agent_os_request_sync();
    }
    return 0;
}

int agent_ctl_start(agent_ctl **out, const char *state_dir, char *err, size_t errsize)
{
    agent_ctl *c = calloc(1, sizeof *c);
    wchar_t name[96];

    *out = NULL;
    if (!c) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    event_name(state_dir, "sync", name, sizeof name / sizeof name[0]);
    c->sync_event = CreateEventW(NULL, FALSE, FALSE, name);
    event_name(state_dir, "done", name, sizeof name / sizeof name[0]);
    c->done_event = CreateEventW(NULL, TRUE, FALSE, name);
    c->stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (c->sync_event && c->done_event && c->stop_event)
        c->thread = CreateThread(NULL, 0, ctl_main, c, 0, NULL);
    if (!c->thread) {
        snprintf(err, errsize, "cannot create the sync events (error %lu)",
                 (unsigned long)GetLastError());
        if (c->sync_event)
            CloseHandle(c->sync_event);
        if (c->done_event)
            CloseHandle(c->done_event);
        if (c->stop_event)
            CloseHandle(c->stop_event);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void agent_ctl_stop(agent_ctl *c)
{
    if (!c)
        return;
    SetEvent(c->stop_event);
    WaitForSingleObject(c->thread, INFINITE);
    CloseHandle(c->thread);
    CloseHandle(c->sync_event);
    CloseHandle(c->done_event);
    CloseHandle(c->stop_event);
    free(c);
}

void agent_ctl_session_begin(agent_ctl *c)
{
    if (c)
        ResetEvent(c->done_event);
}

void agent_ctl_session_end(agent_ctl *c, const agent_session_result *res)
{
    (void)res; /* the client reads the last-session record */
    if (c)
        SetEvent(c->done_event);
}

static int read_last(const char *state_dir, agent_last_session *ls)
{
    char path[1200], why[300], *data = NULL;
    size_t len = 0;
    unsigned mode = 0;
    int rc;

    snprintf(path, sizeof path, "%s\\%s", state_dir, AGENT_FILE_LAST_SESSION);
    memset(ls, 0, sizeof *ls);
    if (agent_os_read_file(path, 8192, &data, &len, &mode, why, sizeof why) < 0)
        return -1;
    rc = agent_last_session_parse(ls, data);
    free(data);
    return rc;
}

int agent_ctl_request_sync(const char *state_dir, int *exit_code, char *err, size_t errsize)
{
    wchar_t name[96];
    HANDLE sync_event, done_event;
    agent_last_session before, now;
    int64_t end = agent_os_monotonic_ms() + AGENT_CTL_WAIT_MS;
    int have_before = read_last(state_dir, &before) == 0;

    event_name(state_dir, "sync", name, sizeof name / sizeof name[0]);
    sync_event = OpenEventW(EVENT_MODIFY_STATE, FALSE, name);
    event_name(state_dir, "done", name, sizeof name / sizeof name[0]);
    done_event = OpenEventW(SYNCHRONIZE, FALSE, name);
    if (!sync_event || !done_event) {
        snprintf(err, errsize, "no running agent answers for %s (error %lu)", state_dir,
                 (unsigned long)GetLastError());
        if (sync_event)
            CloseHandle(sync_event);
        if (done_event)
            CloseHandle(done_event);
        return -1;
    }
    SetEvent(sync_event);
    while (agent_os_monotonic_ms() < end) {
        WaitForSingleObject(done_event, 1000);
        if (read_last(state_dir, &now) == 0 &&
            (!have_before || now.time != before.time || now.session_id != before.session_id ||
             now.duration_ms != before.duration_ms)) {
            printf("session %u (run by the running agent): %s, %u messages, %lld ms%s%s\n",
                   now.session_id, now.result, now.messages, (long long)now.duration_ms,
                   now.error[0] ? ": " : "", now.error);
            fflush(stdout);
            *exit_code = strcmp(now.result, "completed") == 0 ? 0 : 1;
            CloseHandle(sync_event);
            CloseHandle(done_event);
            return 0;
        }
    }
    CloseHandle(sync_event);
    CloseHandle(done_event);
    snprintf(err, errsize, "the running agent did not report a session in time");
    return -1;
}
