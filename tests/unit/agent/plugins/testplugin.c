/* SPDX-License-Identifier: Apache-2.0 */
/* Tiny plugins for the loader's tests (tests/unit/agent/test_plugins.c),
 * one per TP_MODE: a good one, and one per way of being refused. Built
 * from the public headers only. */
#include <stdio.h>
#include <string.h>

#include <omadm/plugin.h>

#define TP_GOOD     1
#define TP_ABI2     2
#define TP_NOENTRY  3
#define TP_INITFAIL 4
#define TP_OVERLAP  5

#ifndef TP_MODE
#error "TP_MODE not set"
#endif

static const omadm_plugin_host *host_of;

static const omadm_node_def nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Value", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
};

static int tp_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    char buf[64];
    size_t len = 0;

    (void)csp;
    (void)req;
    if (host_of->kv_get(host_of->ctx, "value", buf, sizeof buf, &len) != OMADM_OK)
        return -404;
    return host_of->value_set(out, buf, len) == OMADM_OK ? 0 : -500;
}

static const omadm_csp_ops ops = {
    OMADM_CSP_OPS_VERSION, tp_get, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static int init(const omadm_plugin_host *host, void **state)
{
    omadm_status st;

    host_of = host;
    *state = (void *)&ops;
#if TP_MODE == TP_OVERLAP
    st = host->register_csp(host->ctx, "./Vendor/Test/Good/Sub", &ops, nodes, 2, 0, NULL);
    return st == OMADM_OK ? 0 : 1;
#else
    st = host->register_csp(host->ctx, "./Vendor/Test/" TP_NAME, &ops, nodes, 2, 0, NULL);
    if (st != OMADM_OK)
        return 2;
#if TP_MODE == TP_INITFAIL
    return 7;
#else
    {
        char id[64], line[128];
        if (host->device_fact(host->ctx, OMADM_PLUGIN_FACT_DEVICE_ID, id, sizeof id) != OMADM_OK)
            return 3;
        snprintf(line, sizeof line, "device %s\nbell\a", id);
        host->log(host->ctx, OMADM_LOG_INFO, line);
        if (host->kv_set(host->ctx, "value", id, strlen(id)) != OMADM_OK)
            return 4;
        return 0;
    }
#endif
#endif
}

static int shutdowns;

static void shutdown_plugin(void *state)
{
    (void)state;
    shutdowns++;
}

static const omadm_plugin_descriptor descriptor = {
#if TP_MODE == TP_ABI2
    2,
#else
    OMADM_PLUGIN_ABI_VERSION,
#endif
    TP_NAME_LOWER,
    "0.1",
    init,
    shutdown_plugin,
};

#if TP_MODE == TP_NOENTRY
/* The right shape under the wrong (an older ABI's) name. */
OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v0(void);
OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v0(void)
#else
OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v1(void);
OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v1(void)
#endif
{
    return &descriptor;
}
