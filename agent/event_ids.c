/* SPDX-License-Identifier: Apache-2.0 */
/* Event IDs from log lines (event_ids.h). */
#include "agent/event_ids.h"

#include <string.h>

static int starts(const char *line, const char *prefix)
{
    return strncmp(line, prefix, strlen(prefix)) == 0;
}

agent_event_id agent_event_id_of(omadm_log_level level, const char *line)
{
    if (starts(line, "service: running"))
        return AGENT_EVENT_SERVICE_STARTED;
    if (starts(line, "service: stopped"))
        return AGENT_EVENT_SERVICE_STOPPED;
    if (starts(line, "session: server=")) {
        /* the first result= is the session's; an error text comes later */
        const char *r = strstr(line, " result=");
        return r && starts(r, " result=completed ") ? AGENT_EVENT_SESSION_COMPLETED
                                                    : AGENT_EVENT_SESSION_FAILED;
    }
    /* The platform's line, when it asks the system (whatever it answers);
     * the lifecycle's "reboot: restart requested" after it is plain info. */
    if (starts(line, "restart requested (deadline ") ||
        starts(line, "sim: restart requested (deadline "))
        return AGENT_EVENT_RESTART_REQUESTED;
    if (starts(line, "restart outcome reported: "))
        return AGENT_EVENT_OUTCOME_REPORTED;
    if (starts(line, "configuration error: ") || starts(line, "reload failed, "))
        return AGENT_EVENT_CONFIG_ERROR;
    if (starts(line, AGENT_EVENT_PREFIX_ENROLL_STARTED))
        return AGENT_EVENT_ENROLL_STARTED;
    if (starts(line, AGENT_EVENT_PREFIX_ENROLL_SUCCEEDED))
        return AGENT_EVENT_ENROLL_SUCCEEDED;
    if (starts(line, AGENT_EVENT_PREFIX_ENROLL_FAILED) ||
        starts(line, AGENT_EVENT_PREFIX_ENROLL_NOT_APPLIED))
        return AGENT_EVENT_ENROLL_FAILED;
    if (starts(line, AGENT_EVENT_PREFIX_ENROLL_RENEWED))
        return AGENT_EVENT_ENROLL_RENEWED;
    if (starts(line, AGENT_EVENT_PREFIX_ENROLL_RENEW_FAILED) ||
        starts(line, AGENT_EVENT_PREFIX_ENROLL_EXPIRED))
        return AGENT_EVENT_ENROLL_RENEW_FAILED;
    if (starts(line, AGENT_EVENT_PREFIX_UNENROLLED))
        return AGENT_EVENT_UNENROLLED;
    return level == OMADM_LOG_ERROR  ? AGENT_EVENT_ERROR
           : level == OMADM_LOG_WARN ? AGENT_EVENT_WARNING
                                     : AGENT_EVENT_INFO;
}
