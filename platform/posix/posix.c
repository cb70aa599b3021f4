/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux platform layer (see posix.h). */
#include "platform/posix/posix.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "platform/common/durable.h"

extern char **environ;

#define CAP_SYS_BOOT_BIT 22 /* linux/capability.h */
#define RESTART_WAIT_MS  30000

typedef struct posix_ctx {
    omadm__durable state;
    char *root; /* "" for the real files */
    int allow_restart;
    int (*privileged)(void *user);
    void *privileged_user;
    const char *const *restart_argv;
    int reboot_fallback;
} posix_ctx;

static const char *const default_restart_argv[] = { "systemctl", "reboot", NULL };

/* <root><path> into buf; LIMIT when it does not fit. */
static omadm_status root_path(const char *root, const char *path, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s", root ? root : "", path);

    return n < 0 || (size_t)n >= size ? OMADM_ERR_LIMIT : OMADM_OK;
}

static omadm_status read_root_text(const posix_ctx *c, const char *path, char *buf, size_t size)
{
    char full[4096];
    omadm_status st = root_path(c->root, path, full, sizeof full);

    return st != OMADM_OK ? st : omadm__read_text_path(full, buf, size);
}

static omadm_status posix_now(void *ctx, int64_t *unix_seconds)
{
    struct timespec ts;

    (void)ctx;
    if (!unix_seconds)
        return OMADM_ERR_INVALID;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return omadm__status_from_errno(errno);
    *unix_seconds = (int64_t)ts.tv_sec;
    return OMADM_OK;
}

static omadm_status posix_utc_offset(void *ctx, int64_t unix_seconds, int32_t *offset_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;

    (void)ctx;
    if (!offset_seconds)
        return OMADM_ERR_INVALID;
    tzset(); /* localtime_r need not read TZ by itself */
    if (!localtime_r(&t, &tm))
        return OMADM_ERR_INVALID;
    *offset_seconds = (int32_t)tm.tm_gmtoff;
    return OMADM_OK;
}

static omadm_status posix_boot_id(void *ctx, char *buf, size_t size)
{
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    st = read_root_text(ctx, "/proc/sys/kernel/random/boot_id", buf, size);
    if (st == OMADM_OK && buf[0] == '\0')
        st = OMADM_ERR_NOT_FOUND;
    return st;
}

static omadm_status posix_boot_time(void *ctx, int64_t *unix_seconds)
{
    const posix_ctx *c = ctx;
    char path[4096];
    char line[256];
    FILE *f;
    omadm_status st = OMADM_ERR_NOT_FOUND;

    if (!unix_seconds)
        return OMADM_ERR_INVALID;
    if (root_path(c->root, "/proc/stat", path, sizeof path) != OMADM_OK)
        return OMADM_ERR_LIMIT;
    f = fopen(path, "re");
    if (!f)
        return omadm__status_from_errno(errno);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "btime ", 6) == 0) {
            st = omadm__parse_int64(line + 6, unix_seconds);
            break;
        }
    }
    fclose(f);
    return st;
}

int omadm__posix_restart_privileged(const char *root, unsigned long euid)
{
    char path[4096];
    char line[256];
    FILE *f;
    int priv = 0;

    if (euid == 0)
        return 1;
    if (root_path(root, "/proc/self/status", path, sizeof path) != OMADM_OK)
        return 0;
    f = fopen(path, "re");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "CapEff:", 7) == 0) {
            char *end;
            unsigned long long caps;
            errno = 0;
            caps = strtoull(line + 7, &end, 16);
            if (errno == 0 && end != line + 7)
                priv = (int)((caps >> CAP_SYS_BOOT_BIT) & 1);
            break;
        }
    }
    fclose(f);
    return priv;
}

/* Runs argv and waits (bounded) for its exit status; 0 = success. */
static omadm_status run_restart_command(const char *const *argv)
{
    pid_t pid;
    int rc, status = 0, waited_ms = 0;

    rc = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
    if (rc != 0) {
        omadm__log(OMADM_LOG_WARN, "restart: cannot run %s: %s", argv[0], strerror(rc));
        return omadm__status_from_errno(rc);
    }
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            omadm__log(OMADM_LOG_WARN, "restart: waiting for %s: %s", argv[0], strerror(errno));
            return OMADM_ERR_IO;
        }
        if (waited_ms >= RESTART_WAIT_MS) {
            omadm__log(OMADM_LOG_WARN, "restart: %s did not finish in %d s", argv[0],
                       RESTART_WAIT_MS / 1000);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return OMADM_ERR_TIMEOUT;
        }
        {
            struct timespec ts = { 0, 20 * 1000000L };
            nanosleep(&ts, NULL);
            waited_ms += 20;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return OMADM_OK;
    if (WIFEXITED(status))
        omadm__log(OMADM_LOG_WARN, "restart: %s exited with status %d", argv[0],
                   WEXITSTATUS(status));
    else
        omadm__log(OMADM_LOG_WARN, "restart: %s ended abnormally", argv[0]);
    return OMADM_ERR_IO;
}

/* OMADM_OK when restarts are allowed (--platform native) and the process
 * has the privilege; `why` (may be NULL) gets the refusal for the log. */
static omadm_status posix_restart_permitted(posix_ctx *c, const char **why)
{
    int priv;

    if (!c->allow_restart) {
        if (why)
            *why = "not allowed on this platform (the agent allows it only with "
                   "--platform native)";
        return OMADM_ERR_ACCESS;
    }
    priv = c->privileged ? c->privileged(c->privileged_user)
                         : omadm__posix_restart_privileged(c->root, (unsigned long)geteuid());
    if (!priv) {
        if (why)
            *why = "the agent needs root or CAP_SYS_BOOT";
        return OMADM_ERR_ACCESS;
    }
    return OMADM_OK;
}

static omadm_status posix_can_restart(void *ctx)
{
    return posix_restart_permitted(ctx, NULL);
}

static omadm_status posix_request_restart(void *ctx, int64_t deadline, const char *reason)
{
    posix_ctx *c = ctx;
    const char *const *argv = c->restart_argv ? c->restart_argv : default_restart_argv;
    const char *why = "";
    omadm_status st;

    if (posix_restart_permitted(c, &why) != OMADM_OK) {
        omadm__log(OMADM_LOG_WARN, "restart refused: %s", why);
        return OMADM_ERR_ACCESS;
    }
    /* Restarting at once meets any deadline; the deadline only bounds the
     * latest acceptable time. */
    omadm__log(OMADM_LOG_INFO, "restart requested (deadline %" PRId64 "): %s", deadline,
               reason ? reason : "");
    st = run_restart_command(argv);
    if (st == OMADM_OK || !c->reboot_fallback)
        return st;
    omadm__log(OMADM_LOG_WARN, "restart: %s failed, falling back to reboot(2)", argv[0]);
    sync();
    if (reboot(RB_AUTOBOOT) != 0) { /* returns only on failure */
        omadm__log(OMADM_LOG_ERROR, "restart: reboot(2) failed: %s", strerror(errno));
        return omadm__status_from_errno(errno);
    }
    return OMADM_OK;
}

omadm_status omadm__posix_language(const char *locale, char *buf, size_t size)
{
    char tmp[36];
    size_t n = 0, i;
    int usable = 1;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    /* "ll_CC.codeset@modifier": keep "ll_CC", as "ll-CC". */
    for (; locale && locale[n] && locale[n] != '.' && locale[n] != '@'; n++) {
        if (n == sizeof tmp - 1) {
            usable = 0;
            break;
        }
        tmp[n] = (char)(locale[n] == '_' ? '-' : locale[n]);
    }
    tmp[n] = '\0';
    /* A 2-3 letter language, then letter/digit subtags ("C" and "POSIX" fail). */
    for (i = 0; i < n && usable; i++) {
        char ch = tmp[i];
        int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        int digit = ch >= '0' && ch <= '9';
        if (i < 2 ? !alpha : !(alpha || digit || (ch == '-' && tmp[i - 1] != '-')))
            usable = 0;
    }
    if (!usable || n < 2 || tmp[n - 1] == '-' || strcmp(tmp, "POSIX") == 0)
        return omadm__copy_string(buf, size, "en-US");
    return omadm__copy_string(buf, size, tmp);
}

/* Value of `key` in an os-release file, unquoted (os-release(5)). */
static omadm_status os_release_value(const posix_ctx *c, const char *key, char *buf, size_t size)
{
    static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
    char path[4096], line[1024];
    size_t klen = strlen(key), i;

    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f;
        omadm_status st = OMADM_ERR_NOT_FOUND;

        if (root_path(c->root, files[i], path, sizeof path) != OMADM_OK)
            return OMADM_ERR_LIMIT;
        f = fopen(path, "re");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f)) {
            char *v, *o;
            char quote = 0;

            if (strncmp(line, key, klen) != 0 || line[klen] != '=')
                continue;
            v = o = line + klen + 1;
            if (*v == '"' || *v == '\'')
                quote = *v++;
            for (; *v && *v != '\n'; v++) {
                if (quote && *v == quote)
                    break;
                if (quote == '"' && *v == '\\' && v[1] && strchr("\"\\$`", v[1]))
                    v++;
                *o++ = *v;
            }
            *o = '\0';
            st = line[klen + 1] ? omadm__copy_string(buf, size, line + klen + 1) : st;
            if (st == OMADM_OK && buf[0] == '\0')
                st = OMADM_ERR_NOT_FOUND;
            break;
        }
        fclose(f);
        return st; /* the first file that exists is the answer */
    }
    return OMADM_ERR_NOT_FOUND;
}

static omadm_status dmi_value(const posix_ctx *c, const char *file, char *buf, size_t size)
{
    char path[256];
    omadm_status st;

    snprintf(path, sizeof path, "/sys/class/dmi/id/%s", file);
    st = read_root_text(c, path, buf, size);
    if (st == OMADM_OK && buf[0] == '\0')
        st = OMADM_ERR_NOT_FOUND;
    /* Unreadable (product_serial needs root) or absent: cannot tell. */
    if (st != OMADM_OK && st != OMADM_ERR_LIMIT)
        st = OMADM_ERR_NOT_FOUND;
    return st;
}

static omadm_status posix_machine_id(void *ctx, char *buf, size_t size)
{
    const posix_ctx *c = ctx;
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    st = read_root_text(c, "/etc/machine-id", buf, size);
    if (st == OMADM_OK && buf[0] == '\0')
        st = OMADM_ERR_NOT_FOUND;
    if (st != OMADM_OK && st != OMADM_ERR_LIMIT)
        st = OMADM_ERR_NOT_FOUND;
    return st;
}

static omadm_status posix_device_fact(void *ctx, omadm_fact fact, char *buf, size_t size)
{
    const posix_ctx *c = ctx;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    switch (fact) {
    case OMADM_FACT_MANUFACTURER:
        return dmi_value(c, "sys_vendor", buf, size);
    case OMADM_FACT_MODEL:
        return dmi_value(c, "product_name", buf, size);
    case OMADM_FACT_FIRMWARE_VERSION:
        return dmi_value(c, "bios_version", buf, size);
    case OMADM_FACT_HARDWARE_VERSION:
        return dmi_value(c, "product_version", buf, size);
    case OMADM_FACT_SERIAL_NUMBER:
        return dmi_value(c, "product_serial", buf, size);
    case OMADM_FACT_OS_VERSION:
        return os_release_value(c, "VERSION_ID", buf, size);
    case OMADM_FACT_OS_PLATFORM:
        return os_release_value(c, "PRETTY_NAME", buf, size);
    case OMADM_FACT_LANGUAGE: {
        static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
        const char *v = NULL;
        size_t i;
        for (i = 0; i < 3 && !(v && *v); i++)
            v = getenv(vars[i]);
        return omadm__posix_language(v, buf, size);
    }
    case OMADM_FACT_DEVICE_NAME: {
        char host[256];
        if (gethostname(host, sizeof host) != 0)
            return OMADM_ERR_NOT_FOUND;
        host[sizeof host - 1] = '\0';
        return host[0] ? omadm__copy_string(buf, size, host) : OMADM_ERR_NOT_FOUND;
    }
    case OMADM_FACT_TOTAL_RAM_MB: {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
        char text[32];
        if (pages <= 0 || page <= 0)
            return OMADM_ERR_NOT_FOUND;
        snprintf(text, sizeof text, "%llu",
                 (unsigned long long)pages * (unsigned long long)page / (1024u * 1024u));
        return omadm__copy_string(buf, size, text);
    }
    case OMADM_FACT_COUNT:
        break;
    }
    return OMADM_ERR_INVALID;
}

static omadm_status posix_file_read(void *ctx, const char *name, size_t max, char **data,
                                    size_t *len)
{
    return omadm__durable_read(&((posix_ctx *)ctx)->state, name, max, data, len);
}

static omadm_status posix_file_replace(void *ctx, const char *name, const void *data, size_t len)
{
    return omadm__durable_replace(&((posix_ctx *)ctx)->state, name, data, len);
}

static omadm_status posix_file_replace_with(void *ctx, const char *name, const void *data,
                                            size_t len, unsigned flush)
{
    return omadm__durable_replace_with(&((posix_ctx *)ctx)->state, name, data, len, flush);
}

static omadm_status posix_file_append(void *ctx, const char *name, const void *data, size_t len)
{
    return omadm__durable_append(&((posix_ctx *)ctx)->state, name, data, len);
}

static omadm_status posix_file_remove(void *ctx, const char *name)
{
    return omadm__durable_remove(&((posix_ctx *)ctx)->state, name);
}

static omadm_status posix_file_list(void *ctx, const char *prefix, omadm_platform_list_cb cb,
                                    void *user)
{
    return omadm__durable_list(&((posix_ctx *)ctx)->state, prefix, cb, user);
}

static void posix_destroy(void *ctx)
{
    posix_ctx *c = ctx;

    if (!c)
        return;
    omadm__durable_close(&c->state);
    free(c->root);
    free(c);
}

omadm_status omadm_platform_posix_new_with(omadm_platform *out, const char *state_dir,
                                           const omadm_platform_posix_options *options)
{
    static const omadm_platform_posix_options defaults = OMADM_PLATFORM_POSIX_OPTIONS_INIT;
    posix_ctx *c;
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!options)
        options = &defaults; /* allow_restart is 0 there */
    if (!state_dir || !*state_dir || options->version != OMADM_PLATFORM_POSIX_OPTIONS_VERSION)
        return OMADM_ERR_INVALID;
    if (options->restart_argv && !options->restart_argv[0])
        return OMADM_ERR_INVALID;
    c = calloc(1, sizeof *c);
    if (!c)
        return OMADM_ERR_NOMEM;
    c->root = strdup(options->root ? options->root : "");
    if (!c->root) {
        free(c);
        return OMADM_ERR_NOMEM;
    }
    c->allow_restart = options->allow_restart;
    c->privileged = options->privileged;
    c->privileged_user = options->privileged_user;
    c->restart_argv = options->restart_argv;
    c->reboot_fallback = options->reboot_fallback;
    st = omadm__durable_open(&c->state, state_dir);
    if (st != OMADM_OK) {
        posix_destroy(c);
        return st;
    }

    out->version = OMADM_PLATFORM_VERSION;
    out->ctx = c;
    out->now = posix_now;
    out->utc_offset = posix_utc_offset;
    out->boot_id = posix_boot_id;
    out->boot_time = posix_boot_time;
    out->request_restart = posix_request_restart;
    out->device_fact = posix_device_fact;
    out->file_read = posix_file_read;
    out->file_replace = posix_file_replace;
    out->file_remove = posix_file_remove;
    out->file_replace_with = posix_file_replace_with;
    out->file_append = posix_file_append;
    out->file_list = posix_file_list;
    out->destroy = posix_destroy;
    out->can_restart = posix_can_restart;
    out->machine_id = posix_machine_id;
    return OMADM_OK;
}

omadm_status omadm_platform_posix_new(omadm_platform *out, const char *state_dir, int allow_restart)
{
    omadm_platform_posix_options options = OMADM_PLATFORM_POSIX_OPTIONS_INIT;

    options.allow_restart = allow_restart;
    return omadm_platform_posix_new_with(out, state_dir, &options);
}
