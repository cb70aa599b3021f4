/* SPDX-License-Identifier: Apache-2.0 */
/* DevDetail CSP: facts from the platform, our real URI limits, local time. */
#include "csp/devdetail/devdetail.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "tree/tree.h"

typedef enum value_kind {
    KIND_INTERIOR,
    KIND_FACT,  /* platform fact */
    KIND_CONST, /* fixed text */
    KIND_LIMIT, /* one of the tree's URI limits */
    KIND_LOCALTIME
} value_kind;

typedef struct devdetail {
    const omadm_platform *platform;
    size_t max_depth, max_tot_len, max_seg_len;
} devdetail;

typedef struct node_info {
    value_kind kind;
    int arg; /* omadm_fact, or the limit index (0 depth, 1 total, 2 segment) */
    const char *text;
} node_info;

/* The node table and, at the same index, where each value comes from. */
static const omadm_node_def devdetail_nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "DevTyp", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "OEM", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "FwV", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "SwV", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "HwV", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "LrgObj", OMADM_FORMAT_BOOL, OMADM_ACCESS_GET, 0, NULL },
    { "URI", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "URI/MaxDepth", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "URI/MaxTotLen", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "URI/MaxSegLen", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Ext", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Ext/Microsoft", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "Ext/Microsoft/DeviceName", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Ext/Microsoft/OSPlatform", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Ext/Microsoft/LocalTime", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Ext/Microsoft/SMBIOSSerialNumber", OMADM_FORMAT_CHR, OMADM_ACCESS_GET, 0, NULL },
    { "Ext/Microsoft/TotalRAM", OMADM_FORMAT_INT, OMADM_ACCESS_GET, 0, NULL },
};

static const node_info devdetail_info[] = {
    { KIND_INTERIOR, 0, NULL },
    { KIND_FACT, OMADM_FACT_MODEL, NULL },
    { KIND_FACT, OMADM_FACT_MANUFACTURER, NULL },
    { KIND_FACT, OMADM_FACT_FIRMWARE_VERSION, NULL },
    { KIND_FACT, OMADM_FACT_OS_VERSION, NULL },
    { KIND_FACT, OMADM_FACT_HARDWARE_VERSION, NULL },
    /* No large-object support yet (syncml-dm §4 agent rule). */
    { KIND_CONST, 0, "false" },
    { KIND_INTERIOR, 0, NULL },
    { KIND_LIMIT, 0, NULL },
    { KIND_LIMIT, 1, NULL },
    { KIND_LIMIT, 2, NULL },
    { KIND_INTERIOR, 0, NULL },
    { KIND_INTERIOR, 0, NULL },
    { KIND_FACT, OMADM_FACT_DEVICE_NAME, NULL },
    { KIND_FACT, OMADM_FACT_OS_PLATFORM, NULL },
    { KIND_LOCALTIME, 0, NULL },
    { KIND_FACT, OMADM_FACT_SERIAL_NUMBER, NULL },
    { KIND_FACT, OMADM_FACT_TOTAL_RAM_MB, NULL },
};

#define N_NODES (sizeof devdetail_nodes / sizeof devdetail_nodes[0])

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's
 * days_from_civil inverse). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

omadm_status omadm__devdetail_format_time(int64_t unix_seconds, int32_t offset, char *buf,
                                          size_t size)
{
    int64_t local, days, secs, y;
    unsigned m, d;
    int32_t off_abs;
    int n;

    if (offset < -86400 || offset > 86400 || unix_seconds < -62135596800LL ||
        unix_seconds > 253402300799LL)
        return OMADM_ERR_INVALID;
    local = unix_seconds + offset;
    days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    secs = local - days * 86400;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return OMADM_ERR_INVALID;
    off_abs = offset < 0 ? -offset : offset;
    n = snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (int)y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                 offset < 0 ? '-' : '+', (int)(off_abs / 3600), (int)(off_abs / 60 % 60));
    if (n < 0 || (size_t)n >= size)
        return OMADM_ERR_LIMIT;
    return OMADM_OK;
}

/* The value of node i into buf. 0, or a negative DM code (-404: unknown). */
static int node_value(const devdetail *dd, size_t i, char *buf, size_t size)
{
    const node_info *info = &devdetail_info[i];
    const omadm_platform *p = dd->platform;
    size_t limit;

    switch (info->kind) {
    case KIND_FACT:
        if (!p || !p->device_fact ||
            p->device_fact(p->ctx, (omadm_fact)info->arg, buf, size) != OMADM_OK || !buf[0])
            return -404;
        return 0;
    case KIND_CONST:
        snprintf(buf, size, "%s", info->text);
        return 0;
    case KIND_LIMIT:
        limit = info->arg == 0 ? dd->max_depth : info->arg == 1 ? dd->max_tot_len : dd->max_seg_len;
        snprintf(buf, size, "%lu", (unsigned long)limit);
        return 0;
    case KIND_LOCALTIME: {
        int64_t now;
        int32_t offset;
        if (!p || !p->now || !p->utc_offset || p->now(p->ctx, &now) != OMADM_OK ||
            p->utc_offset(p->ctx, now, &offset) != OMADM_OK ||
            omadm__devdetail_format_time(now, offset, buf, size) != OMADM_OK)
            return -404;
        return 0;
    }
    case KIND_INTERIOR:
        break;
    }
    return -404;
}

static size_t node_index(const char *path)
{
    size_t i;

    for (i = 0; i < N_NODES; i++)
        if (strcmp(devdetail_nodes[i].path, path) == 0)
            return i;
    return N_NODES;
}

static int devdetail_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    char buf[512];
    size_t i = node_index(req->path);
    int rc;

    if (i == N_NODES)
        return -404;
    rc = node_value(csp, i, buf, sizeof buf);
    if (rc)
        return rc;
    return omadm_csp_value_set(out, buf, strlen(buf)) == OMADM_OK ? 0 : -500;
}

/* Lists the table's children of req->path, leaving out facts the platform
 * cannot fill (a listed node must answer Get). */
static int devdetail_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    size_t i, plen = strlen(req->path);

    for (i = 1; i < N_NODES; i++) {
        const char *path = devdetail_nodes[i].path, *name;
        char buf[512];
        if (plen) {
            if (strncmp(path, req->path, plen) != 0 || path[plen] != '/')
                continue;
            name = path + plen + 1;
        } else {
            name = path;
        }
        if (strchr(name, '/'))
            continue;
        if (devdetail_info[i].kind != KIND_INTERIOR && node_value(csp, i, buf, sizeof buf) != 0)
            continue;
        if (omadm_csp_children_add(out, name) != OMADM_OK)
            return -500;
    }
    return 0;
}

static const omadm_csp_ops devdetail_ops = {
    OMADM_CSP_OPS_VERSION,
    devdetail_get,
    NULL, /* add */
    NULL, /* replace: 405 */
    NULL, /* del */
    NULL, /* exec */
    devdetail_children,
    NULL, /* txn_begin: nothing to write */
    NULL,
    NULL,
    NULL,
};

static void devdetail_destroy(void *csp)
{
    omadm__free(csp);
}

omadm_status omadm__devdetail_register(omadm_tree *tree, const omadm_platform *platform)
{
    const omadm_tree_limits *limits;
    devdetail *dd;

    if (!tree)
        return OMADM_ERR_INVALID;
    dd = omadm__calloc(1, sizeof *dd);
    if (!dd)
        return OMADM_ERR_NOMEM;
    limits = omadm__tree_limits(tree);
    dd->platform = platform;
    dd->max_depth = limits->uri.max_segments;
    dd->max_tot_len = limits->uri.max_len;
    dd->max_seg_len = limits->uri.max_segment;
    return omadm_tree_register_owned(tree, "./DevDetail", &devdetail_ops, devdetail_nodes, N_NODES,
                                     OMADM_CSP_SCOPE_DEVICE, dd, devdetail_destroy);
}
