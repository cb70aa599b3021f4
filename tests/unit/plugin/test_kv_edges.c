/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin's key-value store at its edges: the key-count limit and one over
 * in a stored file, invalid keys refused by every call, an unreadable file
 * (the platform's status and the reason), and a listing that stops early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/kv.h"

/* The store text of `n` keys k000=v ... in order. malloc'd. */
static char *store_text(size_t n)
{
    size_t cap = 64 + n * 16, len;
    char *t = malloc(cap);
    size_t i;

    assert_non_null(t);
    len = (size_t)snprintf(t, cap, "omadm-kv 1\n");
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(t + len, cap - len, "k%03zu=v\n", i);
    snprintf(t + len, cap - len, "end %zu\n", n);
    return t;
}

static void test_key_count_limit(void **state)
{
    omadm__kv *kv = NULL;
    char err[128];
    char *text = store_text(OMADM_PLUGIN_KV_MAX_KEYS);

    (void)state;
    assert_int_equal(omadm__kv_parse(&kv, text, strlen(text), err, sizeof err), OMADM_OK);
    assert_int_equal(omadm__kv_count(kv), OMADM_PLUGIN_KV_MAX_KEYS);
    omadm__kv_free(kv);
    kv = NULL;
    free(text);
    text = store_text(OMADM_PLUGIN_KV_MAX_KEYS + 1);
    assert_int_equal(omadm__kv_parse(&kv, text, strlen(text), err, sizeof err), OMADM_ERR_CORRUPT);
    assert_null(kv);
    /* the header is line 1: key number 257 is on line 258 */
    assert_string_equal(err, "line 258: more keys than the limit");
    free(text);
}

static int stop_after_two(void *user, const char *key, const char *value, size_t len)
{
    char *seen = user;

    (void)value;
    (void)len;
    strcat(seen, key);
    strcat(seen, ";");
    return strcmp(key, "k001") == 0;
}

static void test_invalid_keys_and_listing(void **state)
{
    omadm__kv *kv = NULL;
    char err[128], seen[64] = "";
    char *text = store_text(4);
    const char *v = NULL;
    size_t len = 0;

    (void)state;
    assert_false(omadm__kv_key_valid(NULL));
    assert_false(omadm__kv_key_valid(""));
    assert_false(omadm__kv_key_valid("a=b"));
    assert_int_equal(omadm__kv_parse(&kv, text, strlen(text), err, sizeof err), OMADM_OK);
    free(text);
    assert_int_equal(omadm__kv_get(kv, "a=b", &v, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_set(kv, "a=b", "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_delete(kv, "a=b"), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_delete(kv, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm__kv_count(kv), 4);
    /* the listing stops when the callback says so */
    assert_int_equal(omadm__kv_list(kv, stop_after_two, seen), OMADM_OK);
    assert_string_equal(seen, "k000;k001;");
    omadm__kv_free(kv);
}

static omadm_status read_denied(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    (void)ctx;
    (void)name;
    (void)max;
    (void)data;
    (void)len;
    return OMADM_ERR_ACCESS;
}

static void test_unreadable_file(void **state)
{
    omadm_platform pf;
    omadm__kv *kv = (omadm__kv *)&pf;
    char err[128];

    (void)state;
    memset(&pf, 0, sizeof pf);
    pf.version = OMADM_PLATFORM_VERSION;
    pf.file_read = read_denied;
    assert_int_equal(omadm__kv_open(&kv, &pf, "plugin-x.kv", err, sizeof err), OMADM_ERR_ACCESS);
    assert_null(kv);
    assert_string_equal(err, "cannot read: access denied");
    /* no error buffer: the same status */
    assert_int_equal(omadm__kv_open(&kv, &pf, "plugin-x.kv", NULL, 0), OMADM_ERR_ACCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_count_limit),
        cmocka_unit_test(test_invalid_keys_and_listing),
        cmocka_unit_test(test_unreadable_file),
    };
    return cmocka_run_group_tests_name("plugin kv edges", tests, NULL, NULL);
}
