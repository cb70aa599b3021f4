/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox limits and eviction order, and the acknowledgement rules of
 * reboot-csp.md §6. */
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
#include "outbox_fixture.h"
#include "testutil.h"

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

int outbox_limit_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_eviction_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_limit_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classify_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settle_effects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_attempts_limit, setup, teardown),
    };
    return cmocka_run_group_tests_name("outbox limits", tests, NULL, NULL);
}
