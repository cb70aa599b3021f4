/* SPDX-License-Identifier: Apache-2.0 */
/* Event IDs of the Windows Application Event Log, one per kind of event so
 * that administrators can filter and alert on them. The numbers are the
 * MessageIds of agent/messages_win32.mc (a unit test keeps the two in
 * step); Event Viewer shows them as "Event ID". Portable: the log line
 * decides the kind, on any OS. */
#ifndef AGENT_EVENT_IDS_H
#define AGENT_EVENT_IDS_H

#include "omadm/log.h"

typedef enum agent_event_id {
    AGENT_EVENT_INFO = 1, /* any other line, by level */
    AGENT_EVENT_WARNING = 2,
    AGENT_EVENT_ERROR = 3,
    AGENT_EVENT_SERVICE_STARTED = 100,
    AGENT_EVENT_SERVICE_STOPPED = 101,
    AGENT_EVENT_SESSION_COMPLETED = 110,
    AGENT_EVENT_SESSION_FAILED = 111,
    AGENT_EVENT_RESTART_REQUESTED = 120,
    AGENT_EVENT_OUTCOME_REPORTED = 121,
    AGENT_EVENT_CONFIG_ERROR = 130
} agent_event_id;

/* The kind of a log line (as agent_log writes it, without time stamp). */
agent_event_id agent_event_id_of(omadm_log_level level, const char *line);

#endif
