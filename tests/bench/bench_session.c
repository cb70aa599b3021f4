/* SPDX-License-Identifier: Apache-2.0 */
/* bench-session: whole sessions through the no-I/O session API, in
 * process, against libxml2's bare parse of the same server bytes (the
 * floor), measured in the same run.
 *
 * For every package in the bench fixtures (../shared/bench, copied into
 * tests/fixtures/bench) one session runs: package 1 from us, the package as
 * the server's reply, our answers, then pkg4_end.xml (the server ends the
 * session); pkg4_end.xml alone is the shortest session. Two modes:
 *   mem   the agent's CSPs (DevInfo, DevDetail, DMClient, Reboot) and the
 *         outbox on an in-memory platform: files, clock and boot are kept
 *         in memory, so only the library's own work is measured;
 *   sim   the same CSPs and outbox on the sim platform in a temporary
 *         state directory: real durable files (fsync counted).
 * The floor is xmlReadMemory + xmlFreeDoc of the server messages fed.
 * Each session starts from a fresh state (set up outside the timing).
 *
 * Then a scaling table: one session whose server package holds N Gets, N =
 * 10 .. 10,000 (mem mode, limits raised), µs per Get and peak RSS.
 *
 * Usage: bench-session [fixtures-dir] [--quick] [--only PACKAGE]
 * --quick: few sessions per batch, scaling up to 1,000 Gets (smoke test);
 * --only: that package, mem mode, no scaling table (for callgrind);
 * --gets N: only the scaling row for N Gets.
 * fsyncs are counted by wrapping fsync/fdatasync at link time. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "core/alloc.h"
#include "csp/devdetail/devdetail.h"
#include "csp/devinfo/devinfo.h"
#include "csp/dmclient/dmclient.h"
#include "csp/reboot/reboot.h"
#include "memplat.h"
#include "outbox/outbox.h"
#include "platform/sim/sim.h"
#include "session/session.h"

#define BENCH_DEVICE "BENCHDEV"
#define BENCH_SERVER "https://127.0.0.1/dm"

/* ---- fsync counting (-Wl,--wrap=fsync,--wrap=fdatasync) ---------------- */

static unsigned long fsync_calls;

/* The linker's --wrap names are reserved identifiers by necessity. */
int __real_fsync(int fd);     /* NOLINT(bugprone-reserved-identifier) */
int __wrap_fsync(int fd);     /* NOLINT(bugprone-reserved-identifier) */
int __real_fdatasync(int fd); /* NOLINT(bugprone-reserved-identifier) */
int __wrap_fdatasync(int fd); /* NOLINT(bugprone-reserved-identifier) */

int __wrap_fsync(int fd) /* NOLINT(bugprone-reserved-identifier) */
{
    fsync_calls++;
    return __real_fsync(fd);
}

int __wrap_fdatasync(int fd) /* NOLINT(bugprone-reserved-identifier) */
{
    fsync_calls++;
    return __real_fdatasync(fd);
}

/* ---- timing ------------------------------------------------------------ */

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- inputs ------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

typedef struct server_msgs {
    const char *data[2];
    size_t len[2];
    int n;
} server_msgs;

/* ---- one device: platform, outbox, CSPs --------------------------------- */

typedef struct device {
    omadm_platform pf;
    omadm_outbox *outbox;
    omadm_reboot *reboot;
    omadm_tree *tree;
    omadm_dmclient *dmclient;
    char dir[256];
} device;

static int mode_sim; /* 0: mem, 1: sim on a temp dir */

static void rm_rf(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-session: could not remove %s\n", dir);
}

static void device_open(device *d)
{
    omadm_status st;

    memset(d, 0, sizeof *d);
    if (mode_sim) {
        snprintf(d->dir, sizeof d->dir, "%s/omadm-bench-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(d->dir)) {
            perror("mkdtemp");
            exit(1);
        }
        st = omadm_platform_sim_new(&d->pf, d->dir);
    } else {
        st = bench_memplat_new(&d->pf);
    }
    if (st == OMADM_OK)
        st = omadm_outbox_open(&d->outbox, &d->pf, NULL, NULL);
    if (st == OMADM_OK)
        st = omadm__reboot_new(&d->reboot, &d->pf, d->outbox);
    if (st == OMADM_OK)
        st = omadm_tree_new(&d->tree);
    if (st == OMADM_OK)
        st = omadm__devinfo_register(d->tree, &d->pf, BENCH_DEVICE);
    if (st == OMADM_OK)
        st = omadm__devdetail_register(d->tree, &d->pf);
    if (st == OMADM_OK)
        st = omadm__dmclient_register(d->tree, &d->pf, &d->dmclient);
    if (st == OMADM_OK)
        st = omadm__reboot_register(d->reboot, d->tree);
    if (st == OMADM_OK)
        st = omadm__reboot_startup(d->reboot);
    if (st != OMADM_OK) {
        fprintf(stderr, "bench-session: device set-up failed: %s\n", omadm_status_str(st));
        exit(1);
    }
}

static void device_close(device *d)
{
    omadm_tree_free(d->tree);
    omadm__reboot_free(d->reboot);
    omadm_outbox_close(d->outbox);
    if (d->pf.destroy)
        d->pf.destroy(d->pf.ctx);
    if (d->dir[0])
        rm_rf(d->dir);
}

/* One whole session; returns its duration in µs. */
static double run_session(device *d, const server_msgs *in, const syncml_limits *lim)
{
    omadm_session_config cfg;
    omadm_session *s = NULL;
    double t0;
    int fed = 0;
    char *msg;
    size_t len;

    memset(&cfg, 0, sizeof cfg);
    cfg.server_uri = BENCH_SERVER;
    cfg.device_id = BENCH_DEVICE;
    cfg.session_id = 1;
    cfg.tree = d->tree;
    cfg.outbox = d->outbox;
    cfg.platform = &d->pf;
    cfg.limits = lim;
    if (lim) {
        cfg.max_msg_size = lim->max_message;
        cfg.default_server_max = lim->max_message;
    }
    t0 = now_us();
    if (omadm_session_new(&s, &cfg) != OMADM_OK)
        abort();
    while (omadm_session_next_message(s, &msg, &len) == OMADM_OK && msg) {
        omadm_free(msg);
        if (fed < in->n) {
            omadm_session_feed(s, in->data[fed], in->len[fed]);
            fed++;
        } else {
            omadm_session_fail(s, OMADM_ERR_ABORTED, "no more server messages");
        }
    }
    if (omadm_session_get_state(s) != OMADM_SESSION_COMPLETED) {
        fprintf(stderr, "bench-session: session %s: %s\n",
                omadm_session_state_name(omadm_session_get_state(s)), omadm_session_error(s));
        exit(1);
    }
    omadm_session_free(s);
    /* `sync` mode: an armed restart is requested before exit. */
    if (omadm__reboot_flush(d->reboot) != OMADM_OK)
        abort();
    return now_us() - t0;
}

static double run_floor(const server_msgs *in)
{
    double t0 = now_us();
    int i;

    for (i = 0; i < in->n; i++) {
        xmlDocPtr doc = xmlReadMemory(in->data[i], (int)in->len[i], NULL, NULL, XML_PARSE_NONET);
        if (!doc)
            abort();
        xmlFreeDoc(doc);
    }
    return now_us() - t0;
}

#define BATCHES 7

static int quick;
static const char *only;
static unsigned only_gets;

/* Median over BATCHES of the mean per session; *fsyncs per session. */
static void measure(const server_msgs *in, const syncml_limits *lim, double *omadm_us,
                    double *floor_us, double *fsyncs)
{
    double ours[BATCHES], floor[BATCHES];
    int per_batch = quick ? 2 : mode_sim ? 10 : 40, b, i;
    unsigned long f0, fcount = 0;

    for (b = 0; b < BATCHES; b++) {
        double sum = 0, fsum = 0;

        for (i = 0; i < per_batch; i++) {
            device d;

            device_open(&d);
            f0 = fsync_calls;
            sum += run_session(&d, in, lim);
            fcount += fsync_calls - f0;
            device_close(&d);
            fsum += run_floor(in);
        }
        ours[b] = sum / per_batch;
        floor[b] = fsum / per_batch;
    }
    *omadm_us = median(ours, BATCHES);
    *floor_us = median(floor, BATCHES);
    *fsyncs = (double)fcount / (BATCHES * per_batch);
}

/* A server package of n Gets of ./DevInfo/Man (plus the SyncHdr Status). */
static char *gets_package(unsigned n, size_t *len)
{
    static const char head[] =
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2"
        "</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>" BENCH_DEVICE
        "</LocURI></Target><Source><LocURI>" BENCH_SERVER "</LocURI></Source></SyncHdr>"
        "<SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr"
        "</Cmd><Data>212</Data></Status>";
    size_t cap = sizeof head + (size_t)n * 128 + 64, off;
    char *p = malloc(cap);
    unsigned i;

    if (!p)
        abort();
    off = (size_t)snprintf(p, cap, "%s", head);
    for (i = 0; i < n; i++)
        off += (size_t)snprintf(p + off, cap - off,
                                "<Get><CmdID>%u</CmdID><Item><Target><LocURI>./DevInfo/Man"
                                "</LocURI></Target></Item></Get>",
                                i + 2);
    off += (size_t)snprintf(p + off, cap - off, "<Final/></SyncBody></SyncML>");
    *len = off;
    return p;
}

static const char *const packages[] = {
    "pkg2_reboot.xml",  "pkg2_40get.xml",     "pkg2_60get.xml",
    "pkg2_150get.xml",  "pkg2_atomic.xml",    "pkg2_seq.xml",
    "pkg2_nofinal.xml", "pkg2_devprefix.xml", "pkg4_end.xml",
};

int main(int argc, char **argv)
{
    const char *dir = BENCH_FIXTURES_DIR;
    char path[1024], *end_data;
    size_t end_len, i;
    int a;
    static const unsigned sizes[] = { 10, 100, 1000, 10000 };

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[a], "--only") == 0 && a + 1 < argc)
            only = argv[++a];
        else if (strcmp(argv[a], "--gets") == 0 && a + 1 < argc)
            only_gets = (unsigned)strtoul(argv[++a], NULL, 10), only = "";
        else
            dir = argv[a];
    }
    xmlInitParser();
    snprintf(path, sizeof path, "%s/pkg4_end.xml", dir);
    end_data = read_all(path, &end_len);
    if (!end_data) {
        fprintf(stderr, "bench-session: cannot read %s\n", path);
        return 1;
    }
    printf("package\tmode\tomadm_us\tfloor_us\tratio\tfsyncs\n");
    for (i = 0; i < sizeof packages / sizeof packages[0]; i++) {
        server_msgs in;
        char *data = NULL;
        size_t len = 0;

        if (only && strcmp(only, packages[i]) != 0)
            continue;
        memset(&in, 0, sizeof in);
        if (strcmp(packages[i], "pkg4_end.xml") != 0) {
            snprintf(path, sizeof path, "%s/%s", dir, packages[i]);
            data = read_all(path, &len);
            if (!data) {
                fprintf(stderr, "bench-session: cannot read %s\n", path);
                return 1;
            }
            in.data[in.n] = data;
            in.len[in.n++] = len;
        }
        in.data[in.n] = end_data;
        in.len[in.n++] = end_len;
        for (mode_sim = 0; mode_sim < (only ? 1 : 2); mode_sim++) {
            double ours, floor, fsyncs;

            measure(&in, NULL, &ours, &floor, &fsyncs);
            printf("%s\t%s\t%.1f\t%.1f\t%.2f\t%.1f\n", packages[i], mode_sim ? "sim" : "mem", ours,
                   floor, ours / floor, fsyncs);
            fflush(stdout);
        }
        free(data);
    }

    if (only && !only_gets)
        return 0;
    printf("\ngets\tus_per_get\tsession_us\tfloor_us\tpeak_rss_kib\n");
    mode_sim = 0;
    for (i = 0; i < sizeof sizes / sizeof sizes[0] - (quick ? 1 : 0); i++) {
        syncml_limits lim = SYNCML_LIMITS_DEFAULT;
        server_msgs in;
        size_t len;
        char *data;
        double ours[3], floor[3];
        struct rusage ru;
        int r;

        if (only_gets && sizes[i] != only_gets)
            continue;
        data = gets_package(sizes[i], &len);

        lim.max_message = 64u * 1024 * 1024;
        lim.max_commands = sizes[i] + 16;
        in.n = 2;
        in.data[0] = data;
        in.len[0] = len;
        in.data[1] = end_data;
        in.len[1] = end_len;
        for (r = 0; r < 3; r++) {
            device d;

            device_open(&d);
            ours[r] = run_session(&d, &in, &lim);
            device_close(&d);
            floor[r] = run_floor(&in);
        }
        getrusage(RUSAGE_SELF, &ru);
        printf("%u\t%.2f\t%.0f\t%.0f\t%ld\n", sizes[i], median(ours, 3) / sizes[i], median(ours, 3),
               median(floor, 3), ru.ru_maxrss);
        fflush(stdout);
        free(data);
    }
    free(end_data);
    xmlCleanupParser();
    return 0;
}
