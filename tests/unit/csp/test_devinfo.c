/* SPDX-License-Identifier: Apache-2.0 */
/* DevInfo and DevDetail: values from the platform, read-only nodes,
 * package 1's DevInfo Replace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "csp/devdetail/devdetail.h"
#include "csp/devinfo/devinfo.h"
#include "dmtest.h"
#include "fakeplat.h"
#include "tree/tree.h"

typedef struct fixture {
    fakeplat fp;
    omadm_tree *tree;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    fakeplat_init(&f->fp);
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(omadm__devinfo_register(f->tree, &f->fp.p, "9A41C0DE77E94B6F"), OMADM_OK);
    assert_int_equal(omadm__devdetail_register(f->tree, &f->fp.p), OMADM_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_tree_free(f->tree);
    fakeplat_free(&f->fp);
    free(f);
    return 0;
}

/* One Get per target, all in one message; returns the description. */
static void get_all(fixture *f, const char *const *targets, size_t n, const char *want)
{
    syncml_msg *in = dm_msg("1");
    size_t i;

    for (i = 0; i < n; i++) {
        char id[8];
        snprintf(id, sizeof id, "%u", (unsigned)(i + 1));
        dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, id), targets[i], NULL, NULL);
    }
    dm_expect(f->tree, in, want);
    syncml_msg_free(in);
}

static void test_devinfo_values(void **state)
{
    fixture *f = *state;
    static const char *const targets[] = {
        "./DevInfo/DevId", "./DevInfo/Man",  "./DevInfo/Mod",
        "./DevInfo/DmV",   "./DevInfo/Lang", "./Device/DevInfo/DevId",
        "./DevInfo",       "./DevInfo/Ext",  "./User/DevInfo",
    };

    get_all(f, targets, sizeof targets / sizeof targets[0],
            "S Get 1 200 | R 1 ./DevInfo/DevId=9A41C0DE77E94B6F(chr,text/plain) | "
            "S Get 2 200 | R 2 ./DevInfo/Man=Contoso Hardware(chr,text/plain) | "
            "S Get 3 200 | R 3 ./DevInfo/Mod=CX-200(chr,text/plain) | "
            "S Get 4 200 | R 4 ./DevInfo/DmV=1.3(chr,text/plain) | "
            "S Get 5 200 | R 5 ./DevInfo/Lang=fr-FR(chr,text/plain) | "
            "S Get 6 200 | R 6 ./Device/DevInfo/DevId=9A41C0DE77E94B6F(chr,text/plain) | "
            "S Get 7 200 | R 7 ./DevInfo=DevId/Man/Mod/DmV/Lang(node) | "
            "S Get 8 404 | S Get 9 404");
}

static void test_devinfo_defaults(void **state)
{
    fixture *f = *state;
    static const char *const targets[] = { "./DevInfo/Man", "./DevInfo/Mod", "./DevInfo/Lang" };

    f->fp.facts[OMADM_FACT_MANUFACTURER] = NULL;
    f->fp.facts[OMADM_FACT_MODEL] = "";
    f->fp.facts[OMADM_FACT_LANGUAGE] = NULL;
    get_all(f, targets, 3,
            "S Get 1 200 | R 1 ./DevInfo/Man=Unknown(chr,text/plain) | "
            "S Get 2 200 | R 2 ./DevInfo/Mod=Unknown(chr,text/plain) | "
            "S Get 3 200 | R 3 ./DevInfo/Lang=en-US(chr,text/plain)");
}

static void test_devinfo_read_only(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("1");

    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1"), "./DevInfo/DevId", "X", NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "2"), "./DevInfo/Lang", "de", "chr");
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_ADD, "3"), "./DevInfo/Man", "X", NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_DELETE, "4"), "./DevInfo/Mod", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_EXEC, "5"), "./DevInfo/DmV", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "6"), "./DevInfo", "X", NULL);
    dm_expect(f->tree, in,
              "S Replace 1 405 | S Replace 2 405 | S Add 3 418 | S Delete 4 405 | S Exec 5 405 | "
              "S Replace 6 405");
    syncml_msg_free(in);
}

static void test_devinfo_register_args(void **state)
{
    omadm_tree *tree;
    fakeplat fp;
    long n;
    omadm_status st;

    (void)state;
    fakeplat_init(&fp);
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    assert_int_equal(omadm__devinfo_register(tree, &fp.p, ""), OMADM_ERR_INVALID);
    assert_int_equal(omadm__devinfo_register(tree, &fp.p, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm__devinfo_register(NULL, &fp.p, "x"), OMADM_ERR_INVALID);
    /* Allocation failures: a clean error, nothing registered, no leak. */
    for (n = 1;; n++) {
        omadm__alloc_fail_at(n, 0);
        st = omadm__devinfo_register(tree, &fp.p, "id");
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK)
            break;
        assert_int_equal(st, OMADM_ERR_NOMEM);
        assert_int_equal(omadm__tree_count(tree), 0);
    }
    assert_true(n > 1);
    assert_int_equal(omadm__devinfo_register(tree, &fp.p, "id"), OMADM_ERR_EXISTS);
    assert_int_equal(omadm__tree_count(tree), 1);
    omadm_tree_free(tree);
}

static void test_devinfo_build_replace(void **state)
{
    fixture *f = *state;
    static const char *const want[][2] = {
        { "./DevInfo/DevId", "9A41C0DE77E94B6F" },
        { "./DevInfo/Man", "Contoso Hardware" },
        { "./DevInfo/Mod", "CX-200" },
        { "./DevInfo/DmV", "1.3" },
        { "./DevInfo/Lang", "fr-FR" },
    };
    syncml_msg *msg;
    syncml_cmd *cmd = NULL;
    const syncml_item *it;
    size_t i = 0;
    long n;

    assert_int_equal(syncml_msg_new(&msg), OMADM_OK);
    assert_int_equal(omadm__devinfo_build_replace(&f->fp.p, "9A41C0DE77E94B6F", msg, &cmd),
                     OMADM_OK);
    assert_non_null(cmd);
    assert_int_equal(cmd->type, SYNCML_CMD_REPLACE);
    assert_null(cmd->cmd_id);
    assert_null(cmd->meta);
    assert_null(cmd->next);
    for (it = cmd->items; it; it = it->next, i++) {
        assert_true(i < 5);
        assert_string_equal(it->source_uri, want[i][0]);
        assert_string_equal(it->data, want[i][1]);
        assert_int_equal(it->data_len, strlen(want[i][1]));
        assert_null(it->target_uri);
        assert_null(it->meta);
    }
    assert_int_equal(i, 5);
    syncml_msg_free(msg);

    assert_int_equal(omadm__devinfo_build_replace(&f->fp.p, "", msg, &cmd), OMADM_ERR_INVALID);
    /* Allocation failures inside the message's arena: clean errors. */
    for (n = 1;; n++) {
        omadm_status st;
        assert_int_equal(syncml_msg_new(&msg), OMADM_OK);
        omadm__alloc_fail_at(n, 1);
        st = omadm__devinfo_build_replace(&f->fp.p, "9A41C0DE77E94B6F", msg, &cmd);
        omadm__alloc_fail_at(0, 0);
        syncml_msg_free(msg);
        if (st == OMADM_OK)
            break;
        assert_int_equal(st, OMADM_ERR_NOMEM);
        assert_null(cmd);
        assert_true(n < 1000);
    }
}

static void test_devinfo_value_api(void **state)
{
    fixture *f = *state;
    char buf[8];

    assert_int_equal(omadm__devinfo_value(&f->fp.p, "id", "DmV", buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "1.3");
    assert_int_equal(omadm__devinfo_value(&f->fp.p, "id", "Other", buf, sizeof buf),
                     OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm__devinfo_value(&f->fp.p, "0123456789", "DevId", buf, sizeof buf),
                     OMADM_ERR_LIMIT);
    /* A platform with no fact function at all still answers. */
    assert_int_equal(omadm__devinfo_value(NULL, "id", "Man", buf, sizeof buf), OMADM_OK);
    assert_string_equal(buf, "Unknown");
}

/* ---- DevDetail ---------------------------------------------------------------- */

static void test_devdetail_values(void **state)
{
    fixture *f = *state;
    static const char *const targets[] = {
        "./DevDetail/SwV",
        "./DevDetail/FwV",
        "./DevDetail/HwV",
        "./DevDetail/OEM",
        "./DevDetail/DevTyp",
        "./DevDetail/LrgObj",
        "./DevDetail/URI/MaxDepth",
        "./DevDetail/URI/MaxTotLen",
        "./DevDetail/URI/MaxSegLen",
        "./DevDetail/Ext/Microsoft/DeviceName",
        "./DevDetail/Ext/Microsoft/OSPlatform",
        "./DevDetail/Ext/Microsoft/LocalTime",
        "./DevDetail/Ext/Microsoft/SMBIOSSerialNumber",
        "./DevDetail/Ext/Microsoft/TotalRAM",
        "./DevDetail",
        "./DevDetail/URI",
        "./Device/DevDetail/Ext/Microsoft",
    };

    get_all(f, targets, sizeof targets / sizeof targets[0],
            "S Get 1 200 | R 1 ./DevDetail/SwV=10.0.19045.2965(chr,text/plain) | "
            "S Get 2 200 | R 2 ./DevDetail/FwV=BIOS 1.2.3(chr,text/plain) | "
            "S Get 3 200 | R 3 ./DevDetail/HwV=HW 4(chr,text/plain) | "
            "S Get 4 200 | R 4 ./DevDetail/OEM=Contoso Hardware(chr,text/plain) | "
            "S Get 5 200 | R 5 ./DevDetail/DevTyp=CX-200(chr,text/plain) | "
            "S Get 6 200 | R 6 ./DevDetail/LrgObj=false(bool,text/plain) | "
            "S Get 7 200 | R 7 ./DevDetail/URI/MaxDepth=32(chr,text/plain) | "
            "S Get 8 200 | R 8 ./DevDetail/URI/MaxTotLen=1024(chr,text/plain) | "
            "S Get 9 200 | R 9 ./DevDetail/URI/MaxSegLen=255(chr,text/plain) | "
            "S Get 10 200 | R 10 ./DevDetail/Ext/Microsoft/DeviceName=DESKTOP-01(chr,text/plain) | "
            "S Get 11 200 | R 11 ./DevDetail/Ext/Microsoft/OSPlatform=Windows 10 "
            "Enterprise(chr,text/plain) | "
            "S Get 12 200 | R 12 ./DevDetail/Ext/Microsoft/LocalTime=2025-11-25T11:07:25+01:00"
            "(chr,text/plain) | "
            "S Get 13 200 | R 13 ./DevDetail/Ext/Microsoft/SMBIOSSerialNumber=SN-0042"
            "(chr,text/plain) | "
            "S Get 14 200 | R 14 ./DevDetail/Ext/Microsoft/TotalRAM=16384(int,text/plain) | "
            "S Get 15 200 | R 15 ./DevDetail=DevTyp/OEM/FwV/SwV/HwV/LrgObj/URI/Ext(node) | "
            "S Get 16 200 | R 16 ./DevDetail/URI=MaxDepth/MaxTotLen/MaxSegLen(node) | "
            "S Get 17 200 | R 17 ./Device/DevDetail/Ext/Microsoft=DeviceName/OSPlatform/"
            "LocalTime/SMBIOSSerialNumber/TotalRAM(node)");
}

static void test_devdetail_unknown_facts(void **state)
{
    fixture *f = *state;
    static const char *const targets[] = {
        "./DevDetail/FwV",
        "./DevDetail/Ext/Microsoft/SMBIOSSerialNumber",
        "./DevDetail/Ext/Microsoft/LocalTime",
        "./DevDetail/Ext/Microsoft",
        "./DevDetail",
        "./DevDetail/Ext/Microsoft/ProcessorType",
    };

    f->fp.facts[OMADM_FACT_FIRMWARE_VERSION] = NULL;
    f->fp.facts[OMADM_FACT_SERIAL_NUMBER] = "";
    f->fp.now_status = OMADM_ERR_IO;
    get_all(f, targets, sizeof targets / sizeof targets[0],
            "S Get 1 404 | S Get 2 404 | S Get 3 404 | "
            "S Get 4 200 | R 4 ./DevDetail/Ext/Microsoft=DeviceName/OSPlatform/TotalRAM(node) | "
            "S Get 5 200 | R 5 ./DevDetail=DevTyp/OEM/SwV/HwV/LrgObj/URI/Ext(node) | "
            "S Get 6 404");
}

static void test_devdetail_read_only(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("1");

    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1"),
            "./DevDetail/Ext/Microsoft/DeviceName", "NEW", NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "2"), "./DevDetail/SwV", "1", NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "3"), "./DevDetail/URI", "1", NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "4"), "./DevDetail/LrgObj", "true",
            "bool");
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_DELETE, "5"), "./DevDetail/HwV", NULL, NULL);
    dm_expect(f->tree, in,
              "S Replace 1 405 | S Replace 2 405 | S Replace 3 405 | S Replace 4 405 | "
              "S Delete 5 405");
    syncml_msg_free(in);
}

static void test_devdetail_lowered_limits(void **state)
{
    omadm_tree_limits limits = OMADM_TREE_LIMITS_DEFAULT;
    static const char *const targets[] = { "./DevDetail/URI/MaxDepth", "./DevDetail/URI/MaxTotLen",
                                           "./DevDetail/URI/MaxSegLen" };
    fixture f;

    (void)state;
    fakeplat_init(&f.fp);
    assert_int_equal(omadm_tree_new(&f.tree), OMADM_OK);
    limits.uri.max_segments = 16;
    limits.uri.max_len = 512;
    limits.uri.max_segment = 64;
    omadm__tree_set_limits(f.tree, &limits);
    assert_int_equal(omadm__devdetail_register(f.tree, &f.fp.p), OMADM_OK);
    get_all(&f, targets, 3,
            "S Get 1 200 | R 1 ./DevDetail/URI/MaxDepth=16(chr,text/plain) | "
            "S Get 2 200 | R 2 ./DevDetail/URI/MaxTotLen=512(chr,text/plain) | "
            "S Get 3 200 | R 3 ./DevDetail/URI/MaxSegLen=64(chr,text/plain)");
    omadm_tree_free(f.tree);
}

static void test_format_time(void **state)
{
    static const struct {
        int64_t t;
        int32_t off;
        const char *want;
    } cases[] = {
        { 0, 0, "1970-01-01T00:00:00+00:00" },
        { -1, 0, "1969-12-31T23:59:59+00:00" },
        { 1709164800, 0, "2024-02-29T00:00:00+00:00" },
        { 1709164800, -18000, "2024-02-28T19:00:00-05:00" },
        { 1764065245, 20700, "2025-11-25T15:52:25+05:45" },
        { 1764065245, -12600, "2025-11-25T06:37:25-03:30" },
        { 951782400, 0, "2000-02-29T00:00:00+00:00" },
        { 253402300799LL, 0, "9999-12-31T23:59:59+00:00" },
        { -62135596800LL, 0, "0001-01-01T00:00:00+00:00" },
    };
    char buf[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(omadm__devdetail_format_time(cases[i].t, cases[i].off, buf, sizeof buf),
                         OMADM_OK);
        assert_string_equal(buf, cases[i].want);
    }
    assert_int_equal(omadm__devdetail_format_time(0, 0, buf, 25), OMADM_ERR_LIMIT);
    assert_int_equal(omadm__devdetail_format_time(0, 0, buf, 26), OMADM_OK);
    assert_int_equal(omadm__devdetail_format_time(0, 90000, buf, sizeof buf), OMADM_ERR_INVALID);
    assert_int_equal(omadm__devdetail_format_time(253402300800LL, 0, buf, sizeof buf),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm__devdetail_format_time(253402300799LL, 3600, buf, sizeof buf),
                     OMADM_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_devinfo_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devinfo_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devinfo_read_only, setup, teardown),
        cmocka_unit_test(test_devinfo_register_args),
        cmocka_unit_test_setup_teardown(test_devinfo_build_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devinfo_value_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devdetail_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devdetail_unknown_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devdetail_read_only, setup, teardown),
        cmocka_unit_test(test_devdetail_lowered_limits),
        cmocka_unit_test(test_format_time),
    };
    return cmocka_run_group_tests_name("devinfo", tests, NULL, NULL);
}
