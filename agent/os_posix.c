/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX side of agent/os.h: paths, file checks, signals, the idle wait. */
#include "agent/os.h"

#include "agent/agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "platform/posix/posix.h"

const char *agent_os_default_config(void)
{
    return "/etc/omadm-agent/agent.conf";
}

const char *agent_os_default_state_dir(void)
{
    return "/var/lib/omadm-agent";
}

int agent_os_is_cert_store_path(const char *cert)
{
    (void)cert;
    return 0;
}

static int open_regular(const char *path, struct stat *st, char *err, size_t errsize)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        int e = errno;
        snprintf(err, errsize, "cannot open: %s", strerror(e));
        errno = e;
        return -1;
    }
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        snprintf(err, errsize, "not a regular file");
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

int agent_os_lock_holder(const char *dir, long *pid, int64_t *since, char *err, size_t errsize)
{
    char path[PATH_MAX], text[64];
    struct flock fl;
    ssize_t n;
    int fd;

    *pid = 0;
    *since = 0;
    if (snprintf(path, sizeof path, "%s/agent.lock", dir) >= (int)sizeof path) {
        snprintf(err, errsize, "%s: path too long", dir);
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsize, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &fl) < 0) {
        snprintf(err, errsize, "%s: cannot test the lock: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (fl.l_type == F_UNLCK) {
        close(fd);
        return 0;
    }
    *pid = (long)fl.l_pid;
    n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    if (n > 0) {
        char *end = NULL;
        long p;
        long long s;
        text[n] = '\0';
        if (strncmp(text, "pid=", 4) == 0) {
            errno = 0;
            p = strtol(text + 4, &end, 10);
            if (errno == 0 && p == *pid && strncmp(end, " since=", 7) == 0) {
                s = strtoll(end + 7, &end, 10);
                if (errno == 0 && *end == '\n' && s > 0)
                    *since = (int64_t)s;
            }
        }
    }
    return 1;
}

int agent_os_check_readable(const char *path, char *err, size_t errsize)
{
    struct stat st;
    char byte;
    int fd = open_regular(path, &st, err, errsize);

    if (fd < 0)
        return -1;
    /* A read proves more than access(2): e.g. a directory or a FIFO. */
    if (read(fd, &byte, 1) < 0) {
        snprintf(err, errsize, "cannot read: %s", strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int agent_os_check_private(const char *path, char *err, size_t errsize)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        snprintf(err, errsize, "cannot stat: %s", strerror(errno));
        return -1;
    }
    if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
        snprintf(err, errsize,
                 "private key is accessible by group or others (mode %04o); chmod 600 it",
                 (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

int agent_os_read_file(const char *path, size_t max, char **data, size_t *len, unsigned *mode,
                       char *err, size_t errsize)
{
    struct stat st;
    char *buf;
    size_t got = 0;
    int fd = open_regular(path, &st, err, errsize);

    if (fd < 0)
        return -1;
    if ((unsigned long long)st.st_size > max) {
        snprintf(err, errsize, "larger than %lu bytes", (unsigned long)max);
        close(fd);
        errno = EFBIG;
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        snprintf(err, errsize, "out of memory");
        close(fd);
        return -1;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errsize, "cannot read: %s", strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    if (mode)
        *mode = (unsigned)(st.st_mode & 07777);
    return 0;
}

int agent_os_check_config_mode(unsigned mode, int holds_key_path, int holds_secret, char *err,
                               size_t errsize)
{
    if (holds_secret && (mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))) {
        snprintf(err, errsize,
                 "holds auth_secret but is accessible by group or others (mode %04o); chmod 600 "
                 "it",
                 mode);
        return -1;
    }
    if (holds_key_path && (mode & (S_IWGRP | S_IWOTH))) {
        snprintf(err, errsize,
                 "names the private key but is writable by group or others (mode %04o); chmod "
                 "go-w it",
                 mode);
        return -1;
    }
    return 0;
}

int agent_os_make_dir(const char *path, char *err, size_t errsize)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    struct stat st;

    if (len == 0 || len >= sizeof buf) {
        snprintf(err, errsize, "invalid directory name");
        return -1;
    }
    memcpy(buf, path, len + 1);
    /* Create each missing component; only the last one needs to be ours. */
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
                snprintf(err, errsize, "cannot create %s: %s", buf, strerror(errno));
                return -1;
            }
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errsize, "not a directory");
        return -1;
    }
    return 0;
}

int agent_os_make_temp_dir(char **out, char *err, size_t errsize)
{
    const char *tmp = getenv("TMPDIR");
    char *path;
    size_t n;

    if (!tmp || !*tmp)
        tmp = "/tmp";
    n = strlen(tmp) + sizeof "/omadm-agent-XXXXXX";
    path = malloc(n);
    if (!path) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    snprintf(path, n, "%s/omadm-agent-XXXXXX", tmp);
    if (!mkdtemp(path)) {
        snprintf(err, errsize, "cannot create a temporary directory in %s: %s", tmp,
                 strerror(errno));
        free(path);
        return -1;
    }
    *out = path;
    return 0;
}

void agent_os_remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *de;

    if (dir) {
        while ((de = readdir(dir)) != NULL) {
            char child[PATH_MAX];
            struct stat st;

            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if (snprintf(child, sizeof child, "%s/%s", path, de->d_name) >= (int)sizeof child)
                continue;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                agent_os_remove_tree(child);
            else
                unlink(child);
        }
        closedir(dir);
    }
    rmdir(path);
}

int agent_os_lock_dir(const char *dir, char *err, size_t errsize)
{
    char path[PATH_MAX];
    struct flock fl;
    int fd;

    if (snprintf(path, sizeof path, "%s/agent.lock", dir) >= (int)sizeof path) {
        snprintf(err, errsize, "%s: path too long", dir);
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errsize, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) < 0) {
        int e = errno;
        pid_t holder = 0;
        if ((e == EACCES || e == EAGAIN) && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
            holder = fl.l_pid;
        close(fd);
        if (e == EACCES || e == EAGAIN)
            snprintf(err, errsize,
                     "another omadm-agent (pid %ld) is using %s; `kill -USR1 %ld` asks a "
                     "running agent for a session now",
                     (long)holder, dir, (long)holder);
        else
            snprintf(err, errsize, "%s: cannot lock: %s", path, strerror(e));
        return -1;
    }
    /* Who holds it and since when, for `status` (F_GETLK gives the pid;
     * the start time is only here). */
    if (ftruncate(fd, 0) == 0) {
        char line[64];
        int n = snprintf(line, sizeof line, "pid=%ld since=%lld\n", (long)getpid(),
                         (long long)time(NULL));
        if (n > 0 && pwrite(fd, line, (size_t)n, 0) < 0)
            (void)0; /* informational only */
    }
    return fd;
}

void agent_os_unlock_dir(int handle)
{
    if (handle >= 0)
        close(handle);
}

int agent_os_check_state_dir(const char *path, char *err, size_t errsize)
{
    char buf[PATH_MAX];
    struct stat st;
    char *slash;

    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, errsize, "not a directory");
            return -1;
        }
        if (access(path, W_OK | X_OK) < 0) {
            snprintf(err, errsize, "not writable by this user (uid %ld): %s", (long)geteuid(),
                     strerror(errno));
            return -1;
        }
        return 0;
    }
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, errsize, "path too long");
        return -1;
    }
    /* The nearest existing parent decides whether it can be created. */
    while ((slash = strrchr(buf, '/')) != NULL) {
        *slash = '\0';
        if (slash == buf)
            snprintf(buf, sizeof buf, "/");
        if (stat(buf, &st) == 0)
            break;
        if (slash == buf)
            break;
    }
    if (!slash)
        snprintf(buf, sizeof buf, ".");
    if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errsize, "cannot be created: %s is not a directory", buf);
        return -1;
    }
    if (access(buf, W_OK | X_OK) < 0) {
        snprintf(err, errsize, "cannot be created: %s is not writable by this user (uid %ld)", buf,
                 (long)geteuid());
        return -1;
    }
    return 1;
}

int agent_os_is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int agent_os_native_platform(struct omadm_platform *out, const char *state_dir, int allow_restart)
{
    return (int)omadm_platform_posix_new(out, state_dir, allow_restart);
}

int agent_os_stderr_is_journal(void)
{
    const char *env = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    char *end;

    if (!env || *env < '0' || *env > '9')
        return 0;
    errno = 0;
    dev = strtoull(env, &end, 10);
    if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
        return 0;
    ino = strtoull(end + 1, &end, 10);
    if (errno != 0 || *end)
        return 0;
    /* Only when stderr is still that stream, not a file a child inherited
     * the variable with. */
    return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

long agent_os_pid(void)
{
    return (long)getpid();
}

int64_t agent_os_wall_time(void)
{
    return (int64_t)time(NULL);
}

int64_t agent_os_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Signals reach the loop through a self-pipe: the handler only sets a flag
 * and writes a byte, and the wait is a single poll() on the pipe with the
 * timeout of the next event. */
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t sync_flag;
static volatile sig_atomic_t reload_flag;
static int wake_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    int saved = errno;

    if (sig == SIGUSR1) {
        sync_flag = 1;
    } else if (sig == SIGHUP) {
        reload_flag = 1;
    } else if (stop_flag) {
        /* Second stop signal: go now. Durable state is always complete on
         * disk (atomic replace), so dying here corrupts nothing. */
        signal(sig, SIG_DFL);
        raise(sig);
    } else {
        stop_flag = 1;
    }
    if (wake_pipe[1] >= 0) {
        ssize_t n = write(wake_pipe[1], "x", 1);
        (void)n;
    }
    errno = saved;
}

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int agent_os_signals_init(char *err, size_t errsize)
{
    struct sigaction sa;
    static const int sigs[] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP };

    if (wake_pipe[0] < 0) {
        if (pipe(wake_pipe) < 0 || set_flags(wake_pipe[0]) < 0 || set_flags(wake_pipe[1]) < 0) {
            snprintf(err, errsize, "cannot create the wake-up pipe: %s", strerror(errno));
            return -1;
        }
    }
    stop_flag = 0;
    sync_flag = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: an interrupted read or write inside libcurl carries on;
     * the loop notices the flag between messages. */
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], &sa, NULL) < 0) {
            snprintf(err, errsize, "cannot install a signal handler: %s", strerror(errno));
            return -1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void agent_os_signals_reset(void)
{
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    stop_flag = 0;
    sync_flag = 0;
    reload_flag = 0;
}

int agent_os_stop_requested(void)
{
    return stop_flag != 0;
}

void agent_os_request_stop(void)
{
    stop_flag = 1;
    if (wake_pipe[1] >= 0) {
        ssize_t n = write(wake_pipe[1], "x", 1);
        (void)n;
    }
}

void agent_os_request_sync(void)
{
    sync_flag = 1;
    if (wake_pipe[1] >= 0) {
        ssize_t n = write(wake_pipe[1], "x", 1);
        (void)n;
    }
}

static void drain_pipe(void)
{
    char buf[64];

    while (wake_pipe[0] >= 0 && read(wake_pipe[0], buf, sizeof buf) > 0)
        ;
}

enum agent_wake agent_os_wait(int64_t delay_ms)
{
    int64_t deadline = delay_ms >= 0 ? agent_os_monotonic_ms() + delay_ms : -1;

    for (;;) {
        struct pollfd pfd = { wake_pipe[0], POLLIN, 0 };
        int timeout;
        int rc;

        if (stop_flag)
            return AGENT_WAKE_STOP;
        if (reload_flag) {
            reload_flag = 0;
            return AGENT_WAKE_RELOAD;
        }
        if (sync_flag) {
            sync_flag = 0;
            return AGENT_WAKE_SYNC;
        }
        if (deadline < 0) {
            timeout = -1;
        } else {
            int64_t left = deadline - agent_os_monotonic_ms();
            if (left <= 0)
                return AGENT_WAKE_TIMEOUT;
            /* poll() takes an int: very long sleeps wake once every ~24
             * days and go back to sleep. */
            timeout = left > INT_MAX ? INT_MAX : (int)left;
        }
        rc = poll(&pfd, 1, timeout);
        if (rc < 0 && errno != EINTR)
            return AGENT_WAKE_ERROR;
        if (rc > 0)
            drain_pipe();
    }
}

int agent_os_service_command(int argc, char **argv, char *err, size_t errsize)
{
    (void)argc;
    (void)argv;
    snprintf(err, errsize, "service: only available on Windows (use systemctl on Linux)");
    return 2;
}

int agent_os_service_config_error(const char *msg)
{
    (void)msg;
    return -1;
}

int agent_os_run_service(struct agent_config *cfg)
{
    return agent_cmd_run(cfg);
}
