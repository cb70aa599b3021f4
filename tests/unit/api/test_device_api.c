/* SPDX-License-Identifier: Apache-2.0 */
/* The embedding API an agent is built on, beyond omadm_device_new
 * (tests/unit/device): omadm_device_open's flags and start-up, the
 * platform and outbox accessors, omadm/restart.h and omadm/dmclient.h, on
 * the simulated platform, with every allocation failure of the open. */
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
#include "omadm/dmclient.h"
#include "omadm/restart.h"
#include "outbox/outbox.h"
#include "platform/platform.h"
#include "testutil.h"

#define T0 1773550000 /* 2026-03-15T04:46:40Z, the sim's clock */

static omadm_device_config config(const char *dir)
{
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;

    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = dir;
    cfg.device_id = "DEV1";
    cfg.server_url = "https://mdm.example.com/omadm";
    return cfg;
}

static char *fresh_dir(void)
{
    char *dir = tu_mkdtemp();
    char now[32];

    snprintf(now, sizeof now, "%d\n", T0);
    tu_put(dir, "sim/now", now);
    return dir;
}

/* One server command through the device's tree; its Status code. */
static int cmd(omadm_device *dev, const char *verb, const char *uri, const char *data)
{
    char msg[2048], *reply = NULL, *p;
    size_t len = 0;
    int code = -1;

    snprintf(msg, sizeof msg,
             "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2"
             "</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>DEV1</LocURI>"
             "</Target><Source><LocURI>https://mdm</LocURI></Source></SyncHdr><SyncBody><%s>"
             "<CmdID>c1</CmdID><Item><Target><LocURI>%s</LocURI></Target>%s%s%s</Item></%s>"
             "<Final/></SyncBody></SyncML>",
             verb, uri, data ? "<Data>" : "", data ? data : "", data ? "</Data>" : "", verb);
    assert_int_equal(omadm_tree_process(omadm_device_tree(dev), msg, strlen(msg), &reply, &len),
                     OMADM_OK);
    p = strstr(reply, "<CmdRef>c1</CmdRef>");
    assert_non_null(p);
    p = strstr(p, "<Data>");
    assert_non_null(p);
    code = atoi(p + 6);
    omadm_free(reply);
    return code;
}

/* The Data of a Get, malloc'd; NULL when the Get fails. */
static char *get(omadm_device *dev, const char *uri)
{
    char msg[1024], *reply = NULL, *p, *e, *out = NULL;
    size_t len = 0;

    snprintf(msg, sizeof msg,
             "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2"
             "</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>DEV1</LocURI>"
             "</Target><Source><LocURI>https://mdm</LocURI></Source></SyncHdr><SyncBody><Get>"
             "<CmdID>g1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Get><Final/>"
             "</SyncBody></SyncML>",
             uri);
    assert_int_equal(omadm_tree_process(omadm_device_tree(dev), msg, strlen(msg), &reply, &len),
                     OMADM_OK);
    p = strstr(reply, "<Results>");
    if (p && (p = strstr(p, "<Data>")) != NULL && (e = strstr(p, "</Data>")) != NULL) {
        out = calloc(1, (size_t)(e - p));
        assert_non_null(out);
        memcpy(out, p + 6, (size_t)(e - p) - 6);
    }
    omadm_free(reply);
    return out;
}

static void test_open_checks_and_state_only(void **state)
{
    char *dir = fresh_dir(), why[200];
    omadm_device_config cfg = config(dir);
    omadm_device *dev = (omadm_device *)&cfg;
    omadm_device_session *s = NULL;
    omadm_poll_schedule_info poll;
    omadm_restart_schedule sched;
    omadm_platform *pf;
    int64_t next = 0;

    (void)state;
    assert_int_equal(omadm_device_open(NULL, &cfg, 0, why, sizeof why), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_open(&dev, &cfg, 0x80, why, sizeof why), OMADM_ERR_INVALID);
    assert_null(dev);
    assert_non_null(strstr(why, "invalid"));
    cfg.device_id = NULL; /* needed for the tree only */
    assert_int_equal(omadm_device_open(&dev, &cfg, 0, NULL, 0), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_open(&dev, &cfg, OMADM_DEVICE_OPEN_STATE_ONLY, why, sizeof why),
                     OMADM_OK);
    assert_string_equal(why, "");

    /* Reads only. */
    assert_null(omadm_device_tree(dev));
    pf = omadm_device_get_platform(dev);
    assert_non_null(pf);
    assert_int_equal(pf->version, OMADM_PLATFORM_VERSION);
    assert_non_null(omadm_device_get_outbox(dev));
    assert_int_equal(omadm_outbox_count(omadm_device_get_outbox(dev)), 0);
    assert_int_equal(omadm_device_tick(dev, &next), OMADM_ERR_STATE);
    assert_true(next == INT64_MAX);
    assert_int_equal(omadm_device_startup(dev), OMADM_ERR_STATE);
    assert_int_equal(omadm_device_restart_flush(dev), OMADM_ERR_STATE);
    assert_int_equal(omadm_device_dmclient_provider(dev, "P1"), OMADM_ERR_STATE);
    assert_int_equal(omadm_device_push_channel(dev, "https://push", 0), OMADM_ERR_STATE);
    assert_int_equal(omadm_device_session_start(dev, &s), OMADM_ERR_STATE);
    assert_int_equal(omadm_device_restart_pending_count(dev), 0);
    memset(&poll, 0, sizeof poll);
    poll.size = sizeof poll;
    assert_int_equal(omadm_device_poll_schedule(dev, &poll), OMADM_OK);
    assert_int_equal(poll.interval_first, 15);
    assert_int_equal(poll.count_first, 10);
    assert_false(poll.from_server);
    sched.size = sizeof sched;
    assert_int_equal(omadm_device_restart_schedule(dev, OMADM_RESTART_DAILY, &sched), OMADM_OK);
    assert_false(sched.set);
    assert_string_equal(sched.node, "DailyRecurrent");
    omadm_device_free(dev);

    /* NULL and short structs. */
    assert_null(omadm_device_get_platform(NULL));
    assert_null(omadm_device_get_outbox(NULL));
    assert_int_equal(omadm_device_startup(NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_restart_flush(NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_restart_pending_count(NULL), 0);
    assert_int_equal(omadm_device_restart_pending_at(NULL, 0, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_restart_schedule(NULL, OMADM_RESTART_SINGLE, &sched),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_poll_schedule(NULL, &poll), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_dmclient_provider(NULL, "P1"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_push_channel(NULL, NULL, 4), OMADM_ERR_INVALID);
    assert_string_equal(omadm_restart_outcome_type(), "org.omadm-agent.reboot.outcome");
    tu_rmtree_free(dir);
}

static size_t restarts_logged(const char *dir)
{
    char *path = tu_path(dir, "sim", "restarts.log"), *text = tu_read(path, NULL);
    size_t n = 0;

    for (const char *p = text; p && (p = strchr(p, '\n')) != NULL; p++)
        n++;
    free(text);
    free(path);
    return n;
}

static void test_restart_lifecycle(void **state)
{
    char *dir = fresh_dir(), *dir2 = fresh_dir();
    omadm_device_config cfg = config(dir);
    omadm_device *dev = NULL;
    omadm_restart_pending p;
    omadm_restart_schedule sched;
    unsigned flags = OMADM_DEVICE_OPEN_DEFER_STARTUP | OMADM_DEVICE_OPEN_NO_FLUSH;

    (void)state;
    assert_int_equal(omadm_device_open(&dev, &cfg, flags, NULL, 0), OMADM_OK);
    assert_int_equal(omadm_device_startup(dev), OMADM_OK);
    assert_int_equal(omadm_device_startup(dev), OMADM_ERR_STATE); /* once */
    assert_int_equal(cmd(dev, "Exec", "./Device/Vendor/MSFT/Reboot/RebootNow", NULL), 200);
    assert_int_equal(omadm_device_restart_pending_count(dev), 1);
    memset(&p, 0, sizeof p);
    p.size = sizeof p - 1;
    assert_int_equal(omadm_device_restart_pending_at(dev, 0, &p), OMADM_ERR_INVALID);
    p.size = sizeof p;
    assert_int_equal(omadm_device_restart_pending_at(dev, 0, &p), OMADM_OK);
    assert_int_equal(p.size, sizeof p);
    assert_string_equal(p.trigger, "now");
    assert_string_equal(p.state, "armed");
    assert_string_equal(p.cmdref, "c1");
    assert_string_equal(p.uri, "./Device/Vendor/MSFT/Reboot/RebootNow");
    assert_int_equal(p.requested, T0);
    assert_true(p.deadline > T0);
    assert_false(p.earlier_boot);
    assert_int_equal(omadm_device_restart_pending_at(dev, 1, &p), OMADM_ERR_NOT_FOUND);

    /* A schedule the server set. */
    assert_int_equal(
        cmd(dev, "Replace", "./Vendor/MSFT/Reboot/Schedule/Single", "2026-03-20T05:00:00Z"), 200);
    memset(&sched, 0, sizeof sched);
    sched.size = sizeof sched - 1;
    assert_int_equal(omadm_device_restart_schedule(dev, OMADM_RESTART_SINGLE, &sched),
                     OMADM_ERR_INVALID);
    sched.size = sizeof sched;
    assert_int_equal(omadm_device_restart_schedule(dev, (omadm_restart_kind)3, &sched),
                     OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_restart_schedule(dev, OMADM_RESTART_SINGLE, &sched), OMADM_OK);
    assert_true(sched.set);
    assert_string_equal(sched.node, "Single");
    assert_string_equal(sched.text, "2026-03-20T05:00:00Z");
    assert_string_equal(sched.value, "2026-03-20T05:00:00+00:00");
    assert_int_equal(sched.instant, 1773982800);
    assert_int_equal(sched.next_fire, 1773982800);

    /* NO_FLUSH: freeing the device requests nothing... */
    omadm_device_free(dev);
    assert_int_equal(restarts_logged(dir), 0);
    /* ... the flush does, once, and the intent says so. */
    assert_int_equal(omadm_device_open(&dev, &cfg, OMADM_DEVICE_OPEN_STATE_ONLY, NULL, 0),
                     OMADM_OK);
    assert_int_equal(omadm_device_restart_pending_count(dev), 1);
    omadm_device_free(dev);
    assert_int_equal(omadm_device_open(&dev, &cfg, flags, NULL, 0), OMADM_OK);
    assert_int_equal(restarts_logged(dir), 0); /* start-up deferred */
    assert_int_equal(omadm_device_restart_flush(dev), OMADM_OK);
    assert_int_equal(restarts_logged(dir), 1);
    p.size = sizeof p;
    assert_int_equal(omadm_device_restart_pending_at(dev, 0, &p), OMADM_OK);
    assert_string_equal(p.state, "requested");
    omadm_device_free(dev);
    assert_int_equal(restarts_logged(dir), 1);

    /* Without NO_FLUSH the free requests the armed restart itself. */
    cfg = config(dir2);
    assert_int_equal(omadm_device_open(&dev, &cfg, OMADM_DEVICE_OPEN_DEFER_STARTUP, NULL, 0),
                     OMADM_OK);
    assert_int_equal(cmd(dev, "Exec", "./Vendor/MSFT/Reboot/RebootNow", NULL), 200);
    omadm_device_free(dev);
    assert_int_equal(restarts_logged(dir2), 1);
    tu_rmtree_free(dir2);
    tu_rmtree_free(dir);
}

#define PROV "./Vendor/MSFT/DMClient/Provider/"

static void test_dmclient(void **state)
{
    char *dir = fresh_dir(), *v;
    omadm_device_config cfg = config(dir);
    omadm_device *dev = NULL;
    omadm_poll_schedule_info poll;

    (void)state;
    assert_int_equal(omadm_device_new(&dev, &cfg), OMADM_OK);
    memset(&poll, 0, sizeof poll);
    poll.size = sizeof poll - 1;
    assert_int_equal(omadm_device_poll_schedule(dev, &poll), OMADM_ERR_INVALID);
    assert_int_equal(cmd(dev, "Replace", PROV "P1/Poll/IntervalForFirstSetOfRetries", "30"), 200);
    assert_int_equal(cmd(dev, "Replace", PROV "P1/Poll/NumberOfSecondRetries", "4"), 200);
    assert_int_equal(cmd(dev, "Replace", PROV "P1/Poll/PollOnLogin", "true"), 200);
    poll.size = sizeof poll;
    assert_int_equal(omadm_device_poll_schedule(dev, &poll), OMADM_OK);
    assert_true(poll.from_server);
    assert_int_equal(poll.interval_first, 30);
    assert_int_equal(poll.count_first, 10);
    assert_int_equal(poll.count_second, 4);
    assert_true(poll.poll_on_login);
    assert_false(poll.all_users_poll_on_first_login);

    /* A provider made by the agent (an enrollment's), and its push channel. */
    v = get(dev, PROV "Fleet");
    assert_null(v);
    free(v); /* for the analyser: assert_null does not return when it fails */
    assert_int_equal(omadm_device_dmclient_provider(dev, "a/b"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_dmclient_provider(dev, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_device_dmclient_provider(dev, "Fleet"), OMADM_OK);
    assert_int_equal(omadm_device_dmclient_provider(dev, "Fleet"), OMADM_OK);
    v = get(dev, PROV "Fleet/Push/Status");
    assert_string_equal(v, "4"); /* no channel yet */
    free(v);
    assert_int_equal(omadm_device_push_channel(dev, "https://push.example/d1", 0), OMADM_OK);
    v = get(dev, PROV "Fleet/Push/ChannelURI");
    assert_string_equal(v, "https://push.example/d1");
    free(v);
    v = get(dev, PROV "Fleet/Push/Status");
    assert_string_equal(v, "0");
    free(v);
    omadm_device_free(dev);

    /* The same schedule from the state file, without a tree. */
    assert_int_equal(omadm_device_open(&dev, &cfg, OMADM_DEVICE_OPEN_STATE_ONLY, NULL, 0),
                     OMADM_OK);
    memset(&poll, 0, sizeof poll);
    poll.size = sizeof poll;
    assert_int_equal(omadm_device_poll_schedule(dev, &poll), OMADM_OK);
    assert_true(poll.from_server);
    assert_int_equal(poll.interval_first, 30);
    assert_int_equal(poll.count_second, 4);
    assert_true(poll.poll_on_login);
    omadm_device_free(dev);
    tu_rmtree_free(dir);
}

/* A state directory that cannot be one: the open says which step. */
static void test_open_failure_says_why(void **state)
{
    char *dir = fresh_dir(), *file = tu_path(dir, "file", NULL), why[200];
    omadm_device_config cfg = config(file);
    omadm_device *dev = NULL;

    (void)state;
    tu_write(file, "x", 1);
    assert_int_not_equal(omadm_device_open(&dev, &cfg, 0, why, sizeof why), OMADM_OK);
    assert_null(dev);
    assert_non_null(strstr(why, "cannot open the platform: "));
    free(file);
    tu_rmtree_free(dir);
}

/* Every allocation of omadm_device_open failing in turn, for each way of
 * opening: a clean OMADM_ERR_NOMEM saying so, nothing leaked. */
static void test_open_alloc_failure_sweep(void **state)
{
    static const unsigned ways[] = { OMADM_DEVICE_OPEN_STATE_ONLY,
                                     OMADM_DEVICE_OPEN_DEFER_STARTUP | OMADM_DEVICE_OPEN_NO_FLUSH };
    char *dir = fresh_dir();
    omadm_device_config cfg = config(dir);

    (void)state;
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        int done = 0;
        for (long n = 1; !done; n++) {
            omadm_device *dev = NULL;
            omadm_status st;
            char why[200] = "";

            omadm__alloc_fail_at(n, 1);
            st = omadm_device_open(&dev, &cfg, ways[w], why, sizeof why);
            done = !omadm__alloc_failed();
            omadm__alloc_fail_at(0, 0);
            if (done) {
                assert_int_equal(st, OMADM_OK);
                if (ways[w] & OMADM_DEVICE_OPEN_DEFER_STARTUP)
                    assert_int_equal(omadm_device_startup(dev), OMADM_OK);
            } else {
                assert_int_equal(st, OMADM_ERR_NOMEM);
                assert_null(dev);
                assert_non_null(strstr(why, "out of memory"));
            }
            omadm_device_free(dev);
        }
    }
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_checks_and_state_only),
        cmocka_unit_test(test_restart_lifecycle),
        cmocka_unit_test(test_dmclient),
        cmocka_unit_test(test_open_failure_says_why),
        cmocka_unit_test(test_open_alloc_failure_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
