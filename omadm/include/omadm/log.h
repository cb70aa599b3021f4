/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm logging: where the library's log lines go. */
#ifndef OMADM_LOG_H
#define OMADM_LOG_H

#include "omadm/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum omadm_log_level {
    OMADM_LOG_ERROR = 0,
    OMADM_LOG_WARN = 1,
    OMADM_LOG_INFO = 2,
    OMADM_LOG_DEBUG = 3
} omadm_log_level;

/* Receives one formatted line (no trailing newline), borrowed for the call. */
typedef void (*omadm_log_fn)(void *user, omadm_log_level level, const char *line);

/* Installs the sink and the most verbose level passed to it. fn NULL
 * discards every line (the default). Not thread-safe: call at start-up. */
OMADM_API void omadm_log_set(omadm_log_fn fn, void *user, omadm_log_level max_level);

/* "error", "warn", "info", "debug". Borrowed, static. */
OMADM_API const char *omadm_log_level_name(omadm_log_level level);

#ifdef __cplusplus
}
#endif
#endif
