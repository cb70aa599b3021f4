/* SPDX-License-Identifier: Apache-2.0 */
/* File primitives for Windows (see fs.h). Paths are UTF-8 inside and
 * UTF-16 at the Win32 call; '/' and '\' both separate. Durability: data
 * flushed with FlushFileBuffers, renames with MOVEFILE_WRITE_THROUGH (there
 * is no directory fsync on Windows). */
#include "platform/common/fs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>

#include "core/log.h"

static omadm_status status_from_win32(DWORD err)
{
    switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
        return OMADM_ERR_NOT_FOUND;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
        return OMADM_ERR_ACCESS;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return OMADM_ERR_FULL;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return OMADM_ERR_NOMEM;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        return OMADM_ERR_EXISTS;
    case ERROR_FILENAME_EXCED_RANGE:
        return OMADM_ERR_LIMIT;
    default:
        return OMADM_ERR_IO;
    }
}

/* UTF-8 -> UTF-16, malloc'd; NULL on failure (invalid UTF-8 or memory). */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;

    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

/* UTF-16 -> UTF-8, malloc'd; NULL on failure. */
static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s;

    if (n <= 0)
        return NULL;
    s = malloc((size_t)n);
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

static int is_dir(const wchar_t *w)
{
    DWORD a = GetFileAttributesW(w);

    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

omadm_status omadm__fs_mkdir_p(const char *dir)
{
    wchar_t *w = wide(dir);
    size_t i, n, start = 1;
    omadm_status st = OMADM_OK;

    if (!w)
        return OMADM_ERR_INVALID;
    n = wcslen(w);
    /* Skip "C:\" and "\\server\share\" prefixes: they cannot be created. */
    if (n >= 2 && w[1] == L':')
        start = 3;
    else if (n >= 2 && (w[0] == L'\\' || w[0] == L'/') && (w[1] == L'\\' || w[1] == L'/')) {
        int seps = 0;
        for (start = 2; start < n && seps < 2; start++)
            if (w[start] == L'\\' || w[start] == L'/')
                seps++;
    }
    for (i = start; i <= n && st == OMADM_OK; i++) {
        wchar_t saved = w[i];
        if (saved != L'\\' && saved != L'/' && saved != L'\0')
            continue;
        w[i] = L'\0';
        if (!is_dir(w) && !CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
            st = status_from_win32(GetLastError());
            omadm__log(OMADM_LOG_ERROR, "cannot create directory %s: error %lu", dir,
                       (unsigned long)GetLastError());
        }
        w[i] = saved;
    }
    if (st == OMADM_OK && !is_dir(w)) {
        omadm__log(OMADM_LOG_ERROR, "state directory %s is not a directory", dir);
        st = OMADM_ERR_IO;
    }
    free(w);
    return st;
}

/* "<dir>\<name>" as UTF-16 from UTF-8 parts; NULL on failure. */
static wchar_t *wide_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    wchar_t *w;

    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '\\';
    memcpy(p + a + 1, name, b + 1);
    w = wide(p);
    free(p);
    return w;
}

static int process_alive(DWORD pid)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    DWORD code = 0;
    int alive;

    if (!h) /* access denied means it exists */
        return GetLastError() == ERROR_ACCESS_DENIED;
    alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return alive;
}

typedef struct stale_ctx {
    const char *dir;
    const char *prefix;
} stale_ctx;

static int stale_one(void *user, const char *name)
{
    stale_ctx *c = user;
    const char *dash;
    char *end;
    unsigned long pid;

    if (strncmp(name, c->prefix, strlen(c->prefix)) != 0)
        return 0;
    dash = strrchr(name, '-');
    if (!dash)
        return 0;
    pid = strtoul(dash + 1, &end, 10);
    if (*end || pid == 0)
        return 0;
    if (pid == GetCurrentProcessId() || !process_alive((DWORD)pid)) {
        wchar_t *w = wide_join(c->dir, name);
        if (w && DeleteFileW(w))
            omadm__log(OMADM_LOG_DEBUG, "removed stale temp file %s", name);
        free(w);
    }
    return 0;
}

void omadm__fs_remove_stale_temps(const char *dir, const char *tmp_prefix)
{
    stale_ctx c = { dir, tmp_prefix };

    (void)omadm__fs_list(dir, stale_one, &c);
}

static HANDLE open_w(const char *path, DWORD access, DWORD disposition, omadm_status *st)
{
    wchar_t *w = wide(path);
    HANDLE h;

    if (!w) {
        *st = OMADM_ERR_INVALID;
        return INVALID_HANDLE_VALUE;
    }
    h = CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    disposition, FILE_ATTRIBUTE_NORMAL, NULL);
    *st = h == INVALID_HANDLE_VALUE ? status_from_win32(GetLastError()) : OMADM_OK;
    free(w);
    return h;
}

omadm_status omadm__fs_read(const char *path, size_t max, char **data, size_t *len)
{
    omadm_status st;
    HANDLE h = open_w(path, GENERIC_READ, OPEN_EXISTING, &st);
    LARGE_INTEGER size;
    BY_HANDLE_FILE_INFORMATION info;
    size_t n = 0, want;
    char *buf;

    if (h == INVALID_HANDLE_VALUE)
        return st;
    if (!GetFileInformationByHandle(h, &info) ||
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || !GetFileSizeEx(h, &size)) {
        CloseHandle(h);
        return OMADM_ERR_IO;
    }
    if ((uint64_t)size.QuadPart > max) {
        CloseHandle(h);
        return OMADM_ERR_LIMIT;
    }
    want = (size_t)size.QuadPart;
    buf = malloc(want + 2);
    if (!buf) {
        CloseHandle(h);
        return OMADM_ERR_NOMEM;
    }
    /* Read one byte more than the size to notice a file that grew. */
    while (n < want + 1) {
        DWORD got = 0, ask = (DWORD)(want + 1 - n > 0x40000000 ? 0x40000000 : want + 1 - n);
        if (!ReadFile(h, buf + n, ask, &got, NULL)) {
            st = status_from_win32(GetLastError());
            free(buf);
            CloseHandle(h);
            return st;
        }
        if (got == 0)
            break;
        n += got;
    }
    CloseHandle(h);
    if (n > max || n > want) {
        free(buf);
        return OMADM_ERR_LIMIT;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return OMADM_OK;
}

static omadm_status write_all(HANDLE h, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        DWORD put = 0, ask = (DWORD)(len > 0x40000000 ? 0x40000000 : len);
        if (!WriteFile(h, p, ask, &put, NULL))
            return status_from_win32(GetLastError());
        p += put;
        len -= put;
    }
    return OMADM_OK;
}

omadm_status omadm__fs_write_new(const char *path, const void *data, size_t len)
{
    omadm_status st;
    HANDLE h = open_w(path, GENERIC_WRITE, CREATE_NEW, &st);

    if (h == INVALID_HANDLE_VALUE && st == OMADM_ERR_EXISTS) {
        omadm__fs_unlink_quiet(path); /* left by an earlier process */
        h = open_w(path, GENERIC_WRITE, CREATE_NEW, &st);
    }
    if (h == INVALID_HANDLE_VALUE) {
        omadm__log(OMADM_LOG_ERROR, "cannot create %s: %s", path, omadm_status_str(st));
        return st;
    }
    st = write_all(h, data, len);
    if (st == OMADM_OK && !FlushFileBuffers(h))
        st = status_from_win32(GetLastError());
    if (!CloseHandle(h) && st == OMADM_OK)
        st = OMADM_ERR_IO;
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "cannot write %s: %s", path, omadm_status_str(st));
        omadm__fs_unlink_quiet(path);
    }
    return st;
}

omadm_status omadm__fs_rename(const char *from, const char *to, const char *dir)
{
    wchar_t *wf = wide(from), *wt = wide(to);
    omadm_status st = OMADM_OK;

    (void)dir;
    if (!wf || !wt)
        st = OMADM_ERR_INVALID;
    else if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        st = status_from_win32(GetLastError());
        omadm__log(OMADM_LOG_ERROR, "cannot rename %s to %s: error %lu", from, to,
                   (unsigned long)GetLastError());
    }
    free(wf);
    free(wt);
    return st;
}

omadm_status omadm__fs_unlink(const char *path, const char *dir)
{
    wchar_t *w = wide(path);
    omadm_status st = OMADM_OK;

    (void)dir;
    if (!w)
        return OMADM_ERR_INVALID;
    if (is_dir(w))
        st = OMADM_ERR_IO;
    else if (!DeleteFileW(w))
        st = status_from_win32(GetLastError());
    free(w);
    return st;
}

void omadm__fs_unlink_quiet(const char *path)
{
    wchar_t *w = wide(path);

    if (w)
        DeleteFileW(w);
    free(w);
}

omadm_status omadm__fs_append(const char *path, const void *data, size_t len, const char *dir,
                              int flush)
{
    omadm_status st;
    HANDLE h = open_w(path, FILE_APPEND_DATA, OPEN_ALWAYS, &st);

    (void)dir;
    if (h == INVALID_HANDLE_VALUE) {
        omadm__log(OMADM_LOG_ERROR, "cannot open %s: %s", path, omadm_status_str(st));
        return st;
    }
    st = write_all(h, data, len);
    if (st == OMADM_OK && flush && !FlushFileBuffers(h))
        st = status_from_win32(GetLastError());
    if (!CloseHandle(h) && st == OMADM_OK)
        st = OMADM_ERR_IO;
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "cannot append to %s: %s", path, omadm_status_str(st));
    return st;
}

int omadm__fs_exists(const char *path)
{
    wchar_t *w = wide(path);
    int found;

    if (!w)
        return 0;
    found = GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES;
    free(w);
    return found;
}

omadm_status omadm__fs_list(const char *dir, int (*each)(void *user, const char *name), void *user)
{
    wchar_t *pattern = wide_join(dir, "*");
    WIN32_FIND_DATAW fd;
    HANDLE h;
    omadm_status st = OMADM_OK;

    if (!pattern)
        return OMADM_ERR_NOMEM;
    h = FindFirstFileW(pattern, &fd);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        return err == ERROR_FILE_NOT_FOUND ? OMADM_OK : status_from_win32(err);
    }
    do {
        char *name;
        int stop;
        if (fd.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT))
            continue;
        name = narrow(fd.cFileName);
        if (!name) {
            st = OMADM_ERR_NOMEM;
            break;
        }
        stop = each(user, name);
        free(name);
        if (stop)
            break;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return st;
}

long omadm__fs_pid(void)
{
    return (long)GetCurrentProcessId();
}

/* Windows keeps every write flushed (write-through renames). */
omadm_status omadm__fs_write_new_flush(const char *path, const void *data, size_t len, int flush)
{
    (void)flush;
    return omadm__fs_write_new(path, data, len);
}

omadm_status omadm__fs_rename_flush(const char *from, const char *to, const char *dir, int flush)
{
    (void)flush;
    return omadm__fs_rename(from, to, dir);
}
