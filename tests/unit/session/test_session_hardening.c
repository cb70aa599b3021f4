/* Field hardening (issue 14) at the session level: one bad command does not
 * block the others, messages larger than we announced, odd server headers.
 * The scripted server and the test CSP (./Vendor/Test/Run counts Execs)
 * are in session_harness.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omadm/log.h"
#include "session_harness.h"

#define EXEC_RUN(id)                                                                               \
    "<Exec><CmdID>" id "</CmdID><Item><Target><LocURI>./Vendor/Test/Run</LocURI></Target>"         \
    "</Item></Exec>"

/* ---- log capture ---------------------------------------------------------- */

static char warn_log[8192];

static void log_sink(void *user, omadm_log_level level, const char *line)
{
    size_t n = strlen(warn_log);

    (void)user;
    if (level == OMADM_LOG_WARN && n + strlen(line) + 2 < sizeof warn_log)
        snprintf(warn_log + n, sizeof warn_log - n, "%s\n", line);
}

static int setup(void **state)
{
    harness *h = calloc(1, sizeof *h);

    assert_non_null(h);
    harness_init(h);
    warn_log[0] = '\0';
    omadm_log_set(log_sink, NULL, OMADM_LOG_DEBUG);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    harness *h = *state;

    omadm_log_set(NULL, NULL, OMADM_LOG_WARN);
    harness_free(h);
    free(h);
    return 0;
}

static char *strf(const char *f, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static char *repeat(const char *s, size_t n)
{
    size_t len = strlen(s), i;
    char *out = malloc(len * n + 1);

    assert_non_null(out);
    for (i = 0; i < n; i++)
        memcpy(out + i * len, s, len);
    out[len * n] = '\0';
    return out;
}

static const char *status_of(const syncml_msg *m, const char *cmd_ref)
{
    const syncml_cmd *c = harness_find(m, SYNCML_CMD_STATUS, cmd_ref);

    return c && c->data ? c->data : "(none)";
}

/* ---- item 2: one bad command must not block the device --------------------- */

/* The poisoned commands the issue names, each with the Status it gets and
 * the CmdRef it is answered with. */
typedef struct poison {
    char *xml;
    const char *code;
    char *cmd_ref;
} poison;

static void make_poisons(poison p[3])
{
    char *uri = repeat("a", 1025), *id = repeat("9", 65), *items;

    memcpy(uri, "./", 2);
    items = repeat("<Item><Target><LocURI>./Vendor/Test/Value</LocURI></Target></Item>", 101);
    p[0].xml = strf("<Get><CmdID>p-uri</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item>"
                    "</Get>",
                    uri);
    p[0].code = "414";
    p[0].cmd_ref = strf("p-uri");
    p[1].xml = strf("<Exec><CmdID>%s</CmdID><Item><Target><LocURI>./Vendor/Test/Run</LocURI>"
                    "</Target></Item></Exec>",
                    id);
    p[1].code = "400";
    p[1].cmd_ref = strf("%.64s%s", id, SYNCML_CMDID_TRUNCATED);
    p[2].xml = strf("<Get><CmdID>p-items</CmdID>%s</Get>", items);
    p[2].code = "413";
    p[2].cmd_ref = strf("p-items");
    free(uri);
    free(id);
    free(items);
}

static void free_poisons(poison p[3])
{
    int i;

    for (i = 0; i < 3; i++) {
        free(p[i].xml);
        free(p[i].cmd_ref);
    }
}

/* A poisoned command then an Exec in the same message: the poisoned one
 * gets its own Status (CmdRef as received, or truncated with the marker),
 * the Exec runs, the session completes. */
static void test_poisoned_then_exec_same_message(void **state)
{
    poison p[3];
    int i;

    (void)state;
    make_poisons(p);
    for (i = 0; i < 3; i++) {
        harness *h = calloc(1, sizeof *h);
        char *body = strf("%s" EXEC_RUN("x-1"), p[i].xml);

        harness_init(h);
        harness_start(h);
        assert_non_null(harness_next(h));
        harness_feed(h, 1, body, 1);
        assert_non_null(harness_next(h));
        assert_string_equal(status_of(h->last, p[i].cmd_ref), p[i].code);
        assert_string_equal(status_of(h->last, "x-1"), "200");
        assert_int_equal(h->exec_count, 1);
        harness_feed(h, 2, "", 1);
        assert_null(harness_next(h));
        assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
        harness_free(h);
        free(h);
        free(body);
    }
    free_poisons(p);
}

/* The poisoned command alone, the Exec in the server's next message. */
static void test_poisoned_then_exec_next_message(void **state)
{
    harness *h = *state;
    poison p[3];
    char *body;

    make_poisons(p);
    harness_start(h);
    assert_non_null(harness_next(h));
    body = strf("%s%s%s", p[0].xml, p[1].xml, p[2].xml);
    harness_feed(h, 1, body, 1);
    free(body);
    assert_non_null(harness_next(h));
    assert_string_equal(status_of(h->last, p[0].cmd_ref), "414");
    assert_string_equal(status_of(h->last, p[1].cmd_ref), "400");
    assert_string_equal(status_of(h->last, p[2].cmd_ref), "413");
    assert_int_equal(h->exec_count, 0);
    harness_feed(h, 2, EXEC_RUN("x-2"), 1);
    assert_non_null(harness_next(h));
    assert_string_equal(status_of(h->last, "x-2"), "200");
    assert_int_equal(h->exec_count, 1);
    harness_feed(h, 3, "", 1);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
    assert_non_null(strstr(warn_log, "answered 414: LocURI longer than 1024 bytes in Get"));
    free_poisons(p);
}

/* Message-level limits still fail the session (depth). */
static void test_message_limits_still_fail(void **state)
{
    harness *h = *state;
    char *open = repeat("<a>", 40), *close = repeat("</a>", 40);
    char *body = strf("<Replace><CmdID>1</CmdID><Item><Data>%s%s</Data></Item></Replace>", open,
                      close);
    char *msg;

    harness_start(h);
    assert_non_null(harness_next(h));
    msg = harness_server_msg(h, 1, NULL, body, 1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_PROTOCOL);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "element depth over 32"));
    free(msg);
    free(body);
    free(open);
    free(close);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poisoned_then_exec_same_message),
        cmocka_unit_test_setup_teardown(test_poisoned_then_exec_next_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_limits_still_fail, setup, teardown),
    };

    return cmocka_run_group_tests_name("session-hardening", tests, NULL, NULL);
}
