/* SPDX-License-Identifier: Apache-2.0 */
/* DevInfo CSP: device identity, read-only. */
#include "csp/devinfo/devinfo.h"

#include <string.h>

#include "core/alloc.h"
#include "tree/tree.h"

typedef struct devinfo {
    const omadm_platform *platform;
    char *device_id; /* owned */
} devinfo;

static const char *const node_names[] = { "DevId", "Man", "Mod", "DmV", "Lang" };

static const omadm_node_def devinfo_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "DevId", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Man", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Mod", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "DmV", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Lang", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
};

static omadm_status copy_out(const char *value, char *buf, size_t size)
{
    size_t len = strlen(value);

    if (len >= size)
        return OMADM_ERR_LIMIT;
    memcpy(buf, value, len + 1);
    return OMADM_OK;
}

/* A platform fact, or `fallback` when the platform cannot tell. */
static omadm_status fact_or(const omadm_platform *platform, omadm_fact fact, const char *fallback,
                            char *buf, size_t size)
{
    if (platform && platform->device_fact &&
        platform->device_fact(platform->ctx, fact, buf, size) == OMADM_OK && buf[0])
        return OMADM_OK;
    return copy_out(fallback, buf, size);
}

omadm_status omadm__devinfo_value(const omadm_platform *platform, const char *device_id,
                                  const char *name, char *buf, size_t size)
{
    if (!name || !buf || size == 0)
        return OMADM_ERR_INVALID;
    if (strcmp(name, "DevId") == 0)
        return device_id && *device_id ? copy_out(device_id, buf, size) : OMADM_ERR_INVALID;
    if (strcmp(name, "Man") == 0)
        return fact_or(platform, OMADM_FACT_MANUFACTURER, "Unknown", buf, size);
    if (strcmp(name, "Mod") == 0)
        return fact_or(platform, OMADM_FACT_MODEL, "Unknown", buf, size);
    if (strcmp(name, "DmV") == 0)
        return copy_out("1.3", buf, size);
    if (strcmp(name, "Lang") == 0)
        return fact_or(platform, OMADM_FACT_LANGUAGE, "en-US", buf, size);
    return OMADM_ERR_NOT_FOUND;
}

static int devinfo_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    devinfo *d = csp;
    char buf[512];
    omadm_status st = omadm__devinfo_value(d->platform, d->device_id, req->path, buf, sizeof buf);

    if (st == OMADM_ERR_NOT_FOUND)
        return -404;
    if (st != OMADM_OK)
        return -500;
    return omadm_csp_value_set(out, buf, strlen(buf)) == OMADM_OK ? 0 : -500;
}

static const omadm_csp_ops devinfo_ops = {
    OMADM_CSP_OPS_VERSION,
    devinfo_get,
    NULL, /* add */
    NULL, /* replace: 405 */
    NULL, /* del */
    NULL, /* exec */
    NULL, /* children: the node table */
    NULL, /* txn_begin: nothing to write */
    NULL,
    NULL,
    NULL,
};

static void devinfo_destroy(void *csp)
{
    devinfo *d = csp;

    if (!d)
        return;
    omadm__free(d->device_id);
    omadm__free(d);
}

omadm_status omadm__devinfo_register(omadm_tree *tree, const omadm_platform *platform,
                                     const char *device_id)
{
    devinfo *d;

    if (!tree || !device_id || !*device_id)
        return OMADM_ERR_INVALID;
    d = omadm__calloc(1, sizeof *d);
    if (!d)
        return OMADM_ERR_NOMEM;
    d->platform = platform;
    d->device_id = omadm__strdup(device_id);
    if (!d->device_id) {
        omadm__free(d);
        return OMADM_ERR_NOMEM;
    }
    return omadm_tree_register_owned(tree, "./DevInfo", &devinfo_ops, devinfo_nodes,
                                     sizeof devinfo_nodes / sizeof devinfo_nodes[0],
                                     OMADM_CSP_SCOPE_DEVICE, d, devinfo_destroy);
}

omadm_status omadm__devinfo_build_replace(const omadm_platform *platform, const char *device_id,
                                          syncml_msg *msg, syncml_cmd **out)
{
    syncml_cmd *cmd;
    syncml_item **tail;
    size_t i;

    if (!msg || !out || !device_id || !*device_id)
        return OMADM_ERR_INVALID;
    *out = NULL;
    cmd = syncml_cmd_new(msg, SYNCML_CMD_REPLACE);
    if (!cmd)
        return OMADM_ERR_NOMEM;
    tail = &cmd->items;
    for (i = 0; i < sizeof node_names / sizeof node_names[0]; i++) {
        char uri[32], value[512];
        syncml_item *item;
        omadm_status st =
            omadm__devinfo_value(platform, device_id, node_names[i], value, sizeof value);
        if (st != OMADM_OK)
            return st;
        item = syncml_item_new(msg);
        if (!item)
            return OMADM_ERR_NOMEM;
        memcpy(uri, "./DevInfo/", 10);
        memcpy(uri + 10, node_names[i], strlen(node_names[i]) + 1);
        item->source_uri = syncml_strdup(msg, uri);
        item->data = syncml_strdup(msg, value);
        if (!item->source_uri || !item->data)
            return OMADM_ERR_NOMEM;
        item->data_len = strlen(value);
        *tail = item;
        tail = &item->next;
    }
    *out = cmd;
    return OMADM_OK;
}
