/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox: durable round trip, torn and corrupted records, limits and
 * eviction, the acknowledgement rules of reboot-csp.md §6, allocation
 * failures and platform write failures (memory and disk unchanged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "omadm/log.h"
#include "outbox/outbox.h"
#include "outbox/record.h"

#include <openssl/evp.h>
#include "platform/sim/sim.h"
#include "testutil.h"

/* A platform wrapper that can fail the Nth file_replace / file_remove. */
typedef struct faulty {
    omadm_platform inner;
    long replace_calls, remove_calls;
    long fail_replace_at, fail_remove_at; /* 0 = never; counts from 1 */
    int fail_sticky;
    const char *fail_only; /* when set, only names containing this fail */
} faulty;

typedef struct fixture {
    char *dir;
    faulty fw;
    omadm_platform pf; /* the wrapper */
    omadm_outbox *ob;
} fixture;

static int should_fail(faulty *w, long calls, long at, const char *name)
{
    if (w->fail_only && !strstr(name, w->fail_only))
        return 0;
    return at > 0 && (calls == at || (w->fail_sticky && calls > at));
}

static omadm_status w_now(void *ctx, int64_t *t)
{
    faulty *w = ctx;
    return w->inner.now(w->inner.ctx, t);
}

static omadm_status w_read(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    faulty *w = ctx;
    return w->inner.file_read(w->inner.ctx, name, max, data, len);
}

static omadm_status w_replace(void *ctx, const char *name, const void *data, size_t len)
{
    faulty *w = ctx;
    w->replace_calls++;
    if (should_fail(w, w->replace_calls, w->fail_replace_at, name))
        return OMADM_ERR_IO;
    return w->inner.file_replace(w->inner.ctx, name, data, len);
}

static omadm_status w_remove(void *ctx, const char *name)
{
    faulty *w = ctx;
    w->remove_calls++;
    if (should_fail(w, w->remove_calls, w->fail_remove_at, name))
        return OMADM_ERR_IO;
    return w->inner.file_remove(w->inner.ctx, name);
}

static omadm_status w_list(void *ctx, const char *prefix, omadm_platform_list_cb cb, void *user)
{
    faulty *w = ctx;
    return w->inner.file_list(w->inner.ctx, prefix, cb, user);
}

static void faults_reset(fixture *f)
{
    f->fw.replace_calls = f->fw.remove_calls = 0;
    f->fw.fail_replace_at = f->fw.fail_remove_at = 0;
    f->fw.fail_sticky = 0;
    f->fw.fail_only = NULL;
}

/* Warnings the outbox logged, to check it reports what it drops. */
static char warnings[1 << 16];

static void capture(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    if (level <= OMADM_LOG_WARN && strlen(warnings) + strlen(line) + 2 < sizeof warnings) {
        strcat(warnings, line);
        strcat(warnings, "\n");
    }
}

static int count_lines_with(const char *needle)
{
    const char *p = warnings;
    int n = 0;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->dir = tu_mkdtemp();
    assert_int_equal(omadm_platform_sim_new(&f->fw.inner, f->dir), OMADM_OK);
    f->pf.version = OMADM_PLATFORM_VERSION;
    f->pf.ctx = &f->fw;
    f->pf.now = w_now;
    f->pf.file_read = w_read;
    f->pf.file_replace = w_replace;
    f->pf.file_remove = w_remove;
    f->pf.file_list = w_list;
    warnings[0] = '\0';
    omadm_log_set(capture, NULL, OMADM_LOG_WARN);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm__alloc_fail_at(0, 0);
    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);
    omadm_outbox_close(f->ob);
    f->fw.inner.destroy(f->fw.inner.ctx);
    tu_rmtree_free(f->dir);
    free(f);
    return 0;
}

static void open_ob(fixture *f, const omadm_outbox_limits *lim, unsigned expect_corrupt)
{
    unsigned corrupt = 99;

    omadm_outbox_close(f->ob);
    f->ob = NULL;
    assert_int_equal(omadm_outbox_open(&f->ob, &f->pf, lim, &corrupt), OMADM_OK);
    assert_int_equal(corrupt, expect_corrupt);
}

static uint64_t add(fixture *f, omadm_outbox_kind kind, const char *mark, const char *data)
{
    omadm_outbox_entry e;
    uint64_t id = 0;

    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.created = 1700000000;
    e.source_uri = "./Device/Vendor/MSFT/Reboot/RebootNow";
    e.type = kind == OMADM_OUTBOX_INTENT ? NULL : "org.omadm-agent.reboot.outcome";
    e.format = "chr";
    e.mark = (char *)mark;
    e.data = (char *)data;
    assert_int_equal(omadm_outbox_add(f->ob, &e, &id), OMADM_OK);
    return id;
}

static char *rec_path(fixture *f, uint64_t id, const char *suffix)
{
    char name[64];
    snprintf(name, sizeof name, "outbox-%016llx.rec%s", (unsigned long long)id, suffix);
    return tu_path(f->dir, name, NULL);
}

/* Memory: the entries in order, every field, as one string. */
static char *mem_snapshot(const omadm_outbox *ob)
{
    size_t n = omadm_outbox_count(ob), i, cap = 64 + n * 1024, len = 0;
    char *s = malloc(cap);

    assert_non_null(s);
    s[0] = '\0';
    for (i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(ob, i);
        len += (size_t)snprintf(s + len, cap - len, "%llu|%d|%lld|%u|%s|%s|%s|%s|%.300s\n",
                                (unsigned long long)e->id, (int)e->kind, (long long)e->created,
                                e->attempts, e->source_uri ? e->source_uri : "(null)",
                                e->type ? e->type : "(null)", e->format ? e->format : "(null)",
                                e->mark ? e->mark : "(null)", e->data ? e->data : "(null)");
        assert_true(len < cap);
    }
    return s;
}

typedef struct disk_snap {
    char buf[1 << 16];
    size_t len;
    fixture *f;
    int skip_seq;
} disk_snap;

static int snap_file(void *user, const char *name)
{
    disk_snap *d = user;
    char *p, *data;
    size_t n = 0;

    if (d->skip_seq && strcmp(name, "outbox.seq") == 0)
        return 0;
    p = tu_path(d->f->dir, name, NULL);
    data = tu_read(p, &n);

    assert_non_null(data);
    assert_true(d->len + strlen(name) + n + 2 < sizeof d->buf);
    d->len += (size_t)sprintf(d->buf + d->len, "%s=", name);
    memcpy(d->buf + d->len, data, n);
    d->len += n;
    d->buf[d->len++] = '\n';
    free(data);
    free(p);
    return 0;
}

/* Disk: every durable file (name and bytes), outbox.seq optional. */
static disk_snap *disk_snapshot_seq(fixture *f, int skip_seq)
{
    disk_snap *d = calloc(1, sizeof *d);

    assert_non_null(d);
    d->f = f;
    d->skip_seq = skip_seq;
    assert_int_equal(f->fw.inner.file_list(f->fw.inner.ctx, "", snap_file, d), OMADM_OK);
    return d;
}

static disk_snap *disk_snapshot(fixture *f)
{
    return disk_snapshot_seq(f, 0);
}

static void assert_same_disk(disk_snap *a, disk_snap *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->buf, b->buf, a->len);
}

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

/* ---- limits and eviction ---------------------------------------------- */

static void assert_ids(fixture *f, const uint64_t *ids, size_t n)
{
    size_t i;

    assert_int_equal(omadm_outbox_count(f->ob), n);
    for (i = 0; i < n; i++)
        assert_int_equal(omadm_outbox_at(f->ob, i)->id, ids[i]);
}

static void test_full_eviction_order(void **state)
{
    fixture *f = *state;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;
    omadm_outbox_entry e;
    uint64_t intent, info1, crit, outcome, info2, n1, n2, n3, n4, id = 0;
    char *snap;

    lim.max_entries = 5;
    open_ob(f, &lim, 0);
    info1 = add(f, OMADM_OUTBOX_ALERT, NULL, "informational (no mark)");
    intent = add(f, OMADM_OUTBOX_INTENT, NULL, "intent");
    crit = add(f, OMADM_OUTBOX_ALERT, "critical", "critical alert");
    outcome = add(f, OMADM_OUTBOX_OUTCOME, "informational", "outcome: not an ALERT");
    info2 = add(f, OMADM_OUTBOX_ALERT, "informational", "informational (marked)");

    /* Full: the oldest informational alert goes first. */
    n1 = add(f, OMADM_OUTBOX_ALERT, "critical", "n1");
    {
        const uint64_t want[] = { intent, crit, outcome, info2, n1 };
        assert_ids(f, want, 5);
    }
    n2 = add(f, OMADM_OUTBOX_ALERT, "critical", "n2");
    {
        const uint64_t want[] = { intent, crit, outcome, n1, n2 };
        assert_ids(f, want, 5);
    }
    /* No informational alert left: the oldest other alert or outcome. */
    n3 = add(f, OMADM_OUTBOX_OUTCOME, "critical", "n3");
    {
        const uint64_t want[] = { intent, outcome, n1, n2, n3 };
        assert_ids(f, want, 5);
    }
    n4 = add(f, OMADM_OUTBOX_ALERT, NULL, "n4");
    {
        const uint64_t want[] = { intent, n1, n2, n3, n4 };
        assert_ids(f, want, 5);
    }
    /* Disk agrees with memory. */
    snap = mem_snapshot(f->ob);
    open_ob(f, &lim, 0);
    {
        char *again = mem_snapshot(f->ob);
        assert_string_equal(snap, again);
        free(again);
    }
    free(snap);
    {
        char *p = rec_path(f, info1, "");
        assert_false(tu_exists(p));
        free(p);
    }

    /* Intents are never evicted: with only intents, FULL. */
    {
        size_t i;
        for (i = 0; i < 4; i++) /* each evicts one of n1..n4 */
            add(f, OMADM_OUTBOX_INTENT, NULL, "more intent");
        assert_int_equal(omadm_outbox_count(f->ob), 5);
        for (i = 0; i < 5; i++)
            assert_int_equal(omadm_outbox_at(f->ob, i)->kind, OMADM_OUTBOX_INTENT);
        assert_int_equal(omadm_outbox_at(f->ob, 0)->id, intent);
    }
    snap = mem_snapshot(f->ob);
    {
        disk_snap *before = disk_snapshot(f), *after;
        memset(&e, 0, sizeof e);
        e.kind = OMADM_OUTBOX_INTENT;
        assert_int_equal(omadm_outbox_add(f->ob, &e, &id), OMADM_ERR_FULL);
        e.kind = OMADM_OUTBOX_ALERT;
        assert_int_equal(omadm_outbox_add(f->ob, &e, &id), OMADM_ERR_FULL);
        after = disk_snapshot(f);
        assert_same_disk(before, after);
        free(before);
        free(after);
    }
    {
        char *again = mem_snapshot(f->ob);
        assert_string_equal(snap, again);
        free(again);
    }
    free(snap);
}

static void test_byte_limit_eviction(void **state)
{
    fixture *f = *state;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;
    char data[201];
    uint64_t a, b, c, d;
    size_t rec;

    memset(data, 'd', 200);
    data[200] = '\0';
    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_ALERT, NULL, data);
    {
        char *p = rec_path(f, a, "");
        char *raw = tu_read(p, &rec);
        free(raw);
        free(p);
    }
    /* Room for three records of this size. */
    lim.max_bytes = 3 * rec + 10;
    open_ob(f, &lim, 0);
    b = add(f, OMADM_OUTBOX_INTENT, NULL, data);
    c = add(f, OMADM_OUTBOX_ALERT, "critical", data);
    d = add(f, OMADM_OUTBOX_ALERT, "critical", data); /* evicts a (informational) */
    {
        const uint64_t want[] = { b, c, d };
        assert_ids(f, want, 3);
    }
    /* Growing the intent makes room by evicting alerts, never itself. */
    assert_int_equal(omadm_outbox_update_data(f->ob, b, "x"), OMADM_OK);
    {
        char big[2 * 201 + 50];
        memset(big, 'g', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        assert_int_equal(omadm_outbox_update_data(f->ob, b, big), OMADM_OK);
        {
            const uint64_t want[] = { b, d };
            assert_ids(f, want, 2);
        }
    }
}

/* ---- acknowledgement rules -------------------------------------------- */

static void test_classify_table(void **state)
{
    static const struct {
        const char *alert, *hdr;
        omadm_outbox_reply want;
    } t[] = {
        /* (a) a 2xx Status for the Alert */
        { "200", "200", OMADM_OUTBOX_ACKED },
        { "202", "200", OMADM_OUTBOX_ACKED },
        { "200", NULL, OMADM_OUTBOX_ACKED },
        { "200", "500", OMADM_OUTBOX_ACKED },
        /* 415: not understood, drop */
        { "415", "200", OMADM_OUTBOX_REJECTED },
        /* 401/407 resend after authentication; 412/500 resend */
        { "401", "200", OMADM_OUTBOX_RETRY },
        { "407", "200", OMADM_OUTBOX_RETRY },
        { "412", "200", OMADM_OUTBOX_RETRY },
        { "500", "200", OMADM_OUTBOX_RETRY },
        { "404", "200", OMADM_OUTBOX_RETRY },
        { "300", "200", OMADM_OUTBOX_RETRY },
        { "199", "200", OMADM_OUTBOX_RETRY },
        { "abc", "200", OMADM_OUTBOX_RETRY },
        { "2000", "200", OMADM_OUTBOX_RETRY },
        { "", "200", OMADM_OUTBOX_RETRY },
        /* (b) no Status for the Alert: the SyncHdr Status decides (Fleet) */
        { NULL, "200", OMADM_OUTBOX_ACKED },
        { NULL, "212", OMADM_OUTBOX_ACKED },
        { NULL, " 200\n", OMADM_OUTBOX_ACKED },
        { NULL, "401", OMADM_OUTBOX_RETRY },
        { NULL, "407", OMADM_OUTBOX_RETRY },
        { NULL, "500", OMADM_OUTBOX_RETRY },
        { NULL, "415", OMADM_OUTBOX_RETRY },
        /* no reply at all */
        { NULL, NULL, OMADM_OUTBOX_RETRY },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (omadm_outbox_classify(t[i].alert, t[i].hdr) != t[i].want)
            fail_msg("classify(%s, %s) != %d", t[i].alert ? t[i].alert : "NULL",
                     t[i].hdr ? t[i].hdr : "NULL", (int)t[i].want);
    }
}

static void test_settle_effects(void **state)
{
    fixture *f = *state;
    uint64_t intent, acked, rejected, retried;
    unsigned k;
    char *p;

    open_ob(f, NULL, 0);
    intent = add(f, OMADM_OUTBOX_INTENT, NULL, "i");
    acked = add(f, OMADM_OUTBOX_OUTCOME, "informational", "a");
    rejected = add(f, OMADM_OUTBOX_ALERT, NULL, "r");
    retried = add(f, OMADM_OUTBOX_OUTCOME, "critical", "t");

    assert_int_equal(omadm_outbox_settle(f->ob, acked, omadm_outbox_classify("200", "200")),
                     OMADM_OK);
    assert_null(omadm_outbox_find(f->ob, acked));
    p = rec_path(f, acked, "");
    assert_false(tu_exists(p));
    free(p);

    assert_int_equal(count_lines_with("(415)"), 0);
    assert_int_equal(omadm_outbox_settle(f->ob, rejected, omadm_outbox_classify("415", "200")),
                     OMADM_OK);
    assert_null(omadm_outbox_find(f->ob, rejected));
    assert_int_equal(count_lines_with("(415)"), 1); /* logged once */

    /* RETRY: attempts counted durably, survive a reopen, drop at 10. */
    for (k = 1; k <= 9; k++) {
        assert_int_equal(omadm_outbox_settle(f->ob, retried, omadm_outbox_classify(NULL, NULL)),
                         OMADM_OK);
        assert_int_equal(omadm_outbox_find(f->ob, retried)->attempts, k);
        if (k == 5) {
            open_ob(f, NULL, 0);
            assert_int_equal(omadm_outbox_find(f->ob, retried)->attempts, 5);
        }
    }
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_find(f->ob, retried)->attempts, 9);
    assert_int_equal(omadm_outbox_settle(f->ob, retried, OMADM_OUTBOX_RETRY), OMADM_OK);
    assert_null(omadm_outbox_find(f->ob, retried)); /* the 10th session: dropped */
    assert_int_equal(count_lines_with("not acknowledged after 10 sessions: dropped"), 1);
    p = rec_path(f, retried, "");
    assert_false(tu_exists(p));
    free(p);

    /* Intents are never settled; unknown ids are reported. */
    assert_int_equal(omadm_outbox_settle(f->ob, intent, OMADM_OUTBOX_ACKED), OMADM_ERR_INVALID);
    assert_non_null(omadm_outbox_find(f->ob, intent));
    assert_int_equal(omadm_outbox_settle(f->ob, 12345, OMADM_OUTBOX_ACKED), OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm_outbox_settle(f->ob, intent, (omadm_outbox_reply)77), OMADM_ERR_INVALID);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 1);
}

static void test_max_attempts_limit(void **state)
{
    fixture *f = *state;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;
    uint64_t a;

    lim.max_attempts = 2;
    open_ob(f, &lim, 0);
    a = add(f, OMADM_OUTBOX_ALERT, NULL, "x");
    assert_int_equal(omadm_outbox_settle(f->ob, a, OMADM_OUTBOX_RETRY), OMADM_OK);
    assert_non_null(omadm_outbox_find(f->ob, a));
    assert_int_equal(omadm_outbox_settle(f->ob, a, OMADM_OUTBOX_RETRY), OMADM_OK);
    assert_null(omadm_outbox_find(f->ob, a));
}

/* ---- failures leave memory and disk unchanged ------------------------- */

typedef omadm_status (*op_fn)(fixture *f, uint64_t id);

static omadm_status op_add(fixture *f, uint64_t id)
{
    omadm_outbox_entry e;
    (void)id;
    memset(&e, 0, sizeof e);
    e.kind = OMADM_OUTBOX_OUTCOME;
    e.source_uri = "./Vendor/MSFT/Reboot/Schedule/Single";
    e.type = "org.omadm-agent.reboot.outcome";
    e.format = "chr";
    e.mark = "critical";
    e.data = "v=1;trigger=single;outcome=missed";
    return omadm_outbox_add(f->ob, &e, NULL);
}
static omadm_status op_retry(fixture *f, uint64_t id)
{
    return omadm_outbox_settle(f->ob, id, OMADM_OUTBOX_RETRY);
}
static omadm_status op_ack(fixture *f, uint64_t id)
{
    return omadm_outbox_settle(f->ob, id, OMADM_OUTBOX_ACKED);
}
static omadm_status op_update(fixture *f, uint64_t id)
{
    return omadm_outbox_update_data(f->ob, id, "new payload");
}
static omadm_status op_remove(fixture *f, uint64_t id)
{
    return omadm_outbox_remove(f->ob, id);
}

/* A full outbox (max 3) with an informational alert to evict, so add also
 * exercises eviction. Returns the id of the newest (an alert). */
static uint64_t seed(fixture *f, const omadm_outbox_limits *lim)
{
    open_ob(f, lim, 0);
    add(f, OMADM_OUTBOX_ALERT, NULL, "old informational");
    add(f, OMADM_OUTBOX_INTENT, NULL, "intent");
    return add(f, OMADM_OUTBOX_ALERT, "critical", "newest");
}

static void test_alloc_failure_sweep(void **state)
{
    static const op_fn ops[] = { op_add, op_retry, op_ack, op_update, op_remove };
    fixture *f = *state;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;
    size_t k;
    int sticky;

    lim.max_entries = 3;
    for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        for (sticky = 0; sticky <= 1; sticky++) {
            long n;
            int done = 0;
            for (n = 1; !done; n++) {
                uint64_t id;
                char *mem_before, *mem_after;
                disk_snap *d_before, *d_after;
                omadm_status st;

                tu_rmtree_free(f->dir); /* a fresh state dir each round */
                f->dir = tu_mkdtemp();
                f->fw.inner.destroy(f->fw.inner.ctx);
                assert_int_equal(omadm_platform_sim_new(&f->fw.inner, f->dir), OMADM_OK);
                omadm_outbox_close(f->ob);
                f->ob = NULL;
                id = seed(f, &lim);
                mem_before = mem_snapshot(f->ob);
                d_before = disk_snapshot(f);
                omadm__alloc_fail_at(n, sticky);
                st = ops[k](f, id);
                done = !omadm__alloc_failed();
                omadm__alloc_fail_at(0, 0);
                if (done) {
                    assert_int_equal(st, OMADM_OK);
                } else {
                    assert_int_equal(st, OMADM_ERR_NOMEM);
                    mem_after = mem_snapshot(f->ob);
                    d_after = disk_snapshot(f);
                    assert_string_equal(mem_before, mem_after);
                    assert_same_disk(d_before, d_after);
                    free(mem_after);
                    free(d_after);
                }
                free(mem_before);
                free(d_before);
                assert_true(n < 100);
            }
        }
    }
}

static void test_open_alloc_failure_sweep(void **state)
{
    fixture *f = *state;
    long n;
    int done = 0;
    char *expect;

    open_ob(f, NULL, 0);
    add(f, OMADM_OUTBOX_INTENT, NULL, "intent");
    add(f, OMADM_OUTBOX_ALERT, NULL, "a");
    add(f, OMADM_OUTBOX_OUTCOME, "critical", "o");
    add(f, OMADM_OUTBOX_ALERT, NULL, "to be corrupted");
    expect = mem_snapshot(f->ob);
    omadm_outbox_close(f->ob);
    f->ob = NULL;
    {
        /* Corrupt the last record: open must not set it aside until it
         * can succeed as a whole. */
        char *p = rec_path(f, 4, "");
        tu_write(p, "OMOB torn", (size_t)-1);
        free(p);
        /* Expected memory after a successful open: without record 4. */
        *strrchr(expect, '\n') = '\0';
        *(strrchr(expect, '\n') + 1) = '\0';
    }
    for (n = 1; !done; n++) {
        omadm_outbox *ob = NULL;
        unsigned corrupt = 7;
        disk_snap *before = disk_snapshot(f), *after;
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm_outbox_open(&ob, &f->pf, NULL, &corrupt);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (done) {
            char *got = mem_snapshot(ob);
            assert_int_equal(st, OMADM_OK);
            assert_int_equal(corrupt, 1);
            assert_string_equal(got, expect);
            free(got);
            omadm_outbox_close(ob);
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_null(ob);
            assert_int_equal(corrupt, 0);
            after = disk_snapshot(f);
            assert_same_disk(before, after); /* nothing set aside yet */
            free(after);
        }
        free(before);
        assert_true(n < 200);
    }
    free(expect);
}

static void test_write_failures_change_nothing(void **state)
{
    static const op_fn ops[] = { op_add, op_retry, op_update, op_remove, op_ack };
    fixture *f = *state;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;
    size_t k;

    lim.max_entries = 3;
    for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        int which;
        for (which = 0; which < 2; which++) { /* 0: replace fails, 1: remove fails */
            uint64_t id;
            char *mem_before, *mem_after;
            disk_snap *d_before, *d_after;
            omadm_status st;

            tu_rmtree_free(f->dir);
            f->dir = tu_mkdtemp();
            f->fw.inner.destroy(f->fw.inner.ctx);
            assert_int_equal(omadm_platform_sim_new(&f->fw.inner, f->dir), OMADM_OK);
            omadm_outbox_close(f->ob);
            f->ob = NULL;
            faults_reset(f);
            id = seed(f, &lim);
            mem_before = mem_snapshot(f->ob);
            /* Removing the newest record first raises the id high-water
             * mark in outbox.seq; when the removal then fails that mark
             * stays raised (it only reserves ids), the rest is unchanged. */
            d_before = disk_snapshot_seq(f, which == 1);
            faults_reset(f);
            if (which == 0)
                f->fw.fail_replace_at = 1;
            else
                f->fw.fail_remove_at = 1;
            f->fw.fail_sticky = 1;
            st = ops[k](f, id);
            faults_reset(f);
            mem_after = mem_snapshot(f->ob);
            d_after = disk_snapshot_seq(f, which == 1);
            if (ops[k] == op_add && which == 1) {
                /* The new record is durable; the eviction could not remove
                 * its victim, which therefore stays (memory = disk). */
                assert_int_equal(st, OMADM_OK);
                assert_int_equal(omadm_outbox_count(f->ob), 4);
            } else if ((ops[k] == op_retry || ops[k] == op_update) && which == 1) {
                assert_int_equal(st, OMADM_OK); /* no remove involved */
            } else {
                assert_int_equal(st, OMADM_ERR_IO);
                assert_string_equal(mem_before, mem_after);
                assert_same_disk(d_before, d_after);
            }
            /* Whatever happened, reopening shows what memory showed. */
            {
                char *reopened;
                open_ob(f, &lim, 0);
                reopened = mem_snapshot(f->ob);
                assert_string_equal(reopened, mem_after);
                free(reopened);
            }
            free(mem_before);
            free(mem_after);
            free(d_before);
            free(d_after);
        }
    }
}

static void test_set_aside_failure(void **state)
{
    fixture *f = *state;
    uint64_t a, b;
    char *pb;

    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_INTENT, NULL, "a");
    b = add(f, OMADM_OUTBOX_ALERT, NULL, "b");
    pb = rec_path(f, b, "");
    tu_write(pb, "OMOBxx", (size_t)-1);
    f->fw.fail_replace_at = 1;
    f->fw.fail_sticky = 1;
    open_ob(f, NULL, 1); /* reported, cannot be moved: left, others load */
    faults_reset(f);
    assert_int_equal(omadm_outbox_count(f->ob), 1);
    assert_non_null(omadm_outbox_find(f->ob, a));
    assert_true(tu_exists(pb));
    open_ob(f, NULL, 1); /* next time it is set aside */
    assert_false(tu_exists(pb));
    free(pb);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    omadm_outbox_limits lim = OMADM_OUTBOX_LIMITS_DEFAULT;
    omadm_outbox *ob = (omadm_outbox *)f;
    omadm_outbox_entry e;
    omadm_platform none;

    assert_int_equal(omadm_outbox_open(&ob, NULL, NULL, NULL), OMADM_ERR_INVALID);
    assert_null(ob);
    memset(&none, 0, sizeof none);
    assert_int_equal(omadm_outbox_open(&ob, &none, NULL, NULL), OMADM_ERR_INVALID);
    lim.max_entries = 0;
    assert_int_equal(omadm_outbox_open(&ob, &f->pf, &lim, NULL), OMADM_ERR_INVALID);
    open_ob(f, NULL, 0);
    memset(&e, 0, sizeof e);
    assert_int_equal(omadm_outbox_add(f->ob, &e, NULL), OMADM_ERR_INVALID); /* kind 0 */
    e.kind = (omadm_outbox_kind)4;
    assert_int_equal(omadm_outbox_add(f->ob, &e, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_outbox_add(f->ob, NULL, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_outbox_count(NULL), 0);
    assert_null(omadm_outbox_at(NULL, 0));
    assert_null(omadm_outbox_find(NULL, 1));
    omadm_outbox_close(NULL);
}

int main(void)
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
        cmocka_unit_test_setup_teardown(test_full_eviction_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_limit_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classify_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settle_effects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_attempts_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_alloc_failure_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failures_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_aside_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}
