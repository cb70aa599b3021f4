/* SPDX-License-Identifier: Apache-2.0 */
/* On-demand sync over a Unix socket in the state directory (ctl.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred (SO_PEERCRED) */
#endif
#include "agent/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/os.h"

#define MAX_WAITERS     16
#define REQUEST_WAIT_MS 2000

struct waiter {
    int fd;
    unsigned target; /* the session number whose end answers it */
};

struct agent_ctl {
    pthread_t thread;
    pthread_mutex_t lock;
    int listen_fd;
    int wake[2];
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    /* under lock */
    int stop;
    unsigned started, done;
    char last[600];
    struct waiter w[MAX_WAITERS];
    size_t nw;
};

static int socket_path(const char *state_dir, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", state_dir, AGENT_CTL_SOCKET);

    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void send_line(int fd, const char *line)
{
    size_t len = strlen(line), off = 0;

    while (off < len) {
        ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
}

/* Reads the request line (a few bytes) without letting a silent client
 * hold the thread for long. */
static int read_request(int fd)
{
    char buf[16];
    size_t got = 0;
    int64_t end = agent_os_monotonic_ms() + REQUEST_WAIT_MS;

    while (got < sizeof buf - 1) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = end - agent_os_monotonic_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
        buf[got] = '\0';
        if (strchr(buf, '\n'))
            return strcmp(buf, "sync\n") == 0 ? 0 : -1;
    }
    return -1;
}

/* Peers of another user (not root) are refused. */
static int peer_allowed(int fd)
{
#ifdef SO_PEERCRED
    struct ucred cred;
    socklen_t len = sizeof cred;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return 0;
    return cred.uid == 0 || cred.uid == geteuid();
#else
    (void)fd;
    return 1;
#endif
}

static void accept_one(agent_ctl *c)
{
    int fd = accept(c->listen_fd, NULL, NULL);

    if (fd < 0)
        return;
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (!peer_allowed(fd) || read_request(fd) < 0) {
        close(fd);
        return;
    }
    pthread_mutex_lock(&c->lock);
    if (c->nw == MAX_WAITERS) {
        pthread_mutex_unlock(&c->lock);
        send_line(fd, "result=busy session=0 messages=0 duration_ms=0 error=too many requests\n");
        close(fd);
        return;
    }
    c->w[c->nw].fd = fd;
    c->w[c->nw].target = c->started + 1;
    c->nw++;
    pthread_mutex_unlock(&c->lock);
    agent_log(OMADM_LOG_INFO, "sync requested by omadm-agent sync");
    agent_os_request_sync();
}

static void *ctl_main(void *arg)
{
    agent_ctl *c = arg;

    for (;;) {
        struct pollfd fds[2] = { { c->listen_fd, POLLIN, 0 }, { c->wake[0], POLLIN, 0 } };
        char drain[64];
        size_t i;

        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            while (read(c->wake[0], drain, sizeof drain) > 0)
                ;
        pthread_mutex_lock(&c->lock);
        for (i = 0; i < c->nw;) {
            if (c->stop || c->done >= c->w[i].target) {
                send_line(c->w[i].fd, c->stop && c->done < c->w[i].target
                                          ? "result=aborted session=0 messages=0 duration_ms=0 "
                                            "error=the agent is stopping\n"
                                          : c->last);
                close(c->w[i].fd);
                c->w[i] = c->w[--c->nw];
            } else {
                i++;
            }
        }
        if (c->stop) {
            pthread_mutex_unlock(&c->lock);
            break;
        }
        pthread_mutex_unlock(&c->lock);
        if (fds[0].revents & POLLIN)
            accept_one(c);
    }
    return NULL;
}

static void wake(agent_ctl *c)
{
    ssize_t n = write(c->wake[1], "x", 1);
    (void)n;
}

int agent_ctl_start(agent_ctl **out, const char *state_dir, char *err, size_t errsize)
{
    agent_ctl *c = calloc(1, sizeof *c);
    struct sockaddr_un addr;

    *out = NULL;
    if (!c) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    c->listen_fd = c->wake[0] = c->wake[1] = -1;
    pthread_mutex_init(&c->lock, NULL);
    if (socket_path(state_dir, c->path, sizeof c->path) < 0) {
        snprintf(err, errsize, "%s: path too long for a control socket", state_dir);
        goto fail;
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, c->path, strlen(c->path) + 1);
    (void)unlink(c->path); /* a stale one: we hold the state lock */
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c->listen_fd < 0 || fcntl(c->listen_fd, F_SETFD, FD_CLOEXEC) < 0 ||
        bind(c->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 || chmod(c->path, 0600) < 0 ||
        listen(c->listen_fd, 8) < 0 || pipe(c->wake) < 0 ||
        fcntl(c->wake[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(c->wake[1], F_SETFL, O_NONBLOCK) < 0) {
        snprintf(err, errsize, "%s: %s", c->path, strerror(errno));
        goto fail;
    }
    if (pthread_create(&c->thread, NULL, ctl_main, c) != 0) {
        snprintf(err, errsize, "cannot start the control thread");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        (void)unlink(c->path);
    }
    if (c->wake[0] >= 0)
        close(c->wake[0]), close(c->wake[1]);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return -1;
}

void agent_ctl_stop(agent_ctl *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_mutex_unlock(&c->lock);
    wake(c);
    pthread_join(c->thread, NULL);
    close(c->listen_fd);
    (void)unlink(c->path);
    close(c->wake[0]);
    close(c->wake[1]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void agent_ctl_session_begin(agent_ctl *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->started++;
    pthread_mutex_unlock(&c->lock);
}

void agent_ctl_session_end(agent_ctl *c, const agent_session_result *res)
{
    char error[320];
    size_t i;

    if (!c)
        return;
    /* one line: no newline inside the error text */
    snprintf(error, sizeof error, "%s", res->error);
    for (i = 0; error[i]; i++)
        if (error[i] == '\n' || error[i] == '\r')
            error[i] = ' ';
    pthread_mutex_lock(&c->lock);
    c->done = c->started;
    snprintf(c->last, sizeof c->last,
             "result=%s session=%u messages=%u duration_ms=%lld error=%s\n",
             omadm_session_state_name(res->state), res->session_id, res->messages,
             (long long)res->duration_ms, error);
    pthread_mutex_unlock(&c->lock);
    wake(c);
}

/* The value of `key=` in the answer line (up to the next " key=" for
 * error, which is last). */
static void field(const char *line, const char *key, char *out, size_t size)
{
    const char *p = strstr(line, key);
    size_t n;

    out[0] = '\0';
    if (!p)
        return;
    p += strlen(key);
    n = strcmp(key, "error=") == 0 ? strcspn(p, "\n") : strcspn(p, " \n");
    snprintf(out, size, "%.*s", (int)n, p);
}

int agent_ctl_request_sync(const char *state_dir, int *exit_code, char *err, size_t errsize)
{
    struct sockaddr_un addr;
    char path[sizeof addr.sun_path], line[700], result[32], sid[16], msgs[16], ms[24], error[400];
    size_t got = 0;
    int fd;
    int64_t end;

    if (socket_path(state_dir, path, sizeof path) < 0) {
        snprintf(err, errsize, "%s: path too long for a control socket", state_dir);
        return -1;
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        snprintf(err, errsize, "no running agent answers on %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    send_line(fd, "sync\n");
    end = agent_os_monotonic_ms() + AGENT_CTL_WAIT_MS;
    line[0] = '\0';
    while (got < sizeof line - 1 && !strchr(line, '\n')) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = end - agent_os_monotonic_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        n = recv(fd, line + got, sizeof line - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        line[got] = '\0';
    }
    close(fd);
    if (!strchr(line, '\n')) {
        snprintf(err, errsize, "the running agent did not report the session (%s)", path);
        return -1;
    }
    field(line, "result=", result, sizeof result);
    field(line, "session=", sid, sizeof sid);
    field(line, "messages=", msgs, sizeof msgs);
    field(line, "duration_ms=", ms, sizeof ms);
    field(line, "error=", error, sizeof error);
    printf("session %s (run by the running agent): %s, %s messages, %s ms%s%s\n", sid, result, msgs,
           ms, error[0] ? ": " : "", error);
    fflush(stdout);
    *exit_code = strcmp(result, "completed") == 0 ? 0 : 1;
    return 0;
}
