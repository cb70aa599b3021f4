/* SPDX-License-Identifier: Apache-2.0 */
/* Durable files in one directory (see durable.h), on top of the OS
 * primitives of fs_posix.c / fs_win32.c.
 *
 * Replace = temp file created exclusively, write all, flush to disk, rename
 * over the target, make the rename durable: after a crash at any instant
 * the name holds the old or the new content, never a mix. */
#include "platform/common/durable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crash.h"
#include "core/log.h"
#include "platform/common/fs.h"

omadm_status omadm__copy_string(char *buf, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    if (n >= size) {
        memcpy(buf, src, size - 1);
        buf[size - 1] = '\0';
        return OMADM_ERR_LIMIT;
    }
    memcpy(buf, src, n + 1);
    return OMADM_OK;
}

omadm_status omadm__parse_int64(const char *text, int64_t *value)
{
    const char *p = text;
    int neg = 0;
    uint64_t acc = 0;
    uint64_t lim;
    int digits = 0;

    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        unsigned d = (unsigned)(*p - '0');
        if (acc > (lim - d) / 10)
            return OMADM_ERR_PARSE;
        acc = acc * 10 + d;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!digits || *p)
        return OMADM_ERR_PARSE;
    if (neg)
        *value = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        *value = (int64_t)acc;
    return OMADM_OK;
}

int omadm__durable_name_valid(const char *name)
{
    size_t n;

    if (!name)
        return 0;
    for (n = 0; name[n]; n++) {
        char c = name[n];
        if (n >= OMADM__DURABLE_NAME_MAX)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    return strncmp(name, OMADM__DURABLE_TMP_PREFIX, strlen(OMADM__DURABLE_TMP_PREFIX)) != 0;
}

/* dir + '/' + name, malloc'd; NULL when out of memory. */
static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *path = malloc(a + b + 2);

    if (!path)
        return NULL;
    memcpy(path, dir, a);
    path[a] = '/';
    memcpy(path + a + 1, name, b + 1);
    return path;
}

omadm_status omadm__durable_open(omadm__durable *d, const char *dir)
{
    size_t n;
    omadm_status st;

    if (!d || !dir || !*dir)
        return OMADM_ERR_INVALID;
    d->dir = strdup(dir);
    if (!d->dir)
        return OMADM_ERR_NOMEM;
    n = strlen(d->dir);
    while (n > 1 && (d->dir[n - 1] == '/' || d->dir[n - 1] == '\\'))
        d->dir[--n] = '\0';
    st = omadm__fs_mkdir_p(d->dir);
    if (st != OMADM_OK) {
        omadm__durable_close(d);
        return st;
    }
    omadm__fs_remove_stale_temps(d->dir, OMADM__DURABLE_TMP_PREFIX);
    return OMADM_OK;
}

void omadm__durable_close(omadm__durable *d)
{
    if (!d)
        return;
    free(d->dir);
    d->dir = NULL;
}

omadm_status omadm__durable_read(const omadm__durable *d, const char *name, size_t max, char **data,
                                 size_t *len)
{
    char *path;
    omadm_status st;

    if (!d || !d->dir || !data || !len || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    path = join(d->dir, name);
    if (!path)
        return OMADM_ERR_NOMEM;
    st = omadm__fs_read(path, max, data, len);
    free(path);
    return st;
}

omadm_status omadm__durable_replace(const omadm__durable *d, const char *name, const void *data,
                                    size_t len)
{
    return omadm__durable_replace_with(d, name, data, len, OMADM_FILE_FLUSH_ALL);
}

omadm_status omadm__durable_replace_with(const omadm__durable *d, const char *name,
                                         const void *data, size_t len, unsigned flush)
{
    char tmpname[OMADM__DURABLE_NAME_MAX + 32];
    char *tmp = NULL, *path = NULL;
    omadm_status st;

    if (!d || !d->dir || (!data && len) || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    snprintf(tmpname, sizeof tmpname, "%s%s-%ld", OMADM__DURABLE_TMP_PREFIX, name, omadm__fs_pid());
    tmp = join(d->dir, tmpname);
    path = join(d->dir, name);
    if (!tmp || !path) {
        st = OMADM_ERR_NOMEM;
        goto out;
    }
    st = omadm__fs_write_new_flush(tmp, data ? data : "", len, flush != OMADM_FILE_FLUSH_NONE);
    if (st != OMADM_OK)
        goto out;
    omadm__crash_point("durable-write-before-rename");
    st = omadm__fs_rename_flush(tmp, path, d->dir, flush == OMADM_FILE_FLUSH_ALL);
    if (st != OMADM_OK) {
        if (omadm__fs_exists(tmp))
            omadm__fs_unlink_quiet(tmp);
        goto out;
    }
    omadm__crash_point("durable-write-after-rename");
out:
    free(tmp);
    free(path);
    return st;
}

omadm_status omadm__durable_remove(const omadm__durable *d, const char *name)
{
    char *path;
    omadm_status st;

    if (!d || !d->dir || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    path = join(d->dir, name);
    if (!path)
        return OMADM_ERR_NOMEM;
    st = omadm__fs_unlink(path, d->dir);
    free(path);
    return st;
}

typedef struct name_list {
    const char *prefix;
    size_t plen;
    char **names;
    size_t count, cap;
    omadm_status st;
} name_list;

static int collect(void *user, const char *name)
{
    name_list *l = user;

    /* name_valid excludes temp files, "." and ".." */
    if (strncmp(name, l->prefix, l->plen) != 0 || !omadm__durable_name_valid(name))
        return 0;
    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **nn = realloc(l->names, ncap * sizeof *nn);
        if (!nn) {
            l->st = OMADM_ERR_NOMEM;
            return 1;
        }
        l->names = nn;
        l->cap = ncap;
    }
    l->names[l->count] = strdup(name);
    if (!l->names[l->count]) {
        l->st = OMADM_ERR_NOMEM;
        return 1;
    }
    l->count++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

omadm_status omadm__durable_list(const omadm__durable *d, const char *prefix,
                                 omadm_platform_list_cb cb, void *user)
{
    name_list l;
    size_t i;
    omadm_status st;

    if (!d || !d->dir || !cb)
        return OMADM_ERR_INVALID;
    memset(&l, 0, sizeof l);
    l.prefix = prefix ? prefix : "";
    l.plen = strlen(l.prefix);
    st = omadm__fs_list(d->dir, collect, &l);
    if (st == OMADM_OK)
        st = l.st;
    if (st == OMADM_OK) {
        if (l.count > 1)
            qsort(l.names, l.count, sizeof *l.names, cmp_names);
        for (i = 0; i < l.count; i++)
            if (cb(user, l.names[i]) != 0)
                break;
    }
    for (i = 0; i < l.count; i++)
        free(l.names[i]);
    free(l.names);
    return st;
}

omadm_status omadm__durable_append(const omadm__durable *d, const char *name, const void *data,
                                   size_t len)
{
    return omadm__durable_append_with(d, name, data, len, 1);
}

omadm_status omadm__durable_append_with(const omadm__durable *d, const char *name, const void *data,
                                        size_t len, int flush)
{
    char *path;
    omadm_status st;

    if (!d || !d->dir || (!data && len) || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    path = join(d->dir, name);
    if (!path)
        return OMADM_ERR_NOMEM;
    st = omadm__fs_append(path, data ? data : "", len, d->dir, flush);
    free(path);
    return st;
}

int omadm__durable_exists(const omadm__durable *d, const char *name)
{
    char *path;
    int found;

    if (!d || !d->dir || !omadm__durable_name_valid(name))
        return 0;
    path = join(d->dir, name);
    if (!path)
        return 0;
    found = omadm__fs_exists(path);
    free(path);
    return found;
}

static omadm_status text_result(omadm_status st, char *data, size_t len, char *buf, size_t size)
{
    if (st != OMADM_OK)
        return st;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' ||
                       data[len - 1] == '\t'))
        len--;
    data[len] = '\0';
    if (memchr(data, '\0', len)) {
        free(data);
        return OMADM_ERR_PARSE;
    }
    st = omadm__copy_string(buf, size, data);
    free(data);
    return st;
}

/* Small text files: a cap well above any fact or id, below anything silly. */
#define TEXT_MAX 4096

omadm_status omadm__durable_read_text(const omadm__durable *d, const char *name, char *buf,
                                      size_t size)
{
    char *data = NULL;
    size_t len = 0;
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    st = omadm__durable_read(d, name, TEXT_MAX, &data, &len);
    return text_result(st, data, len, buf, size);
}

omadm_status omadm__read_text_path(const char *path, char *buf, size_t size)
{
    char *data = NULL;
    size_t len = 0;
    omadm_status st;

    if (!path || !buf || size == 0)
        return OMADM_ERR_INVALID;
    st = omadm__fs_read(path, TEXT_MAX, &data, &len);
    return text_result(st, data, len, buf, size);
}
