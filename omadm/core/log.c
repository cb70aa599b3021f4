/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static omadm_log_fn log_fn;
static void *log_user;
static omadm_log_level log_max = OMADM_LOG_INFO;

void omadm_log_set(omadm_log_fn fn, void *user, omadm_log_level max_level)
{
    log_fn = fn;
    log_user = user;
    log_max = max_level;
}

const char *omadm_log_level_name(omadm_log_level level)
{
    switch (level) {
    case OMADM_LOG_ERROR:
        return "error";
    case OMADM_LOG_WARN:
        return "warn";
    case OMADM_LOG_INFO:
        return "info";
    case OMADM_LOG_DEBUG:
        return "debug";
    }
    return "unknown";
}

void omadm__log(omadm_log_level level, const char *fmt, ...)
{
    /* Fixed-size line: logging must work when memory is short. */
    char line[1024];
    va_list ap;

    if (!log_fn || level > log_max)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_fn(log_user, level, line);
}
