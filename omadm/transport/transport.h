/* SPDX-License-Identifier: Apache-2.0 */
/* HTTPS transport of SyncML DM messages (internal API; the agent's session
 * driver uses it). It knows nothing of SyncML: it POSTs a body and returns
 * the server's reply body.
 *
 * One transport = one libcurl easy handle, reused for every message of a
 * session so the TCP connection and the TLS session are reused. HTTPS only,
 * TLS 1.2 minimum, server verification always on (peer and host name; there
 * is deliberately no option to turn it off), optional client certificate,
 * connect and total timeouts, proxy from the config or the environment.
 * Redirects are never followed (a 3xx is a failure).
 *
 * Threads: a transport is used by one thread at a time. libcurl's global
 * state is initialised by omadm_transport_global_init(), which the program
 * should call once at start-up while single-threaded; omadm_transport_new
 * calls it if that was not done (safe then only when no other thread calls
 * it concurrently, or when libcurl reports CURL_VERSION_THREADSAFE, which
 * 7.84+ builds with atomics do). */
#ifndef OMADM_TRANSPORT_TRANSPORT_H
#define OMADM_TRANSPORT_TRANSPORT_H

#include <stddef.h>

#include "omadm/status.h"

#define OMADM_TRANSPORT_CONTENT_TYPE       "application/vnd.syncml.dm+xml"
#define OMADM_TRANSPORT_DEFAULT_USER_AGENT "MSFT OMA DM Client/1.2.0.1"
#define OMADM_TRANSPORT_DEFAULT_CONNECT_MS 30000L
#define OMADM_TRANSPORT_DEFAULT_TOTAL_MS   120000L
#define OMADM_TRANSPORT_DEFAULT_MAX_RESP   ((size_t)1048576)
/* Response headers beyond this many bytes fail the POST (OMADM_ERR_PROTOCOL,
 * "response headers larger than ..."), as does one header line over
 * libcurl's own limit. */
#define OMADM_TRANSPORT_MAX_HEADERS ((size_t)256 * 1024)
/* Retry-After values above this are clamped (a broken or hostile server
 * cannot park the agent for months). */
#define OMADM_TRANSPORT_RETRY_AFTER_MAX 604800L

/* All strings are borrowed for the call to omadm_transport_new, which copies
 * them. Zero / NULL fields take the documented default. */
typedef struct omadm_transport_config {
    const char *url;          /* required; https:// only, anything else is OMADM_ERR_INVALID */
    const char *ca_file;      /* PEM CA bundle, the only trust anchors; NULL = the system store */
    const char *cert_file;    /* client certificate; NULL = none. A PEM file, a
                                 PKCS#12 file (*.pfx, *.p12: key inside, no
                                 password), or with Schannel (Windows) a store
                                 entry "LocalMachine\MY\<thumbprint>" (see
                                 transport/cert.h) */
    const char *key_file;     /* client key (PEM); NULL = the key is in cert_file.
                                 Only with a PEM certificate */
    const char *user_agent;   /* NULL = OMADM_TRANSPORT_DEFAULT_USER_AGENT */
    const char *proxy;        /* NULL = from the environment (https_proxy, all_proxy,
                                 no_proxy: libcurl's default); "" = no proxy at all;
                                 else a proxy URL, e.g. "http://proxy:3128" */
    long connect_timeout_ms;  /* TCP + TLS handshake; 0 = 30000 */
    long total_timeout_ms;    /* one whole POST; 0 = 120000 */
    size_t max_response;      /* response body cap in bytes; 0 = 1 MiB. Enforced
                                 while reading: nothing beyond it is buffered */
    const char *content_type; /* Content-Type and Accept of the requests, and the
                                 type a non-empty answer must have; NULL =
                                 OMADM_TRANSPORT_CONTENT_TYPE. Enrollment uses
                                 "application/soap+xml; charset=utf-8" */
    /* PEM in memory instead of files (enrollment state); each NULL = unused.
     * cert_pem needs key_pem and excludes cert_file; ca_pem replaces ca_file.
     * OpenSSL builds of libcurl only (else OMADM_ERR_UNSUPPORTED). */
    const char *ca_pem;
    const char *cert_pem;
    const char *key_pem; /* secret: copied by libcurl, never logged */
} omadm_transport_config;

#define OMADM_TRANSPORT_CONFIG_INIT                                                                \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL                        \
    }

/* What happened on one POST, filled whatever the outcome (when non-NULL). */
typedef struct omadm_transport_info {
    long http_status;       /* HTTP status of the response; 0 = no response */
    char content_type[128]; /* response Content-Type as sent (truncated); "" = none */
    long retry_after_s;     /* Retry-After of a non-200 response, in seconds from
                               now (delta-seconds or HTTP-date), clamped to
                               [0, OMADM_TRANSPORT_RETRY_AFTER_MAX]; -1 = absent
                               or unparseable */
    long num_connects;      /* new connections this POST opened; 0 = reused */
    long elapsed_ms;        /* wall time of the POST */
    size_t bytes_received;  /* response body bytes libcurl received (at most a
                               buffer beyond the cap, as reading stops there) */
    char error[256];        /* "" on success, else one line saying what failed,
                               e.g. "server answered HTTP 500" */
} omadm_transport_info;

typedef struct omadm_transport omadm_transport;

/* Initialises libcurl's global state once (see the thread note above).
 * OMADM_ERR_TRANSPORT if libcurl cannot initialise. */
omadm_status omadm_transport_global_init(void);
/* Releases it; call at exit once every transport is freed (optional). */
void omadm_transport_global_cleanup(void);

/* Creates a transport. *out is owned by the caller (omadm_transport_free);
 * NULL on failure. OMADM_ERR_INVALID for a missing or non-https URL, a
 * key_file without cert_file, or negative timeouts; OMADM_ERR_NOMEM;
 * OMADM_ERR_TRANSPORT/OMADM_ERR_UNSUPPORTED when libcurl cannot be set up
 * (e.g. built without HTTPS). The reason is logged at error level in one
 * line, e.g. "transport: URL scheme must be https". */
omadm_status omadm_transport_new(omadm_transport **out, const omadm_transport_config *cfg);

/* POSTs `len` bytes of `body` (borrowed; need not be NUL-terminated) with
 * Content-Type and Accept application/vnd.syncml.dm+xml.
 *
 * On OMADM_OK (HTTP 200) *resp is the response body, NUL-terminated, *resp_len
 * bytes, owned by the caller (free with omadm__free from core/alloc.h) and
 * never NULL; *resp_len == 0 (an empty body) means the server ended the
 * session. A non-empty body must have Content-Type
 * application/vnd.syncml.dm+xml (parameters such as ;charset=utf-8 allowed).
 * On failure *resp is NULL and *resp_len 0, and info->error says why:
 *   OMADM_ERR_RETRY_LATER  HTTP 429 (info->retry_after_s)
 *   OMADM_ERR_TRANSPORT    any other non-200 status (3xx included: redirects
 *                          are not followed), connection refused, reset...
 *   OMADM_ERR_TLS          handshake, server verification, client certificate
 *                          or key, CA file, or the server rejecting us
 *   OMADM_ERR_TIMEOUT      connect or total timeout
 *   OMADM_ERR_LIMIT        body larger than max_response
 *   OMADM_ERR_PROTOCOL     200 with a non-empty body of another Content-Type
 *                          (a SOAP fault, an HTML page); response headers
 *                          over OMADM_TRANSPORT_MAX_HEADERS
 *   OMADM_ERR_NOMEM, OMADM_ERR_INVALID (NULL arguments).
 * The transport stays usable after any failure. `info` may be NULL. Bodies
 * are never logged above debug level. */
omadm_status omadm_transport_post(omadm_transport *t, const char *body, size_t len, char **resp,
                                  size_t *resp_len, omadm_transport_info *info);

/* Points the transport at another https:// URL (enrollment talks to the
 * URLs the server announces, one after the other). OMADM_ERR_INVALID for a
 * non-https URL. */
omadm_status omadm_transport_set_url(omadm_transport *t, const char *url);

/* A GET of the current URL (Windows' enrollment reachability probe): the
 * same outcomes as omadm_transport_post, except that any Content-Type is
 * accepted. The transport goes back to POST afterwards. */
omadm_status omadm_transport_get(omadm_transport *t, char **resp, size_t *resp_len,
                                 omadm_transport_info *info);

/* Accepts NULL. Closes the connection. */
void omadm_transport_free(omadm_transport *t);

#endif
