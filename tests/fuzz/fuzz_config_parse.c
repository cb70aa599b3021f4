/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the agent's configuration file (agent/config.h), INI
 * text parsed with inih.
 *
 * The input is the file's text (up to its first NUL). It is parsed twice:
 * as it is, and after a first line that sets auth_secret to a canary.
 * Checked: an error is one line starting "PATH:LINE: " with LINE within the
 * text; the canary secret never appears in an error (unless the text itself
 * holds it elsewhere); what parses holds only
 * values the agent's own checks accept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH   "fuzz.conf"
#define CANARY "Canary-S3cret-7d41"

static void check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_config_parse: %s%s%s\n", what, detail ? ": " : "",
                detail ? detail : "");
        abort();
    }
}

static int count_lines(const char *text)
{
    int n = 1;

    for (; *text; text++)
        if (*text == '\n')
            n++;
    return n;
}

static void check_error(const char *err, int lines)
{
    const char *p = err + strlen(PATH ":");
    char *end;
    long line;

    check(strncmp(err, PATH ":", strlen(PATH ":")) == 0, "error does not name the file", err);
    line = strtol(p, &end, 10);
    check(end != p && *end == ':', "error does not name the line", err);
    check(line >= 1 && line <= lines, "error names a line outside the text", err);
    check(strchr(err, '\n') == NULL, "error is not one line", err);
}

static void check_config(const agent_config *cfg)
{
    char why[512];

    check(cfg->state_dir != NULL, "no state directory", NULL);
    check(cfg->platform == AGENT_PLATFORM_NATIVE || cfg->platform == AGENT_PLATFORM_SIM,
          "platform out of range", NULL);
    check((unsigned)cfg->log_level <= OMADM_LOG_DEBUG, "log level out of range", NULL);
    check(cfg->poll_interval >= 1 && cfg->poll_interval <= 30u * 86400u,
          "poll interval out of range", NULL);
    if (cfg->server_url)
        check(agent_config_check_url(cfg->server_url, why, sizeof why) == 0,
              "accepted a URL its own check refuses", cfg->server_url);
    if (cfg->device_id)
        check(agent_config_check_device_id(cfg->device_id, why, sizeof why) == 0,
              "accepted a device id its own check refuses", cfg->device_id);
}

/* `with_canary`: text starts with the canary line and the rest does not
 * hold the canary (an error may quote a value that does). */
static void parse(const char *text, int with_canary)
{
    agent_config cfg;
    char err[1024];

    check(agent_config_init(&cfg) == 0, "out of memory", NULL);
    err[0] = '\0';
    if (agent_config_parse_string(&cfg, PATH, text, err, sizeof err) == 0) {
        check_config(&cfg);
        if (with_canary && cfg.auth_secret)
            check(strcmp(cfg.auth_secret, CANARY) == 0, "canary secret replaced", NULL);
    } else {
        check_error(err, count_lines(text));
        if (with_canary)
            check(strstr(err, CANARY) == NULL, "the secret appears in an error", err);
    }
    agent_config_free(&cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char canary_line[] = "[server]\nauth_secret = " CANARY "\n";
    char *text = malloc(sizeof canary_line + size);

    if (!text)
        abort();
    memcpy(text, canary_line, sizeof canary_line - 1);
    memcpy(text + sizeof canary_line - 1, data, size);
    text[sizeof canary_line - 1 + size] = '\0';
    parse(text + sizeof canary_line - 1, 0);
    parse(text, strstr(text + sizeof canary_line - 1, CANARY) == NULL);
    free(text);
    return 0;
}
