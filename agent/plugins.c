/* SPDX-License-Identifier: Apache-2.0 */
/* CSP plugins: load, host table, key-value store, record. */
#include "agent/plugins.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/plugin_os.h"
#include "omadm/plugin.h"
#include "omadm/kv.h"

typedef struct plugin {
    agent_plugins *owner;
    char *file; /* the file name in the directory */
    void *module;
    const omadm_plugin_descriptor *desc;
    char name[33];
    void *state;
    omadm_plugin_host host;
    int in_init;
    char *roots[AGENT_PLUGIN_MAX_ROOTS]; /* as the plugin spelt them */
    size_t n_roots;
    char overlap[200]; /* a root refused as overlapping */
    omadm_kv *kv;
    omadm_status kv_status; /* of opening the store; OMADM_OK when kv is usable */
} plugin;

typedef struct refusal {
    char *file;
    char *reason;
} refusal;

struct agent_plugins {
    omadm_tree *tree;
    const omadm_platform *platform;
    const char *device_id;
    plugin *loaded[AGENT_PLUGINS_MAX];
    size_t n_loaded;
    refusal refused[AGENT_PLUGINS_MAX + 1];
    size_t n_refused;
};

/* ---- the host table -------------------------------------------------- */

static omadm_status h_register(void *ctx, const char *root, const omadm_csp_ops *ops,
                               const omadm_node_def *nodes, size_t n_nodes, unsigned scope,
                               void *csp)
{
    plugin *p = ctx;
    omadm_status st;
    char *copy;

    if (!p->in_init)
        return OMADM_ERR_STATE;
    if (p->n_roots == AGENT_PLUGIN_MAX_ROOTS)
        return OMADM_ERR_LIMIT;
    if (!root)
        return OMADM_ERR_INVALID;
    copy = strdup(root);
    if (!copy)
        return OMADM_ERR_NOMEM;
    st = omadm_tree_register(p->owner->tree, root, ops, nodes, n_nodes, scope, csp);
    if (st != OMADM_OK) {
        if (st == OMADM_ERR_EXISTS && !p->overlap[0])
            snprintf(p->overlap, sizeof p->overlap, "%s", root);
        free(copy);
        return st;
    }
    p->roots[p->n_roots++] = copy;
    return OMADM_OK;
}

static omadm_status h_fact(void *ctx, omadm_plugin_fact fact, char *buf, size_t size)
{
    plugin *p = ctx;
    const omadm_platform *pf = p->owner->platform;
    int f = (int)fact;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    if (f == OMADM_PLUGIN_FACT_DEVICE_ID) {
        const char *id = p->owner->device_id;
        if (!id)
            return OMADM_ERR_NOT_FOUND;
        if (strlen(id) >= size)
            return OMADM_ERR_LIMIT;
        memcpy(buf, id, strlen(id) + 1);
        return OMADM_OK;
    }
    /* The platform's facts, in the same order one place further. */
    if (f < OMADM_PLUGIN_FACT_MANUFACTURER || f - 1 >= (int)OMADM_FACT_COUNT)
        return OMADM_ERR_INVALID;
    return pf->device_fact(pf->ctx, (omadm_fact)(f - 1), buf, size);
}

static void h_log(void *ctx, omadm_log_level level, const char *message)
{
    plugin *p = ctx;
    char line[1024];
    size_t i = 0;

    if (level < OMADM_LOG_ERROR || level > OMADM_LOG_DEBUG)
        level = OMADM_LOG_INFO;
    for (const char *m = message ? message : ""; *m && i + 1 < sizeof line; m++) {
        unsigned char c = (unsigned char)*m;
        if (c < 0x20 || c == 0x7f)
            line[i++] = ' ';
        else
            line[i++] = *m;
    }
    line[i] = '\0';
    agent_log(level, "plugin %s: %s", p->name, line);
}

static omadm_status h_kv_get(void *ctx, const char *key, char *buf, size_t size, size_t *len)
{
    plugin *p = ctx;
    const char *v;
    size_t n;
    omadm_status st;

    if (!p->kv)
        return p->kv_status;
    if (!len || (!buf && size))
        return OMADM_ERR_INVALID;
    st = omadm_kv_get(p->kv, key, &v, &n);
    if (st != OMADM_OK)
        return st;
    *len = n;
    if (n > size)
        return OMADM_ERR_LIMIT;
    if (n)
        memcpy(buf, v, n);
    if (n < size)
        buf[n] = '\0';
    return OMADM_OK;
}

static omadm_status h_kv_set(void *ctx, const char *key, const void *value, size_t len)
{
    plugin *p = ctx;

    return p->kv ? omadm_kv_set(p->kv, key, value, len) : p->kv_status;
}

static omadm_status h_kv_delete(void *ctx, const char *key)
{
    plugin *p = ctx;

    return p->kv ? omadm_kv_delete(p->kv, key) : p->kv_status;
}

static omadm_status h_kv_list(void *ctx, omadm_plugin_kv_fn fn, void *user)
{
    plugin *p = ctx;

    if (!fn)
        return OMADM_ERR_INVALID;
    return p->kv ? omadm_kv_list(p->kv, fn, user) : p->kv_status;
}

/* ---- loading ----------------------------------------------------------- */

static int refuse(agent_plugins *ps, const char *file, const char *fmt, ...) AGENT_PRINTF(3, 4);

static int refuse(agent_plugins *ps, const char *file, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    refusal *r = &ps->refused[ps->n_refused];

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    agent_log(OMADM_LOG_ERROR, "plugin %s refused: %s", file, reason);
    if (ps->n_refused == sizeof ps->refused / sizeof ps->refused[0])
        return 0;
    r->file = strdup(file);
    r->reason = strdup(reason);
    if (!r->file || !r->reason) {
        free(r->file);
        free(r->reason);
        return -1;
    }
    ps->n_refused++;
    return 0;
}

static int name_valid(const char *name)
{
    size_t n = 0;

    if (!name)
        return 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (n >= 32 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

static void plugin_free(plugin *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_roots; i++)
        free(p->roots[i]);
    omadm_kv_free(p->kv);
    agent_plugin_os_close(p->module);
    free(p->file);
    free(p);
}

/* Withdraws what a failed init registered. */
static void withdraw(plugin *p)
{
    for (size_t i = p->n_roots; i > 0; i--) {
        omadm_tree_unregister(p->owner->tree, p->roots[i - 1]);
        free(p->roots[i - 1]);
    }
    p->n_roots = 0;
}

static void open_store(plugin *p)
{
    char file[64], err[256];

    snprintf(file, sizeof file, "plugin.%s.kv", p->name);
    p->kv_status = omadm_kv_open(&p->kv, p->owner->platform, file, err, sizeof err);
    if (p->kv_status == OMADM_ERR_CORRUPT)
        agent_log(OMADM_LOG_ERROR,
                  "plugin %s: its key-value store %s is corrupt (%s); every store call fails "
                  "until the file is removed or restored",
                  p->name, file, err);
    else if (p->kv_status != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "plugin %s: cannot open its key-value store %s: %s", p->name,
                  file, err[0] ? err : omadm_status_str(p->kv_status));
}

/* Loads one file. 0 (loaded or refused), -1 out of memory. */
static int load_one(agent_plugins *ps, const char *dir, const char *file)
{
    char path[1200], err[512];
    plugin *p;
    omadm_plugin_entry_fn entry;
    int rc;

    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
        return refuse(ps, file, "path too long");
    rc = agent_plugin_os_check(path, 0, err, sizeof err);
    if (rc != 0)
        return refuse(ps, file, "%s", rc > 0 ? "vanished" : err);
    p = calloc(1, sizeof *p);
    if (!p || !(p->file = strdup(file))) {
        free(p);
        return -1;
    }
    p->owner = ps;
    p->module = agent_plugin_os_open(path, err, sizeof err);
    if (!p->module) {
        plugin_free(p);
        return refuse(ps, file, "%s", err);
    }
    entry = (omadm_plugin_entry_fn)agent_plugin_os_symbol(p->module, OMADM_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        plugin_free(p);
        return refuse(ps, file, "no entry point %s (not a plugin, or built for another plugin ABI)",
                      OMADM_PLUGIN_ENTRY_SYMBOL);
    }
    p->desc = entry();
    if (!p->desc) {
        plugin_free(p);
        return refuse(ps, file, "its entry point returned no descriptor");
    }
    if (p->desc->abi_version != OMADM_PLUGIN_ABI_VERSION) {
        unsigned v = p->desc->abi_version;
        plugin_free(p);
        return refuse(ps, file, "built for plugin ABI version %u, this agent has version %u", v,
                      OMADM_PLUGIN_ABI_VERSION);
    }
    if (!name_valid(p->desc->name) || !p->desc->init) {
        plugin_free(p);
        return refuse(ps, file, "invalid descriptor (name must be 1..32 of [a-z0-9_-], init set)");
    }
    snprintf(p->name, sizeof p->name, "%s", p->desc->name);
    for (size_t i = 0; i < ps->n_loaded; i++) {
        if (strcmp(ps->loaded[i]->name, p->name) == 0) {
            const char *other = ps->loaded[i]->file;
            plugin_free(p);
            return refuse(ps, file, "a plugin named '%s' is already loaded (from %s)",
                          ps->loaded[i]->name, other);
        }
    }
    open_store(p);
    p->host.size = sizeof p->host;
    p->host.abi_version = OMADM_PLUGIN_ABI_VERSION;
    p->host.ctx = p;
    p->host.register_csp = h_register;
    p->host.device_fact = h_fact;
    p->host.log = h_log;
    p->host.kv_get = h_kv_get;
    p->host.kv_set = h_kv_set;
    p->host.kv_delete = h_kv_delete;
    p->host.kv_list = h_kv_list;
    p->host.value_set = omadm_csp_value_set;
    p->host.children_add = omadm_csp_children_add;
    p->in_init = 1;
    rc = p->desc->init(&p->host, &p->state);
    p->in_init = 0;
    if (rc != 0 || p->n_roots == 0 || p->overlap[0]) {
        char why[400];
        if (p->overlap[0])
            snprintf(why, sizeof why,
                     "subtree %s overlaps one already registered (built in or by an earlier "
                     "plugin)",
                     p->overlap);
        else if (rc != 0)
            snprintf(why, sizeof why, "init failed (returned %d)", rc);
        else
            snprintf(why, sizeof why, "init registered no CSP");
        withdraw(p);
        if (rc == 0 && p->desc->shutdown)
            p->desc->shutdown(p->state);
        plugin_free(p);
        return refuse(ps, file, "%s", why);
    }
    ps->loaded[ps->n_loaded++] = p;
    {
        char roots[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < p->n_roots; i++) {
            int n = snprintf(roots + used, sizeof roots - used, "%s%s", i ? ", " : "", p->roots[i]);
            if (n < 0 || (size_t)n >= sizeof roots - used)
                break;
            used += (size_t)n;
        }
        agent_log(OMADM_LOG_INFO, "plugin %s loaded: %s %s on %s", file, p->name,
                  p->desc->version ? p->desc->version : "-", roots);
    }
    return 0;
}

/* Copies src into dst as one field of the record: no tab, no newline. */
static void field(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; src && *src && i + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;
        if (c < 0x20 || c == 0x7f)
            dst[i++] = ' ';
        else
            dst[i++] = *src;
    }
    dst[i] = '\0';
}

static void write_record(const agent_plugins *ps, const char *dir, int64_t now)
{
    size_t cap = 256 + 1400 * (AGENT_PLUGINS_MAX + 1), used = 0;
    char *buf = malloc(cap), a[512], b[512], c[64], d[64];
    omadm_status st;

    if (!buf)
        return;
    field(a, sizeof a, dir);
    used += (size_t)snprintf(buf, cap, "version=1\ntime=%" PRId64 "\ndir=%s\n", now, a);
    for (size_t i = 0; i < ps->n_loaded; i++) {
        const plugin *p = ps->loaded[i];
        size_t r = 0;
        b[0] = '\0';
        for (size_t j = 0; j < p->n_roots && r < sizeof b; j++)
            r += (size_t)snprintf(b + r, sizeof b - r, "%s%s", j ? "," : "", p->roots[j]);
        field(a, sizeof a, p->file);
        field(c, sizeof c, p->name);
        field(d, sizeof d, p->desc->version ? p->desc->version : "-");
        used += (size_t)snprintf(buf + used, cap - used, "loaded=%s\t%s\t%s\t%s\n", a, c, d, b);
    }
    for (size_t i = 0; i < ps->n_refused; i++) {
        field(a, sizeof a, ps->refused[i].file);
        field(b, sizeof b, ps->refused[i].reason);
        used += (size_t)snprintf(buf + used, cap - used, "refused=%s\t%s\n", a, b);
    }
    /* What `status` shows of the last start: atomic, not flushed (a power
     * loss may lose it; every start writes it again). */
    if (ps->platform->file_replace_with)
        st = ps->platform->file_replace_with(ps->platform->ctx, AGENT_FILE_PLUGINS, buf, used,
                                             OMADM_FILE_FLUSH_NONE);
    else
        st = ps->platform->file_replace(ps->platform->ctx, AGENT_FILE_PLUGINS, buf, used);
    if (st != OMADM_OK)
        agent_log(OMADM_LOG_WARN, "cannot write %s: %s", AGENT_FILE_PLUGINS, omadm_status_str(st));
    free(buf);
}

int agent_plugins_load(agent_plugins **out, const char *dir, int configured, omadm_tree *tree,
                       const omadm_platform *platform, const char *device_id, int64_t now)
{
    agent_plugins *ps = calloc(1, sizeof *ps);
    char err[512];
    char **names = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    if (!ps)
        return -1;
    ps->tree = tree;
    ps->platform = platform;
    ps->device_id = device_id;
    if (!dir) {
        agent_log(OMADM_LOG_WARN, "no plugin directory: set [agent] csp_dir");
        dir = "";
        rc = 1;
    } else {
        rc = agent_plugin_os_check(dir, 1, err, sizeof err);
    }
    if (rc > 0) {
        agent_log(configured ? OMADM_LOG_WARN : OMADM_LOG_DEBUG,
                  "plugin directory %s does not exist: no plugins", dir);
    } else if (rc < 0 ||
               agent_plugin_os_list(dir, AGENT_PLUGINS_MAX, &names, &n, err, sizeof err) < 0) {
        if (refuse(ps, dir, "plugin directory refused, no plugin loaded from it: %s", err) < 0)
            goto nomem;
    } else {
        for (size_t i = 0; i < n; i++)
            if (load_one(ps, dir, names[i]) < 0)
                goto nomem;
        agent_plugin_os_free_names(names, n);
        names = NULL;
    }
    write_record(ps, dir, now);
    *out = ps;
    return 0;
nomem:
    agent_log(OMADM_LOG_ERROR, "loading plugins: out of memory");
    agent_plugin_os_free_names(names, n);
    /* The tree may hold their CSPs: withdraw them before unloading. */
    for (size_t i = 0; i < ps->n_loaded; i++)
        withdraw(ps->loaded[i]);
    agent_plugins_unload(ps);
    return -1;
}

void agent_plugins_withdraw(agent_plugins *ps)
{
    if (!ps)
        return;
    for (size_t i = ps->n_loaded; i > 0; i--)
        withdraw(ps->loaded[i - 1]);
}

void agent_plugins_unload(agent_plugins *ps)
{
    if (!ps)
        return;
    for (size_t i = ps->n_loaded; i > 0; i--) {
        plugin *p = ps->loaded[i - 1];
        if (p->desc->shutdown)
            p->desc->shutdown(p->state);
        plugin_free(p);
    }
    for (size_t i = 0; i < ps->n_refused; i++) {
        free(ps->refused[i].file);
        free(ps->refused[i].reason);
    }
    free(ps);
}

size_t agent_plugins_loaded(const agent_plugins *ps)
{
    return ps ? ps->n_loaded : 0;
}

size_t agent_plugins_refused(const agent_plugins *ps)
{
    return ps ? ps->n_refused : 0;
}
