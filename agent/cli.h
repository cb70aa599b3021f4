/* SPDX-License-Identifier: Apache-2.0 */
/* The command line: `omadm-agent [OPTION]... COMMAND [ARG]...` (DESIGN §4).
 * Options may come before or after the command. */
#ifndef AGENT_CLI_H
#define AGENT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "agent/config.h"

enum agent_exit {
    AGENT_EXIT_OK = 0,      /* success */
    AGENT_EXIT_FAILURE = 1, /* a session or runtime failure */
    AGENT_EXIT_USAGE = 2,   /* usage or configuration error */
    /* status only: nothing configured (no server URL) */
    AGENT_EXIT_STATUS_UNCONFIGURED = 3
};

typedef enum agent_command {
    AGENT_CMD_NONE = 0,
    AGENT_CMD_RUN,
    AGENT_CMD_SYNC,
    AGENT_CMD_STATUS,
    AGENT_CMD_REPLAY,
    AGENT_CMD_SERVICE,
    AGENT_CMD_ENROLL,
    AGENT_CMD_UNENROLL,
    AGENT_CMD_CHECK, /* check [--connect] (agent/check.c) */
    AGENT_CMD_HELP   /* help [COMMAND]: the same as --help */
} agent_command;

#define AGENT_CLI_MAX_OVERRIDES 32

/* A parsed command line. Strings are borrowed from argv. */
typedef struct agent_cli {
    agent_command command;
    int help, version, json, foreground;
    int connect;             /* check --connect */
    const char *config_path; /* --config, NULL = the default */
    int state_dir_given;     /* --state-dir was passed */
    struct {
        agent_key key;
        const char *flag; /* canonical "--server"...; static */
        const char *value;
    } overrides[AGENT_CLI_MAX_OVERRIDES];
    unsigned n_overrides;
    char **args; /* the command's arguments (replay files, service verb) */
    int n_args;
} agent_cli;

/* Parses argv. Returns AGENT_EXIT_OK, or AGENT_EXIT_USAGE with one line
 * (no program name, no newline) in err. argv may be permuted. */
int agent_cli_parse(agent_cli *cli, int argc, char **argv, char *err, size_t errsize);

/* Builds the configuration: defaults, the config file (--config, or the
 * default path when it exists), then the options in order, then the checks
 * the command needs. Returns AGENT_EXIT_OK or AGENT_EXIT_USAGE with err. */
int agent_cli_configure(const agent_cli *cli, agent_config *cfg, char *err, size_t errsize);

/* Prints the program's help (AGENT_CMD_NONE) or a command's. */
void agent_cli_help(FILE *out, agent_command command);

/* "run", "sync"...; NULL for AGENT_CMD_NONE. */
const char *agent_command_name(agent_command command);

/* The --version check: 0 when the library the agent runs with is the one
 * it was built against; otherwise -1 and a message. */
int agent_check_versions(int built, int running, char *err, size_t errsize);

#endif
