/* SPDX-License-Identifier: Apache-2.0 */
/* Real storage errors carried to the DM status (reboot-csp.md §3, DESIGN):
 * the state directory on a small tmpfs in a private mount namespace (Linux,
 * root). A full disk answers a schedule Replace 420, a read-only one 425;
 * the old value stays, in memory and on disk; with room again the Replace
 * succeeds. Without root (or without mount namespaces) the test is skipped
 * with the reason, and fails instead in CI and tests/run-all.sh
 * (tests/testskip.py). */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS: this test is Linux-only */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../platform/testutil.h"
#include "rbtest.h"

#define DEV    "./Device/Vendor/MSFT/Reboot"
#define SINGLE DEV "/Schedule/Single"

/* Set when the test skipped: main exits 77 so meson reports SKIP. */
static int skipped;

static int strict(void)
{
    const char *allow = getenv("OMADM_ALLOW_SKIP"), *ci = getenv("CI");
    const char *strict_env = getenv("OMADM_TESTS_STRICT");

    if (allow && strcmp(allow, "1") == 0)
        return 0;
    return (ci && strcmp(ci, "true") == 0) || (strict_env && strcmp(strict_env, "1") == 0);
}

/* Fills the file system holding `dir` until ENOSPC. */
static void fill(const char *dir)
{
    char *p = tu_path(dir, "filler", NULL);
    FILE *f = fopen(p, "wb");
    static char block[4096];
    size_t n = 0;

    RBT_CHECK(f != NULL);
    if (!f)
        return;
    memset(block, 'f', sizeof block);
    while (fwrite(block, 1, sizeof block, f) == sizeof block && n < 100000)
        n++;
    fclose(f);
    /* Byte by byte into the last partial block. */
    f = fopen(p, "ab");
    RBT_CHECK(f != NULL);
    if (!f)
        return;
    setvbuf(f, NULL, _IONBF, 0);
    while (fputc('f', f) != EOF)
        ;
    fclose(f);
    free(p);
}

static void unfill(const char *dir)
{
    char *p = tu_path(dir, "filler", NULL);

    RBT_CHECK(remove(p) == 0);
    free(p);
}

static char *get_single(rbt *t, int *code)
{
    char fmt[16], *reply, *v;

    reply = rbt_process(t, "1", "9",
                        "<Get><CmdID>g1</CmdID><Item><Target><LocURI>" SINGLE
                        "</LocURI></Target></Item></Get>");
    *code = rbt_status(reply, "g1");
    v = rbt_result(reply, "g1", fmt);
    free(reply);
    return v;
}

static void expect_single(rbt *t, const char *value)
{
    int code;
    char *v = get_single(t, &code);

    RBT_CHECK(code == 200);
    RBT_CHECK(v && strcmp(v, value) == 0);
    free(v);
}

/* In the child, root, in its own mount namespace on a fresh tmpfs. */
static void disk_child(const char *mnt)
{
    rbt t;
    char *sched_before, *sched_after, *p;

    rbt_child = 1;
    RBT_CHECK(setenv("TMPDIR", mnt, 1) == 0);
    rbt_init(&t);
    rbt_open(&t);
    RBT_CHECK(omadm__reboot_startup(t.rb) == OMADM_OK);
    RBT_CHECK(rbt_cmd(&t, "Add", "a1", SINGLE, "2026-03-15T01:00:00Z") == 200);
    p = tu_path(t.dir, OMADM_REBOOT_SCHEDULE_FILE, NULL);
    sched_before = tu_read(p, NULL);
    RBT_CHECK(sched_before != NULL);

    /* Full: 420, the old value kept, no temp file left behind. */
    fill(mnt);
    RBT_CHECK(rbt_cmd(&t, "Replace", "r1", SINGLE, "2026-03-16T01:00:00Z") == 420);
    expect_single(&t, "2026-03-15T01:00:00+00:00");
    sched_after = tu_read(p, NULL);
    RBT_CHECK(sched_after && strcmp(sched_before, sched_after) == 0);
    free(sched_after);
    RBT_CHECK(tu_count(t.dir, ".tmp-") == 0);
    /* A RebootNow that cannot be made durable is refused, not armed. */
    RBT_CHECK(rbt_cmd(&t, "Exec", "e1", DEV "/RebootNow", NULL) == 420);
    RBT_CHECK(rbt_intent_count(&t) == 0);
    unfill(mnt);
    RBT_CHECK(rbt_cmd(&t, "Replace", "r2", SINGLE, "2026-03-16T01:00:00Z") == 200);
    expect_single(&t, "2026-03-16T01:00:00+00:00");

    /* Read-only: 425, the value kept. */
    RBT_CHECK(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY, NULL) == 0);
    RBT_CHECK(rbt_cmd(&t, "Replace", "r3", SINGLE, "2026-03-17T01:00:00Z") == 425);
    expect_single(&t, "2026-03-16T01:00:00+00:00");
    RBT_CHECK(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, NULL) == 0);
    rbt_close(&t);
    rbt_open(&t);
    expect_single(&t, "2026-03-16T01:00:00+00:00");
    free(sched_before);
    free(p);
    rbt_cleanup(&t);
    _exit(0);
}

static void test_full_and_read_only(void **state)
{
    char mnt[] = "/tmp/omadm-disk-XXXXXX";
    const char *why = NULL;
    int status = 0;
    pid_t pid;

    (void)state;
    if (geteuid() != 0)
        why = "root (a tmpfs in a private mount namespace)";
    if (!why && !mkdtemp(mnt))
        why = "a temporary directory";
    if (why) {
        if (strict())
            fail_msg("FAIL: not available: %s; tests may not skip in CI or tests/run-all.sh "
                     "(OMADM_ALLOW_SKIP=1 allows it locally)",
                     why);
        print_message("SKIP: not available: %s\n", why);
        skipped = 1;
        skip();
        return;
    }
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
            _exit(77);
        if (mount("tmpfs", mnt, "tmpfs", 0, "size=256k,mode=0700") != 0)
            _exit(78);
        disk_child(mnt);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    rmdir(mnt);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 78) {
        if (strict())
            fail_msg("FAIL: not available: mount namespaces or tmpfs (%s)",
                     WEXITSTATUS(status) == 77 ? "unshare" : "mount");
        print_message("SKIP: not available: mount namespaces or tmpfs\n");
        skipped = 1;
        skip();
        return;
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_and_read_only),
    };

    int failed = cmocka_run_group_tests_name("reboot-disk", tests, NULL, NULL);

    return failed ? failed : skipped ? 77 : 0;
}
