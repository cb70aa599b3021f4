/* SPDX-License-Identifier: Apache-2.0 */
/* `check [--connect]`: is this configuration ready to run? One line per
 * finding ("ok: ", "warn: ", "error: "), exit 0 without errors, 2 with. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#if !defined(_WIN32)
#include <poll.h>
#endif

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/creds.h"
#include "agent/os.h"
#include "agent/log.h"
#include "omadm/cert.h"

struct check {
    FILE *out;
    unsigned errors, warnings;
};

static void finding(void *user, agent_finding level, const char *text)
{
    struct check *c = user;
    static const char *const names[] = { "ok", "warn", "error" };

    if (level == AGENT_FINDING_ERROR)
        c->errors++;
    else if (level == AGENT_FINDING_WARN)
        c->warnings++;
    fprintf(c->out, "%s: %s\n", names[level], text);
}

static void say(struct check *c, agent_finding level, const char *fmt, ...) AGENT_PRINTF(3, 4);

static void say(struct check *c, agent_finding level, const char *fmt, ...)
{
    char line[1400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    finding(c, level, line);
}

static void check_settings(struct check *c, const agent_config *cfg)
{
    const char *file = cfg->path ? cfg->path : agent_os_default_config();
    char err[1200];
    int rc;

    if (cfg->path)
        say(c, AGENT_FINDING_OK, "configuration %s", cfg->path);
    else
        say(c, AGENT_FINDING_WARN, "no configuration file (%s): defaults and options only", file);
    if (cfg->server_url)
        say(c, AGENT_FINDING_OK, "server %s", cfg->server_url);
    else
        say(c, AGENT_FINDING_ERROR, "no server URL: set [server] url in %s or pass --server", file);
    if (cfg->device_id)
        say(c, AGENT_FINDING_OK, "device id %s", cfg->device_id);
    else
        say(c, AGENT_FINDING_ERROR,
            "no device id: set [server] device_id in %s or pass --device-id", file);
    if (agent_config_check(cfg, 0, err, sizeof err) < 0)
        say(c, AGENT_FINDING_ERROR, "%s", err);
    rc = agent_os_check_state_dir(cfg->state_dir, err, sizeof err);
    if (rc < 0)
        say(c, AGENT_FINDING_ERROR, "state directory %s: %s", cfg->state_dir, err);
    else if (rc > 0)
        say(c, AGENT_FINDING_OK, "state directory %s: created at the first session",
            cfg->state_dir);
    else
        say(c, AGENT_FINDING_OK, "state directory %s", cfg->state_dir);
    if (cfg->log_file)
        say(c, AGENT_FINDING_OK, "log file %s", cfg->log_file);
}

static CURLcode connect_setup(CURL *h, const agent_config *cfg, char *errbuf)
{
    omadm_tls_config tls = OMADM_TLS_CONFIG_INIT;
    CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, cfg->server_url);
    SET(CURLOPT_PROTOCOLS_STR, "https");
    /* the TLS options of the agent's own requests (one function, so the
     * check cannot trust what a session would not) */
    tls.ca_file = cfg->ca_file;
    tls.cert_file = cfg->cert;
    tls.key_file = cfg->key_file;
    if (rc == CURLE_OK)
        rc = (CURLcode)omadm_tls_setopt(h, &tls, NULL);
    if (cfg->proxy)
        SET(CURLOPT_PROXY, strcmp(cfg->proxy, "none") == 0 ? "" : cfg->proxy);
    SET(CURLOPT_CONNECTTIMEOUT, 15L);
    SET(CURLOPT_TIMEOUT, 30L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECT_ONLY, 1L);
    SET(CURLOPT_ERRORBUFFER, errbuf);
#undef SET
    return rc;
}

/* With TLS 1.3 the server judges our certificate after our side of the
 * handshake is done: its refusal (an alert, or a closed connection)
 * arrives just after. Waits up to `ms` for it. 0 when none came. */
static int refused_after_handshake(CURL *h, long ms, char *why, size_t whysize)
{
#if defined(_WIN32)
    (void)h;
    (void)ms;
    (void)why;
    (void)whysize;
    return 0;
#else
    curl_socket_t fd = CURL_SOCKET_BAD;
    int64_t deadline = agent_os_monotonic_ms() + ms;

    if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD)
        return 0;
    for (;;) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        int64_t left = deadline - agent_os_monotonic_ms();
        char buf[256];
        size_t got = 0;
        CURLcode rc;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return 0;
        rc = curl_easy_recv(h, buf, sizeof buf, &got);
        if (rc == CURLE_AGAIN)
            continue; /* a session ticket, no data */
        if (rc == CURLE_OK && got > 0)
            return 0; /* the server talks: it accepted us */
        if (rc == CURLE_OK)
            snprintf(why, whysize, "the server closed the connection");
        else
            snprintf(why, whysize, "%s", curl_easy_strerror(rc));
        return 1;
    }
#endif
}

static void check_connect(struct check *c, const agent_config *cfg)
{
    char errbuf[CURL_ERROR_SIZE] = "", why[CURL_ERROR_SIZE + 64] = "";
    CURL *h;
    CURLcode rc;

    if (!cfg->server_url) {
        say(c, AGENT_FINDING_ERROR, "--connect: no server to connect to");
        return;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h = curl_easy_init())) {
        say(c, AGENT_FINDING_ERROR, "--connect: cannot initialise libcurl");
        return;
    }
    rc = connect_setup(h, cfg, errbuf);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        say(c, AGENT_FINDING_ERROR, "TLS handshake with %s failed: %s", cfg->server_url,
            errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (refused_after_handshake(h, 1500, why, sizeof why)) {
        if (strstr(errbuf, "alert")) /* OpenSSL's words for the refusal */
            snprintf(why, sizeof why, "%s", errbuf);
        say(c, AGENT_FINDING_ERROR,
            "TLS handshake with %s: the server refused this device's certificate (%s)",
            cfg->server_url, why);
    } else {
        say(c, AGENT_FINDING_OK, "TLS handshake with %s: server certificate verified%s",
            cfg->server_url, cfg->cert ? ", client certificate accepted" : "");
    }
    curl_easy_cleanup(h);
    curl_global_cleanup();
}

int agent_cmd_check(const agent_config *cfg, int connect)
{
    struct check c = { stdout, 0, 0 };

    check_settings(&c, cfg);
    agent_creds_inspect(cfg, AGENT_CREDS_FULL, agent_os_wall_time(), finding, &c);
    if (connect && c.errors == 0)
        check_connect(&c, cfg);
    else if (connect)
        say(&c, AGENT_FINDING_WARN, "--connect: not tried, fix the errors above first");
    fflush(stdout);
    return c.errors ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
}
