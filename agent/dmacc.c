/* SPDX-License-Identifier: Apache-2.0 */
/* The DMAcc credentials CSP (see dmacc.h). */
#include "agent/dmacc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/enroll_state.h"
#include "agent/log.h"
#include "tree/tree.h"

#define VALUE_MAX 256

/* CLCRED replacements stored by this process (one agent thread). */
static unsigned rotations;

unsigned agent_dmacc_rotations(void)
{
    return rotations;
}

int agent_dmacc_current(const omadm_platform *platform, char **name, char **secret)
{
    agent_enrollment e;
    char why[300];

    *name = *secret = NULL;
    if (agent_enrollment_load(platform, &e, why, sizeof why) <= 0)
        return -1;
    if (e.aauth_name && e.aauth_secret) {
        *name = e.aauth_name;
        *secret = e.aauth_secret;
        e.aauth_name = e.aauth_secret = NULL;
    }
    agent_enrollment_clear(&e);
    return 0;
}

typedef struct dmacc {
    const omadm_platform *platform;
    char *account;
} dmacc;

static const omadm_node_def nodes[] = {
    { "", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "*", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR | OMADM_NODE_DYNAMIC, NULL },
    { "*/AppAuth", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR, NULL },
    { "*/AppAuth/*", OMADM_FORMAT_NODE, OMADM_ACCESS_GET, OMADM_NODE_INTERIOR | OMADM_NODE_DYNAMIC,
      NULL },
    { "*/AppAuth/*/AAuthName", OMADM_FORMAT_CHR, OMADM_ACCESS_GET | OMADM_ACCESS_REPLACE, 0, NULL },
    { "*/AppAuth/*/AAuthSecret", OMADM_FORMAT_CHR, OMADM_ACCESS_REPLACE, 0, NULL },
};

/* Splits "acct/AppAuth/LEVEL/LEAF" into its parts; the number of segments
 * (0..4), -1 for an unknown account or shape. */
static int split(const dmacc *a, const char *path, char level[16], char leaf[16])
{
    char buf[512], *seg[5];
    int n = 0;
    char *p;

    level[0] = leaf[0] = '\0';
    if (!*path)
        return 0;
    if (strlen(path) >= sizeof buf)
        return -1;
    memcpy(buf, path, strlen(path) + 1);
    for (p = buf; n < 5;) {
        seg[n++] = p;
        p = strchr(p, '/');
        if (!p)
            break;
        *p++ = '\0';
    }
    if (p || strcmp(seg[0], a->account) != 0)
        return -1;
    if (n >= 2 && strcmp(seg[1], "AppAuth") != 0)
        return -1;
    if (n >= 3) {
        if (strcmp(seg[2], "CLCRED") != 0 && strcmp(seg[2], "SRVCRED") != 0)
            return -1;
        snprintf(level, 16, "%s", seg[2]);
    }
    if (n == 4) {
        if (strcmp(seg[3], "AAuthName") != 0 && strcmp(seg[3], "AAuthSecret") != 0)
            return -1;
        snprintf(leaf, 16, "%s", seg[3]);
    }
    return n;
}

/* The enrollment field a leaf maps to. */
static char **field_of(agent_enrollment *e, const char *level, const char *leaf)
{
    int cl = strcmp(level, "CLCRED") == 0, name = strcmp(leaf, "AAuthName") == 0;

    if (cl)
        return name ? &e->aauth_name : &e->aauth_secret;
    return name ? &e->srv_name : &e->srv_secret;
}

static int dmacc_get(void *csp, const omadm_csp_request *req, omadm_csp_value *out)
{
    dmacc *a = csp;
    char level[16], leaf[16], why[300];
    agent_enrollment e;
    char **f;
    int rc;

    if (split(a, req->path, level, leaf) != 4)
        return -404;
    if (strcmp(leaf, "AAuthName") != 0)
        return -405;
    if (agent_enrollment_load(a->platform, &e, why, sizeof why) <= 0)
        return -500;
    f = field_of(&e, level, leaf);
    rc = omadm_csp_value_set(out, *f ? *f : "", *f ? strlen(*f) : 0) == OMADM_OK ? 0 : -500;
    agent_enrollment_clear(&e);
    return rc;
}

static int dmacc_replace(void *csp, const omadm_csp_request *req, const char *data, size_t len)
{
    dmacc *a = csp;
    char level[16], leaf[16], why[300];
    agent_enrollment e;
    char **f, *value;
    size_t i;
    int rc;

    if (split(a, req->path, level, leaf) != 4)
        return -404;
    if (len == 0 || len > VALUE_MAX)
        return -400;
    for (i = 0; i < len; i++)
        if ((unsigned char)data[i] < 0x20 || data[i] == 0x7f)
            return -400;
    if (agent_enrollment_load(a->platform, &e, why, sizeof why) <= 0)
        return -500;
    value = malloc(len + 1);
    if (!value) {
        agent_enrollment_clear(&e);
        return -500;
    }
    memcpy(value, data, len);
    value[len] = '\0';
    f = field_of(&e, level, leaf);
    if (*f) {
        memset(*f, 0, strlen(*f));
        free(*f);
    }
    *f = value;
    rc = agent_enrollment_save(a->platform, &e, why, sizeof why) == 0 ? 0 : -500;
    if (rc == 0 && strcmp(level, "CLCRED") == 0)
        rotations++;
    if (rc == 0)
        agent_log(OMADM_LOG_INFO,
                  "DMAcc %s: %s %s replaced by the server (used from the next message)", a->account,
                  level, leaf);
    else
        agent_log(OMADM_LOG_ERROR, "DMAcc %s: %s", a->account, why);
    agent_enrollment_clear(&e);
    return rc;
}

static int dmacc_children(void *csp, const omadm_csp_request *req, omadm_csp_children *out)
{
    dmacc *a = csp;
    char level[16], leaf[16];
    int n = split(a, req->path, level, leaf);
    omadm_status st = OMADM_OK;

    switch (n) {
    case 0:
        st = omadm_csp_children_add(out, a->account);
        break;
    case 1:
        st = omadm_csp_children_add(out, "AppAuth");
        break;
    case 2:
        st = omadm_csp_children_add(out, "CLCRED");
        if (st == OMADM_OK)
            st = omadm_csp_children_add(out, "SRVCRED");
        break;
    case 3:
        st = omadm_csp_children_add(out, "AAuthName");
        if (st == OMADM_OK)
            st = omadm_csp_children_add(out, "AAuthSecret");
        break;
    default:
        return -404;
    }
    return st == OMADM_OK ? 0 : -500;
}

static const omadm_csp_ops ops = {
    OMADM_CSP_OPS_VERSION, dmacc_get, NULL, dmacc_replace, NULL, NULL,
    dmacc_children,        NULL,      NULL, NULL,          NULL,
};

static void destroy(void *csp)
{
    dmacc *a = csp;

    if (!a)
        return;
    free(a->account);
    free(a);
}

int agent_dmacc_register(omadm_tree *tree, const omadm_platform *platform, const char *account)
{
    dmacc *a = calloc(1, sizeof *a);

    if (!a)
        return -1;
    a->platform = platform;
    a->account = strdup(account);
    if (!a->account || strchr(account, '/')) {
        destroy(a);
        return -1;
    }
    return omadm_tree_register_owned(tree, "./SyncML/DMAcc", &ops, nodes,
                                     sizeof nodes / sizeof nodes[0], OMADM_CSP_SCOPE_DEVICE, a,
                                     destroy) == OMADM_OK
               ? 0
               : -1;
}
