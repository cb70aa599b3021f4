/* SPDX-License-Identifier: Apache-2.0 */
/* nftw() and mkdtemp() are XSI/POSIX functions. */
#define _XOPEN_SOURCE 700

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <direct.h>
#include <windows.h>
#else
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#ifdef _WIN32
char *tu_mkdtemp(void)
{
    char base[MAX_PATH];
    char *path = malloc(MAX_PATH + 64);
    unsigned attempt;
    DWORD n = GetTempPathA(sizeof base, base);

    if (!path || n == 0 || n >= sizeof base)
        abort();
    for (attempt = 0; attempt < 1000; attempt++) {
        snprintf(path, MAX_PATH + 64, "%somadm-test-%lu-%lu-%u", base,
                 (unsigned long)GetCurrentProcessId(), (unsigned long)GetTickCount(), attempt);
        if (CreateDirectoryA(path, NULL))
            return path;
    }
    abort();
}

static void rmtree(const char *dir)
{
    char *pattern = tu_path(dir, "*", NULL);
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA(pattern, &fd);

    free(pattern);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            char *p;
            if (!strcmp(fd.cFileName, ".") || !strcmp(fd.cFileName, ".."))
                continue;
            p = tu_path(dir, fd.cFileName, NULL);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                rmtree(p);
            else
                DeleteFileA(p);
            free(p);
        } while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryA(dir);
}

void tu_rmtree_free(char *dir)
{
    if (!dir)
        return;
    rmtree(dir);
    free(dir);
}

int tu_exists(const char *path)
{
    return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

int tu_is_dir(const char *path)
{
    DWORD a = GetFileAttributesA(path);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int tu_count(const char *dir, const char *prefix)
{
    char *pattern = malloc(strlen(dir) + strlen(prefix) + 3);
    WIN32_FIND_DATAA fd;
    HANDLE h;
    int n = 0;

    if (!pattern)
        abort();
    sprintf(pattern, "%s/%s*", dir, prefix);
    h = FindFirstFileA(pattern, &fd);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    do
        n++;
    while (FindNextFileA(h, &fd));
    FindClose(h);
    return n;
}

static int make_dir(const char *path)
{
    return _mkdir(path);
}
#else
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

int tu_exists(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0;
}

int tu_is_dir(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
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

static int make_dir(const char *path)
{
    return mkdir(path, 0755);
}
#endif

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

void tu_mkdirs(const char *path)
{
    char *copy = malloc(strlen(path) + 1);
    char *p;

    if (!copy)
        abort();
    strcpy(copy, path);
    for (p = copy + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (!tu_is_dir(copy) && make_dir(copy) != 0 && !tu_is_dir(copy))
                abort();
            *p = saved;
            if (!saved)
                break;
        }
    }
    free(copy);
}

void tu_put(const char *dir, const char *relpath, const char *text)
{
    char *path = tu_path(dir, relpath, NULL);
    char *slash = strrchr(path, '/');

    *slash = '\0';
    tu_mkdirs(path);
    *slash = '/';
    tu_write(path, text, (size_t)-1);
    free(path);
}
