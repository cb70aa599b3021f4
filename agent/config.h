/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's configuration: an INI file (inih) plus command-line overrides.
 *
 *   [server] url, device_id, auth_name, auth_secret, user_agent, proxy,
 *            max_inbound_size
 *   [tls]    ca, cert, key
 *   [agent]  state_dir, platform (native|sim), log_level, log_file, csp_dir
 *   [poll]   initial_interval (until the server sets DMClient's poll schedule)
 *   [enroll] url, ca, user, secret_file, token_file, retry_interval (MS-MDE2
 *            enrollment)
 *   [push]   url, period, server_id, server_secret, server_nonce (push.h)
 *
 * Every error is one line naming where the bad value came from:
 * "FILE:LINE: ..." for the file, "--flag: ..." for the command line. */
#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H

#include <stddef.h>

#include "omadm/log.h"

typedef enum agent_platform_kind {
    AGENT_PLATFORM_NATIVE = 0,
    AGENT_PLATFORM_SIM
} agent_platform_kind;

/* The settings, in the order of the table in config.c. */
typedef enum agent_key {
    AGENT_KEY_URL = 0,
    AGENT_KEY_DEVICE_ID,
    AGENT_KEY_AUTH_NAME,
    AGENT_KEY_AUTH_SECRET,
    AGENT_KEY_CA,
    AGENT_KEY_CERT,
    AGENT_KEY_KEY,
    AGENT_KEY_STATE_DIR,
    AGENT_KEY_PLATFORM,
    AGENT_KEY_LOG_LEVEL,
    AGENT_KEY_LOG_FILE,
    AGENT_KEY_POLL_INTERVAL,
    AGENT_KEY_USER_AGENT,
    AGENT_KEY_PROXY,
    AGENT_KEY_ENROLL_URL,
    AGENT_KEY_ENROLL_CA,
    AGENT_KEY_ENROLL_USER,
    AGENT_KEY_ENROLL_SECRET_FILE,
    AGENT_KEY_ENROLL_TOKEN_FILE,
    AGENT_KEY_PUSH_URL,
    AGENT_KEY_PUSH_PERIOD,
    AGENT_KEY_PUSH_SERVER_ID,
    AGENT_KEY_PUSH_SECRET,
    AGENT_KEY_PUSH_NONCE,
    AGENT_KEY_CSP_DIR,
    AGENT_KEY_MAX_INBOUND_SIZE,
    AGENT_KEY_ENROLL_RETRY,
    AGENT_KEY_COUNT
} agent_key;

/* Where a value came from. */
typedef struct agent_origin {
    int line;         /* line in config->path, 0 when not from the file */
    const char *flag; /* "--server"... when from the command line; static */
} agent_origin;

typedef struct agent_config {
    char *path; /* the file read, NULL when none was */
    /* Strings are owned by the config (agent_config_free), NULL when unset. */
    char *server_url;
    char *device_id;
    char *auth_name;
    char *auth_secret; /* never logged, never printed */
    char *ca_file;
    char *cert; /* a file, or a certificate store path on Windows */
    char *key_file;
    char *state_dir; /* never NULL after agent_config_init */
    char *log_file;
    char *user_agent; /* HTTP User-Agent; NULL = "MSFT OMA DM Client/1.2.0.1" */
    char *proxy;      /* proxy URL, "none" for no proxy; NULL = from the
                         environment (https_proxy, no_proxy...) */
    char *csp_dir;    /* CSP plugins; NULL = agent_plugin_os_default_dir() */
    agent_platform_kind platform;
    omadm_log_level log_level;
    unsigned poll_interval; /* seconds; default 900 */
    /* Push channel (agent/push.h); push_url NULL = none configured. */
    char *push_url;
    unsigned push_period;    /* long-poll period until the server names one;
                                seconds, default 600 */
    char *push_server_id;    /* notifications must name this server */
    char *push_secret;       /* digest password; never logged, never printed */
    char *push_nonce;        /* digest nonce; NULL = OMADM_NOTIFY_RESET_NONCE */
    size_t max_inbound_size; /* bytes: the largest server message read and
                                parsed; 0 = 4 MiB (OMADM_SESSION_DEFAULT_MAX_INBOUND) */
    agent_origin origin[AGENT_KEY_COUNT];

    /* [enroll]: where and how to enroll (owned, NULL when unset) */
    char *enroll_url; /* discovery URL; no path = /EnrollmentServer/Discovery.svc */
    char *enroll_ca;  /* CA that verifies the enrollment server; NULL = [tls] ca */
    char *enroll_user;
    char *enroll_secret_file; /* OnPremise password, owner-only file */
    char *enroll_token_file;  /* Federated token, owner-only file */
    unsigned enroll_retry;    /* run: first retry while the server is unreachable,
                                 seconds (doubling, jittered, capped); default 30 */
    /* From the enrollment state (agent_enroll_apply), owned, NULL = none */
    char *enrolled_cert_pem;
    char *enrolled_key_pem; /* secret */
    char *enrolled_ca_pem;
    int enrolled;            /* the state applies: Alert 1224 in package 1 */
    char *enrolled_provider; /* its PROVIDER-ID (the DMAcc account), owned */
    int enroll_pending;      /* sync/run enroll first (none yet, or a cloned image) */
    int unenroll_request;    /* this session carries the unenrollment alert */
} agent_config;

/* Sets the defaults (state directory per OS, native platform, info level,
 * 15-minute poll). Returns 0, -1 when out of memory. */
int agent_config_init(agent_config *cfg);
void agent_config_free(agent_config *cfg);

/* Parses INI text as if read from `path` (used in messages). Later values
 * replace earlier ones. Returns 0, or -1 with "PATH:LINE: ..." in err. */
int agent_config_parse_string(agent_config *cfg, const char *path, const char *text, char *err,
                              size_t errsize);

/* Reads and parses the file at `path`, checking its permissions (see
 * agent_os_check_config_mode). When `optional` is non-zero a missing file
 * is not an error (the default path). Returns 0, or -1 with a message. */
int agent_config_load(agent_config *cfg, const char *path, int optional, char *err, size_t errsize);

/* Sets one value from the command line option `flag` (static string, e.g.
 * "--server"), validating it. Returns 0, or -1 with "--flag: ..." in err. */
int agent_config_set_flag(agent_config *cfg, agent_key key, const char *flag, const char *value,
                          char *err, size_t errsize);

/* What a command needs from the configuration. */
enum agent_need {
    AGENT_NEED_SERVER = 1u << 0, /* url and device id */
    AGENT_NEED_FILES = 1u << 1   /* ca, cert and key readable, key private */
};

/* Final checks once file and flags are applied: required values present,
 * files readable, key file private. Returns 0, or -1 with a message naming
 * the flag or FILE:LINE the value came from. */
int agent_config_check(const agent_config *cfg, unsigned needs, char *err, size_t errsize);

/* Where the value of `key` came from, as a message prefix: "--flag: ",
 * "FILE:LINE: [section] name: " or "[section] name: ". */
void agent_config_origin(const agent_config *cfg, agent_key key, char *buf, size_t size);

/* Parsers shared with the tests. Each returns 0, or -1 with a reason. */
int agent_config_check_url(const char *url, char *err, size_t errsize);
int agent_config_check_device_id(const char *id, char *err, size_t errsize);
/* "15" (minutes), "90s", "15m", "2h", "1d"; 1 second to 30 days. */
int agent_config_parse_interval(const char *text, unsigned *seconds, char *err, size_t errsize);
/* A size in bytes, with an optional K or M suffix (binary: 1K = 1024),
 * from 64K to 64M. Returns 0, or -1 with the reason in err. */
int agent_config_parse_size(const char *text, size_t *bytes, char *err, size_t errsize);
int agent_config_parse_level(const char *text, omadm_log_level *level);

const char *agent_platform_name(agent_platform_kind kind);

#endif
