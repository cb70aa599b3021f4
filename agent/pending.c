/* Temporary: commands whose library modules have not landed yet. */
#include <stdio.h>

#include "agent/agent.h"
#include "agent/cli.h"

static int not_yet(const char *what)
{
    fprintf(stderr, "omadm-agent: %s: not available in this build yet\n", what);
    return AGENT_EXIT_FAILURE;
}

int agent_cmd_sync(const agent_config *cfg)
{
    (void)cfg;
    return not_yet("sync");
}

int agent_cmd_run(const agent_config *cfg)
{
    (void)cfg;
    return not_yet("run");
}

int agent_cmd_status(const agent_config *cfg, int json)
{
    (void)cfg;
    (void)json;
    return not_yet("status");
}

int agent_cmd_replay(const agent_config *cfg, int temp_state, char **files, int n_files)
{
    (void)cfg;
    (void)temp_state;
    (void)files;
    (void)n_files;
    return not_yet("replay");
}
