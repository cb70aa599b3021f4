/* SPDX-License-Identifier: Apache-2.0 */
/* omadm/device.h without a server: the durable SessionID counter's edges
 * (wrap, junk, unreadable), credentials answering a challenge, the no-I/O
 * session API's argument checks, and a device freed mid-session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omadm/device.h"
#include "testutil.h"

static omadm_device_config config(const char *dir)
{
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;

    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = dir;
    cfg.device_id = "DEV1";
    cfg.server_url = "https://mdm.example.com/omadm";
    return cfg;
}

/* The SessionID the next session takes after `stored` in the counter file;
 * 0 when the session could not start (*st says why). */
static unsigned next_id_after(const char *dir, const char *stored, omadm_status *st)
{
    omadm_device_config cfg = config(dir);
    omadm_device *dev = NULL;
    omadm_device_session *s = NULL;
    omadm_device_result res;
    char *path = tu_path(dir, "device-session-id", NULL);
    unsigned id = 0;

    tu_write(path, stored, strlen(stored));
    free(path);
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    *st = omadm_device_session_start(dev, &s);
    if (*st == OMADM_OK) {
        assert_int_equal(omadm_device_session_finish(s), OMADM_ERR_STATE);
        memset(&res, 0, sizeof res);
        res.size = sizeof res;
        assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
        id = res.session_id;
    } else {
        /* No session: no result either. */
        memset(&res, 0, sizeof res);
        res.size = sizeof res;
        assert_int_equal(omadm_device_last_result(dev, &res), OMADM_ERR_NOT_FOUND);
    }
    omadm_device_free(dev);
    return id;
}

static void test_session_id_counter(void **state)
{
    char *dir = tu_mkdtemp(), big[200];
    omadm_status st;

    (void)state;
    assert_int_equal(next_id_after(dir, "17\n", &st), 18);
    assert_int_equal(next_id_after(dir, "254\n", &st), 255);
    /* The block reserved after 250 is 251..255, 1..11. */
    assert_int_equal(next_id_after(dir, "250\n", &st), 251);
    {
        char *path = tu_path(dir, "device-session-id", NULL), *text = tu_read(path, NULL);

        assert_string_equal(text, "11\n");
        free(text);
        free(path);
    }
    assert_int_equal(next_id_after(dir, "255\n", &st), 1); /* wraps, never 0 */
    assert_int_equal(next_id_after(dir, "256\n", &st), 1); /* out of range: start over */
    assert_int_equal(next_id_after(dir, "junk\n", &st), 1);
    assert_int_equal(next_id_after(dir, "", &st), 1);
    /* Larger than any counter can be: refused, no session. */
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(next_id_after(dir, big, &st), 0);
    assert_string_equal(omadm_status_name(st), omadm_status_name(OMADM_ERR_LIMIT));
    tu_rmtree_free(dir);
}

/* Configured credentials answer a Basic challenge: package 1 again with
 * Cred = base64("dev:s3cret"). */
static void test_credentials_answer_challenge(void **state)
{
    static const char challenge[] =
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
        "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>DEV1"
        "</LocURI></Target><Source><LocURI>https://mdm.example.com/omadm</LocURI></Source>"
        "</SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef>"
        "<Cmd>SyncHdr</Cmd><Chal><Meta><Type xmlns=\"syncml:metinf\">syncml:auth-basic</Type>"
        "<Format xmlns=\"syncml:metinf\">b64</Format></Meta></Chal><Data>401</Data></Status>"
        "<Final/></SyncBody></SyncML>";
    char *dir = tu_mkdtemp(), *msg = NULL;
    omadm_device_config cfg = config(dir);
    omadm_device *dev = NULL;
    omadm_device_session *s = NULL;
    size_t len = 0;

    (void)state;
    cfg.auth_name = "dev";
    cfg.auth_secret = "s3cret";
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_OK);
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    assert_null(strstr(msg, "<Cred>"));
    omadm_free(msg);
    assert_int_equal(omadm_device_session_feed(s, challenge, strlen(challenge)), OMADM_OK);
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    assert_non_null(strstr(msg, "<Data>ZGV2OnMzY3JldA==</Data></Cred>"));
    assert_non_null(strstr(msg, "<Data>1201</Data>"));
    omadm_free(msg);
    /* Freed mid-session: the session goes with the device. */
    omadm_device_free(dev);
    tu_rmtree_free(dir);
}

static void test_session_api_arguments(void **state)
{
    char *dir = tu_mkdtemp(), *msg = NULL;
    omadm_device_config cfg = config(dir);
    omadm_device *dev = NULL;
    omadm_device_session *s = NULL;
    omadm_device_result res;
    size_t len = 0;
    int64_t next = 0;

    (void)state;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    assert_int_equal(omadm_device_tick(NULL, &next), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_tick(dev, NULL), OMADM_OK);
    assert_int_equal(omadm_device_session_start(NULL, &s), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_start(dev, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_OK);
    assert_int_equal(omadm_device_session_next(NULL, &msg, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_next(s, NULL, &len), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_next(s, &msg, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_feed(NULL, "x", 1), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_feed(s, NULL, 3), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_session_finish(NULL), OMADM_ERR_INVALID);
    omadm_device_session_fail(NULL, OMADM_ERR_TRANSPORT, "x", -1);
    assert_int_equal(omadm_device_last_result(NULL, &res), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_last_result(dev, NULL), OMADM_ERR_INVALID);

    /* Failing "with OMADM_OK" is an abort; no detail: the status's text. */
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    omadm_free(msg);
    omadm_device_session_fail(s, OMADM_OK, NULL, -1);
    assert_int_equal(omadm_device_session_finish(s), OMADM_ERR_ABORTED);
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
    assert_string_equal(res.error, "aborted");
    assert_int_equal(res.retry_after, -1);
    /* An empty reply ends the session normally (as Fleet does). */
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_OK);
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    omadm_free(msg);
    assert_int_equal(omadm_device_session_feed(s, NULL, 0), OMADM_OK);
    assert_int_equal(omadm_device_session_next(s, &msg, &len), OMADM_OK);
    assert_null(msg);
    assert_int_equal(omadm_device_session_finish(s), OMADM_OK);
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
    assert_true(res.completed);
    assert_int_equal(res.messages, 1);
    omadm_device_free(dev);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_id_counter),
        cmocka_unit_test(test_credentials_answer_challenge),
        cmocka_unit_test(test_session_api_arguments),
    };
    return cmocka_run_group_tests_name("device-more", tests, NULL, NULL);
}
