/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's log sink: one line per event,
 * "2026-11-25T09:00:00Z omadm-agent[1234]: info: message", to stderr or
 * appended to a file; under systemd (stderr is the journal) "<6>message". Installed as
 * libomadm's sink too (omadm_log_set), so library lines look the same.
 * Never pass secrets or key material. */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/log.h"

/* Opens the sink: `file` NULL = stderr. Returns 0, or -1 with a reason in
 * err (the file cannot be opened). Replaces any previous sink. */
int agent_log_open(omadm_log_level level, const char *file, char *err, size_t errsize);
/* Closes the file, if any, and goes back to stderr. */
void agent_log_close(void);

/* printf-style checking for the agent's formatting functions (the build
 * sets OMADM_PRINTF_ARCHETYPE to gnu_printf for mingw's ANSI stdio). */
#ifndef OMADM_PRINTF_ARCHETYPE
#define OMADM_PRINTF_ARCHETYPE printf
#endif
#if defined(__GNUC__)
#define AGENT_PRINTF(fmt_index, args_index)                                                        \
    __attribute__((format(OMADM_PRINTF_ARCHETYPE, fmt_index, args_index)))
#else
#define AGENT_PRINTF(fmt_index, args_index)
#endif

void agent_log(omadm_log_level level, const char *fmt, ...) AGENT_PRINTF(2, 3);

/* A second destination for every line the sink writes (the Windows service
 * copies them to the Event Log): `fn` gets the message without time stamp.
 * NULL removes it. Set while single-threaded. */
void agent_log_set_tee(void (*fn)(void *user, omadm_log_level level, const char *line), void *user);

/* Formats one line into buf (no newline): the time stamp (UTC), program
 * name, pid, level and message. For the sink and its tests. */
void agent_log_format(char *buf, size_t size, int64_t unix_seconds, long pid, omadm_log_level level,
                      const char *message);

/* The line for the systemd journal (stderr when agent_os_stderr_is_journal):
 * "<4>message", the sd-daemon(3) priority and the message only; journald
 * adds time, name and pid, and `journalctl -p warning` filters on it. */
void agent_log_format_journal(char *buf, size_t size, omadm_log_level level, const char *message);

/* The one line a session leaves behind. */
typedef struct agent_session_summary {
    const char *server;
    unsigned session_id;
    unsigned messages;
    const char *result; /* "completed", "failed", "aborted" */
    const char *error;  /* why it failed, "" or NULL otherwise */
    int64_t duration_ms;
} agent_session_summary;

void agent_log_session(const agent_session_summary *s);

#endif
