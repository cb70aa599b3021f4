/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated platform: every OS answer comes from files under
 * <state-dir>/sim/ (see sim.h); restarts are only written down. */
#include "platform/sim/sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/log.h"
#include "platform/common/durable.h"

#define REASON_MAX  200
#define BOOT_ID_MAX 128

typedef struct sim_ctx {
    omadm__durable state; /* <state-dir>: the platform's durable files */
    omadm__durable sim;   /* <state-dir>/sim: the simulation's switches */
    /* Cached mode (sim/clock present at start-up, sim.h): the clock's
     * parameters and the files read once at start-up. */
    int has_clock, cached;
    int64_t clock_sim;  /* sim/clock: sim time at clock_real */
    double clock_real;  /* real unix time (seconds) */
    double clock_scale; /* sim seconds per real second */
    int64_t boot_time;
    int32_t utc_offset;
    uint16_t fact_files; /* bit f: sim/fact-<name f> exists */
    char *boot_id;
} sim_ctx;

static const struct {
    const char *name;
    const char *value;
} sim_facts[OMADM_FACT_COUNT] = {
    [OMADM_FACT_MANUFACTURER] = { "manufacturer", "Contoso Sim" },
    [OMADM_FACT_MODEL] = { "model", "SIM-1" },
    [OMADM_FACT_LANGUAGE] = { "language", "en-US" },
    [OMADM_FACT_OS_VERSION] = { "os-version", "10.0.19045.2965" },
    [OMADM_FACT_OS_PLATFORM] = { "os-platform", "Windows 10 Enterprise (simulated)" },
    [OMADM_FACT_FIRMWARE_VERSION] = { "firmware-version", "SIM-FW-1.0" },
    [OMADM_FACT_HARDWARE_VERSION] = { "hardware-version", "1.0" },
    [OMADM_FACT_DEVICE_NAME] = { "device-name", "SIM-DEVICE" },
    [OMADM_FACT_SERIAL_NUMBER] = { "serial-number", "SIM0001" },
    [OMADM_FACT_TOTAL_RAM_MB] = { "total-ram-mb", "4096" },
};

const char *omadm_platform_sim_fact_name(omadm_fact fact)
{
    if ((int)fact < 0 || fact >= OMADM_FACT_COUNT)
        return NULL;
    return sim_facts[fact].name;
}

/* Reads sim/<name> as a decimal integer; NOT_FOUND when absent. */
static omadm_status sim_read_int(sim_ctx *c, const char *name, int64_t *value)
{
    char text[64];
    omadm_status st = omadm__durable_read_text(&c->sim, name, text, sizeof text);

    if (st == OMADM_ERR_LIMIT)
        st = OMADM_ERR_PARSE;
    if (st == OMADM_OK)
        st = omadm__parse_int64(text, value);
    if (st == OMADM_ERR_PARSE)
        omadm__log(OMADM_LOG_ERROR, "sim: %s/%s is not a decimal integer", c->sim.dir, name);
    return st;
}

static omadm_status sim_write_int(sim_ctx *c, const char *name, int64_t value)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRId64 "\n", value);

    return omadm__durable_replace(&c->sim, name, text, (size_t)n);
}

/* Real unix time with its fraction (whole seconds where the C library
 * lacks C11's timespec_get, as mingw's msvcrt does). */
static double real_time(void)
{
#ifdef TIME_UTC
    struct timespec ts;

    if (timespec_get(&ts, TIME_UTC) == TIME_UTC)
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#endif
    return (double)time(NULL);
}

static omadm_status sim_now(void *ctx, int64_t *unix_seconds)
{
    sim_ctx *c = ctx;
    omadm_status st;

    if (!unix_seconds)
        return OMADM_ERR_INVALID;
    if (c->has_clock) {
        double x = (real_time() - c->clock_real) * c->clock_scale;
        int64_t whole = (int64_t)x;
        *unix_seconds = c->clock_sim + whole - (x < (double)whole); /* floor */
        return OMADM_OK;
    }
    st = sim_read_int(c, "now", unix_seconds);
    if (st == OMADM_ERR_NOT_FOUND) {
        *unix_seconds = (int64_t)time(NULL);
        st = OMADM_OK;
    }
    return st;
}

static omadm_status sim_utc_offset(void *ctx, int64_t unix_seconds, int32_t *offset_seconds)
{
    sim_ctx *c = ctx;
    int64_t v = 0;
    omadm_status st;

    (void)unix_seconds;
    if (!offset_seconds)
        return OMADM_ERR_INVALID;
    if (c->cached) {
        *offset_seconds = c->utc_offset;
        return OMADM_OK;
    }
    st = sim_read_int(c, "utc-offset", &v);
    if (st == OMADM_ERR_NOT_FOUND) {
        v = 0;
        st = OMADM_OK;
    }
    if (st != OMADM_OK)
        return st;
    if (v < -18 * 3600 || v > 18 * 3600) { /* no zone is further from UTC */
        omadm__log(OMADM_LOG_ERROR, "sim: utc-offset %" PRId64 " out of range", v);
        return OMADM_ERR_PARSE;
    }
    *offset_seconds = (int32_t)v;
    return OMADM_OK;
}

static omadm_status sim_boot_id(void *ctx, char *buf, size_t size)
{
    sim_ctx *c = ctx;
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    if (c->cached)
        return omadm__copy_string(buf, size, c->boot_id);
    st = omadm__durable_read_text(&c->sim, "boot-id", buf, size);
    if (st == OMADM_OK && buf[0] == '\0')
        st = OMADM_ERR_NOT_FOUND;
    return st;
}

static omadm_status sim_boot_time(void *ctx, int64_t *unix_seconds)
{
    sim_ctx *c = ctx;

    if (!unix_seconds)
        return OMADM_ERR_INVALID;
    if (c->cached) {
        *unix_seconds = c->boot_time;
        return OMADM_OK;
    }
    return sim_read_int(ctx, "boot-time", unix_seconds);
}

/* One line, at most REASON_MAX bytes, not cut inside a UTF-8 sequence. */
static void sanitise_reason(const char *reason, char *out)
{
    size_t n = 0;

    if (reason) {
        for (; n < REASON_MAX && reason[n]; n++) {
            unsigned char ch = (unsigned char)reason[n];
            out[n] = (char)(ch < 0x20 || ch == 0x7f ? ' ' : ch);
        }
        if (reason[n]) { /* truncated: drop a partial multi-byte sequence */
            size_t k = n;
            while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
                k--;
            if (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0xC0)
                n = k - 1;
        }
    }
    out[n] = '\0';
}

static omadm_status sim_can_restart(void *ctx)
{
    sim_ctx *c = ctx;

    return omadm__durable_exists(&c->sim, "refuse-restart") ? OMADM_ERR_ACCESS : OMADM_OK;
}

static omadm_status sim_request_restart(void *ctx, int64_t deadline, const char *reason)
{
    sim_ctx *c = ctx;
    char clean[REASON_MAX + 1];
    char line[REASON_MAX + 128];
    int64_t now;
    omadm_status st;
    int n;

    if (sim_can_restart(ctx) != OMADM_OK) {
        omadm__log(OMADM_LOG_WARN, "sim: restart refused (%s/refuse-restart exists)", c->sim.dir);
        return OMADM_ERR_ACCESS;
    }
    st = sim_now(ctx, &now);
    if (st != OMADM_OK)
        return st;
    sanitise_reason(reason, clean);
    n = snprintf(line, sizeof line, "requested_at=%" PRId64 " deadline=%" PRId64 " reason=%s\n",
                 now, deadline, clean);
    /* Not flushed: the line stands for the OS's shutdown request, for
     * which a real platform makes no fsync (the agent's exactly-once rests
     * on its own durable "requested" mark, re-requested at start-up in the
     * same boot; a power loss is itself a restart). Appended in one write,
     * it survives a crash of the process. */
    st = omadm__durable_append_with(&c->sim, "restarts.log", line, (size_t)n, 0);
    if (st == OMADM_OK)
        omadm__log(OMADM_LOG_INFO, "sim: restart requested (deadline %" PRId64 "): %s", deadline,
                   clean);
    return st;
}

static omadm_status sim_device_fact(void *ctx, omadm_fact fact, char *buf, size_t size)
{
    sim_ctx *c = ctx;
    char name[64];
    omadm_status st;

    if ((int)fact < 0 || fact >= OMADM_FACT_COUNT || !buf || size == 0)
        return OMADM_ERR_INVALID;
    if (c->cached && !(c->fact_files & (1u << fact)))
        return omadm__copy_string(buf, size, sim_facts[fact].value);
    snprintf(name, sizeof name, "fact-%s", sim_facts[fact].name);
    st = omadm__durable_read_text(&c->sim, name, buf, size);
    if (st == OMADM_ERR_NOT_FOUND)
        st = omadm__copy_string(buf, size, sim_facts[fact].value);
    return st;
}

static omadm_status sim_file_read(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    return omadm__durable_read(&((sim_ctx *)ctx)->state, name, max, data, len);
}

static omadm_status sim_file_replace(void *ctx, const char *name, const void *data, size_t len)
{
    return omadm__durable_replace(&((sim_ctx *)ctx)->state, name, data, len);
}

static omadm_status sim_file_replace_with(void *ctx, const char *name, const void *data, size_t len,
                                          unsigned flush)
{
    return omadm__durable_replace_with(&((sim_ctx *)ctx)->state, name, data, len, flush);
}

static omadm_status sim_file_append(void *ctx, const char *name, const void *data, size_t len)
{
    return omadm__durable_append(&((sim_ctx *)ctx)->state, name, data, len);
}

static omadm_status sim_file_remove(void *ctx, const char *name)
{
    return omadm__durable_remove(&((sim_ctx *)ctx)->state, name);
}

static omadm_status sim_file_list(void *ctx, const char *prefix, omadm_platform_list_cb cb,
                                  void *user)
{
    return omadm__durable_list(&((sim_ctx *)ctx)->state, prefix, cb, user);
}

static void sim_destroy(void *ctx)
{
    sim_ctx *c = ctx;

    if (!c)
        return;
    omadm__durable_close(&c->state);
    omadm__durable_close(&c->sim);
    free(c->boot_id);
    free(c);
}

/* 128 random bits as 32 hex digits. */
static void random_id(char *out)
{
    unsigned char raw[16];
    size_t i;

    if (RAND_bytes(raw, (int)sizeof raw) != 1) {
        /* No entropy source: unique enough for a simulation. */
        uint64_t x = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15u ^ (uint64_t)clock() ^
                     (uint64_t)(uintptr_t)out;
        for (i = 0; i < sizeof raw; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            raw[i] = (unsigned char)x;
        }
    }
    for (i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* sim/machine-id: random at first use; a test "clones the image" by
 * writing another. */
static omadm_status sim_machine_id(void *ctx, char *buf, size_t size)
{
    sim_ctx *c = ctx;
    char id[33];
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    st = omadm__durable_read_text(&c->sim, "machine-id", buf, size);
    if (st == OMADM_OK && buf[0] != '\0')
        return OMADM_OK;
    if (st != OMADM_OK && st != OMADM_ERR_NOT_FOUND)
        return st;
    random_id(id);
    st = omadm__durable_replace(&c->sim, "machine-id", id, strlen(id));
    if (st == OMADM_OK)
        st = omadm__copy_string(buf, size, id);
    return st;
}

/* boot-seen holds "<boot-id>\n<boot-time text>\n" as of the last start. */
static omadm_status sim_boot_setup(sim_ctx *c)
{
    char id[BOOT_ID_MAX + 1], seen[2 * BOOT_ID_MAX + 64], bt[64];
    char want[sizeof seen];
    int64_t now, ignored;
    omadm_status st;
    int boot_time_stale = 0;

    st = omadm__durable_read_text(&c->sim, "boot-id", id, sizeof id);
    if (st == OMADM_OK && id[0] == '\0')
        st = OMADM_ERR_NOT_FOUND;
    if (st == OMADM_ERR_NOT_FOUND) {
        /* First start: the boot begins now. boot-time first, so a crash in
         * between only repeats this step. */
        random_id(id);
        st = sim_now(c, &now);
        if (st == OMADM_OK)
            st = sim_write_int(c, "boot-time", now);
        if (st == OMADM_OK) {
            char line[BOOT_ID_MAX + 2];
            int n = snprintf(line, sizeof line, "%s\n", id);
            st = omadm__durable_replace(&c->sim, "boot-id", line, (size_t)n);
        }
        if (st == OMADM_OK)
            omadm__log(OMADM_LOG_INFO, "sim: new boot id %s", id);
    }
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "sim: cannot set up %s/boot-id: %s", c->sim.dir,
                   omadm_status_str(st));
        return st;
    }

    st = omadm__durable_read_text(&c->sim, "boot-time", bt, sizeof bt);
    if (st == OMADM_ERR_NOT_FOUND) {
        bt[0] = '\0';
        boot_time_stale = 1;
    } else if (st != OMADM_OK || (st = omadm__parse_int64(bt, &ignored)) != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "sim: %s/boot-time is unreadable or not decimal", c->sim.dir);
        return st;
    }
    st = omadm__durable_read_text(&c->sim, "boot-seen", seen, sizeof seen);
    if (st != OMADM_OK)
        seen[0] = '\0';
    if (st == OMADM_OK) {
        char *nl = strchr(seen, '\n');
        int same_id = nl && (size_t)(nl - seen) == strlen(id) && !strncmp(seen, id, strlen(id));
        if (nl && !same_id && strcmp(nl + 1, bt) == 0)
            boot_time_stale = 1; /* new boot id, boot-time left as it was */
    } else if (st != OMADM_ERR_NOT_FOUND && st != OMADM_ERR_LIMIT) {
        return st;
    } else if (st == OMADM_ERR_LIMIT) {
        omadm__log(OMADM_LOG_WARN, "sim: ignoring oversized boot-seen");
    }
    if (boot_time_stale) {
        st = sim_now(c, &now);
        if (st == OMADM_OK)
            st = sim_write_int(c, "boot-time", now);
        if (st != OMADM_OK)
            return st;
        snprintf(bt, sizeof bt, "%" PRId64, now);
        omadm__log(OMADM_LOG_INFO, "sim: boot id %s began at %s", id, bt);
    }
    snprintf(want, sizeof want, "%s\n%s", id, bt);
    if (strcmp(want, seen) != 0) {
        char line[sizeof want + 1];
        int n = snprintf(line, sizeof line, "%s\n", want);
        st = omadm__durable_replace(&c->sim, "boot-seen", line, (size_t)n);
        if (st != OMADM_OK)
            return st;
    }
    return OMADM_OK;
}

/* sim/clock: "<sim-base> <real-base> <scale>" (sim.h). 0, or -1. */
static int parse_clock(sim_ctx *c, const char *text)
{
    char *end;
    long long base;
    double real, scale;

    errno = 0;
    base = strtoll(text, &end, 10);
    if (errno || end == text || *end != ' ')
        return -1;
    text = end + 1;
    real = strtod(text, &end);
    if (errno || end == text || *end != ' ' || !(real >= 0 && real < 1e11))
        return -1;
    text = end + 1;
    scale = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !(scale > 0 && scale <= 1e6))
        return -1;
    c->clock_sim = (int64_t)base;
    c->clock_real = real;
    c->clock_scale = scale;
    return 0;
}

/* With sim/clock present the clock comes from it (read once). OK, with
 * c->has_clock unset, when it is absent. */
static omadm_status sim_clock_setup(sim_ctx *c)
{
    char text[128];
    omadm_status st = omadm__durable_read_text(&c->sim, "clock", text, sizeof text);

    if (st == OMADM_ERR_NOT_FOUND)
        return OMADM_OK;
    if (st == OMADM_OK && parse_clock(c, text) != 0)
        st = OMADM_ERR_PARSE;
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "sim: %s/clock is not \"<sim> <real> <scale>\"", c->sim.dir);
        return st;
    }
    c->has_clock = 1;
    return OMADM_OK;
}

/* Cached mode (with sim/clock): the files the owner of the sim promises
 * not to change while the platform is open are read once, after the boot
 * set-up. */
static omadm_status sim_cache_setup(sim_ctx *c)
{
    char text[BOOT_ID_MAX + 1], name[64];
    omadm_status st;
    size_t n;
    unsigned f;

    if (!c->has_clock)
        return OMADM_OK;
    st = sim_boot_time(c, &c->boot_time);
    if (st == OMADM_OK)
        st = sim_utc_offset(c, 0, &c->utc_offset);
    if (st == OMADM_OK)
        st = sim_boot_id(c, text, sizeof text);
    if (st != OMADM_OK)
        return st;
    n = strlen(text) + 1;
    c->boot_id = malloc(n);
    if (!c->boot_id)
        return OMADM_ERR_NOMEM;
    memcpy(c->boot_id, text, n);
    for (f = 0; f < OMADM_FACT_COUNT; f++) {
        snprintf(name, sizeof name, "fact-%s", sim_facts[f].name);
        if (omadm__durable_exists(&c->sim, name))
            c->fact_files |= (uint16_t)(1u << f);
    }
    c->cached = 1;
    return OMADM_OK;
}

omadm_status omadm_platform_sim_new(omadm_platform *out, const char *state_dir)
{
    sim_ctx *c;
    char *simdir;
    size_t n;
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!state_dir || !*state_dir)
        return OMADM_ERR_INVALID;
    c = calloc(1, sizeof *c);
    if (!c)
        return OMADM_ERR_NOMEM;
    st = omadm__durable_open(&c->state, state_dir);
    if (st != OMADM_OK) {
        free(c);
        return st;
    }
    n = strlen(c->state.dir);
    simdir = malloc(n + 5);
    if (!simdir) {
        sim_destroy(c);
        return OMADM_ERR_NOMEM;
    }
    memcpy(simdir, c->state.dir, n);
    memcpy(simdir + n, "/sim", 5);
    st = omadm__durable_open(&c->sim, simdir);
    free(simdir);
    if (st == OMADM_OK)
        st = sim_clock_setup(c);
    if (st == OMADM_OK)
        st = sim_boot_setup(c);
    if (st == OMADM_OK)
        st = sim_cache_setup(c);
    if (st != OMADM_OK) {
        sim_destroy(c);
        return st;
    }

    out->version = OMADM_PLATFORM_VERSION;
    out->ctx = c;
    out->now = sim_now;
    out->utc_offset = sim_utc_offset;
    out->boot_id = sim_boot_id;
    out->boot_time = sim_boot_time;
    out->request_restart = sim_request_restart;
    out->device_fact = sim_device_fact;
    out->file_read = sim_file_read;
    out->file_replace = sim_file_replace;
    out->file_remove = sim_file_remove;
    out->file_replace_with = sim_file_replace_with;
    out->file_append = sim_file_append;
    out->file_list = sim_file_list;
    out->destroy = sim_destroy;
    out->can_restart = sim_can_restart;
    out->machine_id = sim_machine_id;
    return OMADM_OK;
}
