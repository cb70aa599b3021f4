/* SPDX-License-Identifier: Apache-2.0 */
/* omadm-fleet's loop, inside: the fleet's state (loop.c: scheduling and
 * the loop itself), the per-device state machine (device.c) and the
 * helpers they share. Not an interface outside agent/fleet/. */
#ifndef OMADM_FLEET_LOOP_H
#define OMADM_FLEET_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "multi.h"

#define CONTENT_TYPE "application/vnd.syncml.dm+xml"
#define NEVER        1e300
#define PATH_MAX_LEN 4096

enum { DS_DOWN, DS_IDLE, DS_READY, DS_SESSION, DS_DEAD };

typedef struct fleet {
    const fleet_options *o;
    fleet_stats *st;
    fleet_ca *ca;
    fleet_device *devs;
    uint32_t *heap, heap_n;
    uint32_t *ready, ready_head, ready_n;
    fleet_multi mx;
    unsigned inflight, reported;
    uint64_t sessions_started;
    double t0;    /* monotonic seconds at the start */
    double real0; /* unix seconds (with fraction) at t0 */
    int64_t sim0; /* sim unix seconds at t0 */
    uint64_t rng;
} fleet;

/* loop.c */
double fleet_rnd(fleet *f); /* [0, 1) */
int64_t fleet_sim_at(const fleet *f, double real);
double fleet_real_at(const fleet *f, int64_t sim);
void fleet_dev_path(const fleet *f, const fleet_device *d, const char *name, char *out);
void fleet_dev_id(const fleet_device *d, char *out); /* 33 bytes */
int fleet_write_small(const char *path, const char *text);
/* CPU in libomadm: bring-up (fleet_cpu_begin, fleet_cpu_end_up) always;
 * sessions and ticks for one session in FLEET_CPU_SAMPLE only (a device's
 * cpu_sampled, drawn at each session start): the two clock reads a
 * bracket costs were 20 of the 52 system calls of a session. */
#define FLEET_CPU_SAMPLE 16
void fleet_cpu_begin(double *t); /* t[2] */
void fleet_cpu_begin_dev(const fleet_device *d, double *t);
void fleet_cpu_end(fleet *f, const double *t); /* nothing when not sampled */
void fleet_cpu_end_up(fleet *f, const double *t);
void fleet_count_error(fleet *f, int omadm_status_value);
void fleet_schedule(fleet *f, fleet_device *d); /* idle until its next event */
void fleet_make_ready(fleet *f, fleet_device *d);

/* device.c: the device state machine. */
void fleet_device_limits(size_t max_reply); /* once, before the loop */
/* An event of an idle (or not yet started) device is due. */
void fleet_device_due(fleet *f, fleet_device *d, double now);
/* A ready device starts a session (f->inflight counts it until it ends). */
void fleet_session_start(fleet *f, fleet_device *d, double now);
/* A transfer ended (fleet_multi's done callback; user is the fleet). */
void fleet_transfer_done(void *user, CURL *e, CURLcode rc);
/* Stopping: exchanges still in flight end now (sessions fail, aborted). */
void fleet_abort_inflight(fleet *f, double now);
/* Releases what a device holds (at the end of the run). */
void fleet_device_release(fleet *f, fleet_device *d);

#endif
