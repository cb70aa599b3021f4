/* SPDX-License-Identifier: Apache-2.0 */
/* omadm-fleet: many simulated devices (sim platform, real sessions, real
 * TLS) in one process and one event loop (libcurl multi). Built only on
 * the public libomadm API (omadm/include/omadm/). */
#ifndef OMADM_FLEET_H
#define OMADM_FLEET_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>

#include "omadm/device.h"

#define FLEET_ERR_KINDS   32    /* -omadm_status, 0..31 */
#define FLEET_LAT_BUCKETS 20000 /* 1 ms buckets up to 20 s, then overflow */

typedef struct fleet_options {
    unsigned devices;
    const char *server;
    const char *ca;
    const char *state_dir;
    const char *issue_ca, *issue_key;
    /* --enroll URL: identities by MS-MDE2 enrollment (enroll.c) with
     * enroll_user + enroll_secret (OnPremise) or enroll_token (Federated);
     * the secrets are read from files by main and wiped at exit. */
    const char *enroll, *enroll_user;
    char *enroll_secret, *enroll_token;
    double poll;       /* sim seconds between sessions (jittered +-10%) */
    double duration;   /* real seconds; 0 = until SIGINT */
    double ramp;       /* real seconds over which devices come up */
    double time_scale; /* sim seconds per real second */
    unsigned max_inflight;
    long timeout_ms; /* per transfer */
    size_t max_reply;
    int json;
    int progress; /* live line on stdout (a tty) */
} fleet_options;

/* One simulated device. Everything it owns on disk lives in its own state
 * directory <state-dir>/dNNNNN (derived from `index`, never stored). */
typedef struct fleet_device {
    omadm_device *dev; /* NULL until it comes up */
    omadm_device_session *sess;
    void *easy;  /* CURL *, while a message is in flight */
    void *share; /* CURLSH *: its own TLS session cache (resumption) */
    char *msg;   /* the message in flight (omadm_free) */
    char *reply;
    size_t reply_len, reply_cap;
    double due;       /* real time of its next event (heap key) */
    double poll_at;   /* real time of its next poll */
    double tick_at;   /* real time omadm_device_tick wants to run */
    double reboot_at; /* real time of a pending simulated reboot, or 0 */
    double sess_start;
    uint32_t index;
    uint32_t heap_pos; /* UINT32_MAX: not in the heap */
    uint32_t restarts_log_size;
    uint16_t reboots;
    uint8_t state;
    uint8_t checked_in;
    uint8_t cpu_sampled; /* this session's libomadm CPU is measured */
} fleet_device;

typedef struct fleet_stats {
    uint64_t sessions, sessions_ok, sessions_failed;
    uint64_t errors[FLEET_ERR_KINDS];
    uint64_t messages, new_connections;
    uint64_t tls_handshakes, tls_resumed; /* resumed: an abbreviated handshake */
    uint64_t restarts_requested, reboots, reboot_twice;
    uint64_t device_errors; /* devices that could not come up */
    unsigned devices_up, checked_in;
    uint64_t enrolled, enroll_reused, enroll_failed; /* --enroll */
    uint32_t latency_ms[FLEET_LAT_BUCKETS + 1];
    /* Seconds in libomadm for the sampled sessions (one in 16) and their
     * devices' ticks (thread CPU); engine_sessions: how many. */
    double engine_cpu;
    double engine_sys; /* the kernel's part of engine_cpu (file I/O) */
    uint64_t engine_sessions;
    double up_cpu; /* seconds in omadm_device_new/free (bring-up, reboots) */
    double started, ended;
    long rss_start_kb, rss_up_kb, rss_end_kb;
    /* The steady state: from the moment every device has checked in (all
     * connections made) to the end. steady_at: its process CPU seconds
     * then, or -1 while not reached. */
    double steady_at_cpu;
    uint64_t steady_at_sessions, steady_at_handshakes;
} fleet_stats;

/* A device's id (32 hex digits, like a DevId) from its index. */
#define FLEET_ID_FORMAT "F1EE7%027" PRIu32
/* Its certificate and key in its state directory: issued by the fleet
 * (--issue-ca), or by the server through enrollment (--enroll). */
#define FLEET_ISSUED_CERT "fleet-cert.pem"
#define FLEET_ISSUED_KEY  "fleet-key.pem"
#define FLEET_ENROLL_CERT "enroll-cert.pem"
#define FLEET_ENROLL_KEY  "enroll-key.pem"

/* enroll.c: enrolls every device not enrolled yet (bounded by
 * max_inflight), counting in st (enrolled, enroll_reused, enroll_failed;
 * up to 10 failures on stderr). 0, or -1 when it could not run at all. */
int fleet_enroll_all(const fleet_options *o, fleet_stats *st, volatile int *stop);
/* <state-dir>/dNNNNN/<name> (out: 4096 bytes). */
void fleet_device_file(const fleet_options *o, uint32_t index, const char *name, char *out);
/* An owner-only secret file, one value, trailing newline removed: 0 with
 * *out (free after OPENSSL_cleanse), or -1 with a line in err. */
int fleet_read_secret(const char *path, char **out, char *err, size_t errlen);

/* pki.c: the device's key and certificate (CN = id) under its directory,
 * signed by the CA, unless both files exist. 0 on success, else -1 with
 * a line in err. */
typedef struct fleet_ca fleet_ca;
int fleet_ca_load(fleet_ca **out, const char *cert_file, const char *key_file, char *err,
                  size_t errlen);
void fleet_ca_free(fleet_ca *ca);
int fleet_issue(fleet_ca *ca, const char *id, const char *cert_path, const char *key_path,
                char *err, size_t errlen);

/* loop.c: runs the fleet until the duration ends or *stop is set. 0, or
 * -1 when it could not start (message on stderr). */
int fleet_run(const fleet_options *o, fleet_ca *ca, fleet_stats *st, volatile int *stop);

/* tls.c: libcurl's CURLOPT_SSL_CTX_FUNCTION (OpenSSL backend), counting
 * TLS handshakes and those that resumed a session. */
#include <curl/curl.h>
CURLcode fleet_tls_ctx(CURL *curl, void *ssl_ctx, void *user);
void fleet_tls_counts(uint64_t *handshakes, uint64_t *resumed);
/* The device's own TLS session cache (a CURLSH in *slot, made on first use;
 * the caller cleans it up once no handle uses it): libcurl's shared cache
 * holds 8 sessions (LRU), so one fleet-wide cache never resumes once more
 * than 8 devices take turns. `fallback` when it cannot be made.
 * With `own_connection` (every device can keep its connection: no more
 * devices than transfers in flight) it also holds the device's connection
 * cache: in libcurl 7.88 a transfer probes every idle connection to the
 * same host (a recv(MSG_PEEK) each) and compares its TLS settings before
 * it finds its own, so in one shared cache each session cost about 25
 * probes with 50 devices (fleet_cpu.py: 537 -> 400 us per session). */
CURLSH *fleet_tls_share(void **slot, CURLSH *fallback, int own_connection);

/* report.c */
double fleet_now(void); /* monotonic seconds */
/* This thread's CPU seconds (exact) and their system part (sampled by
 * the kernel's ticks: a rough split). */
void fleet_thread_times(double *cpu, double *sys);
double fleet_process_cpu(void);
long fleet_rss_kb(void);
void fleet_progress(const fleet_options *o, const fleet_stats *st, double now);
void fleet_summary(const fleet_options *o, const fleet_stats *st);
unsigned fleet_latency_pct(const fleet_stats *st, double pct);

#endif
