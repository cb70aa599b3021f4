/* SPDX-License-Identifier: Apache-2.0 */
/* Internal logging: modules call omadm__log; the program installs a sink with
 * omadm_log_set (omadm/log.h). Never pass secrets or key material. */
#ifndef OMADM_CORE_LOG_H
#define OMADM_CORE_LOG_H

#include "core/compiler.h"
#include "omadm/log.h"

void omadm__log(omadm_log_level level, const char *fmt, ...) OMADM__PRINTF(2, 3);

#endif
