/* SPDX-License-Identifier: Apache-2.0 */
/* omadm/device.h: configuration checks, the built-in CSPs and one's own in
 * the device's tree, the no-I/O session's bookkeeping (SessionID, result),
 * and every allocation failure of omadm_device_new. The sessions against a
 * server are tested end to end (tests/e2e/test_own_agent.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "omadm/device.h"
#include "testutil.h"

static const char get_devid[] =
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
    "<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>DEV1</LocURI></Target><Source>"
    "<LocURI>https://mdm</LocURI></Source></SyncHdr><SyncBody><Get><CmdID>2</CmdID><Item>"
    "<Target><LocURI>./DevInfo/DevId</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>";

static omadm_device_config config(const char *dir)
{
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;

    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = dir;
    cfg.device_id = "DEV1";
    cfg.server_url = "https://mdm.example.com/omadm";
    return cfg;
}

static void test_config_checks(void **state)
{
    char *dir = tu_mkdtemp();
    omadm_device_config cfg = config(dir);
    omadm_device *dev = (omadm_device *)&cfg;

    (void)state;
    assert_int_equal(omadm_device_new(NULL, &cfg), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_new(&dev, NULL), OMADM_ERR_INVALID);
    assert_null(dev);
    cfg.size = sizeof cfg - 1;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_ERR_INVALID);
    cfg = config(dir);
    cfg.state_dir = "";
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_ERR_INVALID);
    cfg = config(dir);
    cfg.device_id = NULL;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_ERR_INVALID);
    cfg = config(dir);
    cfg.platform = (omadm_device_platform)7;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_ERR_INVALID);
    omadm_device_free(NULL);
    assert_null(omadm_device_tree(NULL));
    tu_rmtree_free(dir);
}

static const omadm_node_def leaf[] = {
    { "", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
};
static const omadm_csp_ops leaf_ops = {
    OMADM_CSP_OPS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static void test_tree_and_session_bookkeeping(void **state)
{
    char *dir = tu_mkdtemp(), *reply = NULL, *msg = NULL, *path, *text;
    omadm_device_config cfg = config(dir);
    omadm_device *dev = NULL;
    omadm_device_session *s = NULL, *s2 = NULL;
    omadm_device_result res;
    size_t len = 0;
    int64_t next = 0;

    (void)state;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    /* Built-in CSPs answer; one's own registers beside them. */
    assert_int_equal(
        omadm_tree_process(omadm_device_tree(dev), get_devid, strlen(get_devid), &reply, &len),
        OMADM_OK);
    assert_non_null(strstr(reply, "<Data>DEV1</Data>"));
    omadm_free(reply);
    assert_int_equal(
        omadm_tree_register(omadm_device_tree(dev), "./Vendor/Mine", &leaf_ops, leaf, 1, 0, NULL),
        OMADM_OK);
    assert_int_equal(
        omadm_tree_register(omadm_device_tree(dev), "./DevInfo", &leaf_ops, leaf, 1, 0, NULL),
        OMADM_ERR_EXISTS);
    assert_int_equal(omadm_device_tick(dev, &next), OMADM_OK);
    assert_true(next == INT64_MAX);

    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_ERR_NOT_FOUND);
    res.size = 4;
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_ERR_INVALID);

    /* A session the transport never completes: the result says why. */
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_OK);
    assert_int_equal(omadm_device_session_start(dev, &s2), OMADM_ERR_STATE);
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "<SessionID>1</SessionID>"));
    assert_non_null(strstr(msg, "<LocURI>DEV1</LocURI>"));
    omadm_free(msg);
    omadm_device_session_fail(s, OMADM_ERR_TRANSPORT, "connection refused", 30);
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    assert_null(msg);
    assert_int_equal(omadm_device_session_finish(s), OMADM_ERR_TRANSPORT);
    res.size = sizeof res;
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
    assert_false(res.completed);
    assert_int_equal(res.session_id, 1);
    assert_int_equal(res.messages, 1);
    assert_int_equal(res.retry_after, 30);
    assert_string_equal(res.error, "connection refused");
    assert_true(res.started > 0 && res.finished >= res.started);
    /* The SessionID counter is durable: a block of 16 ids (1..16) is
     * reserved before the first is used; the next sessions take the rest
     * without writing, the 17th reserves the next block. */
    path = tu_path(dir, "device-session-id", NULL);
    text = tu_read(path, NULL);
    assert_string_equal(text, "16\n");
    free(text);
    for (unsigned id = 2; id <= 17; id++) {
        assert_int_equal(omadm_device_session_start(dev, &s), OMADM_OK);
        assert_int_equal(omadm_device_session_finish(s), OMADM_ERR_STATE);
        res.size = sizeof res;
        assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
        assert_int_equal(res.session_id, id);
        text = tu_read(path, NULL);
        assert_string_equal(text, id <= 16 ? "16\n" : "32\n");
        free(text);
    }
    omadm_device_free(dev);
    /* A new device object (a new process, or after a crash) starts after
     * the whole reserved block: 17 was used, 18..32 may have been. */
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_OK);
    assert_int_equal(omadm_device_session_finish(s), OMADM_ERR_STATE);
    res.size = sizeof res;
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
    assert_int_equal(res.session_id, 33);
    text = tu_read(path, NULL);
    assert_string_equal(text, "48\n");
    free(text);
    free(path);
    omadm_device_free(dev);

    /* No server: no session. */
    cfg.server_url = NULL;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_sync(dev), OMADM_ERR_INVALID);
    omadm_device_free(dev);
    tu_rmtree_free(dir);
}

/* Every allocation of omadm_device_new failing in turn (once, then for
 * good): a clean error, nothing leaked, and the next attempt works. */
static void test_new_alloc_failure_sweep(void **state)
{
    char *dir = tu_mkdtemp();
    omadm_device_config cfg = config(dir);

    (void)state;
    for (int sticky = 0; sticky <= 1; sticky++) {
        int done = 0;
        for (long n = 1; !done; n++) {
            omadm_device *dev = NULL;
            omadm_status st;

            omadm__alloc_fail_at(n, sticky);
            st = omadm_device_new(&dev, &cfg);
            done = !omadm__alloc_failed();
            omadm__alloc_fail_at(0, 0);
            if (done) {
                assert_int_equal(st, OMADM_OK);
            } else {
                assert_int_equal(st, OMADM_ERR_NOMEM);
                assert_null(dev);
            }
            omadm_device_free(dev);
        }
    }
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_tree_and_session_bookkeeping),
        cmocka_unit_test(test_new_alloc_failure_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
