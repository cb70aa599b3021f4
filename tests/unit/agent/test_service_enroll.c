/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment at the start of `run` (agent/service_enroll.c): the back-off
 * (doubling, capped, jittered in its upper half) and which failures are
 * retried (agent__enroll_transient): no answer, a timeout, 5xx, 408, 429,
 * never a refusal (SOAP fault, 4xx, TLS, malformed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/enroll_int.h"
#include "agent/service_enroll.h"

static void test_backoff_doubles_and_caps(void **state)
{
    (void)state;
    /* random 0: the lower bound, half of each delay */
    assert_int_equal(agent_enroll_backoff_ms(1, 30000, 3600000, 0), 15000);
    assert_int_equal(agent_enroll_backoff_ms(2, 30000, 3600000, 0), 30000);
    assert_int_equal(agent_enroll_backoff_ms(3, 30000, 3600000, 0), 60000);
    /* 30 s * 2^7 = 3840 s > the 1 h cap */
    assert_int_equal(agent_enroll_backoff_ms(8, 30000, 3600000, 0), 1800000);
    assert_int_equal(agent_enroll_backoff_ms(200, 30000, 3600000, 0), 1800000);
    /* the largest random value reaches the full delay, never beyond */
    assert_int_equal(agent_enroll_backoff_ms(1, 30000, 3600000, 15000), 30000);
    assert_int_equal(agent_enroll_backoff_ms(200, 30000, 3600000, UINT32_MAX),
                     1800000 + (int64_t)(UINT32_MAX % 1800001u));
    assert_true(agent_enroll_backoff_ms(200, 30000, 3600000, UINT32_MAX) <= 3600000);
    /* a first interval above the cap raises the cap */
    assert_int_equal(agent_enroll_backoff_ms(5, 7200000, 3600000, 0), 3600000);
    /* nonsense input still waits */
    assert_true(agent_enroll_backoff_ms(1, 0, 0, 0) >= 1);
}

static void test_backoff_jitter_spreads(void **state)
{
    int64_t lo = INT64_MAX, hi = 0;

    (void)state;
    for (uint32_t r = 0; r < 100000; r += 997) {
        int64_t d = agent_enroll_backoff_ms(4, 1000, 3600000, r);
        assert_true(d >= 4000 && d <= 8000);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(hi - lo > 3000);
}

static void test_transient_or_refused(void **state)
{
    omadm_transport_info info;

    (void)state;
    memset(&info, 0, sizeof info);
    assert_true(agent__enroll_transient(OMADM_ERR_TRANSPORT, &info)); /* no answer */
    assert_true(agent__enroll_transient(OMADM_ERR_TIMEOUT, &info));
    assert_true(agent__enroll_transient(OMADM_ERR_RETRY_LATER, &info));
    info.http_status = 503;
    assert_true(agent__enroll_transient(OMADM_ERR_TRANSPORT, &info));
    info.http_status = 408;
    assert_true(agent__enroll_transient(OMADM_ERR_TRANSPORT, &info));
    info.http_status = 403;
    assert_false(agent__enroll_transient(OMADM_ERR_TRANSPORT, &info));
    info.http_status = 404;
    assert_false(agent__enroll_transient(OMADM_ERR_TRANSPORT, &info));
    info.http_status = 200;
    assert_false(agent__enroll_transient(OMADM_ERR_AUTH, &info));     /* SOAP fault */
    assert_false(agent__enroll_transient(OMADM_ERR_PROTOCOL, &info)); /* other fault */
    assert_false(agent__enroll_transient(OMADM_ERR_PARSE, &info));
    assert_false(agent__enroll_transient(OMADM_ERR_LIMIT, &info));
    info.http_status = 0;
    assert_false(agent__enroll_transient(OMADM_ERR_TLS, &info));
    assert_false(agent__enroll_transient(OMADM_ERR_NOMEM, &info));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_and_caps),
        cmocka_unit_test(test_backoff_jitter_spreads),
        cmocka_unit_test(test_transient_or_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
