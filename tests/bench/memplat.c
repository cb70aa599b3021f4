/* SPDX-License-Identifier: Apache-2.0 */
/* The in-memory platform of memplat.h. */
#include "memplat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_NOW  1796400000
#define MEM_BOOT 1796390000

typedef struct mem_file {
    char *name;
    char *data;
    size_t len;
} mem_file;

typedef struct mem_plat {
    mem_file *files;
    size_t n, cap;
    unsigned restarts;
} mem_plat;

static omadm_status mem_now(void *ctx, int64_t *t)
{
    (void)ctx;
    *t = MEM_NOW;
    return OMADM_OK;
}

static omadm_status mem_utc_offset(void *ctx, int64_t t, int32_t *off)
{
    (void)ctx;
    (void)t;
    *off = 0;
    return OMADM_OK;
}

static omadm_status mem_boot_id(void *ctx, char *buf, size_t size)
{
    (void)ctx;
    return snprintf(buf, size, "%s", "bench-boot-0001") < (int)size ? OMADM_OK : OMADM_ERR_LIMIT;
}

static omadm_status mem_boot_time(void *ctx, int64_t *t)
{
    (void)ctx;
    *t = MEM_BOOT;
    return OMADM_OK;
}

static omadm_status mem_request_restart(void *ctx, int64_t deadline, const char *reason)
{
    mem_plat *m = ctx;

    (void)deadline;
    (void)reason;
    m->restarts++;
    return OMADM_OK;
}

static omadm_status mem_device_fact(void *ctx, omadm_fact fact, char *buf, size_t size)
{
    static const char value[] = "bench-fact-x";

    (void)ctx;
    if (size < sizeof value)
        return OMADM_ERR_LIMIT;
    memcpy(buf, value, sizeof value);
    buf[sizeof value - 2] = (char)('a' + (int)fact);
    return OMADM_OK;
}

static mem_file *find(mem_plat *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        if (strcmp(m->files[i].name, name) == 0)
            return &m->files[i];
    return NULL;
}

static omadm_status mem_read(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    mem_file *f = find(ctx, name);

    if (!f)
        return OMADM_ERR_NOT_FOUND;
    if (f->len > max)
        return OMADM_ERR_LIMIT;
    *data = malloc(f->len + 1);
    if (!*data)
        return OMADM_ERR_NOMEM;
    memcpy(*data, f->data, f->len);
    (*data)[f->len] = '\0';
    *len = f->len;
    return OMADM_OK;
}

static omadm_status mem_replace(void *ctx, const char *name, const void *data, size_t len)
{
    mem_plat *m = ctx;
    mem_file *f = find(m, name);
    char *copy = malloc(len + 1);

    if (!copy)
        return OMADM_ERR_NOMEM;
    if (len)
        memcpy(copy, data, len);
    if (!f) {
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 16;
            mem_file *nf = realloc(m->files, cap * sizeof *nf);

            if (!nf) {
                free(copy);
                return OMADM_ERR_NOMEM;
            }
            m->files = nf;
            m->cap = cap;
        }
        f = &m->files[m->n];
        f->name = strdup(name);
        if (!f->name) {
            free(copy);
            return OMADM_ERR_NOMEM;
        }
        f->data = NULL;
        m->n++;
    }
    free(f->data);
    f->data = copy;
    f->len = len;
    return OMADM_OK;
}

static omadm_status mem_remove(void *ctx, const char *name)
{
    mem_plat *m = ctx;
    mem_file *f = find(m, name);

    if (!f)
        return OMADM_ERR_NOT_FOUND;
    free(f->name);
    free(f->data);
    *f = m->files[--m->n];
    return OMADM_OK;
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const mem_file *)a)->name, ((const mem_file *)b)->name);
}

static omadm_status mem_list(void *ctx, const char *prefix, omadm_platform_list_cb cb, void *user)
{
    mem_plat *m = ctx;
    size_t i, plen = prefix ? strlen(prefix) : 0;

    if (m->n > 1)
        qsort(m->files, m->n, sizeof *m->files, cmp_files);
    for (i = 0; i < m->n; i++)
        if (strncmp(m->files[i].name, prefix ? prefix : "", plen) == 0 &&
            cb(user, m->files[i].name) != 0)
            break;
    return OMADM_OK;
}

static void mem_destroy(void *ctx)
{
    mem_plat *m = ctx;
    size_t i;

    for (i = 0; i < m->n; i++) {
        free(m->files[i].name);
        free(m->files[i].data);
    }
    free(m->files);
    free(m);
}

omadm_status bench_memplat_new(omadm_platform *out)
{
    mem_plat *m = calloc(1, sizeof *m);

    memset(out, 0, sizeof *out);
    if (!m)
        return OMADM_ERR_NOMEM;
    out->version = OMADM_PLATFORM_VERSION;
    out->ctx = m;
    out->now = mem_now;
    out->utc_offset = mem_utc_offset;
    out->boot_id = mem_boot_id;
    out->boot_time = mem_boot_time;
    out->request_restart = mem_request_restart;
    out->device_fact = mem_device_fact;
    out->file_read = mem_read;
    out->file_replace = mem_replace;
    out->file_remove = mem_remove;
    out->file_list = mem_list;
    out->destroy = mem_destroy;
    return OMADM_OK;
}
