/* SPDX-License-Identifier: Apache-2.0 */
/* HTTPS POST of SyncML DM messages over one reused libcurl easy handle. */
#include "transport/transport.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/compiler.h"
#include "core/log.h"
#include "transport/cert.h"
#include "transport/tls.h"

struct omadm_transport {
    CURL *curl;
    struct curl_slist *headers; /* owned; libcurl only borrows the list */
    long connect_timeout_ms;
    long total_timeout_ms;
    size_t max_response;
    char curl_err[CURL_ERROR_SIZE]; /* libcurl's detail for the last failure */

    /* State of the POST in progress, reset by each omadm_transport_post. */
    omadm_buf resp;
    omadm_status write_status; /* why on_write stopped the transfer */
    bool first_write_seen;
    bool is_200;
    bool any_type;          /* a GET: whatever Content-Type */
    char content_type[96];  /* expected, "" = SyncML's */
    size_t discarded;       /* body bytes of a non-200 response, counted not kept */
    size_t header_bytes;    /* response header bytes so far */
    bool headers_too_large; /* on_header stopped the transfer */
};

static bool global_done;

omadm_status omadm_transport_global_init(void)
{
    if (global_done)
        return OMADM_OK;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return OMADM_ERR_TRANSPORT;
    global_done = true;
    return OMADM_OK;
}

void omadm_transport_global_cleanup(void)
{
    if (global_done) {
        curl_global_cleanup();
        global_done = false;
    }
}

/* "application/vnd.syncml.dm+xml", any case, optionally followed by
 * parameters (";charset=utf-8"). */
static bool is_type(const char *ct, const char *want)
{
    size_t n = strcspn(want, ";");

    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (!curl_strnequal(ct, want, n))
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

static bool is_syncml_type(const char *ct)
{
    return is_type(ct, OMADM_TRANSPORT_CONTENT_TYPE);
}

static bool is_expected_type(const omadm_transport *t, const char *ct)
{
    if (t->any_type)
        return true;
    return t->content_type[0] ? is_type(ct, t->content_type) : is_syncml_type(ct);
}

static const char *expected_type(const omadm_transport *t)
{
    return t->content_type[0] ? t->content_type : OMADM_TRANSPORT_CONTENT_TYPE;
}

/* libcurl hands the body over piece by piece: the cap is enforced here, so
 * nothing beyond max_response is ever buffered. Returning less than the
 * piece's size makes libcurl abort the transfer (CURLE_WRITE_ERROR). */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *user)
{
    omadm_transport *t = user;
    size_t n = size * nmemb;
    omadm_status st;

    if (!t->first_write_seen) {
        long code = 0;
        char *ct = NULL;

        t->first_write_seen = true;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
        t->is_200 = code == 200;
        /* Wrong type (an HTML page, a SOAP fault): stop before reading it. */
        curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &ct);
        if (t->is_200 && n > 0 && !is_expected_type(t, ct)) {
            t->write_status = OMADM_ERR_PROTOCOL;
            return 0;
        }
    }
    if (!t->is_200) {
        /* An error page is not kept, but still bounded. */
        if (n > t->max_response - t->discarded) {
            t->write_status = OMADM_ERR_LIMIT;
            return 0;
        }
        t->discarded += n;
        return n;
    }
    st = omadm__buf_append(&t->resp, ptr, n);
    if (st != OMADM_OK) {
        t->write_status = st;
        return 0;
    }
    return n;
}

/* Bounds the response headers as on_write bounds the body (libcurl only
 * limits one header line, and reports that as out of memory). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    omadm_transport *t = user;
    size_t n = size * nmemb;

    (void)ptr;
    if (n > OMADM_TRANSPORT_MAX_HEADERS - t->header_bytes) {
        t->headers_too_large = true;
        return 0;
    }
    t->header_bytes += n;
    return n;
}

static omadm_status map_setopt(CURLcode rc, const char *what)
{
    omadm__log(OMADM_LOG_ERROR, "transport: libcurl refused %s: %s", what, curl_easy_strerror(rc));
    if (rc == CURLE_OUT_OF_MEMORY)
        return OMADM_ERR_NOMEM;
    if (rc == CURLE_UNKNOWN_OPTION || rc == CURLE_NOT_BUILT_IN || rc == CURLE_UNSUPPORTED_PROTOCOL)
        return OMADM_ERR_UNSUPPORTED;
    return OMADM_ERR_TRANSPORT;
}

#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        CURLcode rc_ = curl_easy_setopt(t->curl, opt, val);                                        \
        if (rc_ != CURLE_OK) {                                                                     \
            st = map_setopt(rc_, #opt);                                                            \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

static omadm_status check_config(const omadm_transport_config *cfg)
{
    if (!cfg || !cfg->url || !*cfg->url) {
        omadm__log(OMADM_LOG_ERROR, "transport: no server URL");
        return OMADM_ERR_INVALID;
    }
    /* libcurl would refuse other schemes too (CURLOPT_PROTOCOLS_STR), but
     * only at the first POST and with a vaguer message. */
    if (!curl_strnequal(cfg->url, "https://", 8)) {
        omadm__log(OMADM_LOG_ERROR, "transport: URL scheme must be https");
        return OMADM_ERR_INVALID;
    }
    if (cfg->key_file && !cfg->cert_file) {
        omadm__log(OMADM_LOG_ERROR, "transport: a client key needs a client certificate");
        return OMADM_ERR_INVALID;
    }
    if (cfg->key_file && omadm__transport_cert_kind(cfg->cert_file) != OMADM__CERT_PEM) {
        omadm__log(OMADM_LOG_ERROR, "transport: a %s client certificate holds its key: no key file",
                   omadm__transport_cert_kind_name(omadm__transport_cert_kind(cfg->cert_file)));
        return OMADM_ERR_INVALID;
    }
    if ((cfg->cert_pem && (!cfg->key_pem || cfg->cert_file)) || (cfg->key_pem && !cfg->cert_pem)) {
        omadm__log(OMADM_LOG_ERROR, "transport: an in-memory certificate needs its key, and no "
                                    "certificate file");
        return OMADM_ERR_INVALID;
    }
    if (cfg->content_type && (strlen(cfg->content_type) > 90 || strchr(cfg->content_type, '\n') ||
                              strchr(cfg->content_type, '\r'))) {
        omadm__log(OMADM_LOG_ERROR, "transport: bad content type");
        return OMADM_ERR_INVALID;
    }
    if (cfg->connect_timeout_ms < 0 || cfg->total_timeout_ms < 0) {
        omadm__log(OMADM_LOG_ERROR, "transport: timeouts must not be negative");
        return OMADM_ERR_INVALID;
    }
    return OMADM_OK;
}

omadm_status omadm_transport_new(omadm_transport **out, const omadm_transport_config *cfg)
{
    omadm_transport *t;
    struct curl_slist *list;
    omadm_status st;
    char ct_header[128], accept_header[128];
    const char *headers[] = {
        ct_header, accept_header, "Expect:", /* no 100-continue round trip */
    };
    const char *ctype;
    size_t i;

    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    st = check_config(cfg);
    if (st != OMADM_OK)
        return st;
    st = omadm_transport_global_init();
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "transport: libcurl global initialisation failed");
        return st;
    }

    t = omadm__calloc(1, sizeof *t);
    if (!t)
        return OMADM_ERR_NOMEM;
    ctype = cfg->content_type ? cfg->content_type : OMADM_TRANSPORT_CONTENT_TYPE;
    if (cfg->content_type)
        snprintf(t->content_type, sizeof t->content_type, "%s", cfg->content_type);
    snprintf(ct_header, sizeof ct_header, "Content-Type: %s", ctype);
    snprintf(accept_header, sizeof accept_header, "Accept: %s", ctype);
    t->connect_timeout_ms =
        cfg->connect_timeout_ms ? cfg->connect_timeout_ms : OMADM_TRANSPORT_DEFAULT_CONNECT_MS;
    t->total_timeout_ms =
        cfg->total_timeout_ms ? cfg->total_timeout_ms : OMADM_TRANSPORT_DEFAULT_TOTAL_MS;
    t->max_response = cfg->max_response ? cfg->max_response : OMADM_TRANSPORT_DEFAULT_MAX_RESP;

    t->curl = curl_easy_init();
    if (!t->curl) {
        st = OMADM_ERR_NOMEM;
        goto fail;
    }
    for (i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        list = curl_slist_append(t->headers, headers[i]);
        if (!list) {
            st = OMADM_ERR_NOMEM;
            goto fail;
        }
        t->headers = list;
    }

    /* libcurl copies every string option: cfg's strings are not kept. */
    SETOPT(CURLOPT_URL, cfg->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "https");
    /* Redirects are not followed at all; should that change, only to https. */
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    {
        const char *failed = NULL;
        CURLcode rc = omadm__transport_tls_setopt(t->curl, cfg, &failed);

        if (rc != CURLE_OK) {
            st = map_setopt(rc, failed);
            goto fail;
        }
    }
    SETOPT(CURLOPT_USERAGENT,
           cfg->user_agent ? cfg->user_agent : OMADM_TRANSPORT_DEFAULT_USER_AGENT);
    /* Left unset, libcurl reads https_proxy/all_proxy/no_proxy; "" turns
     * every proxy off, the environment's included. */
    if (cfg->proxy)
        SETOPT(CURLOPT_PROXY, cfg->proxy);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, t->total_timeout_ms);
    /* Refuses at once a response whose Content-Length exceeds the cap; on_write
     * enforces it for the others. */
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_response);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_HTTPHEADER, t->headers);
    SETOPT(CURLOPT_POST, 1L);
    SETOPT(CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(CURLOPT_WRITEDATA, t);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, t);
    SETOPT(CURLOPT_ERRORBUFFER, t->curl_err);
    *out = t;
    return OMADM_OK;

fail:
    omadm_transport_free(t);
    return st;
}

#undef SETOPT

void omadm_transport_free(omadm_transport *t)
{
    if (!t)
        return;
    if (t->curl)
        curl_easy_cleanup(t->curl);
    curl_slist_free_all(t->headers);
    omadm__buf_free(&t->resp);
    omadm__free(t);
}

static long clamp_seconds(curl_off_t s)
{
    if (s < 0)
        return 0;
    if (s > OMADM_TRANSPORT_RETRY_AFTER_MAX)
        return OMADM_TRANSPORT_RETRY_AFTER_MAX;
    return (long)s;
}

/* Retry-After = delta-seconds / HTTP-date (RFC 9110 §10.2.3). A date is
 * measured from the response's own Date when present, so a client clock that
 * is off does not matter. -1 when absent or unparseable. */
static long parse_retry_after(CURL *curl)
{
    struct curl_header *h = NULL;
    CURLHcode hc = curl_easy_header(curl, "Retry-After", 0, CURLH_HEADER, -1, &h);
    const char *v;
    curl_off_t secs = 0;
    time_t when, now;

    if (hc == CURLHE_NOT_BUILT_IN) {
        /* libcurl built without the header API: its own parse. */
        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &secs) != CURLE_OK || secs <= 0)
            return -1;
        return clamp_seconds(secs);
    }
    if (hc != CURLHE_OK || !h || !h->value)
        return -1;
    v = h->value;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        for (; *v >= '0' && *v <= '9'; v++) {
            if (secs <= OMADM_TRANSPORT_RETRY_AFTER_MAX)
                secs = secs * 10 + (*v - '0');
        }
        while (*v == ' ' || *v == '\t')
            v++;
        return *v ? -1 : clamp_seconds(secs);
    }
    when = curl_getdate(v, NULL);
    if (when == (time_t)-1)
        return -1;
    /* h is invalidated by the next curl_easy_header call. */
    now = (time_t)-1;
    if (curl_easy_header(curl, "Date", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h && h->value)
        now = curl_getdate(h->value, NULL);
    if (now == (time_t)-1)
        now = time(NULL);
    return clamp_seconds((curl_off_t)(when - now));
}

/* One line into info->error, truncated if need be; control characters
 * (libcurl's detail may end in a newline) become spaces. */
static void set_error(omadm_transport_info *info, const char *fmt, ...) OMADM__PRINTF(2, 3);

static void set_error(omadm_transport_info *info, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    vsnprintf(info->error, sizeof info->error, fmt, ap);
    va_end(ap);
    for (p = info->error; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
}

/* libcurl's detail without its generic prefixes, or the code's text. */
static const char *curl_detail(const omadm_transport *t, CURLcode rc)
{
    static const char *const prefixes[] = { "SSL certificate problem: ", "SSL: " };
    const char *d = t->curl_err;
    size_t i;

    if (!*d)
        return curl_easy_strerror(rc);
    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(d, prefixes[i], n) == 0)
            return d + n;
    }
    return d;
}

/* A read or write failure after the handshake may be the server refusing
 * our certificate: TLS 1.3 servers send that alert after the client thinks
 * the handshake is done, so it reaches us at the first read or write.
 * Fills info->error and returns true when the failure is TLS's. */
static bool io_failure_is_tls(omadm_transport *t, const char *detail, omadm_transport_info *info)
{
    static const char *const rejections[] = {
        "alert unknown ca",          "alert bad certificate",     "alert certificate unknown",
        "alert certificate revoked", "alert certificate expired", "alert unsupported certificate",
        "alert access denied",
    };
    const char *reason = strstr(detail, "routines::");
    curl_off_t appconnect = 0;
    size_t i;

    /* OpenSSL's "...: error:0A00045C:SSL routines::tlsv13 alert ..." */
    reason = reason ? reason + strlen("routines::") : detail;
    if (strstr(detail, "alert certificate required")) {
        set_error(info, "TLS: the server requires a client certificate (%s)", reason);
        return true;
    }
    for (i = 0; i < sizeof rejections / sizeof rejections[0]; i++) {
        if (strstr(detail, rejections[i])) {
            set_error(info, "TLS: the server rejected the client certificate (%s)", reason);
            return true;
        }
    }
    if (strstr(detail, "SSL") || strstr(detail, "TLS") || strstr(detail, "alert") ||
        strstr(detail, "schannel")) {
        set_error(info, "TLS: connection failed (%s)", reason);
        return true;
    }
    /* The server may also just drop the connection, before or after its
     * alert reached us: on a new connection, after a completed handshake
     * and before any response, that is most likely the same refusal. */
    curl_easy_getinfo(t->curl, CURLINFO_APPCONNECT_TIME_T, &appconnect);
    if (info->num_connects > 0 && appconnect > 0 && info->http_status == 0) {
        set_error(info,
                  "TLS: the server closed the connection after the handshake, before any "
                  "response (client certificate not accepted?) (%s)",
                  reason);
        return true;
    }
    return false;
}

/* libcurl's words on an unusable certificate or key are long enough to be
 * cut off mid-sentence in its 256-byte buffer ("could not load PEM client
 * certificate from F, OpenSSL error error:80000002:system library::No such
 * file or directory, (no key found, wrong pass phrase, "): say the same
 * whole and short, with the file and OpenSSL's reason. */
static void certproblem_error(omadm_transport_info *info, const char *detail)
{
    static const char cert_from[] = "client certificate from ";
    static const char key_file[] = "unable to set private key file: '";
    const char *p, *end, *reason;

    if ((p = strstr(detail, cert_from)) != NULL) {
        p += sizeof cert_from - 1;
        end = strstr(p, ", OpenSSL error ");
        reason = end ? strstr(end, "::") : NULL;
        if (end && reason) {
            size_t rlen;
            reason += 2;
            rlen = strcspn(reason, ",");
            set_error(
                info,
                "TLS: client certificate or key unusable: cannot load certificate %.*s (%.*s)",
                (int)(end - p), p, (int)rlen, reason);
            return;
        }
    }
    if (strncmp(detail, key_file, sizeof key_file - 1) == 0) {
        p = detail + sizeof key_file - 1;
        end = strchr(p, '\'');
        if (end) {
            set_error(info,
                      "TLS: client certificate or key unusable: cannot use private key %.*s "
                      "(unreadable, protected by a pass phrase, or not the certificate's key)",
                      (int)(end - p), p);
            return;
        }
    }
    set_error(info, "TLS: client certificate or key unusable (%s)", detail);
}

static omadm_status curl_failure(omadm_transport *t, CURLcode rc, omadm_transport_info *info)
{
    const char *detail = curl_detail(t, rc);
    curl_off_t appconnect = 0;

    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        /* Which one fired: the connect timeout ends a transfer near its own
         * value, the total one near its; a reused connection has no
         * handshake time either, hence the elapsed time. */
        curl_easy_getinfo(t->curl, CURLINFO_APPCONNECT_TIME_T, &appconnect);
        if (appconnect == 0 && t->connect_timeout_ms < t->total_timeout_ms &&
            info->elapsed_ms <
                t->connect_timeout_ms + (t->total_timeout_ms - t->connect_timeout_ms) / 2)
            set_error(info, "connect timed out after %ld ms", t->connect_timeout_ms);
        else
            set_error(info, "timed out after %ld ms", t->total_timeout_ms);
        return OMADM_ERR_TIMEOUT;
    case CURLE_WRITE_ERROR:
        if (t->headers_too_large) {
            set_error(info, "response headers larger than %zu bytes",
                      (size_t)OMADM_TRANSPORT_MAX_HEADERS);
            return OMADM_ERR_PROTOCOL;
        }
        if (t->write_status == OMADM_ERR_LIMIT) {
            set_error(info, "response larger than %zu bytes", t->max_response);
            return OMADM_ERR_LIMIT;
        }
        if (t->write_status == OMADM_ERR_NOMEM) {
            set_error(info, "out of memory reading the response");
            return OMADM_ERR_NOMEM;
        }
        if (t->write_status == OMADM_ERR_PROTOCOL) {
            if (info->content_type[0])
                set_error(info, "Content-Type %s is not %s", info->content_type, expected_type(t));
            else
                set_error(info, "response has no Content-Type (%s expected)", expected_type(t));
            return OMADM_ERR_PROTOCOL;
        }
        break;
    case CURLE_FILESIZE_EXCEEDED:
        set_error(info, "response larger than %zu bytes", t->max_response);
        return OMADM_ERR_LIMIT;
    case CURLE_OUT_OF_MEMORY:
        /* libcurl rejects one header line over its own limit (100 KiB)
         * with this code: headers had started and no body byte came yet,
         * so it is the server's header, not our memory. */
        if (t->header_bytes > 0 && !t->first_write_seen) {
            set_error(info,
                      "response headers larger than libcurl accepts (a header line over %d "
                      "bytes after %zu bytes of headers%s%s)",
                      CURL_MAX_HTTP_HEADER, t->header_bytes, t->curl_err[0] ? ": " : "",
                      t->curl_err);
            return OMADM_ERR_PROTOCOL;
        }
        set_error(info, "out of memory (libcurl)");
        return OMADM_ERR_NOMEM;
    case CURLE_PEER_FAILED_VERIFICATION:
        set_error(info, "TLS: server certificate verification failed (%s)", detail);
        return OMADM_ERR_TLS;
    case CURLE_SSL_CONNECT_ERROR:
        set_error(info, "TLS: handshake failed (%s)", detail);
        return OMADM_ERR_TLS;
    case CURLE_SSL_CERTPROBLEM:
        certproblem_error(info, detail);
        return OMADM_ERR_TLS;
    case CURLE_SSL_CACERT_BADFILE:
        set_error(info, "TLS: CA file unusable (%s)", detail);
        return OMADM_ERR_TLS;
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        set_error(info, "TLS: %s", detail);
        return OMADM_ERR_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        if (io_failure_is_tls(t, detail, info))
            return OMADM_ERR_TLS;
        break;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        set_error(info, "cannot connect (%s)", detail);
        return OMADM_ERR_TRANSPORT;
    default:
        break;
    }
    set_error(info, "%s", detail);
    return OMADM_ERR_TRANSPORT;
}

static omadm_status classify(omadm_transport *t, CURLcode rc, omadm_transport_info *info)
{
    long code = info->http_status;

    /* A non-200 answer ends the session whatever became of its body. */
    if (code != 0 && code != 200) {
        info->retry_after_s = parse_retry_after(t->curl);
        if (code == 429) {
            if (info->retry_after_s >= 0)
                set_error(info, "server answered HTTP 429 (retry after %ld s)",
                          info->retry_after_s);
            else
                set_error(info, "server answered HTTP 429 (no usable Retry-After)");
            return OMADM_ERR_RETRY_LATER;
        }
        if (code >= 300 && code < 400)
            set_error(info, "server answered HTTP %ld (redirects are not followed)", code);
        else
            set_error(info, "server answered HTTP %ld", code);
        return OMADM_ERR_TRANSPORT;
    }
    if (rc != CURLE_OK)
        return curl_failure(t, rc, info);
    if (code != 200) {
        set_error(info, "no HTTP response");
        return OMADM_ERR_TRANSPORT;
    }
    /* on_write has already checked a non-empty body's type; belt and braces. */
    if (t->resp.len > 0 && !is_expected_type(t, info->content_type)) {
        set_error(info, "Content-Type %s is not %s",
                  info->content_type[0] ? info->content_type : "(none)", expected_type(t));
        return OMADM_ERR_PROTOCOL;
    }
    return OMADM_OK;
}

static omadm_status transfer(omadm_transport *t, const char *body, size_t len, char **resp,
                             size_t *resp_len, omadm_transport_info *info, const char *method)
{
    omadm_transport_info scratch;
    CURLcode rc;
    omadm_status st;
    char *ct = NULL;
    long connects = 0;
    curl_off_t total_us = 0, dl = 0;

    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    info->retry_after_s = -1;
    if (resp)
        *resp = NULL;
    if (resp_len)
        *resp_len = 0;
    if (!t || (!body && len) || !resp || !resp_len) {
        set_error(info, "invalid argument");
        return OMADM_ERR_INVALID;
    }

    omadm__buf_free(&t->resp);
    t->resp.limit = t->max_response;
    t->write_status = OMADM_OK;
    t->first_write_seen = false;
    t->is_200 = false;
    t->discarded = 0;
    t->header_bytes = 0;
    t->headers_too_large = false;
    t->curl_err[0] = '\0';

    rc = CURLE_OK;
    if (!method) {
        rc = curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, body ? body : "");
    }
    if (rc == CURLE_OK)
        rc = curl_easy_perform(t->curl);

    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &info->http_status);
    if (curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(info->content_type, sizeof info->content_type, "%s", ct);
    curl_easy_getinfo(t->curl, CURLINFO_NUM_CONNECTS, &connects);
    info->num_connects = connects;
    curl_easy_getinfo(t->curl, CURLINFO_TOTAL_TIME_T, &total_us);
    info->elapsed_ms = (long)(total_us / 1000);
    curl_easy_getinfo(t->curl, CURLINFO_SIZE_DOWNLOAD_T, &dl);
    info->bytes_received = dl > 0 ? (size_t)dl : 0;

    st = classify(t, rc, info);
    if (st == OMADM_OK) {
        if (t->resp.data) {
            *resp = omadm__buf_steal(&t->resp, resp_len);
        } else {
            *resp = omadm__strdup("");
            if (!*resp) {
                set_error(info, "out of memory");
                st = OMADM_ERR_NOMEM;
            }
        }
    }
    omadm__buf_free(&t->resp);
    if (st == OMADM_OK)
        omadm__log(OMADM_LOG_DEBUG, "transport: %s %zu bytes: HTTP 200, %zu bytes back, %s, %ld ms",
                   method ? method : "POST", len, *resp_len,
                   connects ? "new connection" : "connection reused", info->elapsed_ms);
    else
        omadm__log(OMADM_LOG_DEBUG, "transport: %s %zu bytes failed (%s): %s",
                   method ? method : "POST", len, omadm_status_name(st), info->error);
    return st;
}

omadm_status omadm_transport_post(omadm_transport *t, const char *body, size_t len, char **resp,
                                  size_t *resp_len, omadm_transport_info *info)
{
    return transfer(t, body, len, resp, resp_len, info, NULL);
}

omadm_status omadm_transport_set_url(omadm_transport *t, const char *url)
{
    if (!t || !url || !curl_strnequal(url, "https://", 8))
        return OMADM_ERR_INVALID;
    if (curl_easy_setopt(t->curl, CURLOPT_URL, url) != CURLE_OK)
        return OMADM_ERR_NOMEM;
    return OMADM_OK;
}

omadm_status omadm_transport_get(omadm_transport *t, char **resp, size_t *resp_len,
                                 omadm_transport_info *info)
{
    omadm_status st;

    if (!t)
        return OMADM_ERR_INVALID;
    if (curl_easy_setopt(t->curl, CURLOPT_HTTPGET, 1L) != CURLE_OK)
        return OMADM_ERR_NOMEM;
    t->any_type = true;
    st = transfer(t, NULL, 0, resp, resp_len, info, "GET");
    t->any_type = false;
    /* back to POST (CURLOPT_POSTFIELDS is set again by each POST) */
    if (curl_easy_setopt(t->curl, CURLOPT_POST, 1L) != CURLE_OK && st == OMADM_OK)
        st = OMADM_ERR_NOMEM;
    return st;
}
