/* SPDX-License-Identifier: Apache-2.0 */
/* The POSIX OS layer: the idle wait and its wake-ups, directories, file
 * checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "agent/os.h"

static void test_wait(void **state)
{
    char err[200];
    int64_t t0;

    (void)state;
    assert_int_equal(agent_os_signals_init(err, sizeof err), 0);
    t0 = agent_os_monotonic_ms();
    assert_int_equal(agent_os_wait(80), AGENT_WAKE_TIMEOUT);
    assert_true(agent_os_monotonic_ms() - t0 >= 80);

    /* SIGUSR1 (arriving before the wait) asks for a session, once */
    raise(SIGUSR1);
    t0 = agent_os_monotonic_ms();
    assert_int_equal(agent_os_wait(10000), AGENT_WAKE_SYNC);
    assert_int_equal(agent_os_wait(20), AGENT_WAKE_TIMEOUT);
    agent_os_request_sync();
    assert_int_equal(agent_os_wait(10000), AGENT_WAKE_SYNC);
    assert_true(agent_os_monotonic_ms() - t0 < 5000);

    /* SIGHUP asks for a reload, once; it no longer ends the process */
    raise(SIGHUP);
    assert_int_equal(agent_os_wait(10000), AGENT_WAKE_RELOAD);
    assert_int_equal(agent_os_wait(20), AGENT_WAKE_TIMEOUT);
    assert_false(agent_os_stop_requested());

    /* SIGTERM asks to stop, and it sticks */
    assert_false(agent_os_stop_requested());
    raise(SIGTERM);
    assert_true(agent_os_stop_requested());
    assert_int_equal(agent_os_wait(10000), AGENT_WAKE_STOP);
    assert_int_equal(agent_os_wait(-1), AGENT_WAKE_STOP);
    agent_os_signals_reset();
    assert_false(agent_os_stop_requested());
    agent_os_request_stop();
    assert_int_equal(agent_os_wait(10000), AGENT_WAKE_STOP);
    agent_os_signals_reset();
}

static void test_dirs_and_files(void **state)
{
    char err[300], *tmp = NULL, path[600], *data = NULL;
    size_t len = 0;
    unsigned mode = 0;
    FILE *f;

    (void)state;
    assert_int_equal(agent_os_make_temp_dir(&tmp, err, sizeof err), 0);
    assert_true(agent_os_is_dir(tmp));
    snprintf(path, sizeof path, "%s/a/b/c", tmp);
    assert_int_equal(agent_os_make_dir(path, err, sizeof err), 0);
    assert_true(agent_os_is_dir(path));
    assert_int_equal(agent_os_make_dir(path, err, sizeof err), 0); /* exists: fine */

    snprintf(path, sizeof path, "%s/a/file", tmp);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("hello", f);
    fclose(f);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(agent_os_read_file(path, 100, &data, &len, &mode, err, sizeof err), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    assert_int_equal(mode, 0640);
    free(data);
    assert_int_equal(agent_os_read_file(path, 4, &data, &len, &mode, err, sizeof err), -1);
    assert_string_equal(err, "larger than 4 bytes");
    assert_int_equal(agent_os_check_readable(path, err, sizeof err), 0);
    assert_int_equal(agent_os_check_private(path, err, sizeof err), -1);
    assert_string_equal(err,
                        "private key is accessible by group or others (mode 0640); chmod 600 it");
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(agent_os_check_private(path, err, sizeof err), 0);
    assert_int_equal(agent_os_make_dir(path, err, sizeof err), -1); /* a file */
    assert_int_equal(agent_os_check_readable(tmp, err, sizeof err), -1);
    assert_string_equal(err, "not a regular file");

    /* the lock is ours while held */
    {
        int h = agent_os_lock_dir(tmp, err, sizeof err);
        assert_true(h >= 0);
        agent_os_unlock_dir(h);
    }
    agent_os_remove_tree(tmp);
    assert_false(agent_os_is_dir(tmp));
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait),
        cmocka_unit_test(test_dirs_and_files),
    };

    return cmocka_run_group_tests_name("agent-os", tests, NULL, NULL);
}
