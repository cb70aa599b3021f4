/* SPDX-License-Identifier: Apache-2.0 */
/* The example CSP as a plugin for the stock agent (omadm/plugin.h): the
 * agent's host table answers Get and child lists, and its key-value store
 * keeps every setting across agent restarts. Built from the installed
 * headers only; links nothing from libomadm. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omadm/plugin.h>

#include "contoso_settings.h"

typedef struct contoso_plugin {
    const omadm_plugin_host *host;
    contoso_settings *settings;
} contoso_plugin;

static omadm_status save(void *user, const char *key, const char *value, size_t len)
{
    const omadm_plugin_host *host = user;
    omadm_status st;

    if (value)
        return host->kv_set(host->ctx, key, value, len);
    st = host->kv_delete(host->ctx, key);
    return st == OMADM_ERR_NOT_FOUND ? OMADM_OK : st;
}

static int load_one(void *user, const char *key, const char *value, size_t len)
{
    contoso_plugin *p = user;

    if (contoso_settings_load(p->settings, key, value, len) != 0)
        p->host->log(p->host->ctx, OMADM_LOG_WARN, "a stored setting does not fit: skipped");
    return 0;
}

static int init(const omadm_plugin_host *host, void **state)
{
    contoso_plugin *p;
    contoso_io io;
    const omadm_node_def *nodes;
    size_t n_nodes;
    omadm_status st;
    char model[64], msg[160];

    /* Members up to children_add are what this plugin uses. */
    if (host->size < offsetof(omadm_plugin_host, children_add) + sizeof host->children_add)
        return 1;
    p = calloc(1, sizeof *p);
    if (!p)
        return 1;
    p->host = host;
    io.value_set = host->value_set;
    io.children_add = host->children_add;
    io.save = save;
    io.user = (void *)host;
    p->settings = contoso_settings_new_io(&io);
    if (!p->settings) {
        free(p);
        return 1;
    }
    st = host->kv_list(host->ctx, load_one, p);
    if (st != OMADM_OK) {
        /* A corrupt store: serve nothing rather than lose what it holds. */
        host->log(host->ctx, OMADM_LOG_ERROR, "cannot read the stored settings");
        goto fail;
    }
    nodes = contoso_settings_nodes(&n_nodes);
    st = host->register_csp(host->ctx, CONTOSO_ROOT, contoso_settings_ops(), nodes, n_nodes,
                            OMADM_CSP_SCOPE_DEVICE, p->settings);
    if (st != OMADM_OK)
        goto fail;
    if (host->device_fact(host->ctx, OMADM_PLUGIN_FACT_MODEL, model, sizeof model) != OMADM_OK)
        snprintf(model, sizeof model, "unknown");
    snprintf(msg, sizeof msg, "serving %s on a %s with %d stored setting(s)", CONTOSO_ROOT, model,
             contoso_settings_count(p->settings));
    host->log(host->ctx, OMADM_LOG_INFO, msg);
    *state = p;
    return 0;
fail:
    contoso_settings_free(p->settings);
    free(p);
    return 1;
}

static void shutdown_plugin(void *state)
{
    contoso_plugin *p = state;

    contoso_settings_free(p->settings);
    free(p);
}

static const omadm_plugin_descriptor descriptor = {
    OMADM_PLUGIN_ABI_VERSION, "contoso", "1.0.0", init, shutdown_plugin,
};

OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v1(void);

OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v1(void)
{
    return &descriptor;
}
