/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox's sequence file (outbox.seq: what it accepts, what it ignores
 * with a warning, an unreadable one), the end of the id space, names that
 * look like records, and arguments the API refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outbox/outbox.h"
#include "outbox/record.h"
#include "outbox_fixture.h"

static void put_file(fixture *f, const char *name, const char *data, size_t len)
{
    assert_int_equal(f->fw.inner.file_replace(f->fw.inner.ctx, name, data, len), OMADM_OK);
}

/* The id the next add gets after opening on `seq` as outbox.seq. */
static uint64_t next_id_with_seq(fixture *f, const char *seq)
{
    uint64_t id;

    put_file(f, "outbox.seq", seq, strlen(seq));
    open_ob(f, NULL, 0);
    id = add(f, OMADM_OUTBOX_ALERT, NULL, "x");
    assert_int_equal(omadm_outbox_remove(f->ob, id), OMADM_OK);
    return id;
}

static void test_seq_file(void **state)
{
    static const char *const malformed[] = {
        "",
        "\n",
        "4x1\n",
        "-5\n",
        " 41\n",
        "41 \n",
        "99999999999999999999\n", /* past the cap: not a number it keeps */
    };
    fixture *f = *state;
    size_t i;

    assert_int_equal(next_id_with_seq(f, "41\n"), 41);
    assert_int_equal(next_id_with_seq(f, "500"), 500); /* no newline: fine */
    assert_int_equal(count_lines_with("malformed"), 0);
    for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        uint64_t id;

        warnings[0] = '\0';
        /* ignored: the ids continue from the records (none: from 1) */
        id = next_id_with_seq(f, malformed[i]);
        assert_int_equal(count_lines_with("outbox: ignoring malformed outbox.seq"), 1);
        assert_true(id >= 1 && id < 41);
    }
}

static void test_seq_unreadable(void **state)
{
    fixture *f = *state;
    uint64_t a;

    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_ALERT, NULL, "a");
    f->fw.fail_read_name = "outbox.seq";
    f->fw.fail_read_status = OMADM_ERR_IO;
    open_ob(f, NULL, 0); /* still opens, with the records */
    assert_int_equal(count_lines_with("outbox: cannot read outbox.seq: input/output error"), 1);
    assert_non_null(omadm_outbox_find(f->ob, a));
    assert_true(add(f, OMADM_OUTBOX_ALERT, NULL, "b") > a);
    f->fw.fail_read_name = NULL;
}

static void test_id_space_exhausted(void **state)
{
    fixture *f = *state;
    omadm_outbox_entry e;
    unsigned char *rec = NULL;
    size_t len = 0;
    const omadm_outbox_entry *got;

    memset(&e, 0, sizeof e);
    e.id = UINT64_MAX - 1;
    e.kind = OMADM_OUTBOX_ALERT;
    e.created = 1700000000;
    e.source_uri = "./Device/Vendor/MSFT/Reboot/RebootNow";
    e.type = "org.omadm-agent.reboot.outcome";
    e.format = "chr";
    e.data = "last";
    assert_int_equal(omadm__outbox_record_encode(&e, 1 << 20, &rec, &len), OMADM_OK);
    put_file(f, "outbox-fffffffffffffffe.rec", (const char *)rec, len);
    free(rec);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 1);
    got = omadm_outbox_at(f->ob, 0);
    assert_true(got->id == UINT64_MAX - 1);
    /* the next id would be UINT64_MAX: refused, nothing added */
    memset(&e, 0, sizeof e);
    e.kind = OMADM_OUTBOX_ALERT;
    e.data = "one more";
    assert_int_equal(omadm_outbox_add(f->ob, &e, NULL), OMADM_ERR_FULL);
    assert_int_equal(omadm_outbox_count(f->ob), 1);
}

/* Names of a record's length that are not records: left alone, not loaded. */
static void test_names_like_records(void **state)
{
    static const char *const names[] = {
        "outbox-0000000000000001.rex",     /* not .rec */
        "outbox-0000000000000001.rec.bax", /* not .bad */
        "outbox-000000000000000A.rec",     /* upper-case hex */
        "outbox-0000000000000001.rec.bad", /* set aside earlier: stays so */
    };
    fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        put_file(f, names[i], "not a record", 12);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 0);
    /* only the set-aside record counts for ids (never reused): the next is 2 */
    assert_int_equal(add(f, OMADM_OUTBOX_ALERT, NULL, "x"), 2);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *data = NULL;
        size_t len = 0;

        assert_int_equal(f->fw.inner.file_read(f->fw.inner.ctx, names[i], 64, &data, &len),
                         OMADM_OK);
        assert_int_equal(len, 12);
        free(data);
    }
}

static void test_refused_arguments(void **state)
{
    fixture *f = *state;
    uint64_t a;

    assert_int_equal(omadm_outbox_open(NULL, &f->pf, NULL, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_outbox_settle(NULL, 1, OMADM_OUTBOX_ACKED), OMADM_ERR_INVALID);
    assert_int_equal(omadm_outbox_update_data(NULL, 1, "x"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_outbox_remove(NULL, 1), OMADM_ERR_INVALID);
    open_ob(f, NULL, 0);
    a = add(f, OMADM_OUTBOX_ALERT, NULL, "a");
    /* a reply class that does not exist changes nothing */
    assert_int_equal(omadm_outbox_settle(f->ob, a, (omadm_outbox_reply)7), OMADM_ERR_INVALID);
    assert_int_equal(omadm_outbox_find(f->ob, a)->attempts, 0);
    assert_int_equal(omadm_outbox_settle(f->ob, a + 1, OMADM_OUTBOX_ACKED), OMADM_ERR_NOT_FOUND);
    open_ob(f, NULL, 0);
    assert_int_equal(omadm_outbox_count(f->ob), 1);
}

int outbox_edge_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seq_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_id_space_exhausted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_like_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("outbox edges", tests, NULL, NULL);
}
