/* SPDX-License-Identifier: Apache-2.0 */
/* `status` in words: durations, the poll schedule, a pending restart and a
 * restart outcome as sentences an administrator reads without the design
 * document. Pure functions (tests call them with fixed values). */
#ifndef AGENT_STATUS_WORDS_H
#define AGENT_STATUS_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/outcomes.h"
#include "agent/poll_schedule.h"
#include "omadm/restart.h"

/* "90 seconds", "15 minutes", "1 hour", "2 days". */
void agent_words_duration(int64_t seconds, char *buf, size_t size);

/* "every 15 minutes until the server sets a schedule" or "every 60
 * minutes, 3 times, then every 1 day from then on (set by the server)". */
void agent_words_poll_plan(const agent_poll_plan *plan, int from_server, char *buf, size_t size);

/* "the server's RebootNow (command 5b0e...), accepted at T: requested from
 * the system at T, to happen by T" and the like. */
void agent_words_pending(const omadm_restart_pending *p, char *buf, size_t size);

/* "restarted: the server's RebootNow (command 5b0e...), requested T;
 * reported to the server" and the like. */
void agent_words_outcome(const agent_outcome *o, char *buf, size_t size);

#endif
