/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl's multi interface over epoll (multi.h). */
#include "multi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

#define EVENTS_MAX 256

/* CURLMOPT_SOCKETFUNCTION: libcurl says which events it wants on a socket.
 * socketp is non-NULL once the socket is in the epoll set. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *user, void *socketp)
{
    fleet_multi *m = user;
    struct epoll_event ev;

    (void)e;
    if (what == CURL_POLL_REMOVE) {
        if (socketp)
            epoll_ctl(m->epfd, EPOLL_CTL_DEL, s, NULL); /* may be closed already */
        curl_multi_assign(m->multi, s, NULL);
        return 0;
    }
    memset(&ev, 0, sizeof ev);
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = s;
    if (epoll_ctl(m->epfd, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) != 0) {
        /* MOD of a socket epoll no longer knows (closed and reused): ADD. */
        if (errno == ENOENT)
            epoll_ctl(m->epfd, EPOLL_CTL_ADD, s, &ev);
        else if (errno == EEXIST)
            epoll_ctl(m->epfd, EPOLL_CTL_MOD, s, &ev);
    }
    curl_multi_assign(m->multi, s, m); /* any non-NULL marker */
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer; 0 means at once. */
static int on_timer(CURLM *multi, long ms, void *user)
{
    fleet_multi *m = user;

    (void)multi;
    m->timer_at = ms < 0 ? 0 : fleet_now() + (double)ms / 1000.0;
    return 0;
}

int fleet_multi_init(fleet_multi *m, const fleet_options *o)
{
    memset(m, 0, sizeof *m);
    m->o = o;
    m->epfd = epoll_create1(EPOLL_CLOEXEC);
    m->pool_cap = o->max_inflight + 1;
    m->pool = calloc(m->pool_cap, sizeof *m->pool);
    m->multi = curl_multi_init();
    m->share = curl_share_init();
    m->headers = curl_slist_append(NULL, "Content-Type: " CONTENT_TYPE);
    if (m->headers)
        m->headers = curl_slist_append(m->headers, "Accept: " CONTENT_TYPE);
    m->url = curl_url();
    if (m->epfd < 0 || !m->pool || !m->multi || !m->share || !m->headers || !m->url ||
        curl_url_set(m->url, CURLUPART_URL, o->server, 0) != CURLUE_OK)
        return -1;
    curl_share_setopt(m->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(m->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)o->max_inflight);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
    return 0;
}

void fleet_multi_free(fleet_multi *m)
{
    while (m->pool && m->pool_n)
        curl_easy_cleanup(m->pool[--m->pool_n]);
    if (m->multi)
        curl_multi_cleanup(m->multi);
    if (m->share)
        curl_share_cleanup(m->share);
    curl_slist_free_all(m->headers);
    curl_url_cleanup(m->url);
    free(m->pool);
    if (m->epfd >= 0)
        close(m->epfd);
    memset(m, 0, sizeof *m);
    m->epfd = -1;
}

CURL *fleet_multi_easy(fleet_multi *m)
{
    const fleet_options *o = m->o;
    CURL *e;

    if (m->pool_n)
        return m->pool[--m->pool_n];
    e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_CURLU, m->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CAINFO, o->ca);
    /* --ca only, not libcurl's built-in CA directory too; and without a
     * directory libcurl keeps the CA store it parsed for the next
     * connection (CURLOPT_CA_CACHE_TIMEOUT) instead of reading --ca at
     * every one. */
    curl_easy_setopt(e, CURLOPT_CAPATH, (char *)NULL);
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "MSFT OMA DM Client/1.2.0.1 (omadm-fleet)");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m->headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_reply);
    curl_easy_setopt(e, CURLOPT_SHARE, m->share);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, fleet_tls_ctx);
    return e;
}

static void pool_put(fleet_multi *m, CURL *e)
{
    if (m->pool_n < m->pool_cap)
        m->pool[m->pool_n++] = e;
    else
        curl_easy_cleanup(e);
}

int fleet_multi_add(fleet_multi *m, CURL *e)
{
    if (curl_multi_add_handle(m->multi, e) != CURLM_OK) {
        pool_put(m, e);
        return -1;
    }
    return 0;
}

void fleet_multi_release(fleet_multi *m, CURL *e)
{
    curl_multi_remove_handle(m->multi, e);
    pool_put(m, e);
}

void fleet_multi_wait(fleet_multi *m, double max_wait, void (*done)(void *, CURL *, CURLcode),
                      void *user)
{
    struct epoll_event ev[EVENTS_MAX];
    double now = fleet_now(), wait = max_wait;
    int n, i, running = 0, left;
    CURLMsg *msg;

    if (m->timer_at > 0 && m->timer_at - now < wait)
        wait = m->timer_at - now;
    if (wait < 0)
        wait = 0;
    n = epoll_wait(m->epfd, ev, EVENTS_MAX, (int)(wait * 1000.0 + (wait > 0 ? 0.999 : 0)));
    for (i = 0; i < n; i++) {
        int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(m->multi, ev[i].data.fd, flags, &running);
    }
    if (m->timer_at > 0 && fleet_now() >= m->timer_at) {
        m->timer_at = 0;
        curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE)
            done(user, msg->easy_handle, msg->data.result);
}
