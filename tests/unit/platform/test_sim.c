/* SPDX-License-Identifier: Apache-2.0 */
/* platform/sim: the files of DESIGN.md §4 "Simulated platform", exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/stat.h>
#endif
#include <time.h>

#include <cmocka.h>

#include "platform/sim/sim.h"
#include "testutil.h"

typedef struct fixture {
    char *base;   /* temp dir, removed at teardown */
    char *dir;    /* state dir: base/state, created by the sim */
    char *simdir; /* state dir/sim */
    omadm_platform pf;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->base = tu_mkdtemp();
    f->dir = tu_path(f->base, "state", NULL);
    f->simdir = tu_path(f->dir, "sim", NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    if (f->pf.destroy)
        f->pf.destroy(f->pf.ctx);
    free(f->simdir);
    free(f->dir);
    tu_rmtree_free(f->base);
    free(f);
    return 0;
}

static void sim_write(fixture *f, const char *name, const char *text)
{
    char *p = tu_path(f->simdir, name, NULL);
    tu_write(p, text, (size_t)-1);
    free(p);
}

static char *sim_read(fixture *f, const char *name)
{
    char *p = tu_path(f->simdir, name, NULL);
    char *s = tu_read(p, NULL);
    free(p);
    return s;
}

static void sim_unlink(fixture *f, const char *name)
{
    char *p = tu_path(f->simdir, name, NULL);
    remove(p);
    free(p);
}

static void start(fixture *f)
{
    assert_int_equal(omadm_platform_sim_new(&f->pf, f->dir), OMADM_OK);
    assert_int_equal(f->pf.version, OMADM_PLATFORM_VERSION);
}

static void stop(fixture *f)
{
    f->pf.destroy(f->pf.ctx);
    memset(&f->pf, 0, sizeof f->pf);
}

static int64_t now_of(fixture *f)
{
    int64_t t = -1;
    assert_int_equal(f->pf.now(f->pf.ctx, &t), OMADM_OK);
    return t;
}

static int64_t boot_time_of(fixture *f)
{
    int64_t t = -1;
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &t), OMADM_OK);
    return t;
}

static int is_hex(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!s[i] || !strchr("0123456789abcdef", s[i]))
            return 0;
    return s[n] == '\0';
}

/* For tests that set switches before the first start. */
static void make_simdir(fixture *f)
{
    tu_mkdirs(f->simdir);
}

static void test_first_start_creates_state(void **state)
{
    fixture *f = *state;
    char id[64];
    char *file;
    time_t before = time(NULL);
    int64_t bt;

    start(f);
    assert_true(tu_is_dir(f->dir));
    assert_true(tu_is_dir(f->simdir));
#ifndef _WIN32
    {
        struct stat sb;
        assert_int_equal(stat(f->dir, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0700); /* private to the agent */
    }
#endif

    /* boot identity = text of sim/boot-id: 32 hex digits, newline. */
    file = sim_read(f, "boot-id");
    assert_non_null(file);
    assert_int_equal(strlen(file), 33);
    assert_int_equal(file[32], '\n');
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id, sizeof id), OMADM_OK);
    assert_true(is_hex(id, 32));
    assert_memory_equal(file, id, 32);
    free(file);

    /* boot-time recorded when boot-id was created: the real clock here. */
    bt = boot_time_of(f);
    assert_true(bt >= (int64_t)before && bt <= (int64_t)time(NULL));
    file = sim_read(f, "boot-time");
    assert_non_null(file);
    assert_int_equal(strtoll(file, NULL, 10), bt);
    free(file);

    /* Too small a buffer: LIMIT, as platform.h says. */
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id, 10), OMADM_ERR_LIMIT);
    /* No restart ever requested: no log. */
    assert_null(sim_read(f, "restarts.log"));
}

static void test_boot_id_reused_across_starts(void **state)
{
    fixture *f = *state;
    char id1[64], id2[64];
    int64_t bt1;

    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id1, sizeof id1), OMADM_OK);
    bt1 = boot_time_of(f);
    stop(f);
    sim_write(f, "now", "4000000000\n"); /* later: must not move boot-time */
    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id2, sizeof id2), OMADM_OK);
    assert_string_equal(id1, id2);
    assert_int_equal(boot_time_of(f), bt1);

    /* Two fresh state dirs get different ids. */
    stop(f);
    tu_rmtree_free(f->base);
    f->base = tu_mkdtemp();
    free(f->dir);
    free(f->simdir);
    f->dir = tu_path(f->base, "state", NULL);
    f->simdir = tu_path(f->dir, "sim", NULL);
    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id2, sizeof id2), OMADM_OK);
    assert_string_not_equal(id1, id2);
}

static void test_test_reboots_by_writing_boot_id(void **state)
{
    fixture *f = *state;
    char id[64];

    make_simdir(f);
    sim_write(f, "now", "1700000000");
    start(f);
    assert_int_equal(boot_time_of(f), 1700000000); /* boot began at sim/now */
    stop(f);

    /* The DESIGN recipe: stop, write a new boot-id, start. */
    sim_write(f, "boot-id", "second-boot\n");
    sim_write(f, "now", "1700000600");
    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id, sizeof id), OMADM_OK);
    assert_string_equal(id, "second-boot");
    assert_int_equal(boot_time_of(f), 1700000600); /* the new boot began now */
    stop(f);

    /* Same boot, later start: boot time stays. */
    sim_write(f, "now", "1700000900");
    start(f);
    assert_int_equal(boot_time_of(f), 1700000600);
    stop(f);

    /* A test that sets boot-time itself with the new id keeps its value. */
    sim_write(f, "boot-id", "third-boot");
    sim_write(f, "boot-time", "1700000700\n");
    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id, sizeof id), OMADM_OK);
    assert_string_equal(id, "third-boot");
    assert_int_equal(boot_time_of(f), 1700000700);
}

static void test_preset_boot_id_without_boot_time(void **state)
{
    fixture *f = *state;
    char id[64];

    make_simdir(f);
    sim_write(f, "boot-id", "preset");
    sim_write(f, "now", "1800000000");
    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, id, sizeof id), OMADM_OK);
    assert_string_equal(id, "preset");
    assert_int_equal(boot_time_of(f), 1800000000);
}

static void test_now_file_honoured(void **state)
{
    fixture *f = *state;
    int64_t t;

    start(f);
    /* No sim/now: the real clock. */
    t = now_of(f);
    assert_true(t >= (int64_t)time(NULL) - 2 && t <= (int64_t)time(NULL));

    sim_write(f, "now", "1700000000\n");
    assert_int_equal(now_of(f), 1700000000);
    sim_write(f, "now", "1700000301"); /* tests move the clock */
    assert_int_equal(now_of(f), 1700000301);
    sim_write(f, "now", "-5");
    assert_int_equal(now_of(f), -5);
    sim_write(f, "now", "tomorrow");
    assert_int_equal(f->pf.now(f->pf.ctx, &t), OMADM_ERR_PARSE);
    sim_write(f, "now", "99999999999999999999999");
    assert_int_equal(f->pf.now(f->pf.ctx, &t), OMADM_ERR_PARSE);
    sim_write(f, "now", "");
    assert_int_equal(f->pf.now(f->pf.ctx, &t), OMADM_ERR_PARSE);
    sim_unlink(f, "now");
    t = now_of(f);
    assert_true(t >= (int64_t)time(NULL) - 2);
}

static void test_utc_offset(void **state)
{
    fixture *f = *state;
    int32_t off = 99;

    start(f);
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 1700000000, &off), OMADM_OK);
    assert_int_equal(off, 0); /* deterministic default */
    sim_write(f, "utc-offset", "3600");
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 1700000000, &off), OMADM_OK);
    assert_int_equal(off, 3600);
    sim_write(f, "utc-offset", "-19800");
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 0, &off), OMADM_OK);
    assert_int_equal(off, -19800);
    sim_write(f, "utc-offset", "90000");
    assert_int_equal(f->pf.utc_offset(f->pf.ctx, 0, &off), OMADM_ERR_PARSE);
}

/* Parses every line of sim/restarts.log; returns how many. */
static int parse_restarts(fixture *f, long long *req, long long *dl, char reasons[][256], int max)
{
    char *log = sim_read(f, "restarts.log");
    char *line, *nl;
    int n = 0;

    if (!log)
        return 0;
    assert_int_equal(log[strlen(log) - 1], '\n'); /* complete lines only */
    for (line = log; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        int used = 0;
        *nl = '\0';
        assert_true(n < max);
        assert_int_equal(
            sscanf(line, "requested_at=%lld deadline=%lld reason=%n", &req[n], &dl[n], &used), 2);
        assert_true(used > 0);
        snprintf(reasons[n], 256, "%s", line + used);
        n++;
    }
    free(log);
    return n;
}

static void test_restart_log_lines(void **state)
{
    fixture *f = *state;
    long long req[5], dl[5];
    char reasons[5][256];
    char longreason[400];

    make_simdir(f);
    sim_write(f, "now", "1700000000");
    start(f);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000300, "RebootNow cmd 5"), OMADM_OK);
    sim_write(f, "now", "1700000010");
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000250, "line1\nline2\rx\ty"), OMADM_OK);
    memset(longreason, 'r', sizeof longreason - 1);
    longreason[sizeof longreason - 1] = '\0';
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000500, longreason), OMADM_OK);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000600, NULL), OMADM_OK);

    assert_int_equal(parse_restarts(f, req, dl, reasons, 5), 4);
    assert_int_equal(req[0], 1700000000);
    assert_int_equal(dl[0], 1700000300);
    assert_string_equal(reasons[0], "RebootNow cmd 5");
    assert_int_equal(req[1], 1700000010);
    assert_int_equal(dl[1], 1700000250);
    assert_string_equal(reasons[1], "line1 line2 x y"); /* one line */
    assert_int_equal(strlen(reasons[2]), 200);          /* bounded */
    assert_string_equal(reasons[3], "");

    /* The log survives a restart of the agent and keeps appending. */
    stop(f);
    start(f);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1, "again"), OMADM_OK);
    assert_int_equal(parse_restarts(f, req, dl, reasons, 5), 5);
    assert_int_equal(dl[4], 1);
    assert_string_equal(reasons[4], "again");
}

static void test_refuse_restart(void **state)
{
    fixture *f = *state;
    long long req[2], dl[2];
    char reasons[2][256];

    start(f);
    assert_int_equal(f->pf.can_restart(f->pf.ctx), OMADM_OK);
    sim_write(f, "refuse-restart", "");
    assert_int_equal(f->pf.can_restart(f->pf.ctx), OMADM_ERR_ACCESS);
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000300, "x"), OMADM_ERR_ACCESS);
    assert_null(sim_read(f, "restarts.log")); /* nothing written */
    sim_unlink(f, "refuse-restart");
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000300, "y"), OMADM_OK);
    sim_write(f, "refuse-restart", "1");
    assert_int_equal(f->pf.request_restart(f->pf.ctx, 1700000300, "z"), OMADM_ERR_ACCESS);
    assert_int_equal(parse_restarts(f, req, dl, reasons, 2), 1);
    assert_string_equal(reasons[0], "y");
}

/* sim/clock: the clock in memory, the boot files read once (cached mode,
 * for omadm-fleet); a bad clock file fails the start. */
static void test_clock_file_cached(void **state)
{
    fixture *f = *state;
    char buf[128], text[96];
    int64_t t, bt;
    static const char *const bad[] = { "",       "1700000000",  "1700000000 5", "x 0 1",  "1 0 0",
                                       "1 0 -2", "1 0 1 extra", "1 -1 1",       "1 0 1e7" };
    size_t i;

    start(f);
    stop(f);
    sim_write(f, "fact-model", "SIM-2\n");
    sim_write(f, "now", "5"); /* ignored with a clock */
    /* Sim time 1700000000 at real time now, 100 sim seconds per second. */
    snprintf(text, sizeof text, "1700000000 %lld.25 100\n", (long long)time(NULL));
    sim_write(f, "clock", text);
    start(f);
    t = now_of(f);
    assert_true(t >= 1700000000 - 100 && t <= 1700000000 + 300);
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &bt), OMADM_OK);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, sizeof buf), OMADM_OK);
    /* Cached: files written while open are not seen. */
    sim_write(f, "boot-id", "changed\n");
    sim_write(f, "boot-time", "42\n");
    sim_write(f, "utc-offset", "3600\n");
    assert_int_equal(f->pf.boot_id(f->pf.ctx, text, sizeof text), OMADM_OK);
    assert_string_equal(text, buf);
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &t), OMADM_OK);
    assert_int_equal(t, bt);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_MODEL, buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "SIM-2");
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_LANGUAGE, buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "en-US");
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_MODEL, buf, 3), OMADM_ERR_LIMIT);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, 3), OMADM_ERR_LIMIT);
    stop(f);
    /* The next start reads them again. */
    start(f);
    assert_int_equal(f->pf.boot_id(f->pf.ctx, buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "changed");
    assert_int_equal(f->pf.boot_time(f->pf.ctx, &t), OMADM_OK);
    assert_int_equal(t, 42);
    stop(f);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_write(f, "clock", bad[i]);
        assert_int_equal(omadm_platform_sim_new(&f->pf, f->dir), OMADM_ERR_PARSE);
        assert_null(f->pf.destroy);
    }
    sim_unlink(f, "clock");
    sim_unlink(f, "now");
    start(f);
    t = now_of(f);
    assert_true(t >= (int64_t)time(NULL) - 2 && t <= (int64_t)time(NULL));
}

static void test_facts(void **state)
{
    fixture *f = *state;
    static const struct {
        omadm_fact fact;
        const char *value;
    } want[] = {
        { OMADM_FACT_MANUFACTURER, "Contoso Sim" },
        { OMADM_FACT_MODEL, "SIM-1" },
        { OMADM_FACT_LANGUAGE, "en-US" },
        { OMADM_FACT_OS_VERSION, "10.0.19045.2965" },
        { OMADM_FACT_OS_PLATFORM, "Windows 10 Enterprise (simulated)" },
        { OMADM_FACT_FIRMWARE_VERSION, "SIM-FW-1.0" },
        { OMADM_FACT_HARDWARE_VERSION, "1.0" },
        { OMADM_FACT_DEVICE_NAME, "SIM-DEVICE" },
        { OMADM_FACT_SERIAL_NUMBER, "SIM0001" },
        { OMADM_FACT_TOTAL_RAM_MB, "4096" },
    };
    char buf[128];
    size_t i;

    start(f);
    assert_int_equal(sizeof want / sizeof want[0], OMADM_FACT_COUNT);
    for (i = 0; i < OMADM_FACT_COUNT; i++) {
        assert_int_equal(f->pf.device_fact(f->pf.ctx, want[i].fact, buf, sizeof buf), OMADM_OK);
        assert_string_equal(buf, want[i].value);
    }
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_OS_PLATFORM, buf, 8), OMADM_ERR_LIMIT);
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_COUNT, buf, sizeof buf),
                     OMADM_ERR_INVALID);
    /* Overrides: sim/fact-<name>. */
    sim_write(f, "fact-model", "SIM-2\n");
    assert_int_equal(f->pf.device_fact(f->pf.ctx, OMADM_FACT_MODEL, buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "SIM-2");
    assert_string_equal(omadm_platform_sim_fact_name(OMADM_FACT_SERIAL_NUMBER), "serial-number");
    assert_null(omadm_platform_sim_fact_name(OMADM_FACT_COUNT));
}

static void test_durable_files_in_state_dir(void **state)
{
    fixture *f = *state;
    char *data = NULL, *path;
    size_t len = 0;

    start(f);
    assert_int_equal(f->pf.file_replace(f->pf.ctx, "outbox-1.rec", "abc", 3), OMADM_OK);
    path = tu_path(f->dir, "outbox-1.rec", NULL); /* not under sim/ */
    assert_true(tu_exists(path));
    free(path);
    assert_int_equal(f->pf.file_read(f->pf.ctx, "outbox-1.rec", 16, &data, &len), OMADM_OK);
    assert_int_equal(len, 3);
    assert_string_equal(data, "abc");
    free(data);
    assert_int_equal(f->pf.file_remove(f->pf.ctx, "outbox-1.rec"), OMADM_OK);
    assert_int_equal(f->pf.file_read(f->pf.ctx, "outbox-1.rec", 16, &data, &len),
                     OMADM_ERR_NOT_FOUND);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    omadm_platform pf;
    char *file;

    (void)f;
    memset(&pf, 0xAB, sizeof pf);
    assert_int_equal(omadm_platform_sim_new(&pf, ""), OMADM_ERR_INVALID);
    assert_null(pf.ctx); /* zeroed on failure */
    assert_int_equal(omadm_platform_sim_new(&pf, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_platform_sim_new(NULL, f->dir), OMADM_ERR_INVALID);
    /* A state dir that is a file. */
    file = tu_path(f->base, "plainfile", NULL);
    tu_write(file, "x", 1);
    assert_int_equal(omadm_platform_sim_new(&pf, file), OMADM_ERR_IO);
    assert_null(pf.destroy);
    free(file);
    /* A corrupt boot-time is reported, not guessed. */
    make_simdir(f);
    sim_write(f, "boot-id", "b");
    sim_write(f, "boot-time", "yesterday");
    assert_int_equal(omadm_platform_sim_new(&pf, f->dir), OMADM_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_start_creates_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boot_id_reused_across_starts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_test_reboots_by_writing_boot_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preset_boot_id_without_boot_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_now_file_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utc_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_log_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_file_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_files_in_state_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("platform-sim", tests, NULL, NULL);
}
