/* SPDX-License-Identifier: Apache-2.0 */
/* The POSIX primitives under the durable files (platform/common/fs.h):
 * errno to status, reads bounded also for files that report no size
 * (/proc), a directory refused, exclusive create, append, list of
 * regular files only, stale temp files of dead processes removed and the
 * live ones kept, mkdir -p through a file refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/common/durable.h"
#include "platform/common/fs.h"
#include "testutil.h"

static void test_errno_to_status(void **state)
{
    static const struct {
        int err;
        omadm_status st;
    } rows[] = {
        { ENOENT, OMADM_ERR_NOT_FOUND }, { ENOTDIR, OMADM_ERR_NOT_FOUND },
        { EACCES, OMADM_ERR_ACCESS },    { EPERM, OMADM_ERR_ACCESS },
        { EROFS, OMADM_ERR_ACCESS },     { ENOSPC, OMADM_ERR_FULL },
        { EDQUOT, OMADM_ERR_FULL },      { ENOMEM, OMADM_ERR_NOMEM },
        { EEXIST, OMADM_ERR_EXISTS },    { ENAMETOOLONG, OMADM_ERR_LIMIT },
        { EIO, OMADM_ERR_IO },           { EBADF, OMADM_ERR_IO },
    };

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(omadm__status_from_errno(rows[i].err), rows[i].st);
}

static void test_read_bounds(void **state)
{
    char *dir = tu_mkdtemp(), *file = tu_path(dir, "f", NULL);
    char *data = NULL;
    size_t len = 0;

    (void)state;
    tu_write(file, "12345", 5);
    assert_int_equal(omadm__fs_read(file, 5, &data, &len), OMADM_OK);
    assert_int_equal(len, 5);
    assert_string_equal(data, "12345");
    free(data);
    data = NULL;
    assert_int_equal(omadm__fs_read(file, 4, &data, &len), OMADM_ERR_LIMIT);
    assert_null(data);
    assert_int_equal(omadm__fs_read(dir, 100, &data, &len), OMADM_ERR_IO);
    free(file);
    /* a FIFO is refused at once, not waited on for a writer */
    file = tu_path(dir, "fifo", NULL);
    assert_int_equal(mkfifo(file, 0600), 0);
    assert_int_equal(omadm__fs_read(file, 100, &data, &len), OMADM_ERR_IO);
    assert_null(data);
    free(file);
    file = tu_path(dir, "absent", NULL);
    assert_int_equal(omadm__fs_read(file, 100, &data, &len), OMADM_ERR_NOT_FOUND);
    /* /proc reports size 0: read to the end, still bounded */
    assert_int_equal(omadm__fs_read("/proc/self/status", 1 << 20, &data, &len), OMADM_OK);
    assert_true(len > 300);
    assert_non_null(strstr(data, "Pid:"));
    free(data);
    data = NULL;
    assert_int_equal(omadm__fs_read("/proc/self/status", 300, &data, &len), OMADM_ERR_LIMIT);
    assert_null(data);
    free(file);
    tu_rmtree_free(dir);
}

static int collect(void *user, const char *name)
{
    char *seen = user;

    strcat(seen, name);
    strcat(seen, ";");
    return strcmp(name, "stop") == 0;
}

static void test_write_append_list(void **state)
{
    char *dir = tu_mkdtemp(), *a = tu_path(dir, "a", NULL), *sub = tu_path(dir, "sub", NULL);
    char *stop = tu_path(dir, "stop", NULL), *data, seen[256] = "";
    size_t len;

    (void)state;
    /* exclusive create replaces a leftover of the same name */
    tu_write(a, "old leftover", 12);
    assert_int_equal(omadm__fs_write_new_flush(a, "new", 3, 0), OMADM_OK);
    data = tu_read(a, &len);
    assert_string_equal(data, "new");
    free(data);
    assert_int_equal(omadm__fs_append(a, "+1", 2, dir, 1), OMADM_OK);
    assert_int_equal(omadm__fs_append(stop, "x", 1, dir, 0), OMADM_OK); /* created */
    data = tu_read(a, &len);
    assert_string_equal(data, "new+1");
    free(data);
    tu_mkdirs(sub);
    assert_true(omadm__fs_exists(sub));
    assert_int_equal(omadm__fs_list(dir, collect, seen), OMADM_OK);
    assert_null(strstr(seen, "sub;")); /* only regular files */
    assert_non_null(strstr(seen, "stop;"));
    assert_int_equal(omadm__fs_list(a, collect, seen), OMADM_ERR_NOT_FOUND); /* not a dir */
    assert_int_equal(omadm__fs_unlink(a, dir), OMADM_OK);
    assert_int_equal(omadm__fs_unlink(a, dir), OMADM_ERR_NOT_FOUND);
    assert_false(omadm__fs_exists(a));
    /* a rename whose source is gone */
    assert_int_equal(omadm__fs_rename_flush(a, stop, dir, 0), OMADM_ERR_NOT_FOUND);
    free(a);
    free(sub);
    free(stop);
    tu_rmtree_free(dir);
}

static void test_stale_temps_and_mkdir(void **state)
{
    char *dir = tu_mkdtemp(), name[64], *file = tu_path(dir, "plain", NULL);
    char *through = tu_path(dir, "plain", "x");
    int dead = 0;

    (void)state;
    /* ours (this process), one of a process that is gone, one alive
     * (pid 1), and names that are not temp files of a pid */
    snprintf(name, sizeof name, ".tmp-x-%ld", omadm__fs_pid());
    tu_put(dir, name, "mine");
    for (long pid = 4000000; pid > 3000000 && !dead; pid -= 7919)
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            dead = (int)pid;
    assert_true(dead > 0);
    snprintf(name, sizeof name, ".tmp-x-%d", dead);
    tu_put(dir, name, "dead");
    tu_put(dir, ".tmp-x-1", "alive");
    tu_put(dir, ".tmp-x-abc", "not a pid");
    tu_put(dir, ".tmp-nodash", "no pid");
    tu_put(dir, "other-5", "other prefix");
    omadm__fs_remove_stale_temps(dir, ".tmp-");
    assert_int_equal(tu_count(dir, ".tmp-"), 3);
    assert_int_equal(tu_count(dir, "other-"), 1);
    omadm__fs_remove_stale_temps(name, ".tmp-"); /* not a directory: nothing */
    /* mkdir -p: nested, existing, and through a regular file */
    tu_write(file, "x", 1);
    assert_int_equal(omadm__fs_mkdir_p(through), OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm__fs_mkdir_p(file), OMADM_ERR_IO);
    free(through);
    through = tu_path(dir, "n1", "n2/n3");
    assert_int_equal(omadm__fs_mkdir_p(through), OMADM_OK);
    assert_true(tu_is_dir(through));
    assert_int_equal(omadm__fs_mkdir_p(through), OMADM_OK);
    free(through);
    free(file);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_to_status),
        cmocka_unit_test(test_read_bounds),
        cmocka_unit_test(test_write_append_list),
        cmocka_unit_test(test_stale_temps_and_mkdir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
