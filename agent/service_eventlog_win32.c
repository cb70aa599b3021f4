/* SPDX-License-Identifier: Apache-2.0 */
/* The service's Application Event Log source: registration, and one
 * report per log line with the Event ID of its kind (event_ids.h,
 * messages_win32.mc). */
#include "agent/service_win32_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "agent/event_ids.h"
#include "messages_win32.h"
#include "platform/win32/wstr.h"

#define EVENT_SOURCE_KEY                                                                           \
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" SERVICE_NAME_W

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
    case AGENT_EVENT_ENROLL_STARTED:
        return AGENT_MSG_ENROLL_STARTED;
    case AGENT_EVENT_ENROLL_SUCCEEDED:
        return AGENT_MSG_ENROLL_SUCCEEDED;
    case AGENT_EVENT_ENROLL_FAILED:
        return AGENT_MSG_ENROLL_FAILED;
    case AGENT_EVENT_ENROLL_RENEWED:
        return AGENT_MSG_ENROLL_RENEWED;
    case AGENT_EVENT_ENROLL_RENEW_FAILED:
        return AGENT_MSG_ENROLL_RENEW_FAILED;
    case AGENT_EVENT_UNENROLLED:
        return AGENT_MSG_UNENROLLED;
    case AGENT_EVENT_ERROR:
        return AGENT_MSG_ERROR;
    case AGENT_EVENT_WARNING:
        return AGENT_MSG_WARNING;
    case AGENT_EVENT_INFO:
    default:
        return AGENT_MSG_INFO;
    }
}

void agent_service_event_report(omadm_log_level level, const char *line)
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

void agent_service_event_report_once(const char *line)
{
    HANDLE h = RegisterEventSourceW(NULL, SERVICE_NAME_W);

    if (!h)
        return;
    event_source = h;
    agent_service_event_report(OMADM_LOG_ERROR, line);
    event_source = NULL;
    DeregisterEventSource(h);
}

void agent_service_event_tee(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    agent_service_event_report(level, line);
}

int agent_service_register_event_source(const wchar_t *exe, char *err, size_t errsize)
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
        agent_win_error(err, errsize, "cannot register the Event Log source", (DWORD)r);
        return -1;
    }
    return 0;
}

void agent_service_unregister_event_source(void)
{
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, EVENT_SOURCE_KEY);
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, EVENT_SOURCE_KEY);
}

void agent_service_event_open(void)
{
    event_source = RegisterEventSourceW(NULL, SERVICE_NAME_W);
}

void agent_service_event_close(void)
{
    if (event_source)
        DeregisterEventSource(event_source);
    event_source = NULL;
}
