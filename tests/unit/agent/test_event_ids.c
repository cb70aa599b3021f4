/* SPDX-License-Identifier: Apache-2.0 */
/* Event IDs (agent/event_ids.c): each kind of log line gets its own, and
 * agent/messages_win32.mc has a message for each with that number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/event_ids.h"

static void test_kinds(void **state)
{
    static const struct {
        omadm_log_level level;
        const char *line;
        agent_event_id want;
    } cases[] = {
        { OMADM_LOG_INFO, "service: running", AGENT_EVENT_SERVICE_STARTED },
        { OMADM_LOG_INFO, "service: stopped", AGENT_EVENT_SERVICE_STOPPED },
        { OMADM_LOG_INFO,
          "session: server=https://h/x id=3 messages=2 result=completed duration=0.1s",
          AGENT_EVENT_SESSION_COMPLETED },
        { OMADM_LOG_WARN,
          "session: server=https://h/x id=4 messages=1 result=failed duration=0.1s error=x "
          "result=completed ",
          AGENT_EVENT_SESSION_FAILED },
        { OMADM_LOG_WARN,
          "session: server=https://h/x id=4 messages=1 result=failed duration=0.1s error=x",
          AGENT_EVENT_SESSION_FAILED },
        { OMADM_LOG_WARN,
          "session: server=https://h/x id=5 messages=1 result=aborted duration=0.1s error=x",
          AGENT_EVENT_SESSION_FAILED },
        { OMADM_LOG_INFO, "restart requested (deadline 1796405758): rebootnow",
          AGENT_EVENT_RESTART_REQUESTED },
        { OMADM_LOG_INFO, "sim: restart requested (deadline 1796405758): rebootnow",
          AGENT_EVENT_RESTART_REQUESTED },
        { OMADM_LOG_INFO, "reboot: restart requested (1 command(s))", AGENT_EVENT_INFO },
        { OMADM_LOG_INFO, "restart outcome reported: restarted (trigger now, command 7)",
          AGENT_EVENT_OUTCOME_REPORTED },
        { OMADM_LOG_ERROR, "configuration error: x.conf:3: unknown key", AGENT_EVENT_CONFIG_ERROR },
        { OMADM_LOG_ERROR, "reload failed, keeping the running configuration: x",
          AGENT_EVENT_CONFIG_ERROR },
        { OMADM_LOG_INFO, "sim: new boot id 1", AGENT_EVENT_INFO },
        { OMADM_LOG_WARN, "outbox: full", AGENT_EVENT_WARNING },
        { OMADM_LOG_ERROR, "cannot write x", AGENT_EVENT_ERROR },
        { OMADM_LOG_INFO, "a service: running", AGENT_EVENT_INFO },
        { OMADM_LOG_INFO, "enrolling at https://e/d as device D1 (user u)",
          AGENT_EVENT_ENROLL_STARTED },
        { OMADM_LOG_INFO, "not enrolled here yet: enrolling at https://e/d first",
          AGENT_EVENT_INFO },
        { OMADM_LOG_INFO, "enrolled with https://e/d: provider P, device D1, certificate until x",
          AGENT_EVENT_ENROLL_SUCCEEDED },
        { OMADM_LOG_ERROR, "enrollment failed: refused (nothing was kept)",
          AGENT_EVENT_ENROLL_FAILED },
        { OMADM_LOG_ERROR, "enrolled, but the state does not apply: x", AGENT_EVENT_ENROLL_FAILED },
        { OMADM_LOG_INFO, "certificate renewed: valid until x", AGENT_EVENT_ENROLL_RENEWED },
        { OMADM_LOG_INFO, "certificate valid until x: renewing at https://e/d", AGENT_EVENT_INFO },
        { OMADM_LOG_ERROR, "certificate renewal failed: x; the current certificate stays in use",
          AGENT_EVENT_ENROLL_RENEW_FAILED },
        { OMADM_LOG_ERROR, "the enrollment certificate expired: enroll again",
          AGENT_EVENT_ENROLL_RENEW_FAILED },
        { OMADM_LOG_INFO, "unenrolled from https://s/x", AGENT_EVENT_UNENROLLED },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("%s\n", cases[i].line);
        assert_int_equal(agent_event_id_of(cases[i].level, cases[i].line), cases[i].want);
    }
}

/* messages_win32.mc: "MessageId=N" then, before the next one,
 * "SymbolicName=NAME". */
static void test_message_table_matches(void **state)
{
    static const struct {
        int id;
        const char *name;
    } table[] = {
        { AGENT_EVENT_INFO, "AGENT_MSG_INFO" },
        { AGENT_EVENT_WARNING, "AGENT_MSG_WARNING" },
        { AGENT_EVENT_ERROR, "AGENT_MSG_ERROR" },
        { AGENT_EVENT_SERVICE_STARTED, "AGENT_MSG_SERVICE_STARTED" },
        { AGENT_EVENT_SERVICE_STOPPED, "AGENT_MSG_SERVICE_STOPPED" },
        { AGENT_EVENT_SESSION_COMPLETED, "AGENT_MSG_SESSION_COMPLETED" },
        { AGENT_EVENT_SESSION_FAILED, "AGENT_MSG_SESSION_FAILED" },
        { AGENT_EVENT_RESTART_REQUESTED, "AGENT_MSG_RESTART_REQUESTED" },
        { AGENT_EVENT_OUTCOME_REPORTED, "AGENT_MSG_OUTCOME_REPORTED" },
        { AGENT_EVENT_CONFIG_ERROR, "AGENT_MSG_CONFIG_ERROR" },
        { AGENT_EVENT_ENROLL_STARTED, "AGENT_MSG_ENROLL_STARTED" },
        { AGENT_EVENT_ENROLL_SUCCEEDED, "AGENT_MSG_ENROLL_SUCCEEDED" },
        { AGENT_EVENT_ENROLL_FAILED, "AGENT_MSG_ENROLL_FAILED" },
        { AGENT_EVENT_ENROLL_RENEWED, "AGENT_MSG_ENROLL_RENEWED" },
        { AGENT_EVENT_ENROLL_RENEW_FAILED, "AGENT_MSG_ENROLL_RENEW_FAILED" },
        { AGENT_EVENT_UNENROLLED, "AGENT_MSG_UNENROLLED" },
    };
    const char *root = getenv("OMADM_SOURCE_ROOT");
    char path[1024], text[16384];
    size_t n;
    FILE *f;

    (void)state;
    assert_non_null(root);
    snprintf(path, sizeof path, "%s/agent/messages_win32.mc", root);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        char want[64];
        const char *at, *next, *name;

        snprintf(want, sizeof want, "\nMessageId=%d\n", table[i].id);
        at = strstr(text, want);
        assert_non_null(at);
        next = strstr(at + 1, "\nMessageId=");
        name = strstr(at, "SymbolicName=");
        assert_non_null(name);
        assert_true(!next || name < next);
        assert_int_equal(
            strncmp(name + strlen("SymbolicName="), table[i].name, strlen(table[i].name)), 0);
    }
}

/* The enrollment code logs the lines the prefixes name (the Event IDs
 * would silently fall back to 1/3 if a text drifted). */
static void test_enroll_prefixes_are_logged(void **state)
{
    static const struct {
        const char *file, *prefix;
    } uses[] = {
        { "enroll.c", AGENT_EVENT_PREFIX_ENROLL_STARTED },
        { "enroll.c", AGENT_EVENT_PREFIX_ENROLL_SUCCEEDED },
        { "enroll.c", AGENT_EVENT_PREFIX_ENROLL_FAILED },
        { "enroll.c", AGENT_EVENT_PREFIX_ENROLL_NOT_APPLIED },
        { "enroll.c", AGENT_EVENT_PREFIX_UNENROLLED },
        { "enroll_renew.c", AGENT_EVENT_PREFIX_ENROLL_RENEWED },
        { "enroll_renew.c", AGENT_EVENT_PREFIX_ENROLL_RENEW_FAILED },
        { "enroll_renew.c", AGENT_EVENT_PREFIX_ENROLL_EXPIRED },
    };
    const char *root = getenv("OMADM_SOURCE_ROOT");
    static char text[262144];

    (void)state;
    assert_non_null(root);
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
        char path[1024], want[128];
        size_t n;
        FILE *f;

        snprintf(path, sizeof path, "%s/agent/%s", root, uses[i].file);
        f = fopen(path, "rb");
        assert_non_null(f);
        n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        /* the prefix opens a string literal in that file */
        snprintf(want, sizeof want, "\"%s", uses[i].prefix);
        print_message("%s: %s\n", uses[i].file, want);
        assert_non_null(strstr(text, want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_message_table_matches),
        cmocka_unit_test(test_enroll_prefixes_are_logged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
