/* SPDX-License-Identifier: Apache-2.0 */
/* The plugin key-value store: round trip through the file, limits, every
 * kind of corrupt file refused with its line and reason, a failed write
 * or allocation leaving store and file unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "platform/sim/sim.h"
#include "plugin/kv.h"
#include "testutil.h"

#define FILE_NAME "plugin.test.kv"

typedef struct fixture {
    char *dir;
    omadm_platform pf;    /* what the store sees: sim with a failing replace */
    omadm_platform inner; /* the sim */
    int fail_replace;     /* non-zero: file_replace answers OMADM_ERR_IO */
} fixture;

static fixture *current;

static omadm_status failing_replace(void *ctx, const char *name, const void *data, size_t len)
{
    (void)ctx;
    if (current->fail_replace)
        return OMADM_ERR_IO;
    return current->inner.file_replace(current->inner.ctx, name, data, len);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->dir = tu_mkdtemp();
    assert_int_equal(omadm_platform_sim_new(&f->inner, f->dir), OMADM_OK);
    f->pf = f->inner;
    f->pf.file_replace = failing_replace;
    current = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    f->inner.destroy(f->inner.ctx);
    tu_rmtree_free(f->dir);
    free(f);
    return 0;
}

static char *file_text(fixture *f)
{
    char *path = tu_path(f->dir, FILE_NAME, NULL), *text = tu_read(path, NULL);

    free(path);
    return text;
}

static void put_file(fixture *f, const char *text)
{
    char *path = tu_path(f->dir, FILE_NAME, NULL);

    tu_write(path, text, (size_t)-1);
    free(path);
}

static int collect(void *user, const char *key, const char *value, size_t len)
{
    char *out = user;
    size_t n = strlen(out);

    snprintf(out + n, 256 - n, "%s:%zu;", key, len);
    (void)value;
    return 0;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    omadm__kv *kv = NULL;
    const char *v;
    size_t len;
    char err[128], listed[256] = "";
    static const char binary[] = { 'a', ' ', '%', '\n', '=', 0, (char)0xff };
    char *text;

    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_count(kv), 0);
    assert_int_equal(omadm__kv_get(kv, "AssetTag", &v, &len), OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm__kv_set(kv, "AssetTag", "CT-0042", 7), OMADM_OK);
    assert_int_equal(omadm__kv_set(kv, "bin/x", binary, sizeof binary), OMADM_OK);
    assert_int_equal(omadm__kv_set(kv, "Empty", "", 0), OMADM_OK);
    assert_int_equal(omadm__kv_set(kv, "AssetTag", "CT-0043", 7), OMADM_OK);
    text = file_text(f);
    assert_string_equal(text, "omadm-kv 1\nAssetTag=CT-0043\nEmpty=\nbin/x=a%20%25%0A=%00%FF\n"
                              "end 3\n");
    free(text);
    omadm__kv_free(kv);

    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_get(kv, "bin/x", &v, &len), OMADM_OK);
    assert_int_equal(len, sizeof binary);
    assert_memory_equal(v, binary, sizeof binary);
    assert_int_equal(omadm__kv_list(kv, collect, listed), OMADM_OK);
    assert_string_equal(listed, "AssetTag:7;Empty:0;bin/x:7;");
    assert_int_equal(omadm__kv_delete(kv, "Empty"), OMADM_OK);
    assert_int_equal(omadm__kv_delete(kv, "Empty"), OMADM_ERR_NOT_FOUND);
    omadm__kv_free(kv);
    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_count(kv), 2);
    assert_int_equal(omadm__kv_get(kv, "Empty", &v, &len), OMADM_ERR_NOT_FOUND);
    omadm__kv_free(kv);
}

static void test_limits(void **state)
{
    fixture *f = *state;
    omadm__kv *kv = NULL;
    char err[128], key[80], *big = calloc(1, OMADM_PLUGIN_KV_VALUE_MAX + 1);

    assert_non_null(big);
    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_set(kv, "", "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_set(kv, "a b", "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_set(kv, "a=b", "x", 1), OMADM_ERR_INVALID);
    memset(key, 'k', sizeof key);
    key[OMADM_PLUGIN_KV_KEY_MAX] = '\0';
    assert_int_equal(omadm__kv_set(kv, key, "x", 1), OMADM_OK);
    key[OMADM_PLUGIN_KV_KEY_MAX] = 'k';
    key[OMADM_PLUGIN_KV_KEY_MAX + 1] = '\0';
    assert_int_equal(omadm__kv_set(kv, key, "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_set(kv, "big", big, OMADM_PLUGIN_KV_VALUE_MAX + 1), OMADM_ERR_LIMIT);
    /* 16 values of 4096 bytes fill the 65536-byte budget with their keys. */
    for (int i = 0; i < 15; i++) {
        snprintf(key, sizeof key, "v%02d", i);
        assert_int_equal(omadm__kv_set(kv, key, big, OMADM_PLUGIN_KV_VALUE_MAX), OMADM_OK);
    }
    assert_int_equal(omadm__kv_set(kv, "v15", big, OMADM_PLUGIN_KV_VALUE_MAX), OMADM_ERR_FULL);
    omadm__kv_free(kv);
    /* The key count limit, with small values. */
    assert_int_equal(omadm__kv_parse(&kv, "omadm-kv 1\nend 0\n", 17, err, sizeof err), OMADM_OK);
    for (int i = 0; i < OMADM_PLUGIN_KV_MAX_KEYS; i++) {
        snprintf(key, sizeof key, "k%03d", i);
        assert_int_equal(omadm__kv_set(kv, key, "1", 1), OMADM_OK);
    }
    assert_int_equal(omadm__kv_set(kv, "z", "1", 1), OMADM_ERR_FULL);
    assert_int_equal(omadm__kv_set(kv, "k000", "2", 1), OMADM_OK);
    omadm__kv_free(kv);
    free(big);
}

static void test_corrupt_files(void **state)
{
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        { "", "line 0: empty file" },
        { "omadm-kv 2\nend 0\n", "line 1: not an omadm-kv version 1 file" },
        { "omadm-kv 1\na=1\n", "line 3: no end line (truncated file)" },
        { "omadm-kv 1\na=1\nend 1", "line 3: last line not terminated (truncated file)" },
        { "omadm-kv 1\na=1\nend 2\n", "line 3: end line does not match the number of keys" },
        { "omadm-kv 1\nend 0\nb=2\n", "line 3: text after the end line" },
        { "omadm-kv 1\nnoequals\nend 1\n", "line 2: no '=' in the line" },
        { "omadm-kv 1\n=1\nend 1\n", "line 2: empty or too long key" },
        { "omadm-kv 1\na b=1\nend 1\n", "line 2: invalid character in the key" },
        { "omadm-kv 1\nb=1\na=2\nend 2\n", "line 3: keys out of order or repeated" },
        { "omadm-kv 1\na=1\na=2\nend 2\n", "line 3: keys out of order or repeated" },
        { "omadm-kv 1\na=%4\nend 1\n", "line 2: bad %XX escape in the value" },
        { "omadm-kv 1\na=%zz\nend 1\n", "line 2: bad %XX escape in the value" },
        { "omadm-kv 1\na=%41\nend 1\n", "line 2: a byte escaped that must not be" },
        { "omadm-kv 1\na=x y\nend 1\n", "line 2: a byte in the value that must be escaped" },
    };
    fixture *f = *state;
    omadm__kv *kv = NULL;
    char err[128];
    const char *v;
    size_t len;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put_file(f, cases[i].text);
        err[0] = '\0';
        assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err),
                         OMADM_ERR_CORRUPT);
        assert_null(kv);
        assert_string_equal(err, cases[i].err);
        /* Refused, never rewritten. */
        {
            char *text = file_text(f);
            assert_string_equal(text, cases[i].text);
            free(text);
        }
    }
    /* A NUL inside a line. */
    assert_int_equal(omadm__kv_parse(&kv, "omadm-kv 1\na=\0\nend 1\n", 20, err, sizeof err),
                     OMADM_ERR_CORRUPT);
    assert_string_equal(err, "line 2: NUL byte");
    /* A value over the limit. */
    {
        size_t n = OMADM_PLUGIN_KV_VALUE_MAX + 1;
        char *text = malloc(n + 64);
        assert_non_null(text);
        memcpy(text, "omadm-kv 1\na=", 13);
        memset(text + 13, 'x', n);
        memcpy(text + 13 + n, "\nend 1\n", 8);
        assert_int_equal(omadm__kv_parse(&kv, text, strlen(text), err, sizeof err),
                         OMADM_ERR_CORRUPT);
        assert_string_equal(err, "line 2: value or store over the size limit");
        free(text);
    }
    /* A good file parses. */
    put_file(f, "omadm-kv 1\na=%20\nb=2\nend 2\n");
    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_get(kv, "a", &v, &len), OMADM_OK);
    assert_string_equal(v, " ");
    omadm__kv_free(kv);
}

static void test_failed_write_changes_nothing(void **state)
{
    fixture *f = *state;
    omadm__kv *kv = NULL;
    char err[128], *before, *after;
    const char *v;
    size_t len;

    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_set(kv, "a", "1", 1), OMADM_OK);
    assert_int_equal(omadm__kv_set(kv, "c", "3", 1), OMADM_OK);
    before = file_text(f);
    f->fail_replace = 1;
    assert_int_equal(omadm__kv_set(kv, "a", "changed", 7), OMADM_ERR_IO);
    assert_int_equal(omadm__kv_set(kv, "b", "new", 3), OMADM_ERR_IO);
    assert_int_equal(omadm__kv_delete(kv, "a"), OMADM_ERR_IO);
    f->fail_replace = 0;
    after = file_text(f);
    assert_string_equal(before, after);
    assert_int_equal(omadm__kv_count(kv), 2);
    assert_int_equal(omadm__kv_get(kv, "a", &v, &len), OMADM_OK);
    assert_string_equal(v, "1");
    assert_int_equal(omadm__kv_get(kv, "b", &v, &len), OMADM_ERR_NOT_FOUND);
    /* And the store still works, with its byte count intact. */
    assert_int_equal(omadm__kv_set(kv, "b", "2", 1), OMADM_OK);
    free(before);
    free(after);
    omadm__kv_free(kv);
    assert_int_equal(omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_count(kv), 3);
    omadm__kv_free(kv);
}

/* Fails every allocation in turn (once, then sticky) during open, set and
 * delete: a clean OMADM_ERR_NOMEM, the file unchanged, no leak. */
static void test_alloc_failure_sweep(void **state)
{
    fixture *f = *state;
    char err[128];

    put_file(f, "omadm-kv 1\na=1\nc=3\nend 2\n");
    for (int sticky = 0; sticky <= 1; sticky++) {
        int done = 0;
        for (long n = 1; !done; n++) {
            omadm__kv *kv = NULL;
            omadm_status st;
            char *text;

            omadm__alloc_fail_at(n, sticky);
            st = omadm__kv_open(&kv, &f->pf, FILE_NAME, err, sizeof err);
            if (st == OMADM_OK) {
                st = omadm__kv_set(kv, "b", "2", 1);
                if (st == OMADM_OK)
                    st = omadm__kv_set(kv, "a", "one", 3);
                if (st == OMADM_OK)
                    st = omadm__kv_delete(kv, "b");
                if (st == OMADM_OK)
                    st = omadm__kv_delete(kv, "a");
            }
            done = !omadm__alloc_failed();
            omadm__alloc_fail_at(0, 0);
            assert_true(st == OMADM_OK || st == OMADM_ERR_NOMEM);
            assert_int_equal(st == OMADM_OK, done);
            omadm__kv_free(kv);
            text = file_text(f);
            if (!done)
                assert_true(strncmp(text, "omadm-kv 1\n", 11) == 0);
            free(text);
            put_file(f, "omadm-kv 1\na=1\nc=3\nend 2\n");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
