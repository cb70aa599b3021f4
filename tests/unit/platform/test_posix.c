/* SPDX-License-Identifier: Apache-2.0 */
/* platform/posix: boot identity, boot time, facts and clock from (fake and
 * real) system files, and the restart guard. Never restarts the machine:
 * every test that gets past the guard replaces the command and disables the
 * reboot(2) fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "platform/posix/posix.h"
#include "testutil.h"

typedef struct fixture {
    char *base;  /* temp dir */
    char *state; /* base/state */
    char *root;  /* base/root: fake /proc, /sys, /etc */
    omadm_platform pf;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->base = tu_mkdtemp();
    f->state = tu_path(f->base, "state", NULL);
    f->root = tu_path(f->base, "root", NULL);
    tu_put(f->root, "proc/sys/kernel/random/boot_id", "6f0e7c1a-94b2-4c1e-8a55-0d2b5f3e9a10\n");
    tu_put(f->root, "proc/stat", "cpu  1 2 3 4\nintr 5\nctxt 6\nbtime 1712345678\nprocesses 7\n");
    tu_put(f->root, "proc/self/status",
           "Name:\ttest\nCapInh:\t0000000000000000\n"
           "CapEff:\t0000000000000000\n");
    tu_put(f->root, "sys/class/dmi/id/sys_vendor", "LENOVO\n");
    tu_put(f->root, "sys/class/dmi/id/product_name", "20XW0055GE\n");
    tu_put(f->root, "sys/class/dmi/id/bios_version", "N32ET75W (1.51 )\n");
    tu_put(f->root, "sys/class/dmi/id/product_version", "ThinkPad X1 Carbon Gen 9\n");
    tu_put(f->root, "etc/os-release",
           "# comment\nNAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 "
           "(bookworm) \\\"q\\\"\"\nVERSION_ID='12'\nID=debian\n");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    if (f->pf.destroy)
        f->pf.destroy(f->pf.ctx);
    free(f->state);
    free(f->root);
    tu_rmtree_free(f->base);
    free(f);
    return 0;
}

static void start_fake(fixture *f, omadm_platform_posix_options *opt)
{
    omadm_platform_posix_options def = OMADM_PLATFORM_POSIX_OPTIONS_INIT;

    if (!opt)
        opt = &def;
    opt->root = f->root;
    opt->reboot_fallback = 0;
    assert_int_equal(omadm_platform_posix_new_with(&f->pf, f->state, opt), OMADM_OK);
}

static void expect_fact(fixture *f, omadm_fact fact, const char *want)
{
    char buf[256];

    assert_int_equal(f->pf.device_fact(f->pf.ctx, fact, buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, want);
}

static void test_fake_boot_and_facts(void **state)
{
    fixture *f = *state;
    char buf[256];
    int64_t t = 0;

    start_fake(f, NULL);
    assert_int_equal(f->pf.version, OMADM_PLATFORM_VERSION);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "6f0e7c1a-94b2-4c1e-8a55-0d2b5f3e9a10");
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, 10), OMADM_ERR_LIMIT);
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &t), OMADM_OK);
    assert_int_equal(t, 1712345678);

    expect_fact(f, OMADM_FACT_MANUFACTURER, "LENOVO");
    expect_fact(f, OMADM_FACT_MODEL, "20XW0055GE");
    expect_fact(f, OMADM_FACT_FIRMWARE_VERSION, "N32ET75W (1.51 )");
    expect_fact(f, OMADM_FACT_HARDWARE_VERSION, "ThinkPad X1 Carbon Gen 9");
    expect_fact(f, OMADM_FACT_OS_VERSION, "12");
    expect_fact(f, OMADM_FACT_OS_PLATFORM, "Debian GNU/Linux 12 (bookworm) \"q\"");
    /* product_serial is root-only on real systems; absent here. */
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_SERIAL_NUMBER, buf, sizeof buf),
                     OMADM_ERR_NOT_FOUND);
    tu_put(f->root, "sys/class/dmi/id/product_serial", "PF2ABCDE\n");
    expect_fact(f, OMADM_FACT_SERIAL_NUMBER, "PF2ABCDE");
    tu_put(f->root, "sys/class/dmi/id/product_serial", "\n"); /* blank = cannot tell */
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_SERIAL_NUMBER, buf, sizeof buf),
                     OMADM_ERR_NOT_FOUND);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_MODEL, buf, 4), OMADM_ERR_LIMIT);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_COUNT, buf, sizeof buf),
                     OMADM_ERR_INVALID);
}

static void test_os_release_fallback_and_missing(void **state)
{
    fixture *f = *state;
    char buf[256], *p;

    start_fake(f, NULL);
    p = tu_path(f->root, "etc/os-release", NULL);
    remove(p);
    free(p);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_OS_VERSION, buf, sizeof buf),
                     OMADM_ERR_NOT_FOUND);
    tu_put(f->root, "usr/lib/os-release", "PRETTY_NAME=Alpine\nVERSION_ID=3.19.1\n");
    expect_fact(f, OMADM_FACT_OS_VERSION, "3.19.1");
    expect_fact(f, OMADM_FACT_OS_PLATFORM, "Alpine");
    /* /etc wins when present, even without the key. */
    tu_put(f->root, "etc/os-release", "NAME=x\nVERSION_ID=\"\"\n");
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_OS_PLATFORM, buf, sizeof buf),
                     OMADM_ERR_NOT_FOUND);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_OS_VERSION, buf, sizeof buf),
                     OMADM_ERR_NOT_FOUND);
}

static void test_missing_proc_files(void **state)
{
    fixture *f = *state;
    char buf[64], *p;
    int64_t t;

    start_fake(f, NULL);
    tu_put(f->root, "proc/stat", "cpu 1\n");
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &t), OMADM_ERR_NOT_FOUND);
    tu_put(f->root, "proc/stat", "btime soon\n");
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &t), OMADM_ERR_PARSE);
    p = tu_path(f->root, "proc/sys/kernel/random/boot_id", NULL);
    remove(p);
    free(p);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, sizeof buf), OMADM_ERR_NOT_FOUND);
}

static void test_real_system_values(void **state)
{
    fixture *f = *state;
    char buf[256], host[256];
    int64_t bt = 0, now = 0;

    assert_int_equal(omadm_platform_posix_new(&f->pf, f->state, 0), OMADM_OK);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, sizeof buf), OMADM_OK);
    assert_int_equal(strlen(buf), 36); /* a UUID */
    /* time() reads the coarse clock, which may lag CLOCK_REALTIME by a tick:
     * allow a second either side rather than fail at a second boundary. */
    int64_t before = (int64_t)time(NULL);
    assert_int_equal(f->pf.now(f->pf.ctx, &now), OMADM_OK);
    int64_t after = (int64_t)time(NULL);
    assert_true(now >= before - 1 && now <= after + 1);
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &bt), OMADM_OK);
    assert_true(bt > 1000000000 && bt <= now);

    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_DEVICE_NAME, buf, sizeof buf),
                     OMADM_OK);
    assert_int_equal(gethostname(host, sizeof host), 0);
    assert_string_equal(buf, host);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_TOTAL_RAM_MB, buf, sizeof buf),
                     OMADM_OK);
    assert_true(strtoll(buf, NULL, 10) > 16);
    assert_int_equal(strspn(buf, "0123456789"), strlen(buf));
    /* Whatever the machine has: OK with a non-empty value, or NOT_FOUND. */
    {
        omadm_fact fa;
        for (fa = OMADM_FACT_MANUFACTURER; fa < OMADM_FACT_COUNT; fa++) {
            omadm_status st = f->pf.device_fact(f->pf.ctx, fa, buf, sizeof buf);
            assert_true(st == OMADM_OK || st == OMADM_ERR_NOT_FOUND);
            if (st == OMADM_OK)
                assert_true(buf[0] != '\0');
        }
    }
}

static void test_utc_offset_follows_tz(void **state)
{
    fixture *f = *state;
    const char *tz = getenv("TZ");
    char *old = tz ? strdup(tz) : NULL;
    int32_t off = 1;

    assert_int_equal(omadm_platform_posix_new(&f->pf, f->state, 0), OMADM_OK);
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 1704067200, &off), OMADM_OK); /* 2024-01-01 */
    assert_int_equal(off, 3600);
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 1719792000, &off), OMADM_OK); /* 2024-07-01 */
    assert_int_equal(off, 7200);
    setenv("TZ", "UTC0", 1);
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 1719792000, &off), OMADM_OK);
    assert_int_equal(off, 0);
    setenv("TZ", "<-0530>5:30", 1); /* west of UTC */
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 1719792000, &off), OMADM_OK);
    assert_int_equal(off, -19800);
    if (old) {
        setenv("TZ", old, 1);
        free(old);
    } else {
        unsetenv("TZ");
    }
}

static void test_language(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "en_US.UTF-8", "en-US" },
        { "de_DE", "de-DE" },
        { "fr_CA.ISO-8859-1@euro", "fr-CA" },
        { "pt", "pt" },
        { "C", "en-US" },
        { "C.UTF-8", "en-US" },
        { "POSIX", "en-US" },
        { "", "en-US" },
        { NULL, "en-US" },
        { "zh_Hant_TW", "zh-Hant-TW" },
        { "x", "en-US" },
        { "e1_US", "en-US" },
        { "en_US/../x", "en-US" },
        { "en__US", "en-US" },
        { "en_", "en-US" },
        { "sr_RS@latin", "sr-RS" },
        { "es_419", "es-419" },
    };
    fixture *f = *state;
    char buf[64];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(omadm__posix_language(cases[i].in, buf, sizeof buf), OMADM_OK);
        assert_string_equal(buf, cases[i].out);
    }
    assert_int_equal(omadm__posix_language("en_US", buf, 3), OMADM_ERR_LIMIT);

    /* Through the platform: LC_ALL, then LC_MESSAGES, then LANG. */
    assert_int_equal(omadm_platform_posix_new(&f->pf, f->state, 0), OMADM_OK);
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "nl_BE.UTF-8", 1);
    expect_fact(f, OMADM_FACT_LANGUAGE, "nl-BE");
    setenv("LC_MESSAGES", "it_IT", 1);
    expect_fact(f, OMADM_FACT_LANGUAGE, "it-IT");
    setenv("LC_ALL", "ja_JP.eucJP", 1);
    expect_fact(f, OMADM_FACT_LANGUAGE, "ja-JP");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    expect_fact(f, OMADM_FACT_LANGUAGE, "en-US");
}

static void test_privilege_check(void **state)
{
    fixture *f = *state;

    assert_true(omadm__posix_restart_privileged(f->root, 0)); /* root */
    assert_false(omadm__posix_restart_privileged(f->root, 1000));
    /* CAP_SYS_BOOT is bit 22 of CapEff. */
    tu_put(f->root, "proc/self/status", "Name:\tx\nCapEff:\t0000000000400000\n");
    assert_true(omadm__posix_restart_privileged(f->root, 1000));
    tu_put(f->root, "proc/self/status", "Name:\tx\nCapEff:\t00000000003fffff\nCapBnd:\tffff\n");
    assert_false(omadm__posix_restart_privileged(f->root, 1000));
    tu_put(f->root, "proc/self/status", "CapPrm:\t0000000000400000\n"); /* not effective */
    assert_false(omadm__posix_restart_privileged(f->root, 1000));
    tu_put(f->root, "proc/self/status", "CapEff:\tzz\n");
    assert_false(omadm__posix_restart_privileged(f->root, 1000));
    assert_false(omadm__posix_restart_privileged("/nonexistent-root", 1000));
}

static int calls;
static int deny(void *user)
{
    (void)user;
    calls++;
    return 0;
}
static int grant(void *user)
{
    (void)user;
    calls++;
    return 1;
}

/* request_restart in a forked child running as nobody: 0 when it was
 * refused with OMADM_ERR_ACCESS, 1 otherwise, 2 when privileges could not
 * be dropped. */
static int restart_as_nobody(fixture *f)
{
    int status = 0;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        /* cppcheck-suppress getpwnamCalled ; a single-threaded child after fork */
        const struct passwd *pw = getpwnam("nobody");

        if (!pw || setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
            geteuid() == 0)
            _exit(2);
        _exit(f->pf.request_restart(f->pf.ctx, 1, "test") == OMADM_ERR_ACCESS ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_restart_guard(void **state)
{
    fixture *f = *state;
    char *marker = tu_path(f->base, "restarted", NULL);
    const char *argv[] = { "/bin/sh", "-c", "echo \"$1\" > \"$0\"", marker, "ran", NULL };
    omadm_platform_posix_options opt = OMADM_PLATFORM_POSIX_OPTIONS_INIT;
    char *text;

    /* Not allowed (the agent without --platform native): ACCESS, even as
     * root, and the privilege check is not even consulted. */
    calls = 0;
    opt.privileged = grant;
    opt.restart_argv = argv;
    start_fake(f, &opt);
    assert_int_equal(f->pf.can_restart(f->pf.ctx), OMADM_ERR_ACCESS);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "test"), OMADM_ERR_ACCESS);
    assert_int_equal(calls, 0);
    assert_false(tu_exists(marker));
    f->pf.destroy(f->pf.ctx);

    /* Allowed but not privileged: ACCESS, command never run. */
    opt.allow_restart = 1;
    opt.privileged = deny;
    start_fake(f, &opt);
    assert_int_equal(f->pf.can_restart(f->pf.ctx), OMADM_ERR_ACCESS);
    assert_int_equal(calls, 1);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "test"), OMADM_ERR_ACCESS);
    assert_int_equal(calls, 2);
    assert_false(tu_exists(marker));
    f->pf.destroy(f->pf.ctx);

    /* Allowed and privileged: the command runs, its success is ours. */
    opt.privileged = grant;
    start_fake(f, &opt);
    assert_int_equal(f->pf.can_restart(f->pf.ctx), OMADM_OK);
    assert_false(tu_exists(marker)); /* asking runs nothing */
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "test"), OMADM_OK);
    text = tu_read(marker, NULL);
    assert_non_null(text);
    assert_string_equal(text, "ran\n");
    free(text);
    f->pf.destroy(f->pf.ctx);

    /* A failing command is a failure (no fallback in tests). */
    {
        const char *fail_argv[] = { "/bin/sh", "-c", "exit 3", NULL };
        const char *missing_argv[] = { "/nonexistent/omadm-no-such-command", NULL };
        opt.restart_argv = fail_argv;
        start_fake(f, &opt);
        assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "test"), OMADM_ERR_IO);
        f->pf.destroy(f->pf.ctx);
        opt.restart_argv = missing_argv;
        start_fake(f, &opt);
        {
            omadm_status st = f->pf.request_restart(f->pf.ctx, 1, "test");

            /* Under valgrind (--trace-children) the failed exec reaches us
             * as a failing exit status: I/O error, still never success. */
            if (st != OMADM_ERR_NOT_FOUND)
                assert_int_equal(st, OMADM_ERR_IO);
        }
    }

    /* The real privilege check through a fake /proc: unprivileged only if
     * we are not root, so check the decision matches the helper's. */
    f->pf.destroy(f->pf.ctx);
    opt.privileged = NULL;
    opt.restart_argv = argv;
    remove(marker);
    start_fake(f, &opt);
    if (geteuid() != 0) {
        assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "test"), OMADM_ERR_ACCESS);
        assert_false(tu_exists(marker));
    } else {
        assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "test"), OMADM_OK);
        assert_true(tu_exists(marker));
        /* And the refusal itself, in a child that dropped root for nobody
         * (CapEff 0 in the fake /proc): refused before anything runs. */
        remove(marker);
        assert_int_equal(restart_as_nobody(f), 0);
        assert_false(tu_exists(marker));
    }
    free(marker);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    omadm_platform_posix_options opt = OMADM_PLATFORM_POSIX_OPTIONS_INIT;
    const char *empty_argv[] = { NULL };

    assert_int_equal(omadm_platform_posix_new(&f->pf, "", 0), OMADM_ERR_INVALID);
    assert_null(f->pf.destroy);
    assert_int_equal(omadm_platform_posix_new(NULL, f->state, 0), OMADM_ERR_INVALID);
    opt.version = 99;
    assert_int_equal(omadm_platform_posix_new_with(&f->pf, f->state, &opt), OMADM_ERR_INVALID);
    opt.version = OMADM_PLATFORM_POSIX_OPTIONS_VERSION;
    opt.restart_argv = empty_argv;
    assert_int_equal(omadm_platform_posix_new_with(&f->pf, f->state, &opt), OMADM_ERR_INVALID);
    /* NULL options: defaults, restart never allowed. */
    assert_int_equal(omadm_platform_posix_new_with(&f->pf, f->state, NULL), OMADM_OK);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "x"), OMADM_ERR_ACCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fake_boot_and_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_os_release_fallback_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_proc_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_system_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utc_offset_follows_tz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privilege_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("platform-posix", tests, NULL, NULL);
}
