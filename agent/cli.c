/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing (getopt_long), configuration assembly and help. */
#include "agent/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent/enroll.h"
#include "agent/creds.h"
#include "agent/os.h"

enum opt_id {
    OPT_CONFIG = 256,
    OPT_SERVER,
    OPT_STATE_DIR,
    OPT_PLATFORM,
    OPT_CA,
    OPT_CERT,
    OPT_KEY,
    OPT_DEVICE_ID,
    OPT_LOG_LEVEL,
    OPT_HELP,
    OPT_VERSION,
    OPT_JSON,
    OPT_FOREGROUND,
    OPT_URL,
    OPT_USER,
    OPT_SECRET_FILE,
    OPT_TOKEN_FILE,
    OPT_CONNECT
};

static const struct option long_options[] = {
    { "config", required_argument, NULL, OPT_CONFIG },
    { "server", required_argument, NULL, OPT_SERVER },
    { "state-dir", required_argument, NULL, OPT_STATE_DIR },
    { "platform", required_argument, NULL, OPT_PLATFORM },
    { "ca", required_argument, NULL, OPT_CA },
    { "cert", required_argument, NULL, OPT_CERT },
    { "key", required_argument, NULL, OPT_KEY },
    { "device-id", required_argument, NULL, OPT_DEVICE_ID },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { "json", no_argument, NULL, OPT_JSON },
    { "foreground", no_argument, NULL, OPT_FOREGROUND },
    { "url", required_argument, NULL, OPT_URL },
    { "user", required_argument, NULL, OPT_USER },
    { "secret-file", required_argument, NULL, OPT_SECRET_FILE },
    { "token-file", required_argument, NULL, OPT_TOKEN_FILE },
    { "connect", no_argument, NULL, OPT_CONNECT },
    { NULL, 0, NULL, 0 },
};

/* Options that set a config value, and the key they set. */
static const struct {
    int id;
    const char *flag;
    agent_key key;
} value_options[] = {
    { OPT_SERVER, "--server", AGENT_KEY_URL },
    { OPT_STATE_DIR, "--state-dir", AGENT_KEY_STATE_DIR },
    { OPT_PLATFORM, "--platform", AGENT_KEY_PLATFORM },
    { OPT_CA, "--ca", AGENT_KEY_CA },
    { OPT_CERT, "--cert", AGENT_KEY_CERT },
    { OPT_KEY, "--key", AGENT_KEY_KEY },
    { OPT_DEVICE_ID, "--device-id", AGENT_KEY_DEVICE_ID },
    { OPT_LOG_LEVEL, "--log-level", AGENT_KEY_LOG_LEVEL },
    { OPT_URL, "--url", AGENT_KEY_ENROLL_URL },
    { OPT_USER, "--user", AGENT_KEY_ENROLL_USER },
    { OPT_SECRET_FILE, "--secret-file", AGENT_KEY_ENROLL_SECRET_FILE },
    { OPT_TOKEN_FILE, "--token-file", AGENT_KEY_ENROLL_TOKEN_FILE },
};

static const char *const command_names[] = {
    [AGENT_CMD_RUN] = "run",           [AGENT_CMD_SYNC] = "sync",
    [AGENT_CMD_STATUS] = "status",     [AGENT_CMD_REPLAY] = "replay",
    [AGENT_CMD_SERVICE] = "service",   [AGENT_CMD_ENROLL] = "enroll",
    [AGENT_CMD_UNENROLL] = "unenroll", [AGENT_CMD_CHECK] = "check",
    [AGENT_CMD_HELP] = "help",
};

#define N_COMMANDS ((int)(sizeof command_names / sizeof command_names[0]))

const char *agent_command_name(agent_command command)
{
    if ((int)command <= AGENT_CMD_NONE || (int)command >= N_COMMANDS)
        return NULL;
    return command_names[command];
}

/* The flag as typed, without "=value", for messages. */
static void typed_flag(const char *arg, char *buf, size_t size)
{
    size_t n = strcspn(arg, "=");

    snprintf(buf, size, "%.*s", (int)n, arg);
}

static int parse_help_command(agent_cli *cli, char *err, size_t errsize)
{
    cli->help = 1;
    cli->command = AGENT_CMD_NONE;
    if (cli->n_args > 1) {
        snprintf(err, errsize, "help takes at most one COMMAND");
        return AGENT_EXIT_USAGE;
    }
    if (cli->n_args == 1) {
        for (int k = AGENT_CMD_RUN; k < N_COMMANDS; k++) {
            if (k != AGENT_CMD_HELP && strcmp(cli->args[0], command_names[k]) == 0)
                cli->command = (agent_command)k;
        }
        if (cli->command == AGENT_CMD_NONE) {
            snprintf(err, errsize, "help: unknown command \"%s\" (see omadm-agent --help)",
                     cli->args[0]);
            return AGENT_EXIT_USAGE;
        }
    }
    cli->args = NULL;
    cli->n_args = 0;
    return AGENT_EXIT_OK;
}

int agent_cli_parse(agent_cli *cli, int argc, char **argv, char *err, size_t errsize)
{
    int c, index;

    memset(cli, 0, sizeof *cli);
    opterr = 0;
    optind = 0; /* full re-initialisation (glibc, mingw): tests parse often */
    while ((c = getopt_long(argc, argv, ":hv", long_options, &index)) != -1) {
        char typed[128];
        int known = 0;

        switch (c) {
        case OPT_CONFIG:
            if (!*optarg) {
                snprintf(err, errsize, "--config: empty value");
                return AGENT_EXIT_USAGE;
            }
            cli->config_path = optarg;
            continue;
        case 'h':
        case OPT_HELP:
            cli->help = 1;
            continue;
        case 'v':
        case OPT_VERSION:
            cli->version = 1;
            continue;
        case OPT_JSON:
            cli->json = 1;
            continue;
        case OPT_FOREGROUND:
            cli->foreground = 1;
            continue;
        case OPT_CONNECT:
            cli->connect = 1;
            continue;
        case ':':
            typed_flag(argv[optind - 1], typed, sizeof typed);
            /* mingw's getopt_long answers ':' (not '?') for "--flag=value"
             * on a flag that takes no value. */
            if (optopt >= 256 && strchr(argv[optind - 1], '=')) {
                snprintf(err, errsize, "%s takes no value", typed);
                return AGENT_EXIT_USAGE;
            }
            if (optopt && optopt < 256)
                snprintf(typed, sizeof typed, "-%c", optopt);
            snprintf(err, errsize, "%s needs a value", typed);
            return AGENT_EXIT_USAGE;
        case '?':
            if (optopt && optopt < 256) {
                snprintf(typed, sizeof typed, "-%c", optopt);
            } else if (optopt >= 256) {
                /* a value given to an option that takes none */
                typed_flag(argv[optind - 1], typed, sizeof typed);
                snprintf(err, errsize, "%s takes no value", typed);
                return AGENT_EXIT_USAGE;
            } else {
                typed_flag(argv[optind - 1], typed, sizeof typed);
            }
            snprintf(err, errsize, "unknown option %s (see omadm-agent --help)", typed);
            return AGENT_EXIT_USAGE;
        default:
            break;
        }
        for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++) {
            if (value_options[i].id != c)
                continue;
            if (cli->n_overrides == AGENT_CLI_MAX_OVERRIDES) {
                snprintf(err, errsize, "too many options");
                return AGENT_EXIT_USAGE;
            }
            cli->overrides[cli->n_overrides].key = value_options[i].key;
            cli->overrides[cli->n_overrides].flag = value_options[i].flag;
            cli->overrides[cli->n_overrides].value = optarg;
            cli->n_overrides++;
            if (c == OPT_STATE_DIR)
                cli->state_dir_given = 1;
            known = 1;
        }
        if (!known) {
            snprintf(err, errsize, "internal error: unhandled option");
            return AGENT_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        const char *name = argv[optind++];
        for (int k = AGENT_CMD_RUN; k < N_COMMANDS; k++) {
            if (command_names[k] && strcmp(name, command_names[k]) == 0)
                cli->command = (agent_command)k;
        }
        if (cli->command == AGENT_CMD_NONE) {
            snprintf(err, errsize, "unknown command \"%s\" (see omadm-agent --help)", name);
            return AGENT_EXIT_USAGE;
        }
        cli->args = argv + optind;
        cli->n_args = argc - optind;
    }
    if (cli->command == AGENT_CMD_HELP) /* "help [COMMAND]" is --help */
        return parse_help_command(cli, err, errsize);
    if (cli->help || cli->version)
        return AGENT_EXIT_OK;
    if (cli->command == AGENT_CMD_NONE) {
        snprintf(err, errsize, "no command given (see omadm-agent --help)");
        return AGENT_EXIT_USAGE;
    }
    if (cli->json && cli->command != AGENT_CMD_STATUS) {
        snprintf(err, errsize, "--json only applies to status");
        return AGENT_EXIT_USAGE;
    }
    if (cli->foreground && cli->command != AGENT_CMD_RUN) {
        snprintf(err, errsize, "--foreground only applies to run");
        return AGENT_EXIT_USAGE;
    }
    if (cli->connect && cli->command != AGENT_CMD_CHECK) {
        snprintf(err, errsize, "--connect only applies to check");
        return AGENT_EXIT_USAGE;
    }
    switch (cli->command) {
    case AGENT_CMD_REPLAY:
        if (cli->n_args == 0) {
            snprintf(err, errsize, "replay needs at least one FILE (a server message)");
            return AGENT_EXIT_USAGE;
        }
        break;
    case AGENT_CMD_SERVICE:
        break; /* the verbs are checked by the service code */
    default:
        if (cli->n_args > 0) {
            snprintf(err, errsize, "%s takes no arguments (got \"%s\")",
                     command_names[cli->command], cli->args[0]);
            return AGENT_EXIT_USAGE;
        }
    }
    return AGENT_EXIT_OK;
}

/* run and sync: what no restart can fix is a configuration error (exit 2),
 * found before anything runs: unusable TLS files, a state directory that
 * cannot be created. */
static int agent_cli_check_startup(const agent_config *cfg, char *err, size_t errsize)
{
    char why[700], where[700];

    if (agent_creds_validate(cfg, err, errsize) < 0)
        return -1;
    if (agent_os_make_dir(cfg->state_dir, why, sizeof why) < 0) {
        agent_config_origin(cfg, AGENT_KEY_STATE_DIR, where, sizeof where);
        snprintf(err, errsize, "%sstate directory %s: %s", where, cfg->state_dir, why);
        return -1;
    }
    return 0;
}

int agent_cli_configure(const agent_cli *cli, agent_config *cfg, char *err, size_t errsize)
{
    unsigned needs = 0;

    if (agent_config_init(cfg) < 0) {
        snprintf(err, errsize, "out of memory");
        return AGENT_EXIT_USAGE;
    }
    if (cli->config_path) {
        if (agent_config_load(cfg, cli->config_path, 0, err, errsize) < 0)
            return AGENT_EXIT_USAGE;
    } else if (agent_config_load(cfg, agent_os_default_config(), 1, err, errsize) < 0) {
        return AGENT_EXIT_USAGE;
    }
    for (unsigned i = 0; i < cli->n_overrides; i++) {
        if (agent_config_set_flag(cfg, cli->overrides[i].key, cli->overrides[i].flag,
                                  cli->overrides[i].value, err, errsize) < 0)
            return AGENT_EXIT_USAGE;
    }
    switch (cli->command) {
    case AGENT_CMD_RUN:
    case AGENT_CMD_SYNC:
        needs = AGENT_NEED_SERVER | AGENT_NEED_FILES;
        break;
    default:
        break;
    }
    /* An enrollment fills what the file and flags leave unset. */
    if (cli->command == AGENT_CMD_RUN || cli->command == AGENT_CMD_SYNC ||
        cli->command == AGENT_CMD_STATUS || cli->command == AGENT_CMD_UNENROLL) {
        if (agent_enroll_apply(cfg, err, errsize) < 0)
            return AGENT_EXIT_USAGE;
        if (cfg->enroll_pending) /* enrolls first, then knows its server */
            needs &= ~(unsigned)AGENT_NEED_SERVER;
    }
    if (cli->command == AGENT_CMD_UNENROLL)
        needs = AGENT_NEED_FILES;
    if (agent_config_check(cfg, needs, err, errsize) < 0)
        return AGENT_EXIT_USAGE;
    if ((needs & AGENT_NEED_FILES) && agent_cli_check_startup(cfg, err, errsize) < 0)
        return AGENT_EXIT_USAGE;
    return AGENT_EXIT_OK;
}

int agent_check_versions(int built, int running, char *err, size_t errsize)
{
    if (built == running)
        return 0;
    snprintf(err, errsize, "built against libomadm %d.%d.%d but running with libomadm %d.%d.%d",
             built / 1000000, built / 1000 % 1000, built % 1000, running / 1000000,
             running / 1000 % 1000, running % 1000);
    return -1;
}

static void print_options(FILE *out, agent_command command)
{
    fprintf(out,
            "Options (override the configuration file):\n"
            "  --config FILE           configuration file (default %s)\n"
            "  --server URL            the MDM server, an https:// URL\n"
            "  --device-id ID          this device's id (DevInfo/DevId), 1-64 characters\n"
            "  --ca FILE               CA certificates that verify the server\n"
            "  --cert FILE|STORE-PATH  client certificate: a PEM file, or a Windows store path\n"
            "  --key FILE              the client certificate's private key (owner-only mode)\n"
            "  --state-dir DIR         durable state (default %s)\n"
            "  --platform native|sim   device layer; sim keeps its state under DIR/sim\n"
            "  --log-level LEVEL       error, warn, info (default) or debug\n"
            "  --url URL               enroll: the discovery URL (no path: %s)\n"
            "  --user NAME             enroll: the user (OnPremise)\n"
            "  --secret-file FILE      enroll: the user's password, owner-only (OnPremise)\n"
            "  --token-file FILE       enroll: a security token, owner-only (Federated)\n",
            agent_os_default_config(), agent_os_default_state_dir(),
            "/EnrollmentServer/Discovery.svc");
    if (command == AGENT_CMD_NONE || command == AGENT_CMD_STATUS)
        fprintf(out, "  --json                  status: print one JSON object\n");
    if (command == AGENT_CMD_NONE || command == AGENT_CMD_RUN)
        fprintf(out, "  --foreground            run: stay in the foreground, not as a service\n");
    if (command == AGENT_CMD_NONE || command == AGENT_CMD_CHECK)
        fprintf(out, "  --connect               check: also a TLS handshake with the server\n");
    fprintf(out, "  -h, --help              this help; after a command, that command's help\n"
                 "  -v, --version           print the agent and libomadm versions\n");
}

void agent_cli_help(FILE *out, agent_command command)
{
    switch (command) {
    case AGENT_CMD_NONE:
        fprintf(out,
                "Usage: omadm-agent [OPTION]... COMMAND [ARG]...\n"
                "An OMA-DM (SyncML DM 1.2, MS-MDM) device management agent.\n"
                "\n"
                "Commands:\n"
                "  run                 a session now, then on the server's poll schedule and\n"
                "                      when a restart schedule fires; stops on SIGTERM/SIGINT\n"
                "  sync                one session now (all its messages), then exit\n"
                "  status [--json]     server, device, last session, outbox, pending restart\n"
                "                      and schedules\n"
                "  replay FILE...      offline, no network: print client message 1, then feed\n"
                "                      each FILE as the server's next message and print each\n"
                "                      reply\n"
                "  service install|uninstall|start|stop\n"
                "                      Windows: manage the omadm-agent service\n"
                "  enroll              join an MDM server (MS-MDE2): --url, and --user with\n"
                "                      --secret-file, or --token-file\n"
                "  unenroll            tell the server in one last session, then forget the\n"
                "                      enrollment\n"
                "  check [--connect]   check the configuration, CA, certificate and key (and\n"
                "                      with --connect a TLS handshake with the server)\n"
                "  help [COMMAND]      this help, or a command's\n"
                "\n");
        break;
    case AGENT_CMD_ENROLL:
        fprintf(out,
                "Usage: omadm-agent enroll --url URL [--ca FILE] [--user NAME]\n"
                "                          (--secret-file FILE | --token-file FILE) [OPTION]...\n"
                "Enrolls this device with an MDM server as Windows does (MS-MDE2: discovery,\n"
                "certificate policy, certificate request). The device key is made here and\n"
                "never leaves it; the issued certificate, the server's management URL and\n"
                "the device id are kept in the state directory, so that sync and run need\n"
                "no other setting. Exit 0 enrolled, 1 the server refused or could not be\n"
                "reached (nothing kept), 2 bad flags or files. [enroll] in the config file\n"
                "holds the same settings (url, ca, user, secret_file, token_file).\n"
                "\n");
        break;
    case AGENT_CMD_UNENROLL:
        fprintf(out, "Usage: omadm-agent unenroll [OPTION]...\n"
                     "Runs one last session that tells the server the user unenrolled (Alert\n"
                     "1226 com.microsoft:mdm.unenrollment.userrequest), then removes the\n"
                     "enrollment state. Exit 1 (state kept) when that session fails.\n"
                     "\n");
        break;
    case AGENT_CMD_CHECK:
        fprintf(out, "Usage: omadm-agent check [--connect] [OPTION]...\n"
                     "Loads the configuration, the CA file, the client certificate and its key\n"
                     "and prints one line per finding (ok:, warn:, error:): whether key and\n"
                     "certificate match, whether the certificate is valid now, whether its CN is\n"
                     "the device id, the key file's mode, missing or unreadable files, the state\n"
                     "directory. --connect then performs a TLS handshake with the server, with\n"
                     "verification. Exit status 0 when nothing is wrong, 2 otherwise.\n"
                     "\n");
        break;
    case AGENT_CMD_HELP:
        break;
    case AGENT_CMD_RUN:
        fprintf(out, "Usage: omadm-agent run [OPTION]...\n"
                     "Runs a session at start-up, then on the DMClient poll schedule the server\n"
                     "sets (the [poll] interval until it does), when a restart schedule fires and\n"
                     "when an outcome waits to be reported. Failed sessions are retried with a\n"
                     "growing delay. SIGTERM or SIGINT stops it after the current message (exit\n"
                     "0); a second signal stops it at once. SIGUSR1 asks for a session now.\n"
                     "\n");
        break;
    case AGENT_CMD_SYNC:
        fprintf(out, "Usage: omadm-agent sync [OPTION]...\n"
                     "Runs one session with the server, all its messages, then exits: 0 when the\n"
                     "session completed, 1 when it failed. A restart the server asked for is\n"
                     "requested before the program exits.\n"
                     "\n");
        break;
    case AGENT_CMD_STATUS:
        fprintf(out,
                "Usage: omadm-agent status [--json] [OPTION]...\n"
                "Shows whether an agent is running (pid, since when), the server, the device\n"
                "id, the last session (result, time, messages), the outbox, a pending restart\n"
                "and the last restart outcomes in words, the restart schedules and the poll\n"
                "schedule. --json prints the same as one JSON object, raw records included.\n"
                "Exit status: 0 the last session completed (or none has run yet), 1 it\n"
                "failed, 3 nothing is configured (no server URL), 2 usage or configuration\n"
                "error.\n"
                "\n");
        break;
    case AGENT_CMD_REPLAY:
        fprintf(out, "Usage: omadm-agent replay [OPTION]... FILE...\n"
                     "Runs a session offline, with no network: prints client message 1, then\n"
                     "feeds each FILE as the server's next message and prints the reply, each\n"
                     "message followed by a separator line. Uses the same session code and\n"
                     "platform as sync, on a temporary state directory unless --state-dir is\n"
                     "given; never requests a restart. For debugging and benchmarks.\n"
                     "\n");
        break;
    case AGENT_CMD_SERVICE:
        fprintf(out, "Usage: omadm-agent service install|uninstall|start|stop [OPTION]...\n"
                     "Windows only: registers, removes, starts or stops the omadm-agent service.\n"
                     "\n");
        break;
    }
    print_options(out, command);
    if (command == AGENT_CMD_NONE)
        fprintf(out, "\nExit status: 0 success, 1 session or runtime failure, 2 usage or "
                     "configuration error.\n"
                     "Run 'omadm-agent COMMAND --help' for a command's help.\n");
}
