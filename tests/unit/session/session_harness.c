/* SPDX-License-Identifier: Apache-2.0 */
#include "session_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../platform/testutil.h"
#include "platform/sim/sim.h"

static const char *devinfo_value(const char *path)
{
    if (strcmp(path, "DevId") == 0)
        return HARNESS_DEVICE;
    if (strcmp(path, "Man") == 0)
        return "Contoso Hardware";
    if (strcmp(path, "Mod") == 0)
        return "CX-200";
    if (strcmp(path, "DmV") == 0)
        return "1.3";
    if (strcmp(path, "Lang") == 0)
        return "en-US";
    return NULL;
}

const char *harness_devinfo_fail;

static int devinfo_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    const char *v = devinfo_value(req->path);

    (void)csp;
    if (harness_devinfo_fail && strcmp(req->path, harness_devinfo_fail) == 0)
        return -500;
    if (!v)
        return -404;
    return omadm_csp_value_set(out, v, strlen(v)) == OMADM_OK ? 0 : -500;
}

static const omadm_csp_ops devinfo_ops = {
    .version = OMADM_CSP_OPS_VERSION,
    .get = devinfo_get,
};

static const omadm_node_def devinfo_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "DevId", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Man", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Mod", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "DmV", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Lang", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
};

/* ./Vendor/Test: Value (chr, Get/Replace), Big (300-byte value), Run (Exec). */
static int test_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    char big[300];

    (void)csp;
    if (strcmp(req->path, "Value") == 0)
        return omadm_csp_value_set(out, "v", 1) == OMADM_OK ? 0 : -500;
    if (strcmp(req->path, "Big") == 0) {
        memset(big, 'x', sizeof big);
        return omadm_csp_value_set(out, big, sizeof big) == OMADM_OK ? 0 : -500;
    }
    if (strcmp(req->path, "Run") == 0 || strcmp(req->path, "Doc") == 0)
        return omadm_csp_value_set(out, "", 0) == OMADM_OK ? 0 : -500;
    return -404;
}

static int test_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    (void)csp;
    (void)req;
    (void)data;
    (void)len;
    return 0;
}

static int test_exec(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    harness *h = csp;

    (void)req;
    (void)data;
    (void)len;
    h->exec_count++;
    return 0;
}

static void test_session_end(void *csp, int completed)
{
    harness *h = csp;

    h->session_ended++;
    h->session_completed = completed;
}

static const omadm_csp_ops test_ops = {
    .version = OMADM_CSP_OPS_VERSION,
    .get = test_get,
    .replace = test_replace,
    .exec = test_exec,
    .session_end = test_session_end,
};

static const omadm_node_def test_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Value", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "Big", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Run", OMADM_FORMAT_NULL, OMADM_ACCESS_GET | OMADM_ACCESS_EXEC, 0, NULL },
    { "Doc", OMADM_FORMAT_XML, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
};

void harness_init(harness *h)
{
    memset(h, 0, sizeof *h);
    {
        /* Portable (Windows too): the platform tests' temp directories. */
        char *dir = tu_mkdtemp();
        assert_true(strlen(dir) < sizeof h->dir);
        memcpy(h->dir, dir, strlen(dir) + 1);
        free(dir);
    }
    assert_int_equal(omadm_platform_sim_new(&h->platform, h->dir), OMADM_OK);
    assert_int_equal(omadm_outbox_open(&h->outbox, &h->platform, NULL, NULL), OMADM_OK);
    assert_int_equal(omadm_tree_new(&h->tree), OMADM_OK);
    assert_int_equal(omadm_tree_register(h->tree, "./DevInfo", &devinfo_ops, devinfo_nodes,
                                         sizeof devinfo_nodes / sizeof devinfo_nodes[0], 0, h),
                     OMADM_OK);
    assert_int_equal(omadm_tree_register(h->tree, "./Vendor/Test", &test_ops, test_nodes,
                                         sizeof test_nodes / sizeof test_nodes[0], 0, h),
                     OMADM_OK);
    h->cfg.server_uri = HARNESS_SERVER;
    h->cfg.device_id = HARNESS_DEVICE;
    h->cfg.session_id = 17;
    h->cfg.tree = h->tree;
    h->cfg.outbox = h->outbox;
    h->cfg.platform = &h->platform;
}

void harness_start(harness *h)
{
    assert_int_equal(omadm_session_new(&h->session, &h->cfg), OMADM_OK);
}

void harness_free(harness *h)
{
    char *dir = malloc(strlen(h->dir) + 1);

    syncml_msg_free(h->last);
    omadm_session_free(h->session);
    omadm_outbox_close(h->outbox);
    omadm_tree_free(h->tree);
    if (h->platform.destroy)
        h->platform.destroy(h->platform.ctx);
    assert_non_null(dir);
    memcpy(dir, h->dir, strlen(h->dir) + 1);
    tu_rmtree_free(dir);
}

syncml_msg *harness_next(harness *h)
{
    char *text = NULL;
    size_t len = 0;
    syncml_error err;

    syncml_msg_free(h->last);
    h->last = NULL;
    assert_int_equal(omadm_session_next_message(h->session, &text, &len), OMADM_OK);
    if (!text)
        return NULL;
    assert_int_equal(strlen(text), len);
    if (syncml_parse(text, len, NULL, &h->last, &err) != OMADM_OK)
        fail_msg("client message does not parse: %s\n%s", err.message, text);
    h->last_len = len;
    omadm_free(text);
    return h->last;
}

#define SERVER_MSG_FMT                                                                             \
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"                             \
    "<VerProto>DM/1.2</VerProto><SessionID>%u</SessionID><MsgID>%u</MsgID>"                        \
    "<Target><LocURI>%s</LocURI></Target><Source><LocURI>%s</LocURI></Source>"                     \
    "%s</SyncHdr><SyncBody>%s%s</SyncBody></SyncML>"

char *harness_server_msg(const harness *h, unsigned msg_id, const char *meta, const char *body,
                         int final)
{
    int n = snprintf(NULL, 0, SERVER_MSG_FMT, h->cfg.session_id, msg_id, HARNESS_DEVICE,
                     HARNESS_SERVER, meta ? meta : "", body, final ? "<Final/>" : "");
    char *out = malloc((size_t)n + 1);

    assert_non_null(out);
    snprintf(out, (size_t)n + 1, SERVER_MSG_FMT, h->cfg.session_id, msg_id, HARNESS_DEVICE,
             HARNESS_SERVER, meta ? meta : "", body, final ? "<Final/>" : "");
    return out;
}

void harness_feed(harness *h, unsigned msg_id, const char *body, int final)
{
    char *msg = harness_server_msg(h, msg_id, NULL, body, final);

    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
}

const syncml_cmd *harness_find(const syncml_msg *m, syncml_cmd_type type, const char *cmd_ref)
{
    const syncml_cmd *c;

    for (c = m->body; c; c = c->next)
        if (c->type == type && (!cmd_ref || (c->cmd_ref && strcmp(c->cmd_ref, cmd_ref) == 0)))
            return c;
    return NULL;
}

size_t harness_count(const syncml_msg *m, syncml_cmd_type type)
{
    const syncml_cmd *c;
    size_t n = 0;

    for (c = m->body; c; c = c->next)
        n += c->type == type;
    return n;
}
