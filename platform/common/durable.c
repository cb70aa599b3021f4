/* Durable files for POSIX systems (used by platform/sim and platform/posix).
 *
 * Replace = temp file created with O_EXCL, write all, fsync, rename over the
 * target, fsync the directory: after a crash at any instant the name holds
 * the old or the new content, never a mix. */
#include "platform/common/durable.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/crash.h"
#include "core/log.h"

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

static omadm_status mkdir_p(const char *dir)
{
    char *copy = strdup(dir);
    char *p;
    omadm_status st = OMADM_OK;
    struct stat sb;

    if (!copy)
        return OMADM_ERR_NOMEM;
    /* Create each missing component in turn ("a/b/c": a, a/b, a/b/c). */
    for (p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
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

/* A temp file whose writer is gone will never be renamed: delete it. */
static void remove_stale_temps(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    size_t plen = strlen(OMADM__DURABLE_TMP_PREFIX);

    if (!dh)
        return;
    while ((de = readdir(dh)) != NULL) {
        const char *dash;
        char *end;
        long pid;

        if (strncmp(de->d_name, OMADM__DURABLE_TMP_PREFIX, plen) != 0)
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
    while (n > 1 && d->dir[n - 1] == '/')
        d->dir[--n] = '\0';
    st = mkdir_p(d->dir);
    if (st != OMADM_OK) {
        omadm__durable_close(d);
        return st;
    }
    remove_stale_temps(d->dir);
    return OMADM_OK;
}

void omadm__durable_close(omadm__durable *d)
{
    if (!d)
        return;
    free(d->dir);
    d->dir = NULL;
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

static omadm_status read_path(const char *path, size_t max, char **data, size_t *len)
{
    int fd;
    omadm_status st;

    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return omadm__status_from_errno(errno);
    st = read_fd(fd, max, data, len);
    close(fd);
    return st;
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
    st = read_path(path, max, data, len);
    free(path);
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

omadm_status omadm__durable_replace(const omadm__durable *d, const char *name, const void *data,
                                    size_t len)
{
    char tmpname[OMADM__DURABLE_NAME_MAX + 32];
    char *tmp = NULL, *path = NULL;
    int fd = -1;
    omadm_status st;

    if (!d || !d->dir || (!data && len) || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    snprintf(tmpname, sizeof tmpname, "%s%s-%ld", OMADM__DURABLE_TMP_PREFIX, name, (long)getpid());
    tmp = join(d->dir, tmpname);
    path = join(d->dir, name);
    if (!tmp || !path) {
        st = OMADM_ERR_NOMEM;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* Left by an earlier process with our pid (pids repeat after a boot). */
        unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        st = omadm__status_from_errno(errno);
        omadm__log(OMADM_LOG_ERROR, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    st = write_all(fd, data, len);
    if (st == OMADM_OK && fsync(fd) != 0)
        st = omadm__status_from_errno(errno);
    if (close(fd) != 0 && st == OMADM_OK)
        st = omadm__status_from_errno(errno);
    fd = -1;
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "cannot write %s: %s", tmp, omadm_status_str(st));
        unlink(tmp);
        goto out;
    }
    omadm__crash_point("durable-write-before-rename");
    if (rename(tmp, path) != 0) {
        st = omadm__status_from_errno(errno);
        omadm__log(OMADM_LOG_ERROR, "cannot rename %s to %s: %s", tmp, name, strerror(errno));
        unlink(tmp);
        goto out;
    }
    omadm__crash_point("durable-write-after-rename");
    st = fsync_dir(d->dir);
out:
    free(tmp);
    free(path);
    return st;
}

omadm_status omadm__durable_remove(const omadm__durable *d, const char *name)
{
    char *path;
    omadm_status st = OMADM_OK;

    if (!d || !d->dir || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    path = join(d->dir, name);
    if (!path)
        return OMADM_ERR_NOMEM;
    if (unlink(path) != 0)
        st = omadm__status_from_errno(errno);
    else
        st = fsync_dir(d->dir);
    free(path);
    return st;
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

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

omadm_status omadm__durable_list(const omadm__durable *d, const char *prefix,
                                 omadm_platform_list_cb cb, void *user)
{
    DIR *dh;
    struct dirent *de;
    char **names = NULL;
    size_t count = 0, cap = 0, i, plen;
    omadm_status st = OMADM_OK;

    if (!d || !d->dir || !cb)
        return OMADM_ERR_INVALID;
    if (!prefix)
        prefix = "";
    plen = strlen(prefix);
    dh = opendir(d->dir);
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
        /* name_valid excludes temp files, "." and ".." */
        if (strncmp(de->d_name, prefix, plen) != 0 || !omadm__durable_name_valid(de->d_name) ||
            !is_regular(d->dir, de))
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof *names);
            if (!nn) {
                st = OMADM_ERR_NOMEM;
                break;
            }
            names = nn;
            cap = ncap;
        }
        names[count] = strdup(de->d_name);
        if (!names[count]) {
            st = OMADM_ERR_NOMEM;
            break;
        }
        count++;
    }
    closedir(dh);
    if (st == OMADM_OK) {
        if (count > 1)
            qsort(names, count, sizeof *names, cmp_names);
        for (i = 0; i < count; i++)
            if (cb(user, names[i]) != 0)
                break;
    }
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return st;
}

omadm_status omadm__durable_append(const omadm__durable *d, const char *name, const void *data,
                                   size_t len)
{
    char *path;
    int fd, created = 0;
    omadm_status st;

    if (!d || !d->dir || (!data && len) || !omadm__durable_name_valid(name))
        return OMADM_ERR_INVALID;
    path = join(d->dir, name);
    if (!path)
        return OMADM_ERR_NOMEM;
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        created = fd >= 0;
    }
    if (fd < 0) {
        st = omadm__status_from_errno(errno);
        omadm__log(OMADM_LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
        free(path);
        return st;
    }
    st = write_all(fd, data, len);
    if (st == OMADM_OK && fsync(fd) != 0)
        st = omadm__status_from_errno(errno);
    if (close(fd) != 0 && st == OMADM_OK)
        st = omadm__status_from_errno(errno);
    if (st == OMADM_OK && created)
        st = fsync_dir(d->dir);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "cannot append to %s: %s", path, omadm_status_str(st));
    free(path);
    return st;
}

int omadm__durable_exists(const omadm__durable *d, const char *name)
{
    char *path;
    struct stat sb;
    int found;

    if (!d || !d->dir || !omadm__durable_name_valid(name))
        return 0;
    path = join(d->dir, name);
    if (!path)
        return 0;
    found = lstat(path, &sb) == 0;
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
    st = read_path(path, TEXT_MAX, &data, &len);
    return text_result(st, data, len, buf, size);
}
