/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's one event loop: a min-heap of device events (bring-up, poll,
 * restart tick, simulated reboot), a FIFO of devices ready for a session
 * (at most max_inflight at once), and libcurl's multi interface for every
 * HTTPS exchange. Each device's sessions go through the no-I/O pull API
 * (omadm_device_session_*), so nothing blocks on the network.
 *
 * The sim clock: with --time-scale S, simulated time runs S times faster
 * than real time; the loop writes it to each device's sim/now before
 * calling into that device (the sim platform re-reads it at every call).
 * A simulated reboot writes sim/boot-time and a new sim/boot-id between
 * omadm_device_free and omadm_device_new, as sim.h describes. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fleet.h"

#define CONTENT_TYPE "application/vnd.syncml.dm+xml"
#define NEVER        1e300
#define PATH_MAX_LEN 4096
#define STOP_GRACE   5.0 /* seconds in-flight exchanges get to end once stopping */

enum { DS_DOWN, DS_IDLE, DS_READY, DS_SESSION, DS_DEAD };

typedef struct fleet {
    const fleet_options *o;
    fleet_stats *st;
    fleet_ca *ca;
    fleet_device *devs;
    uint32_t *heap, heap_n;
    uint32_t *ready, ready_head, ready_n;
    CURLM *multi;
    CURLSH *share;
    struct curl_slist *headers;
    CURL **pool;
    unsigned pool_n, inflight, reported;
    double t0;
    int64_t sim0;
    uint64_t rng;
} fleet;

/* The largest reply body accepted (--max-reply), for on_body. */
static size_t reply_limit;

/* ---- small helpers ------------------------------------------------------ */

static double rnd(fleet *f) /* [0, 1) */
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (double)(f->rng >> 11) / 9007199254740992.0;
}

static int64_t sim_at(const fleet *f, double real)
{
    return f->sim0 + (int64_t)floor((real - f->t0) * f->o->time_scale);
}

static double real_at(const fleet *f, int64_t sim)
{
    if (sim == INT64_MAX)
        return NEVER;
    return f->t0 + (double)(sim - f->sim0) / f->o->time_scale;
}

static void dev_path(const fleet *f, const fleet_device *d, const char *name, char *out)
{
    snprintf(out, PATH_MAX_LEN, "%s/d%05" PRIu32 "%s%s", f->o->state_dir, d->index, name ? "/" : "",
             name ? name : "");
}

static void dev_id(const fleet_device *d, char *out)
{
    snprintf(out, 33, "F1EE7%027" PRIu32, d->index); /* 32 hex digits, like a DevId */
}

static int write_small(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    int ok;

    if (!fp)
        return -1;
    ok = fputs(text, fp) >= 0;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

/* The sim clock of this device (only when it differs from the real one,
 * and only when the sim second moved since this device's last write). */
static void write_now(fleet *f, fleet_device *d, double now)
{
    char path[PATH_MAX_LEN], text[32];
    int64_t sim = sim_at(f, now);

    if (f->o->time_scale == 1.0 || sim == d->now_written)
        return;
    dev_path(f, d, "sim/now", path);
    snprintf(text, sizeof text, "%" PRId64 "\n", sim);
    if (write_small(path, text) != 0)
        fprintf(stderr, "omadm-fleet: %s: %s\n", path, strerror(errno));
    else
        d->now_written = sim;
}

/* t[0]: thread CPU, t[1]: its system part, at the start of a libomadm call. */
static void cpu_begin(double *t)
{
    fleet_thread_times(&t[0], &t[1]);
}

static void cpu_end(fleet *f, const double *t)
{
    double cpu, sys;

    fleet_thread_times(&cpu, &sys);
    f->st->engine_cpu += cpu - t[0];
    f->st->engine_sys += sys - t[1];
}

static void cpu_end_up(fleet *f, const double *t)
{
    double cpu, sys;

    fleet_thread_times(&cpu, &sys);
    f->st->up_cpu += cpu - t[0];
}

static void count_error(fleet *f, omadm_status st)
{
    unsigned k = (unsigned)-(int)st;
    f->st->errors[k < FLEET_ERR_KINDS ? k : FLEET_ERR_KINDS - 1]++;
}

/* ---- the event heap (key: due) -------------------------------------------- */

static void heap_swap(fleet *f, uint32_t a, uint32_t b)
{
    uint32_t t = f->heap[a];
    f->heap[a] = f->heap[b];
    f->heap[b] = t;
    f->devs[f->heap[a]].heap_pos = a;
    f->devs[f->heap[b]].heap_pos = b;
}

static double key(const fleet *f, uint32_t pos)
{
    return f->devs[f->heap[pos]].due;
}

static void heap_push(fleet *f, fleet_device *d)
{
    uint32_t i = f->heap_n++;

    f->heap[i] = d->index;
    d->heap_pos = i;
    while (i > 0 && key(f, (i - 1) / 2) > key(f, i)) {
        heap_swap(f, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static fleet_device *heap_pop(fleet *f)
{
    fleet_device *top = &f->devs[f->heap[0]];
    uint32_t i = 0;

    heap_swap(f, 0, --f->heap_n);
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < f->heap_n && key(f, l) < key(f, m))
            m = l;
        if (r < f->heap_n && key(f, r) < key(f, m))
            m = r;
        if (m == i)
            break;
        heap_swap(f, i, m);
        i = m;
    }
    top->heap_pos = UINT32_MAX;
    return top;
}

static void schedule(fleet *f, fleet_device *d)
{
    d->due = d->poll_at;
    if (d->tick_at < d->due)
        d->due = d->tick_at;
    if (d->reboot_at > 0 && d->reboot_at < d->due)
        d->due = d->reboot_at;
    d->state = DS_IDLE;
    heap_push(f, d);
}

static void make_ready(fleet *f, fleet_device *d)
{
    f->ready[(f->ready_head + f->ready_n++) % f->o->devices] = d->index;
    d->state = DS_READY;
}

/* ---- devices ------------------------------------------------------------ */

static long file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

static int device_open(fleet *f, fleet_device *d, double now)
{
    char dir[PATH_MAX_LEN], cert[PATH_MAX_LEN], keyf[PATH_MAX_LEN], id[33], err[300];
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;
    omadm_status st;
    double t[2];

    dev_path(f, d, NULL, dir);
    dev_path(f, d, "fleet-cert.pem", cert);
    dev_path(f, d, "fleet-key.pem", keyf);
    dev_id(d, id);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        snprintf(err, sizeof err, "%.200s: %s", dir, strerror(errno));
    else if (fleet_issue(f->ca, id, cert, keyf, err, sizeof err) == 0)
        err[0] = '\0';
    if (err[0]) {
        if (f->reported++ < 10)
            fprintf(stderr, "omadm-fleet: device %s: %s\n", id, err);
        return -1;
    }
    dev_path(f, d, "sim", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    write_now(f, d, now);
    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    dev_path(f, d, NULL, dir);
    cfg.state_dir = dir;
    cfg.device_id = id;
    cfg.server_url = f->o->server;
    cfg.ca_file = f->o->ca;
    cfg.cert_file = cert;
    cfg.key_file = keyf;
    cpu_begin(t);
    st = omadm_device_new(&d->dev, &cfg);
    cpu_end_up(f, t);
    if (st != OMADM_OK) {
        if (f->reported++ < 10)
            fprintf(stderr, "omadm-fleet: device %s: %s\n", id, omadm_status_str(st));
        return -1;
    }
    return 0;
}

static void device_dead(fleet *f, fleet_device *d)
{
    d->state = DS_DEAD;
    f->st->device_errors++;
}

/* The decimal after `name` in a restarts.log line; 0, or -1. */
static int field(const char *line, const char *name, int64_t *out)
{
    const char *p = strstr(line, name);
    char *end;
    long long v;

    if (!p)
        return -1;
    p += strlen(name);
    errno = 0;
    v = strtoll(p, &end, 10);
    if (errno || end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* New restart requests since we last looked (sim/restarts.log grew): one
 * simulated reboot at a random moment inside the window. */
static void check_restarts(fleet *f, fleet_device *d, double now)
{
    char path[PATH_MAX_LEN], line[512];
    long size;
    FILE *fp;

    dev_path(f, d, "sim/restarts.log", path);
    size = file_size(path);
    if (size <= (long)d->restarts_log_size)
        return;
    fp = fopen(path, "r");
    if (fp && fseek(fp, (long)d->restarts_log_size, SEEK_SET) == 0) {
        while (fgets(line, sizeof line, fp)) {
            int64_t deadline;
            if (strncmp(line, "requested_at=", 13) != 0 ||
                field(line, " deadline=", &deadline) != 0)
                continue;
            f->st->restarts_requested++;
            if (d->reboot_at == 0) {
                double window = (double)(deadline - sim_at(f, now));
                double lo = window * 0.1, hi = window * 0.8;
                if (window < 1)
                    lo = hi = 0;
                d->reboot_at = now + (lo + rnd(f) * (hi - lo)) / f->o->time_scale;
            }
        }
    }
    if (fp)
        fclose(fp);
    d->restarts_log_size = (uint32_t)size;
}

static void random_hex(fleet *f, char *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = "0123456789abcdef"[(unsigned)(rnd(f) * 16)];
    out[n] = '\0';
}

/* The device goes down and comes back with a new boot identity. */
static int device_reboot(fleet *f, fleet_device *d, double now)
{
    char path[PATH_MAX_LEN], text[40];
    double t[2];

    d->reboot_at = 0;
    f->st->reboots++;
    if (++d->reboots == 2)
        f->st->reboot_twice++;
    cpu_begin(t);
    omadm_device_free(d->dev);
    cpu_end_up(f, t);
    d->dev = NULL;
    dev_path(f, d, "sim/boot-time", path);
    snprintf(text, sizeof text, "%" PRId64 "\n", sim_at(f, now));
    if (write_small(path, text) != 0)
        return -1;
    dev_path(f, d, "sim/boot-id", path);
    random_hex(f, text, 32);
    text[32] = '\n';
    text[33] = '\0';
    if (write_small(path, text) != 0 || device_open(f, d, now) != 0)
        return -1;
    check_restarts(f, d, now); /* one the old boot left armed */
    return 0;
}

/* ---- transfers and sessions ------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    fleet_device *d = user;
    size_t len = size * n;

    if (len > SIZE_MAX / 2 || d->reply_len + len > reply_limit)
        return 0; /* over the limit: CURLE_WRITE_ERROR */
    if (d->reply_len + len + 1 > d->reply_cap) {
        size_t cap = d->reply_cap ? d->reply_cap : 8192;
        char *p;
        while (cap < d->reply_len + len + 1)
            cap *= 2;
        p = realloc(d->reply, cap);
        if (!p)
            return 0;
        d->reply = p;
        d->reply_cap = cap;
    }
    memcpy(d->reply + d->reply_len, data, len);
    d->reply_len += len;
    return len;
}

static CURL *easy_get(fleet *f)
{
    CURL *e;

    if (f->pool_n)
        return f->pool[--f->pool_n];
    e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_URL, f->o->server);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CAINFO, f->o->ca);
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "MSFT OMA DM Client/1.2.0.1 (omadm-fleet)");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, f->o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, f->o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->o->max_reply);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_SHARE, f->share);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, fleet_tls_ctx);
    return e;
}

static void session_end(fleet *f, fleet_device *d, double now);

/* Sends the session's next message, or ends the session. */
static void pump(fleet *f, fleet_device *d, double now)
{
    char cert[PATH_MAX_LEN], keyf[PATH_MAX_LEN];
    char *msg = NULL;
    size_t len = 0;
    omadm_status st;
    CURL *e;
    double t[2];

    for (;;) {
        cpu_begin(t);
        st = omadm_device_session_next(d->sess, &msg, &len);
        if (st != OMADM_OK)
            omadm_device_session_fail(d->sess, st, "cannot build the next message", -1);
        cpu_end(f, t);
        if (st == OMADM_OK)
            break;
    }
    if (!msg) {
        session_end(f, d, now);
        return;
    }
    e = easy_get(f);
    if (!e) {
        omadm_free(msg);
        omadm_device_session_fail(d->sess, OMADM_ERR_NOMEM, "no transfer handle", -1);
        pump(f, d, now);
        return;
    }
    f->st->messages++;
    d->msg = msg;
    d->reply_len = 0;
    dev_path(f, d, "fleet-cert.pem", cert);
    dev_path(f, d, "fleet-key.pem", keyf);
    curl_easy_setopt(e, CURLOPT_SSLCERT, cert);
    curl_easy_setopt(e, CURLOPT_SSLKEY, keyf);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, msg);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(e, CURLOPT_PRIVATE, d);
    curl_easy_setopt(e, CURLOPT_SHARE, fleet_tls_share(&d->share, f->share));
    d->easy = e;
    curl_multi_add_handle(f->multi, e);
}

static omadm_status curl_status(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return OMADM_ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return OMADM_ERR_TLS;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        return OMADM_ERR_LIMIT;
    default:
        return OMADM_ERR_TRANSPORT;
    }
}

/* A transfer ended: feed the reply or fail the session, then go on. */
static void transfer_done(fleet *f, CURL *e, CURLcode rc, double now)
{
    fleet_device *d = NULL;
    long code = 0, conns = 0;
    curl_off_t retry = -1;
    char *ctype = NULL, detail[200];
    double t[2];

    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&d);
    curl_multi_remove_handle(f->multi, e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
    curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry);
    f->st->new_connections += (uint64_t)conns;
    cpu_begin(t);
    if (rc != CURLE_OK) {
        snprintf(detail, sizeof detail, "%s", curl_easy_strerror(rc));
        omadm_device_session_fail(d->sess, curl_status(rc), detail, -1);
    } else if (code == 429 || code == 503) {
        snprintf(detail, sizeof detail, "HTTP %ld", code);
        omadm_device_session_fail(d->sess, OMADM_ERR_RETRY_LATER, detail, retry > 0 ? retry : -1);
    } else if (code != 200) {
        snprintf(detail, sizeof detail, "HTTP %ld", code);
        omadm_device_session_fail(d->sess, OMADM_ERR_TRANSPORT, detail, -1);
    } else if (!ctype || strncasecmp(ctype, CONTENT_TYPE, sizeof CONTENT_TYPE - 1) != 0) {
        snprintf(detail, sizeof detail, "Content-Type %.100s is not " CONTENT_TYPE,
                 ctype ? ctype : "(none)");
        omadm_device_session_fail(d->sess, OMADM_ERR_PROTOCOL, detail, -1);
    } else {
        omadm_device_session_feed(d->sess, d->reply ? d->reply : "", d->reply_len);
    }
    omadm_free(d->msg);
    cpu_end(f, t);
    d->msg = NULL;
    d->easy = NULL;
    f->pool[f->pool_n++] = e;
    pump(f, d, now);
}

static void session_start(fleet *f, fleet_device *d, double now)
{
    int64_t next = INT64_MAX;
    omadm_status st;
    double t[2];

    write_now(f, d, now);
    cpu_begin(t);
    omadm_device_tick(d->dev, &next);
    st = omadm_device_session_start(d->dev, &d->sess);
    cpu_end(f, t);
    d->tick_at = real_at(f, next);
    d->state = DS_SESSION;
    d->sess_start = now;
    if (st != OMADM_OK) {
        f->st->sessions++;
        f->st->sessions_failed++;
        count_error(f, st);
        d->poll_at = now + f->o->poll / f->o->time_scale;
        schedule(f, d);
        return;
    }
    f->inflight++;
    pump(f, d, now);
}

static void session_end(fleet *f, fleet_device *d, double now)
{
    omadm_device_result res;
    int64_t next = INT64_MAX;
    omadm_status st;
    double t[2], wait;
    unsigned ms;

    write_now(f, d, now);
    cpu_begin(t);
    st = omadm_device_session_finish(d->sess);
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    if (omadm_device_last_result(d->dev, &res) != OMADM_OK)
        res.retry_after = -1;
    omadm_device_tick(d->dev, &next);
    cpu_end(f, t);
    d->sess = NULL;
    f->inflight--;
    f->st->sessions++;
    if (st == OMADM_OK) {
        f->st->sessions_ok++;
        if (!d->checked_in) {
            d->checked_in = 1;
            f->st->checked_in++;
        }
    } else {
        f->st->sessions_failed++;
        count_error(f, st);
    }
    ms = (unsigned)((now - d->sess_start) * 1000.0);
    f->st->latency_ms[ms < FLEET_LAT_BUCKETS ? ms : FLEET_LAT_BUCKETS]++;
    free(d->reply); /* idle devices keep nothing in memory */
    d->reply = NULL;
    d->reply_cap = d->reply_len = 0;
    wait = f->o->poll * (0.9 + 0.2 * rnd(f));
    if (res.retry_after > 0)
        wait = (double)res.retry_after;
    d->poll_at = now + wait / f->o->time_scale;
    d->tick_at = real_at(f, next);
    check_restarts(f, d, now);
    schedule(f, d);
}

/* An event of an idle (or not yet started) device is due. */
static void device_due(fleet *f, fleet_device *d, double now)
{
    int64_t next = INT64_MAX;
    double t[2];

    if (d->state == DS_DOWN) {
        if (device_open(f, d, now) != 0) {
            device_dead(f, d);
            return;
        }
        char path[PATH_MAX_LEN];
        dev_path(f, d, "sim/restarts.log", path);
        d->restarts_log_size = (uint32_t)file_size(path);
        f->st->devices_up++;
        if (f->st->devices_up == f->o->devices)
            f->st->rss_up_kb = fleet_rss_kb();
        make_ready(f, d);
        return;
    }
    if (d->reboot_at > 0 && now >= d->reboot_at) {
        if (device_reboot(f, d, now) != 0) {
            device_dead(f, d);
            return;
        }
        make_ready(f, d); /* the new boot reports the outcome at once */
        return;
    }
    if (now >= d->poll_at) {
        make_ready(f, d);
        return;
    }
    write_now(f, d, now);
    cpu_begin(t);
    omadm_device_tick(d->dev, &next);
    cpu_end(f, t);
    d->tick_at = real_at(f, next);
    if (d->tick_at <= now)
        d->tick_at = now + 1.0;
    check_restarts(f, d, now);
    schedule(f, d);
}

/* ---- the loop ------------------------------------------------------------- */

/* Stopping and the grace period is over: the exchanges still in flight
 * end now (their sessions fail as aborted). */
static void abort_inflight(fleet *f, double now)
{
    uint32_t i;

    for (i = 0; i < f->o->devices; i++) {
        fleet_device *d = &f->devs[i];
        if (!d->easy)
            continue;
        curl_multi_remove_handle(f->multi, d->easy);
        f->pool[f->pool_n++] = d->easy;
        d->easy = NULL;
        omadm_free(d->msg);
        d->msg = NULL;
        omadm_device_session_fail(d->sess, OMADM_ERR_ABORTED, "the fleet is stopping", -1);
        pump(f, d, now);
    }
}

static void fleet_free(fleet *f)
{
    uint32_t i;
    double t[2];

    for (i = 0; f->devs && i < f->o->devices; i++) {
        fleet_device *d = &f->devs[i];
        if (d->easy) {
            curl_multi_remove_handle(f->multi, d->easy);
            curl_easy_cleanup(d->easy);
        }
        omadm_free(d->msg);
        free(d->reply);
        cpu_begin(t);
        if (d->sess)
            omadm_device_session_finish(d->sess);
        omadm_device_free(d->dev);
        cpu_end_up(f, t);
    }
    while (f->pool && f->pool_n)
        curl_easy_cleanup(f->pool[--f->pool_n]);
    for (i = 0; f->devs && i < f->o->devices; i++)
        if (f->devs[i].share)
            curl_share_cleanup(f->devs[i].share); /* no handle uses it now */
    if (f->multi)
        curl_multi_cleanup(f->multi);
    if (f->share)
        curl_share_cleanup(f->share);
    curl_slist_free_all(f->headers);
    free(f->pool);
    free(f->ready);
    free(f->heap);
    free(f->devs);
}

static int fleet_init(fleet *f, const fleet_options *o, fleet_ca *ca, fleet_stats *st)
{
    uint32_t i;

    memset(f, 0, sizeof *f);
    f->o = o;
    f->st = st;
    f->ca = ca;
    reply_limit = o->max_reply;
    f->devs = calloc(o->devices, sizeof *f->devs);
    f->heap = calloc(o->devices, sizeof *f->heap);
    f->ready = calloc(o->devices, sizeof *f->ready);
    f->pool = calloc(o->max_inflight + 1, sizeof *f->pool);
    f->multi = curl_multi_init();
    f->share = curl_share_init();
    f->headers = curl_slist_append(NULL, "Content-Type: " CONTENT_TYPE);
    if (f->headers)
        f->headers = curl_slist_append(f->headers, "Accept: " CONTENT_TYPE);
    if (!f->devs || !f->heap || !f->ready || !f->pool || !f->multi || !f->share || !f->headers)
        return -1;
    /* The fleet's share: DNS, and TLS sessions for a device without a
     * share of its own (fleet_tls_share). */
    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)o->max_inflight);
    f->t0 = fleet_now();
    f->sim0 = (int64_t)time(NULL);
    f->rng = (uint64_t)f->sim0 * 0x9E3779B97F4A7C15u ^ (uint64_t)getpid();
    if (!f->rng)
        f->rng = 1;
    for (i = 0; i < o->devices; i++) {
        fleet_device *d = &f->devs[i];
        d->index = i;
        d->poll_at = f->t0 + o->ramp * i / o->devices;
        d->tick_at = NEVER;
        schedule(f, d);
        d->state = DS_DOWN;
    }
    return 0;
}

int fleet_run(const fleet_options *o, fleet_ca *ca, fleet_stats *st, volatile int *stop)
{
    fleet f;
    double last_progress = 0, stop_at = 0;
    int running = 0;

    st->started = fleet_now();
    st->rss_start_kb = fleet_rss_kb();
    if (fleet_init(&f, o, ca, st) != 0) {
        fprintf(stderr, "omadm-fleet: out of memory setting up %u devices\n", o->devices);
        fleet_free(&f);
        return -1;
    }
    for (;;) {
        double now = fleet_now(), wait;
        int stopping = *stop || (o->duration > 0 && now >= f.t0 + o->duration);
        CURLMsg *m;
        int left, budget = 2000;

        if (!stopping) {
            while (f.heap_n && f.devs[f.heap[0]].due <= now && budget-- > 0)
                device_due(&f, heap_pop(&f), now);
            while (f.ready_n && f.inflight < o->max_inflight) {
                fleet_device *d = &f.devs[f.ready[f.ready_head]];
                f.ready_head = (f.ready_head + 1) % o->devices;
                f.ready_n--;
                session_start(&f, d, now);
            }
        } else if (f.inflight == 0) {
            break;
        } else if (stop_at == 0) {
            stop_at = now;
        } else if (now - stop_at > STOP_GRACE) {
            abort_inflight(&f, now);
            continue;
        }
        curl_multi_perform(f.multi, &running);
        while ((m = curl_multi_info_read(f.multi, &left)) != NULL)
            if (m->msg == CURLMSG_DONE)
                transfer_done(&f, m->easy_handle, m->data.result, fleet_now());
        now = fleet_now();
        if (o->progress && now - last_progress >= 1.0) {
            fleet_progress(o, st, now);
            last_progress = now;
        }
        wait = 1.0;
        if (!stopping && f.ready_n && f.inflight < o->max_inflight)
            wait = 0;
        if (!stopping && f.heap_n && f.devs[f.heap[0]].due - now < wait)
            wait = f.devs[f.heap[0]].due - now;
        if (wait > 0)
            curl_multi_poll(f.multi, NULL, 0, (int)(wait * 1000) + 1, NULL);
    }
    st->ended = fleet_now();
    fleet_tls_counts(&st->tls_handshakes, &st->tls_resumed);
    st->rss_end_kb = fleet_rss_kb();
    fleet_free(&f);
    if (o->progress)
        fputc('\n', stdout);
    return 0;
}
