/* SPDX-License-Identifier: Apache-2.0 */
/* bench-codec: per fixture, the cost of syncml_parse (into the model, then
 * freed), of libxml2's own xmlReadMemory + xmlFreeDoc on the same bytes,
 * and of syncml_write; all measured in the same run.
 *
 * Usage: bench-codec [fixtures-dir]   (default: the source tree's) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "core/alloc.h"
#include "syncml/syncml.h"

#define BATCHES       5
#define BATCH_SECONDS 0.02

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct input {
    const char *data;
    size_t len;
    const syncml_msg *msg;
} input;

static void run_parse(const input *in)
{
    syncml_msg *msg;

    if (syncml_parse(in->data, in->len, NULL, &msg, NULL) != OMADM_OK)
        abort();
    syncml_msg_free(msg);
}

static void run_libxml2(const input *in)
{
    xmlDocPtr doc = xmlReadMemory(in->data, (int)in->len, NULL, NULL, XML_PARSE_NONET);

    if (!doc)
        abort();
    xmlFreeDoc(doc);
}

static void run_write(const input *in)
{
    char *out;
    size_t len;

    if (syncml_write(in->msg, &out, &len) != OMADM_OK)
        abort();
    omadm__free(out);
}

/* Microseconds per call: the best of BATCHES batches of at least
 * BATCH_SECONDS each (the minimum is the least disturbed by the machine). */
static double measure(void (*fn)(const input *), const input *in)
{
    double best = 1e30;
    long iters = 1;
    int b;

    /* calibrate: one batch lasts about BATCH_SECONDS */
    for (;;) {
        double t0 = now(), dt;
        long i;

        for (i = 0; i < iters; i++)
            fn(in);
        dt = now() - t0;
        if (dt >= BATCH_SECONDS / 8) {
            iters = (long)((double)iters * BATCH_SECONDS / dt) + 1;
            break;
        }
        iters *= 2;
    }
    for (b = 0; b < BATCHES; b++) {
        double t0 = now(), dt;
        long i;

        for (i = 0; i < iters; i++)
            fn(in);
        dt = (now() - t0) / (double)iters;
        if (dt < best)
            best = dt;
    }
    return best * 1e6;
}

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
    *len = (size_t)size;
    return buf;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bench_one(const char *name, const char *data, size_t len, double *sum_ours,
                      double *sum_xml)
{
    syncml_msg *msg;
    input in;
    double parse, xml, write;

    if (syncml_parse(data, len, NULL, &msg, NULL) != OMADM_OK) {
        printf("%-28s does not parse\n", name);
        return;
    }
    in.data = data;
    in.len = len;
    in.msg = msg;
    xml = measure(run_libxml2, &in);
    parse = measure(run_parse, &in);
    write = measure(run_write, &in);
    printf("%-28s %8zu %10.2f %10.2f %7.2f %10.2f\n", name, len, parse, xml, parse / xml, write);
    *sum_ours += parse;
    *sum_xml += xml;
    syncml_msg_free(msg);
}

/* A bigger message than any fixture: 10 Replace x 100 Items. */
static char *synthetic(size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    int c, i;

    if (!s)
        abort();
    n += (size_t)snprintf(s + n, cap - n,
                          "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
                          "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
                          "<Target><LocURI>dev</LocURI></Target><Source><LocURI>https://s/"
                          "</LocURI></Source></SyncHdr><SyncBody>");
    for (c = 0; c < 10; c++) {
        n += (size_t)snprintf(s + n, cap - n, "<Replace><CmdID>%d</CmdID>", c + 1);
        for (i = 0; i < 100; i++)
            n += (size_t)snprintf(s + n, cap - n,
                                  "<Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Area%d/"
                                  "Setting%d</LocURI></Target><Meta><Format "
                                  "xmlns=\"syncml:metinf\">int</Format></Meta><Data>%d</Data>"
                                  "</Item>",
                                  c, i, i * 7);
        n += (size_t)snprintf(s + n, cap - n, "</Replace>");
    }
    n += (size_t)snprintf(s + n, cap - n, "<Final/></SyncBody></SyncML>");
    *len = n;
    return s;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : BENCH_FIXTURES_DIR;
    char *names[256];
    int count = 0, i;
    DIR *d = opendir(dir);
    struct dirent *e;
    double sum_ours = 0, sum_xml = 0, t0 = now();
    size_t len;
    char *syn;

    if (!d) {
        fprintf(stderr, "bench-codec: cannot open %s\n", dir);
        return 1;
    }
    while ((e = readdir(d)) != NULL && count < 256) {
        size_t l = strlen(e->d_name);

        if (l > 4 && strcmp(e->d_name + l - 4, ".xml") == 0)
            names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof(names[0]), cmp);
    xmlInitParser();
    printf("%-28s %8s %10s %10s %7s %10s\n", "fixture", "bytes", "parse us", "libxml2 us", "ratio",
           "write us");
    for (i = 0; i < count; i++) {
        char path[4096];
        char *data;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        data = read_all(path, &len);
        if (data)
            bench_one(names[i], data, len, &sum_ours, &sum_xml);
        free(data);
        free(names[i]);
    }
    syn = synthetic(&len);
    bench_one("(synthetic 10x100 Items)", syn, len, &sum_ours, &sum_xml);
    free(syn);
    printf("total parse %.2f us vs libxml2 %.2f us: ratio %.2f (target <= 1.5); %.1f s\n", sum_ours,
           sum_xml, sum_ours / sum_xml, now() - t0);
    xmlCleanupParser();
    return 0;
}
