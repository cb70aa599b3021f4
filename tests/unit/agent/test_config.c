/* SPDX-License-Identifier: Apache-2.0 */
/* Config: table-driven good and bad files with the exact messages, file
 * permission checks, command-line overrides and the final checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/config.h"

struct bad_case {
    const char *text;
    const char *message;
};

static const struct bad_case bad_files[] = {
    { "[server]\nurl = http://mdm.example.com/omadm\n",
      "agent.conf:2: [server] url: \"http://mdm.example.com/omadm\" is not an https:// URL" },
    { "[server]\nurl = https://mdm.example.com\nfoo = 1\n",
      "agent.conf:3: unknown key \"foo\" in [server]" },
    { "[server]\n[bogus]\n", "agent.conf:2: unknown section [bogus] (expected [server], [tls], "
                             "[agent], [poll], [enroll] or [push])" },
    { "url = https://mdm.example.com\n", "agent.conf:1: \"url\" is outside any section" },
    { "[server]\nurl\n", "agent.conf:2: expected \"key = value\"" },
    { "[server\nurl = https://a\n", "agent.conf:1: section header without a closing ']'" },
    { "[server]\nurl = https://a\nurl = https://b\n",
      "agent.conf:3: [server] url is already set on line 2" },
    { "[server]\nurl = https://a\n  /more\n",
      "agent.conf:3: [server] url: indented continuation lines are not supported" },
    { "[agent]\nplatform = vm\n",
      "agent.conf:2: [agent] platform: \"vm\" is not a platform (native or sim)" },
    { "[agent]\nlog_level = verbose\n",
      "agent.conf:2: [agent] log_level: \"verbose\" is not a log level (error, warn, info or "
      "debug)" },
    { "[poll]\ninitial_interval = 0\n",
      "agent.conf:2: [poll] initial_interval: interval \"0\" is out of range (1s to 30d)" },
    { "[poll]\ninitial_interval = 31d\n",
      "agent.conf:2: [poll] initial_interval: interval \"31d\" is out of range (1s to 30d)" },
    { "[poll]\ninitial_interval = 5x\n", "agent.conf:2: [poll] initial_interval: \"5x\" is not an "
                                         "interval (minutes, or a number with s, m, "
                                         "h or d: \"90s\", \"15m\")" },
    { "[server]\ndevice_id = my device\n",
      "agent.conf:2: [server] device_id: device id \"my device\" must be printable ASCII without "
      "spaces (character 3)" },
    { "[server]\ndevice_id = "
      "0123456789012345678901234567890123456789012345678901234567890123X\n",
      "agent.conf:2: [server] device_id: device id must be 1 to 64 printable ASCII characters, "
      "not 65" },
    { "[tls]\nca =\n", "agent.conf:2: [tls] ca: empty value" },
    { "[server]\nauth_name = a\tb\n",
      "agent.conf:2: [server] auth_name: control characters are not allowed" },
    { "[server]\nuser_agent = a\tb\n",
      "agent.conf:2: [server] user_agent: control characters are not allowed" },
    { "[server]\n\nproxy =\n", "agent.conf:3: [server] proxy: empty value" },
    { "[server]\nmax_inbound_size = 4X\n",
      "agent.conf:2: [server] max_inbound_size: \"4X\" is not a size (bytes, or a number with K "
      "or M: \"4M\")" },
    { "[server]\nmax_inbound_size = 65535\n",
      "agent.conf:2: [server] max_inbound_size: \"65535\" is out of range (64K to 64M)" },
    { "[server]\nmax_inbound_size = 65M\n",
      "agent.conf:2: [server] max_inbound_size: \"65M\" is out of range (64K to 64M)" },
    /* comments and blank lines count as lines */
    { "; comment\n\n# another\n[server]\nurl = ftp://x\n",
      "agent.conf:5: [server] url: \"ftp://x\" is not an https:// URL" },
    /* the first error wins, whichever kind it is */
    { "[server]\ngarbage\nfoo = 1\n", "agent.conf:2: expected \"key = value\"" },
    { "[server]\nfoo = 1\ngarbage\n", "agent.conf:2: unknown key \"foo\" in [server]" },
    { "[agent]\nstate_dir = /var/lib/x\n[agent]\nstate_dir = /y\n",
      "agent.conf:4: [agent] state_dir is already set on line 2" },
    { "[tls]\ncert = /a\nkey = /b\n[server]\nurl = https://a:99999/\n",
      "agent.conf:5: [server] url: \"https://a:99999/\" has an invalid port" },
    { "[push]\nurl = http://mdm.example.com/push\n",
      "agent.conf:2: [push] url: \"http://mdm.example.com/push\" is not an https:// URL" },
    { "[push]\nperiod = 0\n",
      "agent.conf:2: [push] period: interval \"0\" is out of range (1s to 30d)" },
    { "[push]\nchannel = x\n", "agent.conf:2: unknown key \"channel\" in [push]" },
    { "[push]\nserver_id = a\tb\n",
      "agent.conf:2: [push] server_id: control characters are not allowed" },
};

static void test_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        agent_config cfg;
        char err[600] = "";

        assert_int_equal(agent_config_init(&cfg), 0);
        if (agent_config_parse_string(&cfg, "agent.conf", bad_files[i].text, err, sizeof err) != -1)
            fail_msg("case %u parsed: %s", (unsigned)i, bad_files[i].text);
        if (strcmp(err, bad_files[i].message) != 0)
            fail_msg("case %u:\n got      %s\n expected %s", (unsigned)i, err,
                     bad_files[i].message);
        agent_config_free(&cfg);
    }
}

static void test_long_line(void **state)
{
    char text[600], err[600];
    agent_config cfg;

    (void)state;
    snprintf(text, sizeof text, "[agent]\nstate_dir = /%0400d\n", 0);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_parse_string(&cfg, "a.conf", text, err, sizeof err), -1);
    assert_non_null(strstr(err, "a.conf:2: line too long (at most "));
    agent_config_free(&cfg);
}

static void test_good_full(void **state)
{
    static const char text[] =
        "; omadm-agent\r\n"
        "[server]\r\n"
        "url = https://mdm.example.com:8443/omadm/mdm?x=1 ; inline comment\r\n"
        "device_id = B5B954E81FBCB94EB79BD08BE625F4EE\r\n"
        "auth_name = dev1\r\n"
        "auth_secret = s3cret value\r\n"
        "user_agent = Contoso DM/2.0\r\n"
        "proxy = http://proxy.example.com:3128\r\n"
        "max_inbound_size = 8M\r\n"
        "\r\n"
        "[tls]\r\n"
        "ca = /etc/omadm-agent/ca.pem\r\n"
        "cert = /etc/omadm-agent/client.pem\r\n"
        "key = /etc/omadm-agent/client.key\r\n"
        "[agent]\r\n"
        "state_dir = /srv/omadm state\r\n"
        "platform = sim\r\n"
        "log_level = debug\r\n"
        "log_file = /var/log/omadm-agent.log\r\n"
        "[poll]\r\n"
        "initial_interval = 90s\r\n";
    agent_config cfg;
    char err[600] = "";

    (void)state;
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_parse_string(&cfg, "agent.conf", text, err, sizeof err), 0);
    assert_string_equal(cfg.server_url, "https://mdm.example.com:8443/omadm/mdm?x=1");
    assert_string_equal(cfg.device_id, "B5B954E81FBCB94EB79BD08BE625F4EE");
    assert_string_equal(cfg.auth_name, "dev1");
    assert_string_equal(cfg.auth_secret, "s3cret value");
    assert_string_equal(cfg.user_agent, "Contoso DM/2.0");
    assert_string_equal(cfg.proxy, "http://proxy.example.com:3128");
    assert_int_equal(cfg.max_inbound_size, 8 * 1024 * 1024);
    assert_string_equal(cfg.ca_file, "/etc/omadm-agent/ca.pem");
    assert_string_equal(cfg.cert, "/etc/omadm-agent/client.pem");
    assert_string_equal(cfg.key_file, "/etc/omadm-agent/client.key");
    assert_string_equal(cfg.state_dir, "/srv/omadm state");
    assert_string_equal(cfg.log_file, "/var/log/omadm-agent.log");
    assert_int_equal(cfg.platform, AGENT_PLATFORM_SIM);
    assert_int_equal(cfg.log_level, OMADM_LOG_DEBUG);
    assert_int_equal(cfg.poll_interval, 90);
    assert_int_equal(cfg.origin[AGENT_KEY_URL].line, 3);
    assert_int_equal(cfg.origin[AGENT_KEY_KEY].line, 14);
    assert_int_equal(cfg.origin[AGENT_KEY_MAX_INBOUND_SIZE].line, 9);
    assert_int_equal(cfg.origin[AGENT_KEY_PROXY].line, 8);
    assert_null(cfg.origin[AGENT_KEY_KEY].flag);
    agent_config_free(&cfg);
}

static void test_defaults_and_empty(void **state)
{
    agent_config cfg;
    char err[600] = "";

    (void)state;
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_parse_string(&cfg, "e.conf", "", err, sizeof err), 0);
    assert_int_equal(
        agent_config_parse_string(&cfg, "e.conf", "\n; only comments\n[poll]\n", err, sizeof err),
        0);
    assert_string_equal(cfg.state_dir, "/var/lib/omadm-agent");
    assert_null(cfg.server_url);
    assert_int_equal(cfg.platform, AGENT_PLATFORM_NATIVE);
    assert_int_equal(cfg.log_level, OMADM_LOG_INFO);
    assert_int_equal(cfg.poll_interval, 900);
    agent_config_free(&cfg);
}

static void test_intervals(void **state)
{
    static const struct {
        const char *text;
        int ok;
        unsigned seconds;
    } cases[] = {
        { "15", 1, 900 },  { "1s", 1, 1 },          { "90s", 1, 90 },      { "15m", 1, 900 },
        { "2h", 1, 7200 }, { "1d", 1, 86400 },      { "30d", 1, 2592000 }, { "0s", 0, 0 },
        { "", 0, 0 },      { "m", 0, 0 },           { "-5", 0, 0 },        { "5 m", 0, 0 },
        { "5mm", 0, 0 },   { "99999999999", 0, 0 },
    };
    char err[300];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned s = 12345;
        int rc = agent_config_parse_interval(cases[i].text, &s, err, sizeof err);
        if ((rc == 0) != cases[i].ok)
            fail_msg("interval \"%s\": rc %d", cases[i].text, rc);
        if (cases[i].ok)
            assert_int_equal(s, cases[i].seconds);
        else
            assert_int_equal(s, 12345);
    }
}

static void test_urls(void **state)
{
    static const struct {
        const char *url;
        const char *error; /* NULL = valid */
    } cases[] = {
        { "https://mdm.example.com", NULL },
        { "https://mdm.example.com/ManagementServer/MDM.svc", NULL },
        { "https://127.0.0.1:8443/omadm", NULL },
        { "https://[::1]:8443/omadm", NULL },
        { "https://host?q=1", NULL },
        { "HTTPS://host", NULL },
        { "https:/host", "\"https:/host\" is not an https:// URL" },
        { "http://host", "\"http://host\" is not an https:// URL" },
        { "mdm.example.com", "\"mdm.example.com\" is not an https:// URL" },
        { "https://", "\"https://\" has no host" },
        { "https:///path", "\"https:///path\" has no host" },
        { "https://:443/", "\"https://:443/\" has no host" },
        { "https://host:/", "\"https://host:/\" has an invalid port" },
        { "https://host:0/", "\"https://host:0/\" has an invalid port" },
        { "https://host:65536/", "\"https://host:65536/\" has an invalid port" },
        { "https://host:12a/", "\"https://host:12a/\" has an invalid port" },
        { "https://user:pw@host/", "\"https://user:pw@host/\": credentials do not belong in the "
                                   "URL" },
        { "https://ho st/", "\"https://ho st/\" is not a valid URL (character 11)" },
        { "https://h/a\"b", "\"https://h/a\"b\" is not a valid URL (character 12)" },
        { "https://h/a\\b", "\"https://h/a\\b\" is not a valid URL (character 12)" },
        { "https://host/#frag", "\"https://host/#frag\": a fragment does not belong in the URL" },
        { "https://[zz]/", "\"https://[zz]/\" has a malformed IPv6 address" },
        { "https://[::1/", "\"https://[::1/\" has a malformed IPv6 address" },
        { "https://ho%st/", "\"https://ho%st/\" has an invalid host name" },
    };
    char err[300];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        int rc = agent_config_check_url(cases[i].url, err, sizeof err);
        if (!cases[i].error) {
            if (rc != 0)
                fail_msg("%s rejected: %s", cases[i].url, err);
        } else if (rc != -1 || strcmp(err, cases[i].error) != 0) {
            fail_msg("%s:\n got      %s\n expected %s", cases[i].url, err, cases[i].error);
        }
    }
}

static void test_flags_override(void **state)
{
    agent_config cfg;
    char err[600] = "";

    (void)state;
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_parse_string(&cfg, "a.conf",
                                               "[server]\nurl = https://a/\n[agent]\n"
                                               "platform = sim\n",
                                               err, sizeof err),
                     0);
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_URL, "--server", "https://b/", err, sizeof err), 0);
    assert_string_equal(cfg.server_url, "https://b/");
    assert_string_equal(cfg.origin[AGENT_KEY_URL].flag, "--server");
    assert_int_equal(cfg.origin[AGENT_KEY_URL].line, 0);
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_PLATFORM, "--platform", "native", err, sizeof err),
        0);
    assert_int_equal(cfg.platform, AGENT_PLATFORM_NATIVE);

    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_URL, "--server", "ftp://c/", err, sizeof err), -1);
    assert_string_equal(err, "--server: \"ftp://c/\" is not an https:// URL");
    assert_string_equal(cfg.server_url, "https://b/"); /* unchanged */
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_LOG_LEVEL, "--log-level", "loud", err, sizeof err),
        -1);
    assert_string_equal(err,
                        "--log-level: \"loud\" is not a log level (error, warn, info or debug)");
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_STATE_DIR, "--state-dir", "", err, sizeof err), -1);
    assert_string_equal(err, "--state-dir: empty value");
    agent_config_free(&cfg);
}

/* Files on disk: a scratch directory per test run. */
static char scratch[256];

static int setup_scratch(void **state)
{
    (void)state;
    snprintf(scratch, sizeof scratch, "%s/omadm-test-config-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(scratch) ? 0 : -1;
}

static int teardown_scratch(void **state)
{
    char cmd[400];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    FILE *f;

    snprintf(p, 512, "%s/%s", scratch, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static void test_load_files(void **state)
{
    agent_config cfg;
    char err[800], expected[800], path[400];
    const char *conf;

    (void)state;
    /* missing: an error when asked for, nothing when it is the default */
    snprintf(path, sizeof path, "%s/absent.conf", scratch);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, path, 1, err, sizeof err), 0);
    assert_null(cfg.path);
    assert_int_equal(agent_config_load(&cfg, path, 0, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err, expected);

    /* a good file is remembered, and messages name it */
    conf = write_file("good.conf", "[server]\nurl = https://a/\n", 0644);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), 0);
    assert_string_equal(cfg.path, conf);
    agent_config_free(&cfg);

    conf = write_file("bad.conf", "[server]\n\nurl = https://a/\nx = 1\n", 0644);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s:4: unknown key \"x\" in [server]", conf);
    assert_string_equal(err, expected);
    agent_config_free(&cfg);

    /* a secret in a file others can read */
    conf = write_file("secret.conf", "[server]\nauth_name = a\nauth_secret = b\n", 0644);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), -1);
    snprintf(expected, sizeof expected,
             "%s: holds auth_secret but is accessible by group or others (mode 0644); chmod 600 "
             "it",
             conf);
    assert_string_equal(err, expected);
    agent_config_free(&cfg);
    assert_int_equal(chmod(conf, 0600), 0);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), 0);
    agent_config_free(&cfg);

    /* a key path in a file others can change */
    conf = write_file("keypath.conf", "[tls]\nkey = /k\n", 0664);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), -1);
    snprintf(expected, sizeof expected,
             "%s: names the private key but is writable by group or others (mode 0664); chmod "
             "go-w it",
             conf);
    assert_string_equal(err, expected);
    agent_config_free(&cfg);
    assert_int_equal(chmod(conf, 0644), 0);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), 0);
    agent_config_free(&cfg);

    /* binary junk */
    snprintf(path, sizeof path, "%s/nul.conf", scratch);
    {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite("[server]\0x", 1, 10, f);
        fclose(f);
    }
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, path, 0, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s: not a text file (NUL byte)", path);
    assert_string_equal(err, expected);

    /* a directory is not a config file */
    assert_int_equal(agent_config_load(&cfg, scratch, 0, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s: not a regular file", scratch);
    assert_string_equal(err, expected);
    agent_config_free(&cfg);
}

static void test_check(void **state)
{
    agent_config cfg;
    char err[800], expected[900], text[600];
    const char *ca, *cert, *key, *conf;

    (void)state;
    ca = write_file("ca.pem", "CA\n", 0644);
    cert = write_file("client.pem", "CERT\n", 0644);
    key = write_file("client.key", "KEY\n", 0640);

    assert_int_equal(agent_config_init(&cfg), 0);
    /* nothing needed: fine with nothing set */
    assert_int_equal(agent_config_check(&cfg, 0, err, sizeof err), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_SERVER, err, sizeof err), -1);
    assert_string_equal(err, "no server URL: set [server] url in /etc/omadm-agent/agent.conf or "
                             "pass --server");
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_URL, "--server", "https://a/", err, sizeof err), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_SERVER, err, sizeof err), -1);
    assert_string_equal(err, "no device id: set [server] device_id in "
                             "/etc/omadm-agent/agent.conf or pass --device-id");
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_DEVICE_ID, "--device-id", "d1", err, sizeof err), 0);
    assert_int_equal(
        agent_config_check(&cfg, AGENT_NEED_SERVER | AGENT_NEED_FILES, err, sizeof err), 0);

    /* a key file others can read, named on the command line */
    assert_int_equal(agent_config_set_flag(&cfg, AGENT_KEY_CA, "--ca", ca, err, sizeof err), 0);
    assert_int_equal(agent_config_set_flag(&cfg, AGENT_KEY_CERT, "--cert", cert, err, sizeof err),
                     0);
    assert_int_equal(agent_config_set_flag(&cfg, AGENT_KEY_KEY, "--key", key, err, sizeof err), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_FILES, err, sizeof err), -1);
    snprintf(expected, sizeof expected,
             "--key: %s: private key is accessible by group or others (mode 0640); chmod 600 it",
             key);
    assert_string_equal(err, expected);
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_FILES, err, sizeof err), 0);
    /* not checked unless the command needs the files */
    assert_int_equal(
        agent_config_set_flag(&cfg, AGENT_KEY_CA, "--ca", "/nonexistent/ca.pem", err, sizeof err),
        0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_SERVER, err, sizeof err), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_FILES, err, sizeof err), -1);
    assert_string_equal(err, "--ca: /nonexistent/ca.pem: cannot open: No such file or directory");
    agent_config_free(&cfg);

    /* the same from a file names FILE:LINE */
    snprintf(text, sizeof text,
             "[server]\nurl = https://a/\ndevice_id = d1\n[tls]\ncert = %s\nkey = %s\n"
             "ca = %s\n",
             cert, key, scratch);
    conf = write_file("files.conf", text, 0644);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_FILES, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s:7: [tls] ca: %s: not a regular file", conf, scratch);
    assert_string_equal(err, expected);
    agent_config_free(&cfg);

    /* a key without a certificate */
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_set_flag(&cfg, AGENT_KEY_KEY, "--key", key, err, sizeof err), 0);
    assert_int_equal(agent_config_check(&cfg, AGENT_NEED_FILES, err, sizeof err), -1);
    assert_string_equal(err, "--key: a key without a certificate (set --cert or [tls] cert)");
    agent_config_free(&cfg);
}

static void test_push_keys(void **state)
{
    agent_config cfg;
    char err[800];
    const char *conf;

    (void)state;
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_null(cfg.push_url);
    assert_int_equal(cfg.push_period, 600);
    assert_int_equal(agent_config_parse_string(&cfg, "agent.conf",
                                               "[push]\nurl = https://mdm.example.com/push\n"
                                               "period = 90s\nserver_id = mdm\n"
                                               "server_secret = s3cret\nserver_nonce = n0\n",
                                               err, sizeof err),
                     0);
    assert_string_equal(cfg.push_url, "https://mdm.example.com/push");
    assert_int_equal(cfg.push_period, 90);
    assert_string_equal(cfg.push_server_id, "mdm");
    assert_string_equal(cfg.push_secret, "s3cret");
    assert_string_equal(cfg.push_nonce, "n0");
    assert_int_equal(agent_config_check(&cfg, 0, err, sizeof err), 0);
    agent_config_free(&cfg);
    /* a secret without the server id it belongs to */
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_parse_string(&cfg, "agent.conf", "[push]\nserver_secret = s\n",
                                               err, sizeof err),
                     0);
    assert_int_equal(agent_config_check(&cfg, 0, err, sizeof err), -1);
    assert_string_equal(err, "config: [push] server_secret is set without server_id");
    agent_config_free(&cfg);
    /* a push secret makes the file private, as auth_secret does */
    conf = write_file("push.conf", "[push]\nserver_id = m\nserver_secret = s\n", 0644);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, conf));
    assert_null(strstr(err, "= s")); /* the secret is never shown */
    agent_config_free(&cfg);
    assert_int_equal(chmod(conf, 0600), 0);
    assert_int_equal(agent_config_init(&cfg), 0);
    assert_int_equal(agent_config_load(&cfg, conf, 0, err, sizeof err), 0);
    agent_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_good_full),
        cmocka_unit_test(test_defaults_and_empty),
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_flags_override),
        cmocka_unit_test_setup_teardown(test_load_files, setup_scratch, teardown_scratch),
        cmocka_unit_test_setup_teardown(test_check, setup_scratch, teardown_scratch),
        cmocka_unit_test_setup_teardown(test_push_keys, setup_scratch, teardown_scratch),
    };

    return cmocka_run_group_tests_name("agent-config", tests, NULL, NULL);
}
