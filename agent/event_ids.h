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
    AGENT_EVENT_CONFIG_ERROR = 130,
    /* Enrollment (agent/enroll.c, enroll_renew.c): the lines begin with the
     * AGENT_EVENT_PREFIX_ENROLL_* texts below. */
    AGENT_EVENT_ENROLL_STARTED = 140,
    AGENT_EVENT_ENROLL_SUCCEEDED = 141,
    AGENT_EVENT_ENROLL_FAILED = 142,
    AGENT_EVENT_ENROLL_RENEWED = 143,
    AGENT_EVENT_ENROLL_RENEW_FAILED = 144,
    AGENT_EVENT_UNENROLLED = 145
} agent_event_id;

/* How an enrollment line begins, for its Event ID: code that enrolls logs
 * through agent_log() with these prefixes (the Windows service sends every
 * agent_log() line to the Event Log, so nothing else is needed), e.g.
 *   agent_log(OMADM_LOG_ERROR, AGENT_EVENT_PREFIX_ENROLL_FAILED "%s", why);
 * Severity comes from the log level, as for any line. */
#define AGENT_EVENT_PREFIX_ENROLL_STARTED      "enrolling at "
#define AGENT_EVENT_PREFIX_ENROLL_SUCCEEDED    "enrolled with "
#define AGENT_EVENT_PREFIX_ENROLL_FAILED       "enrollment failed: "
#define AGENT_EVENT_PREFIX_ENROLL_NOT_APPLIED  "enrolled, but the state does not apply: "
#define AGENT_EVENT_PREFIX_ENROLL_RENEWED      "certificate renewed: "
#define AGENT_EVENT_PREFIX_ENROLL_RENEW_FAILED "certificate renewal failed: "
#define AGENT_EVENT_PREFIX_ENROLL_EXPIRED      "the enrollment certificate expired"
#define AGENT_EVENT_PREFIX_UNENROLLED          "unenrolled from "

/* The kind of a log line (as agent_log writes it, without time stamp). */
agent_event_id agent_event_id_of(omadm_log_level level, const char *line);

#endif
