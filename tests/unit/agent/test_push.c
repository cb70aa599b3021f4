/* SPDX-License-Identifier: Apache-2.0 */
/* The push channel's pure parts: back-off with jitter, and where its URL
 * comes from ([push] url, else the state file enrollment writes). The
 * channel itself is tested end to end (tests/e2e/test_push.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/config.h"
#include "agent/push.h"

static void test_backoff(void **state)
{
    uint32_t rng = 12345;
    int64_t lo[] = { 2500, 5000, 10000, 20000, 40000, 80000, 160000, 320000, 450000, 450000 };
    int64_t hi[] = { 5000, 10000, 20000, 40000, 80000, 160000, 320000, 640000, 900000, 900000 };
    int64_t first = -1;
    int differ = 0;

    (void)state;
    for (unsigned f = 1; f <= 10; f++) {
        for (int i = 0; i < 200; i++) {
            int64_t d = agent_push_backoff_ms(f, &rng);
            assert_true(d >= lo[f - 1] && d <= hi[f - 1]);
            if (f == 1) {
                if (first >= 0 && d != first)
                    differ = 1;
                first = d;
            }
        }
    }
    assert_true(differ); /* jitter: not the same delay every time */
    /* never beyond 15 minutes, however many failures */
    assert_true(agent_push_backoff_ms(1000000, &rng) <= 900000);
}

static void test_resolve_url(void **state)
{
    agent_config cfg;
    char err[400], *url = NULL;

    (void)state;
    assert_int_equal(agent_config_init(&cfg), 0);
    /* nothing configured, no platform: no channel, no error */
    assert_int_equal(agent_push_resolve_url(&cfg, NULL, &url, err, sizeof err), 0);
    assert_null(url);
    cfg.push_url = strdup("https://mdm.example.com/push");
    assert_int_equal(agent_push_resolve_url(&cfg, NULL, &url, err, sizeof err), 0);
    assert_string_equal(url, "https://mdm.example.com/push");
    free(url);
    agent_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_resolve_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
