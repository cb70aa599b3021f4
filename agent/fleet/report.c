/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks, memory and the fleet's figures: the live progress line and the
 * final summary (text or JSON). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fleet.h"

double fleet_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_of(clockid_t id)
{
    struct timespec ts;

    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fleet_thread_times(double *cpu, double *sys)
{
    struct rusage ru;

    /* getrusage's user + system time is tick-sampled for a thread (far
     * too coarse for one call); the thread CPU clock is exact */
    *cpu = cpu_of(CLOCK_THREAD_CPUTIME_ID);
    *sys = getrusage(RUSAGE_THREAD, &ru) == 0
               ? (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6
               : 0;
}

double fleet_process_cpu(void)
{
    return cpu_of(CLOCK_PROCESS_CPUTIME_ID);
}

/* Resident set size now (VmRSS), in KiB; 0 when unknown. */
long fleet_rss_kb(void)
{
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static long peak_rss_kb(void)
{
    struct rusage ru;

    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

unsigned fleet_latency_pct(const fleet_stats *st, double pct)
{
    uint64_t total = 0, want, seen = 0;
    unsigned i;

    for (i = 0; i <= FLEET_LAT_BUCKETS; i++)
        total += st->latency_ms[i];
    if (!total)
        return 0;
    want = (uint64_t)(pct / 100.0 * (double)total + 0.5);
    if (want == 0)
        want = 1;
    for (i = 0; i <= FLEET_LAT_BUCKETS; i++) {
        seen += st->latency_ms[i];
        if (seen >= want)
            return i;
    }
    return FLEET_LAT_BUCKETS;
}

/* "TRANSPORT 3, TIMEOUT 1" (omadm_status names without OMADM_ERR_). */
static void errors_text(const fleet_stats *st, char *out, size_t size, int json)
{
    size_t n = 0;
    unsigned k;

    out[0] = '\0';
    for (k = 1; k < FLEET_ERR_KINDS && n < size; k++) {
        const char *name;
        if (!st->errors[k])
            continue;
        name = omadm_status_name((omadm_status) - (int)k);
        if (!strncmp(name, "OMADM_ERR_", 10))
            name += 10;
        n += (size_t)snprintf(out + n, size - n, json ? "%s\"%s\": %llu" : "%s%s %llu",
                              n ? ", " : "", name, (unsigned long long)st->errors[k]);
    }
}

static double elapsed(const fleet_stats *st, double now)
{
    double e = (st->ended > 0 ? st->ended : now) - st->started;
    return e > 0 ? e : 1e-9;
}

void fleet_progress(const fleet_options *o, const fleet_stats *st, double now)
{
    char errs[400];

    errors_text(st, errs, sizeof errs, 0);
    printf("\r\033[Kup %u/%u  sessions %llu (%.1f/s)  ok %llu  failed %llu%s%s%s  "
           "p50 %ums p90 %ums p99 %ums  reboots %llu",
           st->devices_up, o->devices, (unsigned long long)st->sessions,
           (double)st->sessions / elapsed(st, now), (unsigned long long)st->sessions_ok,
           (unsigned long long)st->sessions_failed, errs[0] ? " [" : "", errs, errs[0] ? "]" : "",
           fleet_latency_pct(st, 50), fleet_latency_pct(st, 90), fleet_latency_pct(st, 99),
           (unsigned long long)st->reboots);
    fflush(stdout);
}

void fleet_summary(const fleet_options *o, const fleet_stats *st)
{
    char errs[1000];
    double secs = elapsed(st, 0), cpu = fleet_process_cpu();
    double n = st->sessions ? (double)st->sessions : 1;
    double en = st->engine_sessions ? (double)st->engine_sessions : 1;
    double ups = st->devices_up + st->reboots ? (double)(st->devices_up + st->reboots) : 1;
    long per_dev =
        st->devices_up ? (st->rss_end_kb - st->rss_start_kb) * 1024L / st->devices_up : 0;

    /* The steady state's CPU per session (bring-up excluded), or -1. */
    uint64_t steady_n = st->sessions - st->steady_at_sessions, handshakes, resumed;
    double steady_us = st->steady_at_cpu >= 0 && steady_n
                           ? (cpu - st->steady_at_cpu) * 1e6 / (double)steady_n
                           : -1;
    char steady[64] = "null";

    fleet_tls_counts(&handshakes, &resumed);
    if (steady_us >= 0)
        snprintf(steady, sizeof steady, "%.1f", steady_us);
    else
        steady_n = 0;
    errors_text(st, errs, sizeof errs, o->json);
    if (o->json) {
        printf("{\"devices\": %u, \"devices_up\": %u, \"device_errors\": %llu, "
               "\"checked_in\": %u, \"seconds\": %.3f, \"sessions\": %llu, "
               "\"sessions_ok\": %llu, \"sessions_failed\": %llu, \"errors\": {%s}, "
               "\"sessions_per_s\": %.2f, \"messages\": %llu, \"new_connections\": %llu, "
               "\"tls_handshakes\": %llu, \"tls_resumed\": %llu, "
               "\"latency_ms\": {\"p50\": %u, \"p90\": %u, \"p99\": %u}, "
               "\"restarts_requested\": %llu, \"reboots\": %llu, \"devices_rebooted_twice\": %llu, "
               "\"rss_start_kb\": %ld, \"rss_end_kb\": %ld, \"rss_peak_kb\": %ld, "
               "\"bytes_per_idle_device\": %ld, \"engine_cpu_us_per_session\": %.1f, "
               "\"engine_sys_us_per_session\": %.1f, "
               "\"bringup_cpu_us_per_device\": %.1f, \"process_cpu_us_per_session\": %.1f, "
               "\"steady_sessions\": %llu, \"steady_tls_handshakes\": %llu, "
               "\"steady_cpu_us_per_session\": %s, "
               "\"enrolled\": %llu, \"enroll_reused\": %llu, \"enroll_failed\": %llu}\n",
               o->devices, st->devices_up, (unsigned long long)st->device_errors, st->checked_in,
               secs, (unsigned long long)st->sessions, (unsigned long long)st->sessions_ok,
               (unsigned long long)st->sessions_failed, errs, (double)st->sessions / secs,
               (unsigned long long)st->messages, (unsigned long long)st->new_connections,
               (unsigned long long)st->tls_handshakes, (unsigned long long)st->tls_resumed,
               fleet_latency_pct(st, 50), fleet_latency_pct(st, 90), fleet_latency_pct(st, 99),
               (unsigned long long)st->restarts_requested, (unsigned long long)st->reboots,
               (unsigned long long)st->reboot_twice, st->rss_start_kb, st->rss_end_kb,
               peak_rss_kb(), per_dev, st->engine_cpu * 1e6 / en, st->engine_sys * 1e6 / en,
               st->up_cpu * 1e6 / ups, cpu * 1e6 / n, (unsigned long long)steady_n,
               (unsigned long long)(steady_n ? handshakes - st->steady_at_handshakes : 0), steady,
               (unsigned long long)st->enrolled, (unsigned long long)st->enroll_reused,
               (unsigned long long)st->enroll_failed);
        return;
    }
    printf("omadm-fleet: %u/%u devices up (%llu could not start), %u checked in, %.1f s\n",
           st->devices_up, o->devices, (unsigned long long)st->device_errors, st->checked_in, secs);
    printf("sessions: %llu (%.2f/s), ok %llu, failed %llu%s%s; %llu messages, "
           "%llu new connections\n",
           (unsigned long long)st->sessions, (double)st->sessions / secs,
           (unsigned long long)st->sessions_ok, (unsigned long long)st->sessions_failed,
           errs[0] ? ": " : "", errs, (unsigned long long)st->messages,
           (unsigned long long)st->new_connections);
    if (o->enroll)
        printf("enrollment: %llu enrolled now, %llu already enrolled, %llu failed\n",
               (unsigned long long)st->enrolled, (unsigned long long)st->enroll_reused,
               (unsigned long long)st->enroll_failed);
    printf("tls: %llu handshakes, %llu resumed a session\n", (unsigned long long)st->tls_handshakes,
           (unsigned long long)st->tls_resumed);
    printf("latency: p50 %u ms, p90 %u ms, p99 %u ms\n", fleet_latency_pct(st, 50),
           fleet_latency_pct(st, 90), fleet_latency_pct(st, 99));
    printf("restarts: %llu requested, %llu simulated reboots, %llu devices rebooted twice\n",
           (unsigned long long)st->restarts_requested, (unsigned long long)st->reboots,
           (unsigned long long)st->reboot_twice);
    printf("memory: RSS %ld KiB at start, %ld KiB at the end (peak %ld KiB), %ld bytes per "
           "idle device\n",
           st->rss_start_kb, st->rss_end_kb, peak_rss_kb(), per_dev);
    printf("cpu: %.1f us per session in libomadm (one session in 16 measured; %.1f us of it in the "
           "kernel: the sim's "
           "files), %.1f us per device start, %.1f us per session for the whole process "
           "(TLS included)\n",
           st->engine_cpu * 1e6 / en, st->engine_sys * 1e6 / en, st->up_cpu * 1e6 / ups,
           cpu * 1e6 / n);
    if (steady_n)
        printf("steady state (every device checked in): %llu sessions, %llu TLS handshakes, "
               "%.1f us of process CPU per session\n",
               (unsigned long long)steady_n,
               (unsigned long long)(handshakes - st->steady_at_handshakes), steady_us);
}
