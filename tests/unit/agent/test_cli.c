/* SPDX-License-Identifier: Apache-2.0 */
/* CLI parsing, version check and log line format. The built program is
 * exercised end to end by test_cli.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/cli.h"
#include "agent/log.h"

#define MAX_ARGS 16

static int parse(agent_cli *cli, char *err, size_t errsize, ...)
{
    static char *argv[MAX_ARGS + 1];
    int argc = 0;
    va_list ap;
    char *a;

    argv[argc++] = "omadm-agent";
    va_start(ap, errsize);
    while ((a = va_arg(ap, char *)) != NULL && argc < MAX_ARGS)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return agent_cli_parse(cli, argc, argv, err, errsize);
}

static void test_bad_command_lines(void **state)
{
    static const struct {
        const char *args[6];
        const char *message;
    } cases[] = {
        { { NULL }, "no command given (see omadm-agent --help)" },
        { { "frobnicate" }, "unknown command \"frobnicate\" (see omadm-agent --help)" },
        { { "sync", "--frob" }, "unknown option --frob (see omadm-agent --help)" },
        { { "sync", "--frob=1" }, "unknown option --frob (see omadm-agent --help)" },
        { { "-x", "sync" }, "unknown option -x (see omadm-agent --help)" },
        { { "sync", "--server" }, "--server needs a value" },
        { { "sync", "--config" }, "--config needs a value" },
        { { "sync", "--config=" }, "--config: empty value" },
        { { "status", "--json=yes" }, "--json takes no value" },
        { { "sync", "--json" }, "--json only applies to status" },
        { { "sync", "--foreground" }, "--foreground only applies to run" },
        { { "replay" }, "replay needs at least one FILE (a server message)" },
        { { "sync", "extra" }, "sync takes no arguments (got \"extra\")" },
        { { "status", "now" }, "status takes no arguments (got \"now\")" },
    };
    char err[300];
    agent_cli cli;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *a = cases[i].args;
        int rc = parse(&cli, err, sizeof err, a[0], a[1], a[2], a[3], a[4], a[5], (char *)NULL);
        if (rc != AGENT_EXIT_USAGE || strcmp(err, cases[i].message) != 0)
            fail_msg("case %u: rc %d\n got      %s\n expected %s", (unsigned)i, rc, err,
                     cases[i].message);
    }
}

static void test_good_command_lines(void **state)
{
    char err[300];
    agent_cli cli;

    (void)state;
    /* options before and after the command, in order */
    assert_int_equal(parse(&cli, err, sizeof err, "--server", "https://a/", "sync",
                           "--device-id=d1", "--server", "https://b/", (char *)NULL),
                     0);
    assert_int_equal(cli.command, AGENT_CMD_SYNC);
    assert_int_equal(cli.n_overrides, 3);
    assert_int_equal(cli.overrides[0].key, AGENT_KEY_URL);
    assert_string_equal(cli.overrides[0].flag, "--server");
    assert_string_equal(cli.overrides[0].value, "https://a/");
    assert_int_equal(cli.overrides[1].key, AGENT_KEY_DEVICE_ID);
    assert_string_equal(cli.overrides[1].value, "d1");
    assert_string_equal(cli.overrides[2].value, "https://b/");
    assert_int_equal(cli.n_args, 0);

    assert_int_equal(
        parse(&cli, err, sizeof err, "replay", "a.xml", "--platform", "sim", "b.xml", (char *)NULL),
        0);
    assert_int_equal(cli.command, AGENT_CMD_REPLAY);
    assert_int_equal(cli.n_args, 2);
    assert_string_equal(cli.args[0], "a.xml");
    assert_string_equal(cli.args[1], "b.xml");
    assert_int_equal(cli.state_dir_given, 0);

    assert_int_equal(parse(&cli, err, sizeof err, "status", "--json", "--state-dir", "/s",
                           "--config", "/c.conf", (char *)NULL),
                     0);
    assert_true(cli.json);
    assert_true(cli.state_dir_given);
    assert_string_equal(cli.config_path, "/c.conf");

    assert_int_equal(parse(&cli, err, sizeof err, "run", "--foreground", (char *)NULL), 0);
    assert_true(cli.foreground);

    /* help and version need no command */
    assert_int_equal(parse(&cli, err, sizeof err, "--help", (char *)NULL), 0);
    assert_true(cli.help);
    assert_int_equal(cli.command, AGENT_CMD_NONE);
    assert_int_equal(parse(&cli, err, sizeof err, "sync", "-h", (char *)NULL), 0);
    assert_true(cli.help);
    assert_int_equal(cli.command, AGENT_CMD_SYNC);
    assert_int_equal(parse(&cli, err, sizeof err, "--version", (char *)NULL), 0);
    assert_true(cli.version);

    /* "--" ends the options: a file name may start with a dash */
    assert_int_equal(parse(&cli, err, sizeof err, "replay", "--", "-odd.xml", (char *)NULL), 0);
    assert_int_equal(cli.n_args, 1);
    assert_string_equal(cli.args[0], "-odd.xml");
}

static void test_help_lists_every_option(void **state)
{
    static const char *const options[] = { "--config FILE",   "--server URL",
                                           "--state-dir DIR", "--platform native|sim",
                                           "--ca FILE",       "--cert FILE|STORE-PATH",
                                           "--key FILE",      "--device-id ID",
                                           "--log-level",     "--help",
                                           "--version",       "--json",
                                           "--foreground" };
    char buf[8192];
    FILE *f = tmpfile();
    size_t n;

    (void)state;
    assert_non_null(f);
    agent_cli_help(f, AGENT_CMD_NONE);
    rewind(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        if (!strstr(buf, options[i]))
            fail_msg("help lacks %s", options[i]);
    }
    for (int c = AGENT_CMD_RUN; c <= AGENT_CMD_SERVICE; c++)
        assert_non_null(strstr(buf, agent_command_name((agent_command)c)));
}

static void test_versions(void **state)
{
    char err[200];

    (void)state;
    assert_int_equal(agent_check_versions(1002003, 1002003, err, sizeof err), 0);
    assert_int_equal(agent_check_versions(1002003, 1002004, err, sizeof err), -1);
    assert_string_equal(err, "built against libomadm 1.2.3 but running with libomadm 1.2.4");
}

static void test_log_format(void **state)
{
    char line[300];

    (void)state;
    agent_log_format(line, sizeof line, 1795597200, 4242, OMADM_LOG_WARN, "hello");
    assert_string_equal(line, "2026-11-25T09:00:00Z omadm-agent[4242]: warn: hello");
    agent_log_format(line, sizeof line, 0, 1, OMADM_LOG_DEBUG, "x");
    assert_string_equal(line, "1970-01-01T00:00:00Z omadm-agent[1]: debug: x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_command_lines),
        cmocka_unit_test(test_good_command_lines),
        cmocka_unit_test(test_help_lists_every_option),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_log_format),
    };

    return cmocka_run_group_tests_name("agent-cli", tests, NULL, NULL);
}
