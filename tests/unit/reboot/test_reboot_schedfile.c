/* SPDX-License-Identifier: Apache-2.0 */
/* A hostile or damaged schedule file (reboot-schedule): another version, an
 * unknown kind, a kind twice, Daily and Weekly together, an offset past a
 * day, a pair without '='. Each is ignored as a whole with one "corrupt" error
 * and the CSP starts with no schedule; the intact file loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../platform/testutil.h"
#include "rbtest.h"

#define DEV "./Device/Vendor/MSFT/Reboot"

static char *sched_path(const rbt *t)
{
    return tu_path(t->dir, OMADM_REBOOT_SCHEDULE_FILE, NULL);
}

/* Restarts the agent on `content` as the schedule file; returns the
 * Status of a Get of Schedule/<node>. */
static int restart_on(rbt *t, const char *content, const char *node)
{
    char *p = sched_path(t), uri[128];

    rbt_close(t);
    tu_write(p, content, strlen(content));
    free(p);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    snprintf(uri, sizeof uri, DEV "/Schedule/%s", node);
    return rbt_cmd(t, "Get", "g1", uri, NULL);
}

/* `src` with `from` (which must occur) replaced by `to`. malloc'd. */
static char *replaced(const char *src, const char *from, const char *to)
{
    const char *at = strstr(src, from);
    size_t n = strlen(src) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    assert_non_null(at);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
    return out;
}

static void test_damaged_schedule_files(void **state)
{
    rbt *t = *state;
    char *p = sched_path(t), *good, *single, *daily, *bad[6];
    size_t i, n = sizeof bad / sizeof bad[0];
    const char *nl;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"), 200);
    assert_int_equal(
        rbt_cmd(t, "Add", "a2", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 200);
    good = tu_read(p, NULL);
    free(p);
    assert_non_null(good);
    assert_int_equal(strncmp(good, "v=1\n", 4), 0);
    /* its two lines, whichever order */
    single = strstr(good, "kind=single");
    daily = strstr(good, "kind=daily");
    assert_non_null(single);
    assert_non_null(daily);
    nl = strchr(single, '\n');
    {
        size_t sl = nl ? (size_t)(nl - single + 1) : strlen(single);
        char *copy = malloc(sl + 1);

        assert_non_null(copy);
        memcpy(copy, single, sl);
        copy[sl] = '\0';
        single = copy;
    }

    bad[0] = replaced(good, "v=1\n", "v=2\n");
    bad[1] = replaced(good, "kind=single", "kind=monthly");
    bad[2] = malloc(strlen(good) + strlen(single) + 2);
    assert_non_null(bad[2]);
    sprintf(bad[2], "%s%s%s", good, good[strlen(good) - 1] == '\n' ? "" : "\n", single);
    bad[3] = replaced(good, "kind=daily", "kind=weekly");
    {
        char *weekly = bad[3];
        const char *w = strstr(weekly, "kind=weekly");
        const char *wend = strchr(w, '\n');
        size_t wl = wend ? (size_t)(wend - w + 1) : strlen(w);

        bad[3] = malloc(strlen(good) + wl + 2);
        assert_non_null(bad[3]);
        sprintf(bad[3], "%s%s%.*s", good, good[strlen(good) - 1] == '\n' ? "" : "\n", (int)wl, w);
        free(weekly);
    }
    bad[4] = replaced(good, "offset=0", "offset=86401");
    bad[5] = replaced(good, "kind=single;", "kind=single;x");
    (void)daily;

    assert_int_equal(restart_on(t, good, "Single"), 200);
    assert_int_equal(rbt_cmd(t, "Get", "g2", DEV "/Schedule/DailyRecurrent", NULL), 200);
    for (i = 0; i < n; i++) {
        int before = rbt_log_corrupt;

        assert_int_equal(restart_on(t, bad[i], "Single"), 404);
        assert_int_equal(rbt_cmd(t, "Get", "g2", DEV "/Schedule/DailyRecurrent", NULL), 404);
        assert_int_equal(rbt_log_corrupt, before + 1);
        free(bad[i]);
    }
    free(single);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_damaged_schedule_files, rbt_setup, rbt_teardown),
    };
    return cmocka_run_group_tests_name("reboot schedule file", tests, NULL, NULL);
}
