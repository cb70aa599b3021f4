/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's one event loop: a min-heap of device events (bring-up, poll,
 * restart tick, simulated reboot), a FIFO of devices ready for a session
 * (at most max_inflight at once), and libcurl's multi interface over epoll
 * (multi.c) for every HTTPS exchange. What a device does when its event
 * comes is device.c's. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define STOP_GRACE 5.0 /* seconds in-flight exchanges get to end once stopping */

/* ---- small helpers ------------------------------------------------------ */

double fleet_rnd(fleet *f) /* [0, 1) */
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (double)(f->rng >> 11) / 9007199254740992.0;
}

int64_t fleet_sim_at(const fleet *f, double real)
{
    return f->sim0 + (int64_t)floor((real - f->t0) * f->o->time_scale);
}

double fleet_real_at(const fleet *f, int64_t sim)
{
    if (sim == INT64_MAX)
        return NEVER;
    return f->t0 + (double)(sim - f->sim0) / f->o->time_scale;
}

void fleet_dev_path(const fleet *f, const fleet_device *d, const char *name, char *out)
{
    snprintf(out, PATH_MAX_LEN, "%s/d%05" PRIu32 "%s%s", f->o->state_dir, d->index, name ? "/" : "",
             name ? name : "");
}

void fleet_dev_id(const fleet_device *d, char *out)
{
    snprintf(out, 33, FLEET_ID_FORMAT, d->index);
}

int fleet_write_small(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    int ok;

    if (!fp)
        return -1;
    ok = fputs(text, fp) >= 0;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

/* t[0]: thread CPU, t[1]: its system part, at the start of a libomadm call. */
void fleet_cpu_begin(double *t)
{
    fleet_thread_times(&t[0], &t[1]);
}

void fleet_cpu_begin_dev(const fleet_device *d, double *t)
{
    if (d->cpu_sampled)
        fleet_thread_times(&t[0], &t[1]);
    else
        t[0] = -1;
}

void fleet_cpu_end(fleet *f, const double *t)
{
    double cpu, sys;

    if (t[0] < 0)
        return; /* not a sampled device */
    fleet_thread_times(&cpu, &sys);
    f->st->engine_cpu += cpu - t[0];
    f->st->engine_sys += sys - t[1];
}

void fleet_cpu_end_up(fleet *f, const double *t)
{
    double cpu, sys;

    fleet_thread_times(&cpu, &sys);
    f->st->up_cpu += cpu - t[0];
}

void fleet_count_error(fleet *f, int st)
{
    unsigned k = (unsigned)-st;
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

void fleet_schedule(fleet *f, fleet_device *d)
{
    d->due = d->poll_at;
    if (d->tick_at < d->due)
        d->due = d->tick_at;
    if (d->reboot_at > 0 && d->reboot_at < d->due)
        d->due = d->reboot_at;
    d->state = DS_IDLE;
    heap_push(f, d);
}

void fleet_make_ready(fleet *f, fleet_device *d)
{
    f->ready[(f->ready_head + f->ready_n++) % f->o->devices] = d->index;
    d->state = DS_READY;
}

/* ---- devices ------------------------------------------------------------ */

static void fleet_free(fleet *f)
{
    uint32_t i;

    for (i = 0; f->devs && i < f->o->devices; i++)
        fleet_device_release(f, &f->devs[i]);
    fleet_multi_free(&f->mx); /* no handle uses a device's share now */
    for (i = 0; f->devs && i < f->o->devices; i++)
        if (f->devs[i].share)
            curl_share_cleanup(f->devs[i].share);
    free(f->ready);
    free(f->heap);
    free(f->devs);
}

static int fleet_init(fleet *f, const fleet_options *o, fleet_ca *ca, fleet_stats *st)
{
    struct timespec ts;
    uint32_t i;

    memset(f, 0, sizeof *f);
    f->o = o;
    f->st = st;
    f->ca = ca;
    fleet_device_limits(o->max_reply);
    f->devs = calloc(o->devices, sizeof *f->devs);
    f->heap = calloc(o->devices, sizeof *f->heap);
    f->ready = calloc(o->devices, sizeof *f->ready);
    if (fleet_multi_init(&f->mx, o) != 0 || !f->devs || !f->heap || !f->ready)
        return -1;
    f->t0 = fleet_now();
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return -1;
    f->real0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    f->sim0 = (int64_t)ts.tv_sec;
    f->rng = (uint64_t)f->sim0 * 0x9E3779B97F4A7C15u ^ (uint64_t)getpid();
    if (!f->rng)
        f->rng = 1;
    for (i = 0; i < o->devices; i++) {
        fleet_device *d = &f->devs[i];
        d->index = i;
        d->poll_at = f->t0 + o->ramp * i / o->devices;
        d->tick_at = NEVER;
        fleet_schedule(f, d);
        d->state = DS_DOWN;
    }
    return 0;
}

int fleet_run(const fleet_options *o, fleet_ca *ca, fleet_stats *st, volatile int *stop)
{
    fleet f;
    double last_progress = 0, stop_at = 0;

    st->started = fleet_now();
    st->rss_start_kb = fleet_rss_kb();
    st->steady_at_cpu = -1;
    if (fleet_init(&f, o, ca, st) != 0) {
        fprintf(stderr, "omadm-fleet: out of memory setting up %u devices\n", o->devices);
        fleet_free(&f);
        return -1;
    }
    for (;;) {
        double now = fleet_now(), wait;
        int stopping = *stop || (o->duration > 0 && now >= f.t0 + o->duration);
        int budget = 2000;

        if (!stopping) {
            while (f.heap_n && f.devs[f.heap[0]].due <= now && budget-- > 0)
                fleet_device_due(&f, heap_pop(&f), now);
            while (f.ready_n && f.inflight < o->max_inflight) {
                fleet_device *d = &f.devs[f.ready[f.ready_head]];
                f.ready_head = (f.ready_head + 1) % o->devices;
                f.ready_n--;
                fleet_session_start(&f, d, now);
            }
        } else if (f.inflight == 0) {
            break;
        } else if (stop_at == 0) {
            stop_at = now;
        } else if (now - stop_at > STOP_GRACE) {
            fleet_abort_inflight(&f, now);
            continue;
        }
        now = fleet_now();
        if (o->progress && now - last_progress >= 1.0) {
            fleet_progress(o, st, now);
            last_progress = now;
        }
        wait = 1.0;
        if (!stopping && ((f.ready_n && f.inflight < o->max_inflight) || budget <= 0))
            wait = 0;
        if (!stopping && f.heap_n && f.devs[f.heap[0]].due - now < wait)
            wait = f.devs[f.heap[0]].due - now;
        fleet_multi_wait(&f.mx, wait, fleet_transfer_done, &f);
    }
    st->ended = fleet_now();
    fleet_tls_counts(&st->tls_handshakes, &st->tls_resumed);
    st->rss_end_kb = fleet_rss_kb();
    fleet_free(&f);
    if (o->progress)
        fputc('\n', stdout);
    return 0;
}
