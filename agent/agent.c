/* SPDX-License-Identifier: Apache-2.0 */
/* agent_main: command line, configuration, logging, then the command. */
#include "agent/agent.h"

#include <stdio.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/enroll.h"
#include "agent/log.h"
#include "agent/os.h"
#include "omadm/omadm.h"

static int usage_error(const char *msg)
{
    fprintf(stderr, "omadm-agent: %s\n", msg);
    return AGENT_EXIT_USAGE;
}

int agent_main(int argc, char **argv)
{
    agent_cli cli;
    agent_config cfg;
    char err[1024];
    int rc;

    if (agent_cli_parse(&cli, argc, argv, err, sizeof err) != AGENT_EXIT_OK)
        return usage_error(err);
    if (cli.help) {
        agent_cli_help(stdout, cli.command);
        return AGENT_EXIT_OK;
    }
    if (cli.version) {
        printf("omadm-agent %s\nlibomadm %s\n", OMADM_VERSION_STRING, omadm_version_string());
        if (agent_check_versions(OMADM_VERSION_NUMBER, omadm_version_number(), err, sizeof err) <
            0) {
            fprintf(stderr, "omadm-agent: %s\n", err);
            return AGENT_EXIT_FAILURE;
        }
        return AGENT_EXIT_OK;
    }
    if (cli.command == AGENT_CMD_SERVICE) {
        rc = agent_os_service_command(cli.n_args, cli.args, err, sizeof err);
        if (rc == AGENT_EXIT_USAGE)
            return usage_error(err);
        return rc;
    }
    rc = agent_cli_configure(&cli, &cfg, err, sizeof err);
    if (rc != AGENT_EXIT_OK && cli.command == AGENT_CMD_CHECK) {
        /* check reports even this as a finding */
        printf("error: %s\n", err);
        agent_config_free(&cfg);
        return rc;
    }
    if (rc != AGENT_EXIT_OK) {
        agent_config_free(&cfg);
        /* The Windows service: Event Log and a prompt stop, not a timeout */
        if (cli.command == AGENT_CMD_RUN && !cli.foreground &&
            agent_os_service_config_error(err) == 0)
            return rc;
        return usage_error(err);
    }
    if (agent_log_open(cfg.log_level, cfg.log_file, err, sizeof err) < 0) {
        char msg[1200];
        const agent_origin *o = &cfg.origin[AGENT_KEY_LOG_FILE];
        /* log_file comes only from the file: name the line */
        if (o->line > 0 && cfg.path)
            snprintf(msg, sizeof msg, "%s:%d: [agent] log_file: %s", cfg.path, o->line, err);
        else
            snprintf(msg, sizeof msg, "%s", err);
        agent_config_free(&cfg);
        if (cli.command == AGENT_CMD_RUN && !cli.foreground &&
            agent_os_service_config_error(msg) == 0)
            return AGENT_EXIT_USAGE;
        return usage_error(msg);
    }
    /* Not enrolled yet (or a cloned image) with [enroll] set: enroll first
     * (run does it itself, retrying while the server cannot be reached). */
    if (cli.command == AGENT_CMD_SYNC && cfg.enroll_pending &&
        agent_enroll_before_session(&cfg) < 0) {
        agent_log_close();
        agent_config_free(&cfg);
        return AGENT_EXIT_FAILURE;
    }
    /* A certificate in its renewal period is renewed first; a failure keeps
     * the current one (valid until it expires), so the session still runs.
     * run checks before each of its sessions. */
    if (cli.command == AGENT_CMD_SYNC && cfg.enrolled)
        agent_enroll_maybe_renew(&cfg);
    switch (cli.command) {
    case AGENT_CMD_ENROLL:
        rc = agent_cmd_enroll(&cfg);
        break;
    case AGENT_CMD_UNENROLL:
        rc = agent_cmd_unenroll(&cfg);
        break;
    case AGENT_CMD_RUN:
        agent_run_set_reload(&cli);
        rc = cli.foreground ? agent_cmd_run(&cfg) : agent_os_run_service(&cfg);
        break;
    case AGENT_CMD_SYNC:
        rc = agent_cmd_sync(&cfg);
        break;
    case AGENT_CMD_STATUS:
        rc = agent_cmd_status(&cfg, cli.json);
        break;
    case AGENT_CMD_CHECK:
        rc = agent_cmd_check(&cfg, cli.connect);
        break;
    case AGENT_CMD_REPLAY:
        rc = agent_cmd_replay(&cfg, !cli.state_dir_given, cli.args, cli.n_args);
        break;
    default:
        rc = AGENT_EXIT_USAGE;
        break;
    }
    agent_log_close();
    agent_config_free(&cfg);
    return rc;
}
