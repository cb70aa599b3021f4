/* SPDX-License-Identifier: Apache-2.0 */
/* Durable files (platform/common), through each platform that uses them:
 * replace/read/list/remove, name validation, size cap, temp files never
 * listed, and the crash points inside replace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#ifdef HAVE_POSIX_PLATFORM
#include "platform/posix/posix.h"
#endif
#include "platform/common/durable.h"
#include "platform/sim/sim.h"
#include "testutil.h"

typedef omadm_status (*ctor_fn)(omadm_platform *out, const char *state_dir);

typedef struct platform_kind {
    ctor_fn ctor;
} platform_kind;

typedef struct fixture {
    ctor_fn ctor;
    char *dir;
    omadm_platform pf;
} fixture;

#ifdef HAVE_POSIX_PLATFORM
static omadm_status posix_ctor(omadm_platform *out, const char *state_dir)
{
    return omadm_platform_posix_new(out, state_dir, 0);
}
static platform_kind posix_kind = { posix_ctor };
#endif
static platform_kind sim_kind = { omadm_platform_sim_new };

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->ctor = ((platform_kind *)*state)->ctor; /* the prestate */
    f->dir = tu_mkdtemp();
    assert_int_equal(f->ctor(&f->pf, f->dir), OMADM_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    if (f->pf.destroy)
        f->pf.destroy(f->pf.ctx);
    tu_rmtree_free(f->dir);
    free(f);
    return 0;
}

static void put(fixture *f, const char *name, const char *text)
{
    assert_int_equal(f->pf.file_replace(f->pf.ctx, name, text, strlen(text)), OMADM_OK);
}

static char *get(fixture *f, const char *name, size_t *len)
{
    char *data = NULL;
    size_t n = 0;

    assert_int_equal(f->pf.file_read(f->pf.ctx, name, 1 << 20, &data, &n), OMADM_OK);
    assert_non_null(data);
    assert_int_equal(data[n], '\0');
    if (len)
        *len = n;
    return data;
}

static void test_replace_read_remove(void **state)
{
    fixture *f = *state;
    static const char bin[] = { 'a', '\0', 'b', '\n', (char)0xff };
    char *data, *path;
    size_t len;
    struct stat sb;

    put(f, "one", "first");
    data = get(f, "one", &len);
    assert_int_equal(len, 5);
    assert_string_equal(data, "first");
    free(data);

    put(f, "one", "second, longer"); /* replace */
    data = get(f, "one", &len);
    assert_string_equal(data, "second, longer");
    free(data);
    put(f, "one", "3"); /* shorter: no stale tail */
    data = get(f, "one", &len);
    assert_int_equal(len, 1);
    assert_string_equal(data, "3");
    free(data);

    assert_int_equal(f->pf.file_replace(f->pf.ctx, "bin", bin, sizeof bin), OMADM_OK);
    data = get(f, "bin", &len);
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(data, bin, sizeof bin);
    free(data);

    assert_int_equal(f->pf.file_replace(f->pf.ctx, "empty", NULL, 0), OMADM_OK);
    data = get(f, "empty", &len);
    assert_int_equal(len, 0);
    free(data);

    /* Files are private to the agent. */
    path = tu_path(f->dir, "one", NULL);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0077, 0);
    free(path);

    assert_int_equal(f->pf.file_remove(f->pf.ctx, "one"), OMADM_OK);
    assert_int_equal(f->pf.file_remove(f->pf.ctx, "one"), OMADM_ERR_NOT_FOUND);
    assert_int_equal(f->pf.file_read(f->pf.ctx, "one", 100, &data, &len), OMADM_ERR_NOT_FOUND);
    assert_int_equal(tu_count(f->dir, ".tmp-"), 0); /* no temp left behind */
}

static void test_max_size(void **state)
{
    fixture *f = *state;
    char *data = NULL;
    size_t len = 0;

    put(f, "ten", "0123456789");
    assert_int_equal(f->pf.file_read(f->pf.ctx, "ten", 9, &data, &len), OMADM_ERR_LIMIT);
    assert_null(data);
    assert_int_equal(f->pf.file_read(f->pf.ctx, "ten", 0, &data, &len), OMADM_ERR_LIMIT);
    assert_int_equal(f->pf.file_read(f->pf.ctx, "ten", 10, &data, &len), OMADM_OK);
    assert_int_equal(len, 10);
    free(data);
}

static void test_name_validation(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "",    ".",     "..",          "a/b", "../x", "/abs",
        "a b", "tab\t", "caf\xc3\xa9", "x:y", "a\\b", ".tmp-x-1", /* reserved for temp files */
    };
    char longest[129], toolong[130];
    char *data = NULL;
    size_t len, i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(f->pf.file_replace(f->pf.ctx, bad[i], "x", 1), OMADM_ERR_INVALID);
        assert_int_equal(f->pf.file_read(f->pf.ctx, bad[i], 10, &data, &len), OMADM_ERR_INVALID);
        assert_int_equal(f->pf.file_remove(f->pf.ctx, bad[i]), OMADM_ERR_INVALID);
    }
    assert_int_equal(f->pf.file_replace(f->pf.ctx, NULL, "x", 1), OMADM_ERR_INVALID);
    memset(longest, 'n', 128);
    longest[128] = '\0';
    memset(toolong, 'n', 129);
    toolong[129] = '\0';
    assert_int_equal(f->pf.file_replace(f->pf.ctx, longest, "x", 1), OMADM_OK);
    assert_int_equal(f->pf.file_replace(f->pf.ctx, toolong, "x", 1), OMADM_ERR_INVALID);
    /* Every allowed character class. */
    put(f, "Az09._-", "ok");
    data = get(f, "Az09._-", NULL);
    free(data);
    /* Only the valid files exist; the bad names reached no disk. */
    assert_int_equal(tu_count(f->dir, "n"), 1);
    assert_int_equal(tu_count(f->dir, "A"), 1);
    assert_int_equal(tu_count(f->dir, "x"), 0);
    assert_int_equal(tu_count(f->dir, "a"), 0);
}

typedef struct listing {
    char names[16][140];
    int count;
    int stop_after;
} listing;

static int collect(void *user, const char *name)
{
    listing *l = user;

    assert_true(l->count < 16);
    snprintf(l->names[l->count], sizeof l->names[0], "%s", name);
    l->count++;
    return l->stop_after && l->count >= l->stop_after;
}

static void test_list_sorted_no_temps(void **state)
{
    fixture *f = *state;
    listing l;
    char *p;

    put(f, "outbox-0000000000000010.rec", "c");
    put(f, "outbox-0000000000000002.rec", "b");
    put(f, "outbox-0000000000000001.rec", "a");
    put(f, "outbox.seq", "s");
    put(f, "other", "o");
    /* A torn temp file from a crashed writer, and names we never create. */
    p = tu_path(f->dir, ".tmp-outbox-0000000000000003.rec-123", NULL);
    tu_write(p, "partial", (size_t)-1);
    free(p);
    p = tu_path(f->dir, "outbox- weird name", NULL);
    tu_write(p, "w", (size_t)-1);
    free(p);
    p = tu_path(f->dir, "outbox-dir", NULL);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);

    memset(&l, 0, sizeof l);
    assert_int_equal(f->pf.file_list(f->pf.ctx, "outbox-", collect, &l), OMADM_OK);
    assert_int_equal(l.count, 3); /* files only: no temp, no directory */
    assert_string_equal(l.names[0], "outbox-0000000000000001.rec");
    assert_string_equal(l.names[1], "outbox-0000000000000002.rec");
    assert_string_equal(l.names[2], "outbox-0000000000000010.rec");

    memset(&l, 0, sizeof l);
    assert_int_equal(f->pf.file_list(f->pf.ctx, "", collect, &l), OMADM_OK);
    assert_int_equal(l.count, 5); /* every valid file name, no temp file */
    assert_string_equal(l.names[0], "other");
    assert_string_equal(l.names[4], "outbox.seq");

    memset(&l, 0, sizeof l);
    l.stop_after = 2; /* the callback stops the walk */
    assert_int_equal(f->pf.file_list(f->pf.ctx, NULL, collect, &l), OMADM_OK);
    assert_int_equal(l.count, 2);

    memset(&l, 0, sizeof l);
    assert_int_equal(f->pf.file_list(f->pf.ctx, "nothing", collect, &l), OMADM_OK);
    assert_int_equal(l.count, 0);
    {
        char *data = NULL;
        size_t len;
        assert_int_equal(f->pf.file_read(f->pf.ctx, "outbox-dir", 100, &data, &len), OMADM_ERR_IO);
    }
}

/* The forked child: exits at the crash point with what it allocated still
 * held, as a kill would (tests/valgrind.supp knows *_crash_child). */
static void replace_crash_child(fixture *f, const char *point, const char *name, const char *text)
{
    setenv("OMADM_CRASH_AT", point, 1);
    _exit(f->pf.file_replace(f->pf.ctx, name, text, strlen(text)) == OMADM_OK ? 0 : 1);
}

/* Runs file_replace(name, text) in a child that has OMADM_CRASH_AT=point;
 * returns the child's exit status. */
static int replace_in_child(fixture *f, const char *point, const char *name, const char *text)
{
    pid_t pid;
    int status = 0;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        replace_crash_child(f, point, name, text);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_crash_points(void **state)
{
    fixture *f = *state;
    char *data;
    listing l;

    put(f, "rec", "old content");

    /* Killed after the temp file is complete, before the rename: old
     * content under the name; the temp file is never listed. */
    assert_int_equal(replace_in_child(f, "durable-write-before-rename", "rec", "new content"), 86);
    data = get(f, "rec", NULL);
    assert_string_equal(data, "old content");
    free(data);
    assert_int_equal(tu_count(f->dir, ".tmp-rec-"), 1);
    memset(&l, 0, sizeof l);
    assert_int_equal(f->pf.file_list(f->pf.ctx, "", collect, &l), OMADM_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.names[0], "rec");

    /* The next start removes the dead writer's temp file. */
    f->pf.destroy(f->pf.ctx);
    assert_int_equal(f->ctor(&f->pf, f->dir), OMADM_OK);
    assert_int_equal(tu_count(f->dir, ".tmp-"), 0);

    /* Killed right after the rename: the new content is there. */
    assert_int_equal(replace_in_child(f, "durable-write-after-rename", "rec", "newer"), 86);
    data = get(f, "rec", NULL);
    assert_string_equal(data, "newer");
    free(data);

    /* A point that is not ours changes nothing. */
    assert_int_equal(replace_in_child(f, "some-other-point", "rec", "third"), 0);
    data = get(f, "rec", NULL);
    assert_string_equal(data, "third");
    free(data);
}

static void test_stale_temp_with_our_pid(void **state)
{
    fixture *f = *state;
    char name[64], *p, *data;

    /* Pids repeat after a boot: a leftover temp with our pid must not
     * block the write (O_EXCL). */
    snprintf(name, sizeof name, ".tmp-rec-%ld", (long)getpid());
    p = tu_path(f->dir, name, NULL);
    tu_write(p, "garbage", (size_t)-1);
    put(f, "rec", "fine");
    data = get(f, "rec", NULL);
    assert_string_equal(data, "fine");
    free(data);
    assert_false(tu_exists(p));
    free(p);
}

static void test_file_replaced_by_other_type(void **state)
{
    fixture *f = *state;
    char *p = tu_path(f->dir, "adir", NULL);
    char *data = NULL;
    size_t len;

    /* A directory where a file should be: a clean error, nothing lost. */
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(f->pf.file_replace(f->pf.ctx, "adir", "x", 1), OMADM_ERR_IO);
    assert_int_equal(f->pf.file_read(f->pf.ctx, "adir", 10, &data, &len), OMADM_ERR_IO);
    assert_int_equal(tu_count(f->dir, ".tmp-"), 0);
    free(p);
}

/* The shared integer parser at the int64 limits and one past them. */
static void test_parse_int64_limits(void **state)
{
    int64_t v = 0;

    (void)state;
    assert_int_equal(omadm__parse_int64("9223372036854775807", &v), OMADM_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(omadm__parse_int64("-9223372036854775808", &v), OMADM_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(omadm__parse_int64("9223372036854775808", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__parse_int64("9223372036854775809", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__parse_int64("-9223372036854775809", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__parse_int64("99999999999999999999", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm__parse_int64(" 42\n", &v), OMADM_OK);
    assert_true(v == 42);
    assert_int_equal(omadm__parse_int64("4 2", &v), OMADM_ERR_PARSE);
}

#define T(fn, kind) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &(kind))
#define ALL(ctor)                                                                                  \
    T(test_replace_read_remove, ctor), T(test_max_size, ctor), T(test_name_validation, ctor),      \
        T(test_list_sorted_no_temps, ctor), T(test_crash_points, ctor),                            \
        T(test_stale_temp_with_our_pid, ctor), T(test_file_replaced_by_other_type, ctor)

int main(void)
{
    const struct CMUnitTest sim_tests[] = { ALL(sim_kind) };
    const struct CMUnitTest parse_tests[] = { cmocka_unit_test(test_parse_int64_limits) };
    int failed = 0;

    failed += cmocka_run_group_tests_name("durable-parse", parse_tests, NULL, NULL);

    failed += cmocka_run_group_tests_name("durable-sim", sim_tests, NULL, NULL);
#ifdef HAVE_POSIX_PLATFORM
    {
        const struct CMUnitTest posix_tests[] = { ALL(posix_kind) };
        failed += cmocka_run_group_tests_name("durable-posix", posix_tests, NULL, NULL);
    }
#endif
    return failed;
}
