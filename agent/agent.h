/* SPDX-License-Identifier: Apache-2.0 */
/* The omadm-agent program: main() and the commands. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent/config.h"

/* The whole program; returns the exit code (enum agent_exit). */
int agent_main(int argc, char **argv);

/* The commands, each returning an exit code. `cfg` is complete and checked
 * for what the command needs. */
int agent_cmd_sync(const agent_config *cfg);
/* `run` enrolls first when it must (service_enroll.h) and renews the
 * enrollment's certificate in place before sessions: cfg changes. */
int agent_cmd_run(agent_config *cfg);
/* The command line `run` reloads its configuration from on SIGHUP (kept,
 * not copied: it must outlive the run). */
struct agent_cli;
void agent_run_set_reload(const struct agent_cli *cli);
int agent_cmd_status(const agent_config *cfg, int json);
/* `check`: one line per finding; `connect` adds a TLS handshake with the
 * server. AGENT_EXIT_OK, or AGENT_EXIT_USAGE when something is wrong. */
int agent_cmd_check(const agent_config *cfg, int connect);
/* `temp_state`: run on a temporary state directory (no --state-dir). */
int agent_cmd_replay(const agent_config *cfg, int temp_state, char **files, int n_files);

#endif
