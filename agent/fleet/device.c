/* SPDX-License-Identifier: Apache-2.0 */
/* One simulated device's life in the fleet (loop.h): bring-up with its
 * own state directory, certificate and sim platform; sessions through the
 * no-I/O pull API (omadm_device_session_*), one HTTPS exchange at a time
 * through fleet_multi; restart requests read from its sim/restarts.log and
 * acted on as a simulated reboot inside the window.
 *
 * The sim clock: the fleet owns it. Each device's sim/clock says
 * "<sim0> <real0> <time-scale>" (platform/sim/sim.h), written before the
 * device's platform opens, so the sim platform computes the time in memory
 * and reads its files once per boot instead of at every call. A simulated
 * reboot writes sim/boot-time and a new sim/boot-id between
 * omadm_device_free and omadm_device_new, as sim.h describes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "loop.h"

static long file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* The size of sim/restarts.log, created empty when absent: every session
 * end stats it, and on tmpfs (a fleet's usual state directory) a missing
 * file is looked up the slow way each time, for tmpfs keeps no negative
 * dentries (about 25 us a session in a profile). The sim platform only
 * ever appends to it. */
static long restarts_log_open(const char *path)
{
    struct stat sb;
    long size = -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

    if (fd >= 0 && fstat(fd, &sb) == 0)
        size = (long)sb.st_size;
    if (fd >= 0)
        close(fd);
    return size;
}

/* sim/clock (platform/sim/sim.h): the fleet's clock, the same for every
 * device of the run; written before each boot of the device. */
/* The largest reply body accepted (--max-reply), for on_body. */
static size_t reply_limit;

void fleet_device_limits(size_t max_reply)
{
    reply_limit = max_reply;
}

static int write_clock(fleet *f, fleet_device *d)
{
    char path[PATH_MAX_LEN], text[96];

    fleet_dev_path(f, d, "sim/clock", path);
    snprintf(text, sizeof text, "%" PRId64 " %.6f %.9g\n", f->sim0, f->real0, f->o->time_scale);
    if (fleet_write_small(path, text) != 0) {
        if (f->reported++ < 10)
            fprintf(stderr, "omadm-fleet: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int device_open(fleet *f, fleet_device *d, double now)
{
    char dir[PATH_MAX_LEN], cert[PATH_MAX_LEN], keyf[PATH_MAX_LEN], id[33], err[300];
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;
    omadm_status st;
    double t[2];

    fleet_dev_path(f, d, NULL, dir);
    fleet_dev_path(f, d, f->o->enroll ? FLEET_ENROLL_CERT : FLEET_ISSUED_CERT, cert);
    fleet_dev_path(f, d, f->o->enroll ? FLEET_ENROLL_KEY : FLEET_ISSUED_KEY, keyf);
    fleet_dev_id(d, id);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        snprintf(err, sizeof err, "%.200s: %s", dir, strerror(errno));
    else if (f->o->enroll)
        snprintf(err, sizeof err, "%s", access(cert, R_OK) == 0 ? "" : "not enrolled");
    else if (fleet_issue(f->ca, id, cert, keyf, err, sizeof err) == 0)
        err[0] = '\0';
    if (err[0]) {
        if (f->reported++ < 10)
            fprintf(stderr, "omadm-fleet: device %s: %s\n", id, err);
        return -1;
    }
    fleet_dev_path(f, d, "sim", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    if (write_clock(f, d) != 0)
        return -1;
    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    fleet_dev_path(f, d, NULL, dir);
    cfg.state_dir = dir;
    cfg.device_id = id;
    cfg.server_url = f->o->server;
    cfg.ca_file = f->o->ca;
    cfg.cert_file = cert;
    cfg.key_file = keyf;
    fleet_cpu_begin(t);
    st = omadm_device_new(&d->dev, &cfg);
    fleet_cpu_end_up(f, t);
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

    fleet_dev_path(f, d, "sim/restarts.log", path);
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
                double window = (double)(deadline - fleet_sim_at(f, now));
                double lo = window * 0.1, hi = window * 0.8;
                if (window < 1)
                    lo = hi = 0;
                d->reboot_at = now + (lo + fleet_rnd(f) * (hi - lo)) / f->o->time_scale;
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
        out[i] = "0123456789abcdef"[(unsigned)(fleet_rnd(f) * 16)];
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
    fleet_cpu_begin(t);
    omadm_device_free(d->dev);
    fleet_cpu_end_up(f, t);
    d->dev = NULL;
    fleet_dev_path(f, d, "sim/boot-time", path);
    snprintf(text, sizeof text, "%" PRId64 "\n", fleet_sim_at(f, now));
    if (fleet_write_small(path, text) != 0)
        return -1;
    fleet_dev_path(f, d, "sim/boot-id", path);
    random_hex(f, text, 32);
    text[32] = '\n';
    text[33] = '\0';
    if (fleet_write_small(path, text) != 0 || device_open(f, d, now) != 0)
        return -1;
    check_restarts(f, d, now); /* one the old boot left armed */
    return 0;
}

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
        fleet_cpu_begin_dev(d, t);
        st = omadm_device_session_next(d->sess, &msg, &len);
        if (st != OMADM_OK)
            omadm_device_session_fail(d->sess, st, "cannot build the next message", -1);
        fleet_cpu_end(f, t);
        if (st == OMADM_OK)
            break;
    }
    if (!msg) {
        session_end(f, d, now);
        return;
    }
    e = fleet_multi_easy(&f->mx);
    if (!e) {
        omadm_free(msg);
        omadm_device_session_fail(d->sess, OMADM_ERR_NOMEM, "no transfer handle", -1);
        pump(f, d, now);
        return;
    }
    f->st->messages++;
    d->msg = msg;
    d->reply_len = 0;
    fleet_dev_path(f, d, f->o->enroll ? FLEET_ENROLL_CERT : FLEET_ISSUED_CERT, cert);
    fleet_dev_path(f, d, f->o->enroll ? FLEET_ENROLL_KEY : FLEET_ISSUED_KEY, keyf);
    curl_easy_setopt(e, CURLOPT_SSLCERT, cert);
    curl_easy_setopt(e, CURLOPT_SSLKEY, keyf);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, msg);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(e, CURLOPT_PRIVATE, d);
    curl_easy_setopt(e, CURLOPT_SHARE,
                     fleet_tls_share(&d->share, f->mx.share, f->o->devices <= f->o->max_inflight));
    if (fleet_multi_add(&f->mx, e) != 0) {
        omadm_free(msg);
        d->msg = NULL;
        omadm_device_session_fail(d->sess, OMADM_ERR_TRANSPORT, "cannot start the transfer", -1);
        pump(f, d, now);
        return;
    }
    d->easy = e;
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
void fleet_transfer_done(void *user, CURL *e, CURLcode rc)
{
    fleet *f = user;
    double now = fleet_now();
    fleet_device *d = NULL;
    long code = 0, conns = 0;
    curl_off_t retry = -1;
    char *ctype = NULL, detail[200];
    double t[2];

    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&d);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
    curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry);
    f->st->new_connections += (uint64_t)conns;
    fleet_cpu_begin_dev(d, t);
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
    fleet_cpu_end(f, t);
    d->msg = NULL;
    d->easy = NULL;
    fleet_multi_release(&f->mx, e);
    pump(f, d, now);
}

void fleet_session_start(fleet *f, fleet_device *d, double now)
{
    int64_t next = INT64_MAX;
    omadm_status st;
    double t[2];

    d->cpu_sampled = f->sessions_started++ % FLEET_CPU_SAMPLE == 0;
    f->st->engine_sessions += d->cpu_sampled;
    fleet_cpu_begin_dev(d, t);
    omadm_device_tick(d->dev, &next);
    st = omadm_device_session_start(d->dev, &d->sess);
    fleet_cpu_end(f, t);
    d->tick_at = fleet_real_at(f, next);
    d->state = DS_SESSION;
    d->sess_start = now;
    if (st != OMADM_OK) {
        f->st->sessions++;
        f->st->sessions_failed++;
        fleet_count_error(f, st);
        d->poll_at = now + f->o->poll / f->o->time_scale;
        fleet_schedule(f, d);
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

    fleet_cpu_begin_dev(d, t);
    st = omadm_device_session_finish(d->sess);
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    if (omadm_device_last_result(d->dev, &res) != OMADM_OK)
        res.retry_after = -1;
    omadm_device_tick(d->dev, &next);
    fleet_cpu_end(f, t);
    d->sess = NULL;
    f->inflight--;
    f->st->sessions++;
    if (st == OMADM_OK) {
        f->st->sessions_ok++;
        if (!d->checked_in) {
            d->checked_in = 1;
            if (++f->st->checked_in == f->o->devices) {
                uint64_t resumed;
                f->st->steady_at_cpu = fleet_process_cpu();
                f->st->steady_at_sessions = f->st->sessions;
                fleet_tls_counts(&f->st->steady_at_handshakes, &resumed);
            }
        }
    } else {
        f->st->sessions_failed++;
        fleet_count_error(f, st);
    }
    ms = (unsigned)((now - d->sess_start) * 1000.0);
    f->st->latency_ms[ms < FLEET_LAT_BUCKETS ? ms : FLEET_LAT_BUCKETS]++;
    free(d->reply); /* idle devices keep nothing in memory */
    d->reply = NULL;
    d->reply_cap = d->reply_len = 0;
    wait = f->o->poll * (0.9 + 0.2 * fleet_rnd(f));
    if (res.retry_after > 0)
        wait = (double)res.retry_after;
    d->poll_at = now + wait / f->o->time_scale;
    d->tick_at = fleet_real_at(f, next);
    check_restarts(f, d, now);
    fleet_schedule(f, d);
}

/* An event of an idle (or not yet started) device is due. */
void fleet_device_due(fleet *f, fleet_device *d, double now)
{
    int64_t next = INT64_MAX;
    double t[2];

    if (d->state == DS_DOWN) {
        if (device_open(f, d, now) != 0) {
            device_dead(f, d);
            return;
        }
        char path[PATH_MAX_LEN];
        fleet_dev_path(f, d, "sim/restarts.log", path);
        long size = restarts_log_open(path);
        if (size < 0) {
            if (f->reported++ < 10)
                fprintf(stderr, "omadm-fleet: %s: %s\n", path, strerror(errno));
            device_dead(f, d);
            return;
        }
        d->restarts_log_size = (uint32_t)size;
        f->st->devices_up++;
        if (f->st->devices_up == f->o->devices)
            f->st->rss_up_kb = fleet_rss_kb();
        fleet_make_ready(f, d);
        return;
    }
    if (d->reboot_at > 0 && now >= d->reboot_at) {
        if (device_reboot(f, d, now) != 0) {
            device_dead(f, d);
            return;
        }
        fleet_make_ready(f, d); /* the new boot reports the outcome at once */
        return;
    }
    if (now >= d->poll_at) {
        fleet_make_ready(f, d);
        return;
    }
    fleet_cpu_begin_dev(d, t);
    omadm_device_tick(d->dev, &next);
    fleet_cpu_end(f, t);
    d->tick_at = fleet_real_at(f, next);
    if (d->tick_at <= now)
        d->tick_at = now + 1.0;
    check_restarts(f, d, now);
    fleet_schedule(f, d);
}

/* Stopping and the grace period is over: the exchanges still in flight
 * end now (their sessions fail as aborted). */
void fleet_abort_inflight(fleet *f, double now)
{
    uint32_t i;

    for (i = 0; i < f->o->devices; i++) {
        fleet_device *d = &f->devs[i];
        if (!d->easy)
            continue;
        fleet_multi_release(&f->mx, d->easy);
        d->easy = NULL;
        omadm_free(d->msg);
        d->msg = NULL;
        omadm_device_session_fail(d->sess, OMADM_ERR_ABORTED, "the fleet is stopping", -1);
        pump(f, d, now);
    }
}

void fleet_device_release(fleet *f, fleet_device *d)
{
    double t[2];

    if (d->easy) {
        fleet_multi_release(&f->mx, d->easy);
        d->easy = NULL;
    }
    omadm_free(d->msg);
    d->msg = NULL;
    free(d->reply);
    d->reply = NULL;
    fleet_cpu_begin(t);
    if (d->sess)
        omadm_device_session_finish(d->sess);
    d->sess = NULL;
    omadm_device_free(d->dev);
    d->dev = NULL;
    fleet_cpu_end_up(f, t);
}
