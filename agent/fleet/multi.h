/* SPDX-License-Identifier: Apache-2.0 */
/* omadm-fleet's HTTPS driver: libcurl's multi interface driven by
 * curl_multi_socket_action over epoll (CURLMOPT_SOCKETFUNCTION and
 * TIMERFUNCTION), so a wait costs one epoll_wait and libcurl only looks at
 * the sockets that are ready; a pool of easy handles set up once for the
 * DM server. */
#ifndef OMADM_FLEET_MULTI_H
#define OMADM_FLEET_MULTI_H

#include <curl/curl.h>

#include "fleet.h"

typedef struct fleet_multi {
    const fleet_options *o;
    CURLM *multi;
    CURLSH *share; /* DNS, and TLS sessions for a device without its own */
    struct curl_slist *headers;
    CURLU *url; /* the DM server's URL, parsed once rather than per POST */
    CURL **pool;
    unsigned pool_n, pool_cap;
    int epfd;
    double timer_at; /* monotonic time libcurl wants its timeout, or 0 */
} fleet_multi;

/* 0, or -1 (out of memory or no epoll; fleet_multi_free cleans up). */
int fleet_multi_init(fleet_multi *m, const fleet_options *o);
void fleet_multi_free(fleet_multi *m);

/* A handle for a POST to the DM server (from the pool, or new), or NULL. */
CURL *fleet_multi_easy(fleet_multi *m);
/* Starts a transfer; 0, or -1 (the handle is back in the pool). */
int fleet_multi_add(fleet_multi *m, CURL *e);
/* Takes a transfer out of the multi handle and puts its handle back. */
void fleet_multi_release(fleet_multi *m, CURL *e);

/* Waits at most max_wait seconds for a ready socket or libcurl's timer,
 * lets libcurl act on what is ready, then calls done(user, handle, result)
 * for each transfer that ended (done releases the handle). */
void fleet_multi_wait(fleet_multi *m, double max_wait, void (*done)(void *, CURL *, CURLcode),
                      void *user);

#endif
