/* nftw() is an XSI function. */
#define _XOPEN_SOURCE 700

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ftw.h>

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl;
    size_t n;

    if (!base || !*base)
        base = "/tmp";
    n = strlen(base) + 32;
    tmpl = malloc(n);
    if (!tmpl)
        abort();
    snprintf(tmpl, n, "%s/omadm-test-XXXXXX", base);
    if (!mkdtemp(tmpl))
        abort();
    return tmpl;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmtree_free(char *dir)
{
    if (!dir)
        return;
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *tu_path(const char *dir, const char *name, const char *name2)
{
    size_t n = strlen(dir) + strlen(name) + (name2 ? strlen(name2) : 0) + 3;
    char *p = malloc(n);

    if (!p)
        abort();
    if (name2)
        snprintf(p, n, "%s/%s/%s", dir, name, name2);
    else
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void tu_write(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (!f)
        abort();
    if (len == (size_t)-1)
        len = strlen(data);
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    if (fclose(f) != 0)
        abort();
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (!f)
        return NULL;
    for (;;) {
        size_t r;
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            if (!buf)
                abort();
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int tu_exists(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0;
}

int tu_count(const char *dir, const char *prefix)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (!dh)
        return -1;
    while ((de = readdir(dh)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(dh);
    return n;
}
