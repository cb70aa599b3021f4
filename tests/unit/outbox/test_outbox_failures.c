/* SPDX-License-Identifier: Apache-2.0 */
/* Failures leave memory and disk unchanged: allocation failure sweeps,
 * platform write failures, setting a corrupt record aside, bad arguments. */
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
#include "platform/sim/sim.h"
#include "testutil.h"

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

int outbox_failure_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alloc_failure_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_alloc_failure_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failures_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_aside_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("outbox failures", tests, NULL, NULL);
}
