/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox records: durable round trip, ids, torn and corrupted records
 * (every offset), record decoding behind a valid checksum, foreign files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "outbox/outbox.h"
#include "outbox/record.h"

#include <openssl/evp.h>
#include "outbox_fixture.h"
#include "testutil.h"

/* ---- round trip ------------------------------------------------------- */

static void test_round_trip(void **state)
{
    fixture *f = *state;
    omadm_outbox_entry e;
    uint64_t a, b, c;
    char *before, *after;
    const omadm_outbox_entry *got;

    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 0);
    a = add(f, OMADM_OUTBOX_INTENT, NULL, "v=1;trigger=now;cmdref=5b0e2c1a;msgref=1;session=17");
    b = add(f, OMADM_OUTBOX_OUTCOME, "critical", "v=1;outcome=not-restarted");
    memset(&e, 0, sizeof e); /* every string absent, but one empty */
    e.kind = OMADM_OUTBOX_ALERT;
    e.created = -42;
    e.data = "";
    assert_int_equal(omadm_outbox_add(f->ob, &e, &c), OMADM_OK);
    assert_true(a < b && b < c);
    assert_int_equal(omadm_outbox_count(f->ob), 3);

    got = omadm_outbox_find(f->ob, c);
    assert_non_null(got);
    assert_null(got->source_uri);
    assert_null(got->mark);
    assert_string_equal(got->data, "");
    assert_int_equal(got->created, -42);
    assert_int_equal(got->attempts, 0);
    assert_null(omadm_outbox_find(f->ob, c + 1));
    assert_null(omadm_outbox_at(f->ob, 3));

    before = mem_snapshot(f->ob);
    open_ob(f, NULL, 0); /* close and reopen */
    after = mem_snapshot(f->ob);
    assert_string_equal(before, after);
    assert_int_equal(omadm_outbox_at(f->ob, 0)->id, a);
    assert_int_equal(omadm_outbox_at(f->ob, 0)->kind, OMADM_OUTBOX_INTENT);
    assert_string_equal(omadm_outbox_at(f->ob, 1)->mark, "critical");
    free(before);
    free(after);

    /* Each record is its own file with the documented name. */
    {
        char *p = rec_path(f, b, "");
        size_t len = 0;
        char *raw = tu_read(p, &len);
        assert_non_null(raw);
        assert_memory_equal(raw, "OMOB", 4);
        free(raw);
        free(p);
    }

    /* created = 0: the outbox stamps the platform's time. */
    {
        char *p = tu_path(f->dir, "sim", "now");
        tu_write(p, "1712345678", (size_t)-1);
        free(p);
        memset(&e, 0, sizeof e);
        e.kind = OMADM_OUTBOX_ALERT;
        assert_int_equal(omadm_outbox_add(f->ob, &e, &c), OMADM_OK);
        assert_int_equal(omadm_outbox_find(f->ob, c)->created, 1712345678);
    }
}

static void test_update_data(void **state)
{
    fixture *f = *state;
    uint64_t a;

    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_INTENT, NULL, "state=armed");
    assert_int_equal(omadm_outbox_update_data(f->ob, a, "state=requested"), OMADM_OK);
    assert_string_equal(omadm_outbox_find(f->ob, a)->data, "state=requested");
    open_ob(f, NULL, 0);
    assert_string_equal(omadm_outbox_find(f->ob, a)->data, "state=requested");
    assert_int_equal(omadm_outbox_update_data(f->ob, a, NULL), OMADM_OK);
    assert_null(omadm_outbox_find(f->ob, a)->data);
    assert_int_equal(omadm_outbox_update_data(f->ob, a + 7, "x"), OMADM_ERR_NOT_FOUND);
}

static void test_ids_never_reused(void **state)
{
    fixture *f = *state;
    uint64_t a, b, c;

    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_ALERT, NULL, "1");
    b = add(f, OMADM_OUTBOX_ALERT, NULL, "2");
    assert_int_equal(omadm_outbox_remove(f->ob, b), OMADM_OK); /* the newest */
    assert_int_equal(omadm_outbox_remove(f->ob, b), OMADM_ERR_NOT_FOUND);
    open_ob(f, NULL, 0);
    c = add(f, OMADM_OUTBOX_ALERT, NULL, "3");
    assert_true(c > b);
    /* Everything gone: still no reuse. */
    assert_int_equal(omadm_outbox_remove(f->ob, a), OMADM_OK);
    assert_int_equal(omadm_outbox_remove(f->ob, c), OMADM_OK);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 0);
    assert_true(add(f, OMADM_OUTBOX_ALERT, NULL, "4") > c);
}

/* ---- torn and corrupted records --------------------------------------- */

static void check_after_corruption(fixture *f, uint64_t a, uint64_t b, uint64_t c,
                                   const char *bad_bytes, size_t bad_len, const char *before)
{
    char *pb = rec_path(f, b, ""), *pbad = rec_path(f, b, ".bad");
    char *raw, *snap;
    size_t len = 0;

    open_ob(f, NULL, 1); /* reported */
    assert_int_equal(omadm_outbox_count(f->ob), 2);
    assert_non_null(omadm_outbox_find(f->ob, a));
    assert_null(omadm_outbox_find(f->ob, b));
    assert_non_null(omadm_outbox_find(f->ob, c));
    assert_false(tu_exists(pb)); /* set aside ... */
    raw = tu_read(pbad, &len);   /* ... with its bytes */
    assert_non_null(raw);
    assert_int_equal(len, bad_len);
    assert_memory_equal(raw, bad_bytes, len);
    free(raw);
    /* The others are intact: same fields as before. */
    snap = mem_snapshot(f->ob);
    assert_string_equal(snap, before);
    free(snap);
    /* Reopening again: nothing more to report. */
    open_ob(f, NULL, 0);
    remove(pbad);
    free(pb);
    free(pbad);
}

static void test_torn_at_every_offset(void **state)
{
    fixture *f = *state;
    uint64_t a, b, c;
    char *pb, *orig, *without_b;
    size_t len = 0, cut;

    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_INTENT, NULL, "intent");
    c = add(f, OMADM_OUTBOX_ALERT, NULL, "later");
    without_b = mem_snapshot(f->ob);
    b = add(f, OMADM_OUTBOX_OUTCOME, "critical", "v=1;trigger=now;outcome=not-restarted");
    pb = rec_path(f, b, "");
    orig = tu_read(pb, &len);
    assert_non_null(orig);
    assert_true(len > 60);
    /* A write torn at every length: reported, set aside, others intact. */
    for (cut = 0; cut < len; cut++) {
        tu_write(pb, orig, cut);
        check_after_corruption(f, a, b, c, orig, cut, without_b);
    }
    assert_int_equal(count_lines_with("is corrupt"), (int)len); /* one warning each */
    /* The intact file loads again. */
    tu_write(pb, orig, len);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 3);
    free(pb);
    free(orig);
    free(without_b);
}

static void test_flipped_byte_at_every_offset(void **state)
{
    fixture *f = *state;
    uint64_t a, b, c;
    char *pb, *orig, *bad, *without_b;
    size_t len = 0, i;

    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_INTENT, NULL, "intent");
    c = add(f, OMADM_OUTBOX_ALERT, NULL, "later");
    without_b = mem_snapshot(f->ob);
    b = add(f, OMADM_OUTBOX_ALERT, "critical", "the one that breaks");
    pb = rec_path(f, b, "");
    orig = tu_read(pb, &len);
    assert_non_null(orig);
    bad = malloc(len + 8);
    assert_non_null(bad);
    for (i = 0; i < len; i++) {
        memcpy(bad, orig, len);
        bad[i] ^= 0x01;
        tu_write(pb, bad, len);
        check_after_corruption(f, a, b, c, bad, len, without_b);
    }
    /* Extra bytes after a valid record: torn or foreign, set aside. */
    memcpy(bad, orig, len);
    memcpy(bad + len, "garbage!", 8);
    tu_write(pb, bad, len + 8);
    check_after_corruption(f, a, b, c, bad, len + 8, without_b);
    /* A valid record under another id's name. */
    {
        char *other = rec_path(f, b + 100, "");
        tu_write(other, orig, len);
        open_ob(f, NULL, 1);
        assert_int_equal(omadm_outbox_count(f->ob), 2);
        assert_false(tu_exists(other));
        free(other);
        /* ... and ids continue after the set-aside one. */
        assert_true(add(f, OMADM_OUTBOX_ALERT, NULL, "x") > b + 100);
    }
    free(bad);
    free(orig);
    free(pb);
    free(without_b);
}

/* Structure checks behind a valid checksum: mutate bytes, fix the
 * checksum, decode. Never a crash (ASan watches); whatever decodes
 * re-encodes to the same bytes; everything else is CORRUPT with a reason. */
static void test_decode_mutations(void **state)
{
    omadm_outbox_entry e, got;
    unsigned char *rec = NULL, *again = NULL, *m;
    size_t len = 0, len2 = 0;
    uint64_t x = 0x9E3779B97F4A7C15u;
    unsigned iter, ok = 0, corrupt = 0;

    (void)state;
    memset(&e, 0, sizeof e);
    e.id = 7;
    e.kind = OMADM_OUTBOX_OUTCOME;
    e.created = 1700000000;
    e.attempts = 3;
    e.source_uri = "./Vendor/MSFT/Reboot/RebootNow";
    e.type = "org.omadm-agent.reboot.outcome";
    e.mark = "critical";
    e.data = "v=1;trigger=now;outcome=not-restarted";
    assert_int_equal(omadm__outbox_record_encode(&e, 1 << 20, &rec, &len), OMADM_OK);
    assert_int_equal(omadm__outbox_record_encode(&e, len - 1, &again, &len2), OMADM_ERR_LIMIT);
    m = malloc(len + 64);
    assert_non_null(m);
    for (iter = 0; iter < 20000; iter++) {
        size_t mlen = len - 32, k, flips;
        unsigned int n = 0;
        const char *why = NULL;
        omadm_status st;

        memcpy(m, rec, len - 32);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        flips = 1 + (size_t)(x % 3);
        for (k = 0; k < flips; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* Mostly the length fields and kind, sometimes any byte. */
            m[(x >> 8) % mlen] = (unsigned char)((x >> 24) & 1 ? x >> 32 : (x >> 32) & 0x03);
        }
        if (iter % 7 == 0) /* shorter or longer bodies too */
            mlen = mlen - (x >> 40) % 16 + (iter % 2 ? 16 : 0);
        if (mlen > len - 32)
            memset(m + len - 32, 'z', mlen - (len - 32));
        /* A consistent total length half of the time. */
        if (iter % 2) {
            uint32_t total = (uint32_t)(mlen + 32);
            m[6] = (unsigned char)(total >> 24), m[7] = (unsigned char)(total >> 16);
            m[8] = (unsigned char)(total >> 8), m[9] = (unsigned char)total;
        }
        assert_int_equal(EVP_Digest(m, mlen, m + mlen, &n, EVP_sha256(), NULL), 1);
        st = omadm__outbox_record_decode(m, mlen + 32, 7, &got, &why);
        if (st == OMADM_OK) {
            ok++;
            assert_int_equal(omadm__outbox_record_encode(&got, 1 << 20, &again, &len2), OMADM_OK);
            assert_int_equal(len2, mlen + 32);
            assert_memory_equal(again, m, len2);
            omadm__free(again);
            omadm__outbox_entry_free(&got);
        } else {
            corrupt++;
            assert_int_equal(st, OMADM_ERR_CORRUPT);
            assert_non_null(why);
        }
    }
    assert_true(ok > 0 && corrupt > 0); /* both paths exercised */
    free(m);
    omadm__free(rec);
}

/* A valid checksum over a record whose last length fields are missing,
 * after a present field and absent ones (a fuzz finding: the decoder read
 * the checksum as lengths and then past the end). */
static void test_decode_missing_length_fields(void **state)
{
    omadm_outbox_entry e, got;
    unsigned char *rec = NULL;
    size_t len = 0, cut;
    unsigned int n = 0;
    const char *why = NULL;

    (void)state;
    memset(&e, 0, sizeof e);
    e.id = 1;
    e.kind = OMADM_OUTBOX_INTENT;
    e.source_uri = "./Device/Vendor/MSFT/Reboot/RebootNow";
    assert_int_equal(omadm__outbox_record_encode(&e, 1 << 20, &rec, &len), OMADM_OK);
    for (cut = 4; cut <= 16; cut += 4) { /* drop the last 1..4 absent markers */
        size_t body = len - 32 - cut;
        uint32_t total = (uint32_t)(body + 32);

        rec[6] = (unsigned char)(total >> 24), rec[7] = (unsigned char)(total >> 16);
        rec[8] = (unsigned char)(total >> 8), rec[9] = (unsigned char)total;
        assert_int_equal(EVP_Digest(rec, body, rec + body, &n, EVP_sha256(), NULL), 1);
        assert_int_equal(omadm__outbox_record_decode(rec, body + 32, 1, &got, &why),
                         OMADM_ERR_CORRUPT);
        assert_string_equal(why, "field overruns the record");
        assert_null(got.source_uri);
    }
    omadm__free(rec);
}

static void test_foreign_files_ignored(void **state)
{
    fixture *f = *state;
    char *p = tu_path(f->dir, "outbox-notes.txt", NULL);
    char *q = tu_path(f->dir, "outbox-00000000000000zz.rec", NULL);
    char *big;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;

    tu_write(p, "not a record", (size_t)-1);
    tu_write(q, "not a record", (size_t)-1);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 0);
    assert_true(tu_exists(p) && tu_exists(q)); /* left alone */
    free(p);
    free(q);

    /* An oversized record (above max_record) is corrupt: set aside whole. */
    lim.max_record = 200;
    big = malloc(300);
    assert_non_null(big);
    memset(big, 'b', 299);
    big[299] = '\0';
    {
        uint64_t id = add(f, OMADM_OUTBOX_ALERT, NULL, big);
        char *pbad = rec_path(f, id, ".bad");
        open_ob(f, &lim, 1);
        assert_int_equal(omadm_outbox_count(f->ob), 0);
        assert_true(tu_exists(pbad));
        free(pbad);
        /* And adding one that large is refused. */
        {
            omadm_outbox_entry e;
            memset(&e, 0, sizeof e);
            e.kind = OMADM_OUTBOX_ALERT;
            e.data = big;
            assert_int_equal(omadm_outbox_add(f->ob, &e, NULL), OMADM_ERR_LIMIT);
            assert_int_equal(omadm_outbox_count(f->ob), 0);
        }
    }
    free(big);
}

int outbox_record_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_at_every_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_byte_at_every_offset, setup, teardown),
        cmocka_unit_test(test_decode_mutations),
        cmocka_unit_test(test_decode_missing_length_fields),
        cmocka_unit_test_setup_teardown(test_foreign_files_ignored, setup, teardown),
    };
    return cmocka_run_group_tests_name("outbox records", tests, NULL, NULL);
}
