/* SPDX-License-Identifier: Apache-2.0 */
/* The push channel's thread (push.h). */
#include "agent/push.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#endif

#include "agent/creds.h"
#include "agent/log.h"
#include "agent/os.h"
#include "omadm/cert.h"
#include "omadm/notify.h"
#include "transport/transport.h"

#define PERIOD_MIN_S      5
#define PERIOD_MAX_S      86400
#define BACKOFF_BASE_MS   5000
#define BACKOFF_MAX_MS    (15 * 60 * 1000)
#define MIN_GAP_MS        1000 /* between requests after a notification */
#define RETRY_AFTER_MAX_S 86400
#define CONNECT_TIMEOUT_S 30L

#ifdef _WIN32
typedef CRITICAL_SECTION push_mutex;
#define mutex_init(m)   InitializeCriticalSection(m)
#define mutex_lock(m)   EnterCriticalSection(m)
#define mutex_unlock(m) LeaveCriticalSection(m)
#define mutex_free(m)   DeleteCriticalSection(m)
#else
typedef pthread_mutex_t push_mutex;
#define mutex_init(m)   pthread_mutex_init(m, NULL)
#define mutex_lock(m)   pthread_mutex_lock(m)
#define mutex_unlock(m) pthread_mutex_unlock(m)
#define mutex_free(m)   pthread_mutex_destroy(m)
#endif

struct agent_push {
#ifdef _WIN32
    HANDLE thread;
#else
    pthread_t thread;
#endif
    push_mutex lock;
    /* under lock */
    int stop;
    int pending;
    unsigned pending_sid;
    enum agent_push_status status;
    /* the thread's own */
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *server_id, *secret, *nonce;
    unsigned period_s;
    unsigned failures;
    uint32_t rng;
    omadm_notify_replay *guard;
    unsigned char body[OMADM_NOTIFY_DEFAULT_MAX];
    size_t body_len;
    int body_over;
    long retry_after_s; /* -1: none */
    long period_hdr_s;  /* -1: none */
    char curl_err[CURL_ERROR_SIZE];
};

int64_t agent_push_backoff_ms(unsigned failures, uint32_t *rng)
{
    int64_t base = BACKOFF_BASE_MS;

    for (unsigned i = 1; i < failures && base < BACKOFF_MAX_MS; i++)
        base *= 2;
    if (base > BACKOFF_MAX_MS)
        base = BACKOFF_MAX_MS;
    /* xorshift32: jitter only, no secrecy needed */
    *rng ^= *rng << 13;
    *rng ^= *rng >> 17;
    *rng ^= *rng << 5;
    return base / 2 + (int64_t)(*rng % (uint32_t)(base / 2 + 1));
}

int agent_push_resolve_url(const agent_config *cfg, const omadm_platform *platform, char **out,
                           char *err, size_t errsize)
{
    char *data = NULL, why[300];
    size_t len = 0;

    *out = NULL;
    if (cfg->push_url) {
        *out = strdup(cfg->push_url);
        if (!*out) {
            snprintf(err, errsize, "out of memory");
            return -1;
        }
        return 0;
    }
    if (!platform ||
        platform->file_read(platform->ctx, AGENT_FILE_PUSH_URL, 2048, &data, &len) != OMADM_OK)
        return 0; /* none stored */
    while (len > 0 && isspace((unsigned char)data[len - 1]))
        data[--len] = '\0';
    if (agent_config_check_url(data, why, sizeof why) < 0) {
        snprintf(err, errsize, "%s: %s", AGENT_FILE_PUSH_URL, why);
        free(data);
        return -1;
    }
    *out = data;
    return 0;
}

static int stopping(agent_push *p)
{
    int s;

    mutex_lock(&p->lock);
    s = p->stop;
    mutex_unlock(&p->lock);
    return s;
}

static void set_status(agent_push *p, enum agent_push_status st)
{
    mutex_lock(&p->lock);
    p->status = st;
    mutex_unlock(&p->lock);
}

/* Case-insensitive "does `s` (n bytes) start with `prefix`". */
static int has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t i;

    for (i = 0; prefix[i]; i++) {
        if (i >= n || tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i]))
            return 0;
    }
    return 1;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    agent_push *p = user;
    size_t n = size * nmemb;

    if (n > sizeof p->body - p->body_len) {
        p->body_over = 1;
        return 0; /* ends the transfer: nothing past the cap is kept */
    }
    memcpy(p->body + p->body_len, ptr, n);
    p->body_len += n;
    return n;
}

/* A non-negative decimal header value, or -1. */
static long header_seconds(const char *v, size_t n)
{
    long s = 0;
    size_t i = 0;

    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i == n || !isdigit((unsigned char)v[i]))
        return -1;
    for (; i < n && isdigit((unsigned char)v[i]); i++) {
        s = s * 10 + (v[i] - '0');
        if (s > 100000000L)
            return -1;
    }
    return s;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *user)
{
    agent_push *p = user;
    size_t n = size * nmemb;
    static const char retry[] = "retry-after:", period[] = "x-push-period:";

    if (has_prefix(line, n, retry))
        p->retry_after_s = header_seconds(line + sizeof retry - 1, n - (sizeof retry - 1));
    else if (has_prefix(line, n, period))
        p->period_hdr_s = header_seconds(line + sizeof period - 1, n - (sizeof period - 1));
    return n;
}

#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (curl_easy_setopt(p->easy, opt, val) != CURLE_OK) {                                     \
            snprintf(err, errsize, "push: cannot set %s", #opt);                                   \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* The same TLS options as the session transport (transport/tls.h). */
static int setup_easy(agent_push *p, const agent_config *cfg, char *err, size_t errsize)
{
    omadm_transport_config creds = OMADM_TRANSPORT_CONFIG_INIT;
    omadm_tls_config tls = OMADM_TLS_CONFIG_INIT;
    const char *failed = NULL;
    int rc;
    const char *proxy = cfg->proxy && strcmp(cfg->proxy, "none") == 0 ? "" : cfg->proxy;
    struct curl_slist *l = curl_slist_append(NULL, "Accept: " AGENT_PUSH_CONTENT_TYPE);

    if (!l) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    p->headers = l;
    SETOPT(CURLOPT_URL, p->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    agent_creds_tls(cfg, &creds);
    tls.ca_file = creds.ca_file;
    tls.ca_pem = creds.ca_pem;
    tls.cert_file = creds.cert_file;
    tls.key_file = creds.key_file;
    tls.cert_pem = creds.cert_pem;
    tls.key_pem = creds.key_pem;
    rc = omadm_tls_setopt(p->easy, &tls, &failed);
    if (rc != (int)CURLE_OK) {
        snprintf(err, errsize, "push: cannot set %s", failed);
        return -1;
    }
    SETOPT(CURLOPT_USERAGENT, cfg->user_agent ? cfg->user_agent : "MSFT OMA DM Client/1.2.0.1");
    if (proxy)
        SETOPT(CURLOPT_PROXY, proxy);
    SETOPT(CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sizeof p->body);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_HTTPHEADER, p->headers);
    SETOPT(CURLOPT_HTTPGET, 1L);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, p);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, p);
    SETOPT(CURLOPT_ERRORBUFFER, p->curl_err);
    return 0;
}

#undef SETOPT

/* Sleeps up to `ms` in one wait that agent_push_stop interrupts. */
static void idle_wait(agent_push *p, int64_t ms)
{
    int timeout = ms > INT_MAX ? INT_MAX : (int)ms;

    curl_multi_poll(p->multi, NULL, 0, timeout, NULL);
}

enum outcome { OUT_NOTIFIED, OUT_EMPTY, OUT_FAILED, OUT_STOPPED };

/* Runs one GET to its end; *http gets the status (0: none). */
static enum outcome transfer(agent_push *p, long *http, char *why, size_t whysize)
{
    int running = 1;
    CURLcode result = CURLE_OK;
    CURLMsg *msg;
    int left;
    long hold_ms = (long)(p->period_s + (p->period_s / 2 < 30 ? p->period_s / 2 : 30)) * 1000L;

    if (hold_ms < 10000)
        hold_ms = 10000;
    p->body_len = 0;
    p->body_over = 0;
    p->retry_after_s = -1;
    p->period_hdr_s = -1;
    p->curl_err[0] = '\0';
    *http = 0;
    curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, hold_ms);
    if (curl_multi_add_handle(p->multi, p->easy) != CURLM_OK) {
        snprintf(why, whysize, "cannot start the request");
        return OUT_FAILED;
    }
    while (running) {
        if (curl_multi_perform(p->multi, &running) != CURLM_OK)
            break;
        if (!running)
            break;
        if (stopping(p)) {
            curl_multi_remove_handle(p->multi, p->easy);
            return OUT_STOPPED;
        }
        curl_multi_poll(p->multi, NULL, 0, (int)hold_ms, NULL);
    }
    while ((msg = curl_multi_info_read(p->multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE)
            result = msg->data.result;
    }
    curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, http);
    curl_multi_remove_handle(p->multi, p->easy);
    if (stopping(p))
        return OUT_STOPPED;
    if (p->body_over || result == CURLE_FILESIZE_EXCEEDED) {
        snprintf(why, whysize, "notification larger than %u bytes", (unsigned)sizeof p->body);
        return OUT_FAILED;
    }
    if (result != CURLE_OK) {
        snprintf(why, whysize, "%s%s%s", curl_easy_strerror(result), p->curl_err[0] ? ": " : "",
                 p->curl_err);
        return OUT_FAILED;
    }
    if (*http == 204)
        return OUT_EMPTY;
    if (*http != 200) {
        snprintf(why, whysize, "server answered HTTP %ld", *http);
        return OUT_FAILED;
    }
    {
        char *ct = NULL;
        curl_easy_getinfo(p->easy, CURLINFO_CONTENT_TYPE, &ct);
        if (!ct || !has_prefix(ct, strlen(ct), AGENT_PUSH_CONTENT_TYPE)) {
            snprintf(why, whysize, "answer is not a notification (Content-Type %s)",
                     ct ? ct : "none");
            return OUT_FAILED;
        }
    }
    return OUT_NOTIFIED;
}

/* Checks the notification in p->body; 0 when it asks for a session. */
static int accept_notification(agent_push *p, char *why, size_t whysize)
{
    omadm_notify_info n;
    omadm_status st;

    n.size = sizeof n;
    st = omadm_notify_parse(p->body, p->body_len, 0, &n);

    if (st != OMADM_OK) {
        snprintf(why, whysize, "malformed notification (%s)", omadm_status_str(st));
        return -1;
    }
    if (p->server_id && strcmp(n.server_id, p->server_id) != 0) {
        snprintf(why, whysize, "notification from another server");
        return -1;
    }
    if (p->secret) {
        const char *nonce = p->nonce ? p->nonce : OMADM_NOTIFY_RESET_NONCE;
        st = omadm_notify_verify(p->body, p->body_len, p->server_id, p->secret,
                                 (const unsigned char *)nonce, strlen(nonce));
        if (st != OMADM_OK) {
            snprintf(why, whysize, "notification digest does not verify");
            return -1;
        }
    }
    st = omadm_notify_replay_check(p->guard, p->body, p->body_len);
    if (st != OMADM_OK) {
        snprintf(why, whysize, "%s",
                 st == OMADM_ERR_EXISTS ? "replayed notification" : "replay check failed");
        return -1;
    }
    mutex_lock(&p->lock);
    p->pending = 1;
    p->pending_sid = n.session_id;
    p->status = AGENT_PUSH_STATUS_OK; /* before the session reads it */
    mutex_unlock(&p->lock);
    agent_log(OMADM_LOG_INFO, "push: notification from %s: session %X asked for", n.server_id,
              n.session_id);
    agent_os_request_sync();
    return 0;
}

static void channel_loop(agent_push *p)
{
    int64_t next_at = 0;

    while (!stopping(p)) {
        int64_t now = agent_os_monotonic_ms(), started, delay;
        long http = 0;
        char why[400] = "";
        enum outcome o;

        if (next_at > now) {
            idle_wait(p, next_at - now);
            continue;
        }
        started = now;
        o = transfer(p, &http, why, sizeof why);
        if (o == OUT_STOPPED)
            break;
        if (p->period_hdr_s >= 0) {
            long s = p->period_hdr_s;
            p->period_s = (unsigned)(s < PERIOD_MIN_S   ? PERIOD_MIN_S
                                     : s > PERIOD_MAX_S ? PERIOD_MAX_S
                                                        : s);
        }
        if (o == OUT_NOTIFIED && accept_notification(p, why, sizeof why) < 0)
            o = OUT_FAILED;
        now = agent_os_monotonic_ms();
        if (o == OUT_NOTIFIED) {
            p->failures = 0;
            set_status(p, AGENT_PUSH_STATUS_OK);
            next_at = started + MIN_GAP_MS;
            continue;
        }
        if (o == OUT_EMPTY) {
            p->failures = 0;
            set_status(p, AGENT_PUSH_STATUS_OK);
            /* at most one request per period, however soon it answered */
            next_at = started + (int64_t)p->period_s * 1000;
            continue;
        }
        p->failures++;
        set_status(p, AGENT_PUSH_STATUS_UNKNOWN);
        delay = agent_push_backoff_ms(p->failures, &p->rng);
        /* Never sooner than the server asked, nor than our back-off (a
         * "Retry-After: 0" in a loop must not make us spin). */
        if (p->retry_after_s >= 0 && http != 200) {
            long asked =
                p->retry_after_s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : p->retry_after_s;
            if ((int64_t)asked * 1000 > delay)
                delay = (int64_t)asked * 1000;
        }
        agent_log(p->failures == 1 ? OMADM_LOG_WARN : OMADM_LOG_INFO,
                  "push: %s (%u in a row): next attempt in %lld s", why, p->failures,
                  (long long)(delay / 1000));
        next_at = now + delay;
    }
}

#ifdef _WIN32
static DWORD WINAPI thread_main(LPVOID arg)
{
    channel_loop(arg);
    return 0;
}
#else
static void *thread_main(void *arg)
{
    channel_loop(arg);
    return NULL;
}
#endif

static void push_free(agent_push *p)
{
    if (p->multi)
        curl_multi_cleanup(p->multi);
    if (p->easy)
        curl_easy_cleanup(p->easy);
    curl_slist_free_all(p->headers);
    omadm_notify_replay_free(p->guard);
    free(p->url);
    free(p->server_id);
    if (p->secret)
        memset(p->secret, 0, strlen(p->secret));
    free(p->secret);
    free(p->nonce);
    mutex_free(&p->lock);
    free(p);
}

static char *dup_opt(const char *s, int *oom)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

int agent_push_start(agent_push **out, const agent_config *cfg, const char *url, char *err,
                     size_t errsize)
{
    agent_push *p = calloc(1, sizeof *p);
    int oom = 0;

    *out = NULL;
    if (!p) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    mutex_init(&p->lock);
    p->status = AGENT_PUSH_STATUS_OK; /* until an attempt fails */
    p->period_s = cfg->push_period ? cfg->push_period : 600;
    p->rng = (uint32_t)agent_os_monotonic_ms() ^ ((uint32_t)agent_os_pid() << 16) ^ 0x9e3779b9u;
    if (!p->rng)
        p->rng = 1;
    p->url = dup_opt(url, &oom);
    p->server_id = dup_opt(cfg->push_server_id, &oom);
    p->secret = dup_opt(cfg->push_secret, &oom);
    p->nonce = dup_opt(cfg->push_nonce, &oom);
    if (oom || !p->url || omadm_notify_replay_new(&p->guard, 64) != OMADM_OK) {
        snprintf(err, errsize, "out of memory");
        push_free(p);
        return -1;
    }
    p->multi = curl_multi_init();
    p->easy = curl_easy_init();
    if (!p->multi || !p->easy) {
        snprintf(err, errsize, "push: cannot initialise libcurl");
        push_free(p);
        return -1;
    }
    if (setup_easy(p, cfg, err, errsize) < 0) {
        push_free(p);
        return -1;
    }
#ifdef _WIN32
    p->thread = CreateThread(NULL, 0, thread_main, p, 0, NULL);
    if (!p->thread) {
#else
    if (pthread_create(&p->thread, NULL, thread_main, p) != 0) {
#endif
        snprintf(err, errsize, "push: cannot start the channel thread");
        push_free(p);
        return -1;
    }
    if (!p->secret)
        agent_log(OMADM_LOG_INFO,
                  "push: channel %s (notifications not digest-checked: no [push] "
                  "server_secret; mutual TLS only)",
                  p->url);
    else
        agent_log(OMADM_LOG_INFO, "push: channel %s (notifications from %s, digest checked)",
                  p->url, p->server_id);
    *out = p;
    return 0;
}

void agent_push_stop(agent_push *p)
{
    if (!p)
        return;
    mutex_lock(&p->lock);
    p->stop = 1;
    mutex_unlock(&p->lock);
    curl_multi_wakeup(p->multi);
#ifdef _WIN32
    WaitForSingleObject(p->thread, INFINITE);
    CloseHandle(p->thread);
#else
    pthread_join(p->thread, NULL);
#endif
    push_free(p);
}

int agent_push_take(agent_push *p, unsigned *session_id)
{
    int got;

    if (!p)
        return 0;
    mutex_lock(&p->lock);
    got = p->pending;
    if (got)
        *session_id = p->pending_sid;
    p->pending = 0;
    mutex_unlock(&p->lock);
    return got;
}

enum agent_push_status agent_push_status(agent_push *p)
{
    enum agent_push_status st;

    if (!p)
        return AGENT_PUSH_STATUS_NO_CHANNEL;
    mutex_lock(&p->lock);
    st = p->status;
    mutex_unlock(&p->lock);
    return st;
}
