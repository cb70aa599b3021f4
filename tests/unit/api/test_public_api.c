/* SPDX-License-Identifier: Apache-2.0 */
/* The public helpers an agent shares with libomadm: records
 * (omadm/record.h), the durable key-value store (omadm/kv.h), push
 * notifications (omadm/notify.h) and the TLS options (omadm/cert.h); each
 * with its argument checks and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "core/alloc.h"
#include "notify/notify.h"
#include "omadm/cert.h"
#include "omadm/device.h"
#include "omadm/kv.h"
#include "omadm/notify.h"
#include "omadm/record.h"
#include "testutil.h"

/* ---- records ------------------------------------------------------------ */

static void test_record_roundtrip(void **state)
{
    omadm_record *r = NULL;
    const char *text;
    size_t len = 99;
    char *v = NULL;
    int64_t i = 0;

    (void)state;
    assert_int_equal(omadm_record_new(NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_new(&r), OMADM_OK);
    assert_string_equal(omadm_record_text(r, &len), "");
    assert_int_equal(len, 0);
    assert_int_equal(omadm_record_append(r, "v=1\n", 4), OMADM_OK);
    assert_int_equal(omadm_record_put(r, "outcome", "not restarted; 100%=x\n"), OMADM_OK);
    assert_int_equal(omadm_record_put_i64(r, "id", -42), OMADM_OK);
    assert_int_equal(omadm_record_put(r, "empty", NULL), OMADM_OK);
    assert_int_equal(omadm_record_append(r, "\n", 1), OMADM_OK);
    assert_int_equal(omadm_record_put_i64(r, "n", INT64_MAX), OMADM_OK);
    text = omadm_record_text(r, &len);
    assert_string_equal(text, "v=1\noutcome=not%20restarted%3B%20100%25%3Dx%0A;id=-42;empty=\n"
                              "n=9223372036854775807");
    assert_int_equal(len, strlen(text));

    /* Reading it back, line by line. */
    text = strchr(text, '\n') + 1;
    len = (size_t)(strchr(text, '\n') - text);
    assert_int_equal(omadm_record_get(text, len, "outcome", &v), OMADM_OK);
    assert_string_equal(v, "not restarted; 100%=x\n");
    omadm_free(v);
    assert_int_equal(omadm_record_get(text, len, "empty", &v), OMADM_OK);
    assert_string_equal(v, "");
    omadm_free(v);
    assert_int_equal(omadm_record_get_i64(text, len, "id", &i), OMADM_OK);
    assert_int_equal(i, -42);
    assert_int_equal(omadm_record_get(text, len, "n", &v), OMADM_ERR_NOT_FOUND); /* next line */
    assert_null(v);
    assert_int_equal(omadm_record_get_i64(text, len, "outcome", &i), OMADM_ERR_PARSE);
    assert_int_equal(omadm_record_get("a=%G1", 5, "a", &v), OMADM_ERR_PARSE);
    assert_int_equal(omadm_record_get("a=%00", 5, "a", &v), OMADM_ERR_PARSE);
    assert_null(v);

    /* Keys that would break the line; NULL arguments. */
    len = 0;
    omadm_record_text(r, &len);
    assert_int_equal(omadm_record_put(r, "", "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(r, "a=b", "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(r, "a;b", "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(r, "a b", "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(r, "a%b", "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(r, NULL, "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put_i64(r, "k\n", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(r,
                                      "k12345678901234567890123456789012345678901234567890123456789"
                                      "012345",
                                      "x"),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put(NULL, "k", "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_put_i64(NULL, "k", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_append(NULL, "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_append(r, NULL, 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_append(r, NULL, 0), OMADM_OK);
    assert_int_equal(strlen(omadm_record_text(r, NULL)), 82); /* unchanged by the refusals */
    assert_null(omadm_record_text(NULL, &len));
    assert_int_equal(len, 0);
    assert_int_equal(omadm_record_get(NULL, 0, "k", &v), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_get("k=1", 3, NULL, &v), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_get("k=1", 3, "k", NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_record_get_i64("k=1", 3, "k", NULL), OMADM_ERR_INVALID);
    omadm_record_free(r);
    omadm_record_free(NULL);
}

/* Each allocation failing in turn: OMADM_ERR_NOMEM and the text as it
 * was before the call (all or nothing). */
static void test_record_alloc_failures(void **state)
{
    static const char value[] = "a value long enough to grow the buffer more than once: "
                                "0123456789012345678901234567890123456789012345678901234567890123";
    int done = 0;

    (void)state;
    omadm__alloc_fail_at(1, 0);
    {
        omadm_record *r = (omadm_record *)1;
        assert_int_equal(omadm_record_new(&r), OMADM_ERR_NOMEM);
        assert_null(r);
    }
    omadm__alloc_fail_at(0, 0);
    for (long n = 1; !done; n++) {
        omadm_record *r = NULL;
        omadm_status st;
        char *before, *v = NULL;
        size_t len = 0;

        assert_int_equal(omadm_record_new(&r), OMADM_OK);
        assert_int_equal(omadm_record_put(r, "first", "1"), OMADM_OK);
        before = strdup(omadm_record_text(r, NULL));
        omadm__alloc_fail_at(n, 1);
        st = omadm_record_put(r, "second", value);
        if (st == OMADM_OK)
            st = omadm_record_append(r, "\n", 1);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (done) {
            const char *t = omadm_record_text(r, &len);
            assert_int_equal(st, OMADM_OK);
            assert_int_equal(omadm_record_get(t, len - 1, "second", &v), OMADM_OK);
            assert_string_equal(v, value);
            omadm_free(v);
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_string_equal(omadm_record_text(r, NULL), before);
        }
        free(before);
        omadm_record_free(r);
    }
    /* get allocates the value */
    omadm__alloc_fail_at(1, 0);
    {
        char *v = (char *)1;
        assert_int_equal(omadm_record_get("k=v", 3, "k", &v), OMADM_ERR_NOMEM);
        assert_null(v);
    }
    omadm__alloc_fail_at(0, 0);
}

/* ---- the key-value store -------------------------------------------------- */

static omadm_device *sim_device(const char *dir)
{
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;
    omadm_device *dev = NULL;

    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = dir;
    assert_int_equal(omadm_device_open(&dev, &cfg, OMADM_DEVICE_OPEN_STATE_ONLY, NULL, 0),
                     OMADM_OK);
    return dev;
}

static int collect(void *user, const char *key, const char *value, size_t len)
{
    char *out = user;
    size_t n = strlen(out);

    snprintf(out + n, 256 - n, "%s:%.*s,", key, (int)len, value);
    return strcmp(key, "stop") == 0;
}

static void test_kv(void **state)
{
    char *dir = tu_mkdtemp(), *path, why[200], seen[256] = "";
    omadm_device *dev = sim_device(dir);
    const struct omadm_platform *pf = omadm_device_get_platform(dev);
    omadm_kv *kv = NULL;
    const char *v = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_kv_open(NULL, pf, "t.kv", why, sizeof why), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_open(&kv, NULL, "t.kv", why, sizeof why), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_open(&kv, pf, "", NULL, 0), OMADM_ERR_INVALID);
    assert_null(kv);
    assert_int_equal(omadm_kv_open(&kv, pf, "t.kv", why, sizeof why), OMADM_OK);
    assert_int_equal(omadm_kv_count(kv), 0);
    assert_int_equal(omadm_kv_get(kv, "asset", &v, &len), OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm_kv_set(kv, "asset", "A-17\n", 5), OMADM_OK);
    assert_int_equal(omadm_kv_set(kv, "b", "", 0), OMADM_OK);
    assert_int_equal(omadm_kv_set(kv, "stop", "x", 1), OMADM_OK);
    assert_int_equal(omadm_kv_set(kv, "zz", "y", 1), OMADM_OK);
    assert_int_equal(omadm_kv_set(kv, "bad key", "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_delete(kv, "zz"), OMADM_OK);
    assert_int_equal(omadm_kv_delete(kv, "zz"), OMADM_ERR_NOT_FOUND);
    omadm_kv_free(kv);

    /* Durable: another store on the file sees it all. */
    assert_int_equal(omadm_kv_open(&kv, pf, "t.kv", why, sizeof why), OMADM_OK);
    assert_int_equal(omadm_kv_count(kv), 3);
    assert_int_equal(omadm_kv_get(kv, "asset", &v, &len), OMADM_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(v, "A-17\n", 5);
    assert_int_equal(omadm_kv_list(kv, collect, seen), OMADM_OK);
    assert_string_equal(seen, "asset:A-17\n,b:,stop:x,"); /* stopped at "stop" */
    assert_int_equal(omadm_kv_get(NULL, "asset", &v, &len), OMADM_ERR_INVALID);
    assert_null(v);
    assert_int_equal(omadm_kv_get(kv, NULL, &v, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_get(kv, "asset", NULL, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_set(NULL, "k", "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_set(kv, NULL, "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_delete(NULL, "k"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_delete(kv, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_list(kv, NULL, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_list(NULL, collect, seen), OMADM_ERR_INVALID);
    assert_int_equal(omadm_kv_count(NULL), 0);
    omadm_kv_free(kv);
    omadm_kv_free(NULL);

    /* A file that does not parse: refused with the line, left alone. */
    path = tu_path(dir, "broken.kv", NULL);
    tu_write(path, "omadm-kv 1\nno equals sign\nend 1\n", (size_t)-1);
    kv = (omadm_kv *)1;
    assert_int_equal(omadm_kv_open(&kv, pf, "broken.kv", why, sizeof why), OMADM_ERR_CORRUPT);
    assert_null(kv);
    assert_non_null(strstr(why, "line 2"));
    free(path);
    omadm_device_free(dev);
    tu_rmtree_free(dir);
}

static void test_kv_alloc_failures(void **state)
{
    char *dir = tu_mkdtemp(), why[200];
    omadm_device *dev = sim_device(dir);
    const struct omadm_platform *pf = omadm_device_get_platform(dev);
    int done = 0;

    (void)state;
    for (long n = 1; !done; n++) {
        omadm_kv *kv = NULL;
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm_kv_open(&kv, pf, "a.kv", why, sizeof why);
        if (st == OMADM_OK)
            st = omadm_kv_set(kv, "key", "value", 5);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (done) {
            assert_int_equal(st, OMADM_OK);
        } else {
            const char *v = NULL;
            size_t len = 0;
            assert_int_equal(st, OMADM_ERR_NOMEM);
            if (kv) /* the failed set changed nothing */
                assert_int_equal(omadm_kv_get(kv, "key", &v, &len), OMADM_ERR_NOT_FOUND);
        }
        if (kv && !done)
            assert_int_equal(omadm_kv_count(kv), 0);
        omadm_kv_free(kv);
        if (done) { /* and it is on disk */
            assert_int_equal(omadm_kv_open(&kv, pf, "a.kv", why, sizeof why), OMADM_OK);
            assert_int_equal(omadm_kv_count(kv), 1);
            omadm_kv_free(kv);
        }
    }
    omadm_device_free(dev);
    tu_rmtree_free(dir);
}

/* ---- push notifications --------------------------------------------------- */

#define SERVER "mdm.example.com"
#define SECRET "s3cret"

static unsigned char *notification(unsigned sid, const char *vendor, size_t *len)
{
    unsigned char *m = NULL;

    assert_int_equal(omadm__notify_build(11, OMADM_NOTIFY_UI_BACKGROUND, 1, sid, SERVER,
                                         (const unsigned char *)vendor, vendor ? strlen(vendor) : 0,
                                         SECRET, (const unsigned char *)OMADM_NOTIFY_RESET_NONCE,
                                         strlen(OMADM_NOTIFY_RESET_NONCE), &m, len),
                     OMADM_OK);
    return m;
}

static void test_notify(void **state)
{
    size_t len = 0, len2 = 0;
    unsigned char *m = notification(0x1234, "vendor", &len), *m2 = notification(0x99, NULL, &len2);
    const unsigned char *nonce = (const unsigned char *)OMADM_NOTIFY_RESET_NONCE;
    size_t nonce_len = strlen(OMADM_NOTIFY_RESET_NONCE);
    omadm_notify_info info;
    omadm_notify_replay *g = NULL;

    (void)state;
    memset(&info, 0, sizeof info);
    info.size = sizeof info - 1;
    assert_int_equal(omadm_notify_parse(m, len, 0, &info), OMADM_ERR_INVALID);
    assert_int_equal(omadm_notify_parse(NULL, len, 0, &info), OMADM_ERR_INVALID);
    info.size = sizeof info;
    assert_int_equal(omadm_notify_parse(m, len, 0, &info), OMADM_OK);
    assert_int_equal(info.size, sizeof info);
    assert_int_equal(info.version, 11);
    assert_int_equal(info.ui_mode, 1);
    assert_true(info.server_initiated);
    assert_int_equal(info.session_id, 0x1234);
    assert_string_equal(info.server_id, SERVER);
    assert_int_equal(info.vendor_len, 6);
    assert_int_equal(omadm_notify_parse(m, len - 7, 0, &info), OMADM_ERR_PARSE);
    assert_int_equal(omadm_notify_parse(m, len, len - 1, &info), OMADM_ERR_LIMIT);

    /* Digest: the right secret only, the named server only. */
    assert_int_equal(omadm_notify_verify(m, len, SERVER, SECRET, nonce, nonce_len), OMADM_OK);
    assert_int_equal(omadm_notify_verify(m, len, SERVER, "wrong", nonce, nonce_len),
                     OMADM_ERR_AUTH);
    assert_int_equal(omadm_notify_verify(m, len, "other.example", SECRET, nonce, nonce_len),
                     OMADM_ERR_AUTH);
    assert_int_equal(omadm_notify_verify(m, len, SERVER, SECRET, nonce, nonce_len - 1),
                     OMADM_ERR_AUTH);
    m[len - 1] ^= 1; /* the vendor part is under the digest */
    assert_int_equal(omadm_notify_verify(m, len, SERVER, SECRET, nonce, nonce_len), OMADM_ERR_AUTH);
    m[len - 1] ^= 1;
    assert_int_equal(omadm_notify_verify(m, 10, SERVER, SECRET, nonce, nonce_len), OMADM_ERR_PARSE);
    assert_int_equal(omadm_notify_verify(NULL, len, SERVER, SECRET, nonce, nonce_len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_notify_verify(m, len, NULL, SECRET, nonce, nonce_len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_notify_verify(m, len, SERVER, NULL, nonce, nonce_len),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_notify_verify(m, len, SERVER, SECRET, NULL, 3), OMADM_ERR_INVALID);

    /* Replays. */
    assert_int_equal(omadm_notify_replay_new(NULL, 0), OMADM_ERR_INVALID);
    assert_int_equal(omadm_notify_replay_new(&g, 4097), OMADM_ERR_INVALID);
    assert_null(g);
    assert_int_equal(omadm_notify_replay_new(&g, 2), OMADM_OK);
    assert_int_equal(omadm_notify_replay_check(g, m, len), OMADM_OK);
    assert_int_equal(omadm_notify_replay_check(g, m, len), OMADM_ERR_EXISTS);
    assert_int_equal(omadm_notify_replay_check(g, m2, len2), OMADM_OK);
    assert_int_equal(omadm_notify_replay_check(g, m, 5), OMADM_ERR_PARSE);
    assert_int_equal(omadm_notify_replay_check(NULL, m, len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_notify_replay_check(g, NULL, len), OMADM_ERR_INVALID);
    omadm_notify_replay_free(g);
    omadm_notify_replay_free(NULL);

    /* Allocation failures of the guard. */
    for (long n = 1;; n++) {
        omadm_status st;
        int failed;

        g = NULL;
        omadm__alloc_fail_at(n, 0);
        st = omadm_notify_replay_new(&g, 0);
        failed = omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (!failed) {
            assert_int_equal(st, OMADM_OK);
            omadm_notify_replay_free(g);
            break;
        }
        assert_int_equal(st, OMADM_ERR_NOMEM);
        assert_null(g);
    }
    omadm_free(m);
    omadm_free(m2);
}

/* ---- TLS options ----------------------------------------------------------- */

static void test_tls_setopt(void **state)
{
    CURL *curl = curl_easy_init();
    omadm_tls_config cfg = OMADM_TLS_CONFIG_INIT;
    const char *failed = "untouched";

    (void)state;
    assert_non_null(curl);
    assert_int_equal(cfg.size, sizeof cfg);
    assert_int_equal(omadm_tls_setopt(NULL, &cfg, &failed), CURLE_BAD_FUNCTION_ARGUMENT);
    assert_null(failed);
    assert_int_equal(omadm_tls_setopt(curl, NULL, NULL), CURLE_BAD_FUNCTION_ARGUMENT);
    cfg.size = sizeof cfg - 1;
    assert_int_equal(omadm_tls_setopt(curl, &cfg, NULL), CURLE_BAD_FUNCTION_ARGUMENT);
    cfg.size = sizeof cfg;
    assert_int_equal(omadm_tls_setopt(curl, &cfg, &failed), CURLE_OK);
    assert_null(failed);
    /* Files are opened by the request, not here; in-memory PEM too. */
    cfg.ca_file = "/nonexistent/ca.pem";
    cfg.cert_file = "client.p12";
    cfg.ca_pem = "-----BEGIN CERTIFICATE-----\n";
    cfg.cert_pem = "cert";
    cfg.key_pem = "key";
    assert_int_equal(omadm_tls_setopt(curl, &cfg, &failed), CURLE_OK);
    assert_null(failed);
    curl_easy_cleanup(curl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_roundtrip),
        cmocka_unit_test(test_record_alloc_failures),
        cmocka_unit_test(test_kv),
        cmocka_unit_test(test_kv_alloc_failures),
        cmocka_unit_test(test_notify),
        cmocka_unit_test(test_tls_setopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
