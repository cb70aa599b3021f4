/* SPDX-License-Identifier: Apache-2.0 */
/* Log sink: stderr or a file, one line per call, level filtered. */
#include "agent/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/os.h"

static FILE *log_out;
static omadm_log_level log_max = OMADM_LOG_INFO;
static int log_journal; /* stderr is the journal: "<N>message" lines */

void agent_log_format_journal(char *buf, size_t size, omadm_log_level level, const char *message)
{
    /* sd-daemon(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
    int prio = level == OMADM_LOG_ERROR  ? 3
               : level == OMADM_LOG_WARN ? 4
               : level == OMADM_LOG_INFO ? 6
                                         : 7;

    snprintf(buf, size, "<%d>%s", prio, message);
}

void agent_log_format(char *buf, size_t size, int64_t unix_seconds, long pid, omadm_log_level level,
                      const char *message)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    char stamp[32] = "1970-01-01T00:00:00Z";

#if defined(_WIN32)
    if (gmtime_s(&tm, &t) == 0)
#else
    if (gmtime_r(&t, &tm))
#endif
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(buf, size, "%s omadm-agent[%ld]: %s: %s", stamp, pid, omadm_log_level_name(level),
             message);
}

static void (*tee_fn)(void *user, omadm_log_level level, const char *line);
static void *tee_user;

void agent_log_set_tee(void (*fn)(void *user, omadm_log_level level, const char *line), void *user)
{
    tee_fn = fn;
    tee_user = user;
}

static void sink(void *user, omadm_log_level level, const char *line)
{
    char out[1200];
    FILE *f = log_out ? log_out : stderr;

    (void)user;
    if (log_journal && !log_out)
        agent_log_format_journal(out, sizeof out, level, line);
    else
        agent_log_format(out, sizeof out, agent_os_wall_time(), agent_os_pid(), level, line);
    /* One fputs of the whole line keeps lines whole when several
     * processes share the file (opened for append). */
    strncat(out, "\n", sizeof out - strlen(out) - 1);
    fputs(out, f);
    fflush(f);
    if (tee_fn)
        tee_fn(tee_user, level, line);
}

int agent_log_open(omadm_log_level level, const char *file, char *err, size_t errsize)
{
    agent_log_close();
    if (file) {
        log_out = fopen(file, "a");
        if (!log_out) {
            snprintf(err, errsize, "%s: cannot open: %s", file, strerror(errno));
            return -1;
        }
    }
    log_journal = !file && agent_os_stderr_is_journal();
    log_max = level;
    omadm_log_set(sink, NULL, level);
    return 0;
}

void agent_log_close(void)
{
    if (log_out)
        fclose(log_out);
    log_out = NULL;
}

void agent_log(omadm_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (level > log_max)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sink(NULL, level, line);
}

void agent_log_session(const agent_session_summary *s)
{
    int failed = s->error && *s->error;

    agent_log(failed ? OMADM_LOG_WARN : OMADM_LOG_INFO,
              "session: server=%s id=%u messages=%u result=%s duration=%lld.%03llds%s%s",
              s->server ? s->server : "-", s->session_id, s->messages, s->result ? s->result : "-",
              (long long)(s->duration_ms / 1000), (long long)(s->duration_ms % 1000),
              failed ? " error=" : "", failed ? s->error : "");
}
