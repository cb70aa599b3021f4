/* SPDX-License-Identifier: Apache-2.0 */
/* File primitives for POSIX systems (see fs.h). */
#include "platform/common/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/log.h"
#include "platform/common/durable.h"

omadm_status omadm__status_from_errno(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return OMADM_ERR_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS:
        return OMADM_ERR_ACCESS;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return OMADM_ERR_FULL;
    case ENOMEM:
        return OMADM_ERR_NOMEM;
    case EEXIST:
        return OMADM_ERR_EXISTS;
    case ENAMETOOLONG:
        return OMADM_ERR_LIMIT;
    default:
        return OMADM_ERR_IO;
    }
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

static omadm_status fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    omadm_status st = OMADM_OK;

    if (fd < 0)
        return omadm__status_from_errno(errno);
    /* Some file systems refuse fsync on a directory: nothing more to do. */
    if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
        st = omadm__status_from_errno(errno);
    close(fd);
    return st;
}

omadm_status omadm__fs_mkdir_p(const char *dir)
{
    char *copy = strdup(dir);
    char *p;
    omadm_status st = OMADM_OK;
    struct stat sb;

    if (!copy)
        return OMADM_ERR_NOMEM;
    /* Create each missing component in turn ("a/b/c": a, a/b, a/b/c). */
    for (p = copy + 1;; p++) {
        char saved;
        if (*p != '/' && *p != '\0')
            continue;
        saved = *p;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            st = omadm__status_from_errno(errno);
            omadm__log(OMADM_LOG_ERROR, "cannot create directory %s: %s", copy, strerror(errno));
            break;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (st == OMADM_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        omadm__log(OMADM_LOG_ERROR, "state directory %s is not a directory", dir);
        st = OMADM_ERR_IO;
    }
    free(copy);
    return st;
}

void omadm__fs_remove_stale_temps(const char *dir, const char *tmp_prefix)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    size_t plen = strlen(tmp_prefix);

    if (!dh)
        return;
    while ((de = readdir(dh)) != NULL) {
        const char *dash;
        char *end;
        long pid;

        if (strncmp(de->d_name, tmp_prefix, plen) != 0)
            continue;
        dash = strrchr(de->d_name, '-');
        if (!dash)
            continue;
        pid = strtol(dash + 1, &end, 10);
        if (*end || pid <= 0 || pid > INT_MAX)
            continue;
        if ((pid_t)pid == getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            char *path = join(dir, de->d_name);
            if (path && unlink(path) == 0)
                omadm__log(OMADM_LOG_DEBUG, "removed stale temp file %s", path);
            free(path);
        }
    }
    closedir(dh);
}

/* Reads an open descriptor to the end, at most `max` bytes; LIMIT beyond. */
static omadm_status read_fd(int fd, size_t max, char **data, size_t *len)
{
    struct stat sb;
    size_t cap, n = 0;
    char *buf;

    if (fstat(fd, &sb) != 0)
        return omadm__status_from_errno(errno);
    if (!S_ISREG(sb.st_mode))
        return OMADM_ERR_IO;
    if ((uint64_t)sb.st_size > max)
        return OMADM_ERR_LIMIT;
    /* /proc and /sys files report size 0 or 4096: read until EOF. */
    cap = (size_t)sb.st_size + 1;
    if (cap < 256)
        cap = 256;
    if (cap > max + 1)
        cap = max + 1;
    buf = malloc(cap + 1);
    if (!buf)
        return OMADM_ERR_NOMEM;
    for (;;) {
        ssize_t r;

        if (n == cap) {
            char *nb;
            if (cap > max) { /* read max+1 bytes: over the limit */
                free(buf);
                return OMADM_ERR_LIMIT;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                return OMADM_ERR_NOMEM;
            }
            buf = nb;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            return omadm__status_from_errno(errno);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return OMADM_ERR_LIMIT;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return OMADM_OK;
}

omadm_status omadm__fs_read(const char *path, size_t max, char **data, size_t *len)
{
    int fd;
    omadm_status st;

    /* O_NONBLOCK: a FIFO planted in the state directory must not block
     * open() forever (read_fd refuses anything but a regular file, on which
     * O_NONBLOCK has no effect). */
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return omadm__status_from_errno(errno);
    st = read_fd(fd, max, data, len);
    close(fd);
    return st;
}

static omadm_status write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return omadm__status_from_errno(errno);
        }
        p += w;
        len -= (size_t)w;
    }
    return OMADM_OK;
}

omadm_status omadm__fs_write_new(const char *path, const void *data, size_t len)
{
    return omadm__fs_write_new_flush(path, data, len, 1);
}

omadm_status omadm__fs_write_new_flush(const char *path, const void *data, size_t len, int flush)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    omadm_status st;

    if (fd < 0 && errno == EEXIST) {
        /* Left by an earlier process with our pid (pids repeat after a boot). */
        unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        st = omadm__status_from_errno(errno);
        omadm__log(OMADM_LOG_ERROR, "cannot create %s: %s", path, strerror(errno));
        return st;
    }
    st = write_all(fd, data, len);
    if (st == OMADM_OK && flush && fsync(fd) != 0)
        st = omadm__status_from_errno(errno);
    if (close(fd) != 0 && st == OMADM_OK)
        st = omadm__status_from_errno(errno);
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "cannot write %s: %s", path, omadm_status_str(st));
        unlink(path);
    }
    return st;
}

omadm_status omadm__fs_rename(const char *from, const char *to, const char *dir)
{
    return omadm__fs_rename_flush(from, to, dir, 1);
}

omadm_status omadm__fs_rename_flush(const char *from, const char *to, const char *dir, int flush)
{
    if (rename(from, to) != 0) {
        omadm_status st = omadm__status_from_errno(errno);
        omadm__log(OMADM_LOG_ERROR, "cannot rename %s to %s: %s", from, to, strerror(errno));
        return st;
    }
    return flush ? fsync_dir(dir) : OMADM_OK;
}

omadm_status omadm__fs_unlink(const char *path, const char *dir)
{
    if (unlink(path) != 0)
        return omadm__status_from_errno(errno);
    return fsync_dir(dir);
}

void omadm__fs_unlink_quiet(const char *path)
{
    unlink(path);
}

omadm_status omadm__fs_append(const char *path, const void *data, size_t len, const char *dir,
                              int flush)
{
    int fd, created = 0;
    omadm_status st;

    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        created = fd >= 0;
    }
    if (fd < 0) {
        st = omadm__status_from_errno(errno);
        omadm__log(OMADM_LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
        return st;
    }
    st = write_all(fd, data, len);
    if (st == OMADM_OK && flush && fsync(fd) != 0)
        st = omadm__status_from_errno(errno);
    if (close(fd) != 0 && st == OMADM_OK)
        st = omadm__status_from_errno(errno);
    if (st == OMADM_OK && flush && created)
        st = fsync_dir(dir);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "cannot append to %s: %s", path, omadm_status_str(st));
    return st;
}

int omadm__fs_exists(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0;
}

/* Only regular files are durable files (sim/ is a directory in the state
 * directory, for instance). */
static int is_regular(const char *dir, const struct dirent *de)
{
    struct stat sb;
    char *path;
    int reg;

#ifdef DT_REG
    if (de->d_type == DT_REG)
        return 1;
    if (de->d_type != DT_UNKNOWN)
        return 0;
#endif
    path = join(dir, de->d_name);
    reg = path && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    free(path);
    return reg;
}

omadm_status omadm__fs_list(const char *dir, int (*each)(void *user, const char *name), void *user)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    omadm_status st = OMADM_OK;

    if (!dh)
        return omadm__status_from_errno(errno);
    for (;;) {
        errno = 0;
        de = readdir(dh);
        if (!de) {
            if (errno != 0)
                st = omadm__status_from_errno(errno);
            break;
        }
        if (is_regular(dir, de) && each(user, de->d_name) != 0)
            break;
    }
    closedir(dh);
    return st;
}

long omadm__fs_pid(void)
{
    return (long)getpid();
}
