/* SPDX-License-Identifier: Apache-2.0 */
/* On-demand sync: `omadm-agent sync` while a `run` agent (or the Windows
 * service) holds the state directory asks that agent for a session now and
 * prints that session's result, instead of failing on the lock.
 *
 * POSIX: a Unix socket "<state dir>/agent.sock" (private: 0600, in the
 * private state directory), served by a thread of the running agent. The
 * client sends "sync\n"; the agent starts a session (as SIGUSR1 does) and,
 * when the first session that started after the request ends, answers one
 * line "result=<state> session=<id> messages=<n> duration_ms=<ms>
 * error=<text>" and closes.
 * Windows: two named events per state directory (Global\omadm-agent-<hash>-
 * sync and -done): the client sets "sync", waits for "done", then reads the
 * last-session record. */
#ifndef AGENT_CTL_H
#define AGENT_CTL_H

#include <stddef.h>

#include "agent/device.h"

#define AGENT_CTL_SOCKET "agent.sock"
/* How long `sync` waits for the running agent's session. */
#define AGENT_CTL_WAIT_MS (15 * 60 * 1000)

typedef struct agent_ctl agent_ctl;

/* `run` side: starts serving requests for `state_dir` (locked by us).
 * 0, or -1 with a message (the agent runs on without it). */
int agent_ctl_start(agent_ctl **out, const char *state_dir, char *err, size_t errsize);
/* Stops serving (pending clients get "result=aborted") and frees. NULL ok. */
void agent_ctl_stop(agent_ctl *c);
/* Around each session of the run loop. NULL ok. */
void agent_ctl_session_begin(agent_ctl *c);
void agent_ctl_session_end(agent_ctl *c, const agent_session_result *res);

/* `sync` side, after the state lock was refused: asks the agent holding
 * `state_dir` for a session and prints its result on stdout. Returns 0 with
 * *exit_code set (0 completed, 1 failed) when an agent answered, -1 when
 * none did (err says why; the caller reports the lock error). */
int agent_ctl_request_sync(const char *state_dir, int *exit_code, char *err, size_t errsize);

#endif
