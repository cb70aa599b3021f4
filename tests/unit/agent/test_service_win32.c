/* SPDX-License-Identifier: Apache-2.0 */
/* `omadm-agent service configure`'s edit of the configuration file
 * (agent_service_ini_set): the MSI's properties land in the right section,
 * the rest of the file is kept, and the result reads back as intended.
 * Windows only (the code lives in agent/service_win32.c); runs under wine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/config.h"
#include "agent/service_win32.h"

static char *set(const char *text, const char *assignment)
{
    char err[256] = "";
    char *out = agent_service_ini_set(text, assignment, err, sizeof err);

    if (!out)
        fail_msg("%s: %s", assignment, err);
    return out;
}

static void test_replace_insert_append(void **state)
{
    const char *in = "; managed by the imaging team\r\n"
                     "[server]\r\n"
                     "; url = https://example/\r\n"
                     "url = https://old.example/\r\n"
                     "\r\n"
                     "[agent]\r\n"
                     "log_level = info\r\n";
    char *a, *b, *c, *d;

    (void)state;
    a = set(in, "server=https://mdm.example.com/ManagementServer/MDM.svc");
    assert_string_equal(a, "; managed by the imaging team\r\n"
                           "[server]\r\n"
                           "; url = https://example/\r\n"
                           "url = https://mdm.example.com/ManagementServer/MDM.svc\r\n"
                           "\r\n"
                           "[agent]\r\n"
                           "log_level = info\r\n");
    /* A key the section lacks goes after its last line, before the blank
     * line that ends it. */
    b = set(a, "device_id=ABC123");
    assert_non_null(strstr(b, "url = https://mdm.example.com/ManagementServer/MDM.svc\r\n"
                              "device_id = ABC123\r\n\r\n[agent]"));
    /* A section the file lacks is appended. */
    c = set(b, "cert=LocalMachine\\MY\\0123456789abcdef0123456789abcdef01234567");
    assert_non_null(
        strstr(c, "log_level = info\r\n\r\n[tls]\r\n"
                  "cert = LocalMachine\\MY\\0123456789abcdef0123456789abcdef01234567\r\n"));
    /* The last section, at the end of the file. */
    d = set(c, "log_level=debug");
    assert_non_null(strstr(d, "[agent]\r\nlog_level = debug\r\n"));
    assert_null(strstr(d, "log_level = info"));
    free(a);
    free(b);
    free(c);
    free(d);
}

static void test_reads_back(void **state)
{
    char *a = set("", "server=https://mdm.example.com/x"), *b, *c, *d, err[256];
    agent_config cfg;

    (void)state;
    b = set(a, "device_id=DEV-1");
    c = set(b, "ca=C:\\ProgramData\\omadm-agent\\ca.pem");
    d = set(c, "log_level=warn");
    assert_int_equal(agent_config_init(&cfg), 0);
    if (agent_config_parse_string(&cfg, "agent.conf", d, err, sizeof err) < 0)
        fail_msg("%s\n%s", err, d);
    assert_string_equal(cfg.server_url, "https://mdm.example.com/x");
    assert_string_equal(cfg.device_id, "DEV-1");
    assert_string_equal(cfg.ca_file, "C:\\ProgramData\\omadm-agent\\ca.pem");
    assert_int_equal(cfg.log_level, OMADM_LOG_WARN);
    agent_config_free(&cfg);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void test_same_name_elsewhere_and_duplicates(void **state)
{
    /* "url" in another section is not ours; a duplicate in ours is
     * replaced too (inih keeps the last one). LF line ends stay LF, and a
     * last line without one gets one. */
    const char *in = "[other]\nurl = keep\n[server]\nurl = a\nurl = b";
    char *out = set(in, "server=https://new/");

    (void)state;
    assert_string_equal(out, "[other]\nurl = keep\n[server]\nurl = https://new/\n"
                             "url = https://new/\n");
    free(out);
}

static void test_empty_value_keeps_text(void **state)
{
    const char *in = "[server]\r\nurl = https://kept/\r\n";
    char *out = set(in, "server=");

    (void)state;
    assert_string_equal(out, in);
    free(out);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "url=https://x/",           /* the INI name, not the property key */
        "server",                   /* no '=' */
        "server=https://x/\r\n[x]", /* a line break would inject INI */
        "server=https://x/ ;y",     /* inih would cut a comment off */
        "server= https://x/",       /* surrounding spaces do not read back */
        "ca=C:\\x\x01",
    };
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_null(agent_service_ini_set("[server]\r\n", bad[i], err, sizeof err));
        assert_true(err[0] != '\0');
    }
}

/* The MSI's CheckProperties (agent_service_check_assignments): the
 * agent's parser judges the properties, nothing is written. */
static void test_check_assignments(void **state)
{
    static const char *const good[] = {
        "server=https://mdm.example/x",
        "device_id=",
        "log_level=debug",
        "proxy=none",
        "poll_interval=20m",
        "enroll_url=",
        "enroll_secret=s3cret ;x",
    };
    static const char *const soon[] = { "server=https://mdm.example/x", "poll_interval=soon" };
    static const char *const loud[] = { "log_level=loud" };
    static const char *const secret[] = { "enroll_url=https://e.example/",
                                          "enroll_user=u@example.com", "enroll_secret=top s3cret",
                                          "poll_interval=x" };
    char err[512] = "";

    (void)state;
    assert_int_equal(agent_service_check_assignments(7, good, err, sizeof err), 0);
    assert_int_equal(agent_service_check_assignments(2, soon, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"soon\" is not an interval"));
    err[0] = '\0';
    assert_int_equal(agent_service_check_assignments(1, loud, err, sizeof err), -1);
    assert_non_null(strstr(err, "loud"));
    /* The secret goes to a file at configure time: never into the check's
     * text, so never into a reason the installation log shows. */
    err[0] = '\0';
    assert_int_equal(agent_service_check_assignments(4, secret, err, sizeof err), -1);
    assert_null(strstr(err, "s3cret"));
    assert_non_null(strstr(err, "\"x\" is not an interval"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replace_insert_append),
        cmocka_unit_test(test_reads_back),
        cmocka_unit_test(test_same_name_elsewhere_and_duplicates),
        cmocka_unit_test(test_empty_value_keeps_text),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_check_assignments),
    };
    return cmocka_run_group_tests_name("agent-service-win32", tests, NULL, NULL);
}
