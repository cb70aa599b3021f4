/* SPDX-License-Identifier: Apache-2.0 */
/* The managed device: platform, outbox, tree and CSPs; one session. */
#include "agent/device.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/dmacc.h"
#include "agent/log.h"
#include "agent/os.h"
#include "agent/outcomes.h"
#include "agent/plugin_os.h"
#include "agent/plugins.h"

static void errf(char *err, size_t errsize, const char *what, omadm_status st)
{
    snprintf(err, errsize, "%s: %s", what, omadm_status_str(st));
}

int agent_device_open(agent_device *d, const agent_config *cfg, const char *state_dir,
                      enum agent_device_mode mode, char *err, size_t errsize)
{
    omadm_device_config dc = OMADM_DEVICE_CONFIG_INIT;
    omadm_status st = OMADM_OK;
    char why[300];
    /* The agent requests armed restarts itself (sync, run), and runs the
     * start-up once its own CSPs are in the tree. */
    unsigned flags = OMADM_DEVICE_OPEN_NO_FLUSH |
                     (mode == AGENT_DEVICE_STATUS ? OMADM_DEVICE_OPEN_STATE_ONLY
                                                  : OMADM_DEVICE_OPEN_DEFER_STARTUP);

    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->state_dir = state_dir;
    dc.platform = cfg->platform == AGENT_PLATFORM_SIM ? OMADM_DEVICE_PLATFORM_SIM
                                                      : OMADM_DEVICE_PLATFORM_NATIVE;
    dc.state_dir = state_dir;
    dc.device_id = cfg->device_id;
    dc.allow_restart = mode == AGENT_DEVICE_SESSION;
    st = omadm_device_open(&d->dev, &dc, flags, why, sizeof why);
    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot open the device (%s platform, state %s): %s",
                 agent_platform_name(cfg->platform), state_dir, why);
        return -1;
    }
    d->platform = *omadm_device_get_platform(d->dev);
    d->have_platform = 1;
    d->outbox = omadm_device_get_outbox(d->dev);
    if (mode == AGENT_DEVICE_STATUS)
        return 0;

    d->tree = omadm_device_tree(d->dev);
    /* An enrolled device's DM account credentials (the server rotates them). */
    if (cfg->enrolled && cfg->enrolled_provider &&
        agent_dmacc_register(d->tree, &d->platform, cfg->enrolled_provider) < 0)
        st = OMADM_ERR_NOMEM;
    /* ... and its DMClient provider, which the enrollment created (Fleet
     * reads Provider/<id>/Push/ChannelURI at every check-in). */
    if (st == OMADM_OK && cfg->enrolled && cfg->enrolled_provider) {
        omadm_status pst = omadm_device_dmclient_provider(d->dev, cfg->enrolled_provider);
        if (pst != OMADM_OK)
            agent_log(OMADM_LOG_WARN, "DMClient provider %s: %s", cfg->enrolled_provider,
                      omadm_status_str(pst));
    }
    if (st != OMADM_OK) {
        errf(err, errsize, "cannot build the DM tree", st);
        goto fail;
    }
    /* OEM CSPs after the built-in ones: those win an overlap. */
    if (agent_plugins_load(&d->plugins, cfg->csp_dir ? cfg->csp_dir : agent_plugin_os_default_dir(),
                           cfg->csp_dir != NULL, d->tree, &d->platform, cfg->device_id,
                           agent_device_now(d)) < 0) {
        errf(err, errsize, "cannot load the CSP plugins", OMADM_ERR_NOMEM);
        goto fail;
    }
    return 0;
fail:
    agent_device_close(d);
    return -1;
}

void agent_device_close(agent_device *d)
{
    /* The plugins' CSPs leave the tree, then the plugins shut down while
     * the platform (their stores') is still there, then the device. */
    agent_plugins_withdraw(d->plugins);
    agent_plugins_unload(d->plugins);
    d->plugins = NULL;
    d->tree = NULL;
    d->outbox = NULL;
    omadm_device_free(d->dev);
    d->dev = NULL;
    d->have_platform = 0;
}

int agent_device_startup(agent_device *d, char *err, size_t errsize)
{
    omadm_status st = omadm_device_startup(d->dev);

    if (st != OMADM_OK) {
        errf(err, errsize, "restart lifecycle start-up failed", st);
        return -1;
    }
    return 0;
}

int64_t agent_device_now(const agent_device *d)
{
    int64_t t;

    if (d->have_platform && d->platform.now(d->platform.ctx, &t) == OMADM_OK)
        return t;
    return agent_os_wall_time();
}

void agent_format_time(int64_t unix_seconds, char *buf, size_t size)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;

#if defined(_WIN32)
    if (gmtime_s(&tm, &t) != 0)
#else
    if (!gmtime_r(&t, &tm))
#endif
    {
        snprintf(buf, size, "%" PRId64, unix_seconds);
        return;
    }
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Session ids (1..255, cyclic) never repeat across a crash or a power loss,
 * at one flush per SESSION_ID_BLOCK sessions rather than one per session.
 *
 * AGENT_FILE_SESSION_ID is a durable log: one line "N\n" per reservation,
 * appended and flushed before any id of the block is used (one flush, where
 * the platform can append); its last well-formed line N means "no id after
 * N has been used". A block is the SESSION_ID_BLOCK ids ending at N. An
 * append torn by a crash was never used: a partial line is skipped (the
 * next append starts a new line). Past SESSION_ID_LOG_MAX bytes the log is
 * replaced by its newest line. Logs written before blocks (one line per id)
 * read the same way: their last line is the last id used.
 *
 * AGENT_FILE_SESSION_USED says which id of the block was used last, with
 * the boot it was used in and the block's end: "<boot id> <N> <id>\n",
 * replaced before the id is used and never flushed. A process crash keeps
 * it (the kernel holds it); a power loss may lose it, but also changes the
 * boot id, so a record from another boot or for another block is ignored
 * and the next block starts after the whole of the last one. Without a
 * boot id or an unflushed replace (file_replace_with), or when the record
 * cannot be written (a full disk, a read-only directory), every session
 * reserves its own block. */
#define SESSION_ID_LOG_MAX  2048
#define SESSION_ID_READ_MAX 65536
#define SESSION_ID_BLOCK    16u
#define SESSION_ID_MAX      255u

/* The last well-formed id line (1..255, or 0 for "none yet"); -1 if none. */
static long last_session_id(const char *data, size_t len)
{
    long last = -1;
    size_t i = 0;

    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (data + i)) : 0;
        unsigned long v = 0;
        size_t k;

        if (!nl)
            break; /* a torn append: never used */
        for (k = 0; k < n && data[i + k] >= '0' && data[i + k] <= '9' && v <= 255; k++)
            v = v * 10 + (unsigned long)(data[i + k] - '0');
        if (n > 0 && k == n && v <= 255)
            last = (long)v;
        i += n + 1;
    }
    return last;
}

static unsigned session_id_after(unsigned id)
{
    return id % SESSION_ID_MAX + 1;
}

/* A decimal 1..SESSION_ID_MAX at *p, ended by `end`; 0 if none. */
static unsigned session_id_field(const char **p, const char *stop, char end)
{
    unsigned long v = 0;
    const char *q = *p;

    while (q < stop && *q >= '0' && *q <= '9' && v <= SESSION_ID_MAX)
        v = v * 10 + (unsigned long)(*q++ - '0');
    if (q == *p || q == stop || *q != end || v == 0 || v > SESSION_ID_MAX)
        return 0;
    *p = q + 1;
    return (unsigned)v;
}

/* The id used last in this boot inside the block ending at `reserved`, or
 * 0 when the record is missing, from another boot or for another block. */
static unsigned session_id_used_in_block(agent_device *d, const char *boot, unsigned reserved)
{
    char *data = NULL;
    size_t len = 0, blen = strlen(boot);
    unsigned block = 0, used = 0;

    if (!reserved || d->platform.file_read(d->platform.ctx, AGENT_FILE_SESSION_USED, 256, &data,
                                           &len) != OMADM_OK)
        return 0;
    if (len > blen + 1 && memcmp(data, boot, blen) == 0 && data[blen] == ' ') {
        const char *p = data + blen + 1;

        block = session_id_field(&p, data + len, ' ');
        if (block)
            used = session_id_field(&p, data + len, '\n');
        if (p != data + len)
            used = 0;
    }
    free(data);
    if (block != reserved || !used)
        return 0;
    return (reserved + SESSION_ID_MAX - used) % SESSION_ID_MAX < SESSION_ID_BLOCK ? used : 0;
}

/* Reserves the block that starts at `first`: its last id goes to the log.
 * `log` is the log's content (NULL when absent or unreadable). */
static omadm_status session_id_reserve(agent_device *d, const char *log, size_t len, unsigned first,
                                       unsigned *reserved)
{
    char buf[16];
    unsigned last = (first - 1 + SESSION_ID_BLOCK - 1) % SESSION_ID_MAX + 1;
    int append = log && len < SESSION_ID_LOG_MAX && d->platform.file_append;
    /* after a torn append, start a new line */
    int n = snprintf(buf, sizeof buf, "%s%u\n", append && len && log[len - 1] != '\n' ? "\n" : "",
                     last);
    omadm_status st;

    if (append)
        st = d->platform.file_append(d->platform.ctx, AGENT_FILE_SESSION_ID, buf, (size_t)n);
    else /* new, compacted or rewritten: its own line only */
        st = d->platform.file_replace(d->platform.ctx, AGENT_FILE_SESSION_ID,
                                      buf + (buf[0] == '\n'), (size_t)n - (buf[0] == '\n'));
    if (st != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "cannot write %s: %s", AGENT_FILE_SESSION_ID,
                  omadm_status_str(st));
    *reserved = last;
    return st;
}

/* Records `id` as used in this boot's block ending at `reserved`. */
static omadm_status session_id_record(agent_device *d, const char *boot, unsigned reserved,
                                      unsigned id)
{
    char line[160];
    int n = snprintf(line, sizeof line, "%s %u %u\n", boot, reserved, id);

    if (n < 0 || (size_t)n >= sizeof line)
        return OMADM_ERR_LIMIT;
    return d->platform.file_replace_with(d->platform.ctx, AGENT_FILE_SESSION_USED, line, (size_t)n,
                                         OMADM_FILE_FLUSH_NONE);
}

static int next_session_id(agent_device *d, unsigned *out)
{
    char *data = NULL, boot[128] = "";
    size_t len = 0;
    unsigned reserved = 0, used = 0, next;
    long found = -1;
    omadm_status st;

    st = d->platform.file_read(d->platform.ctx, AGENT_FILE_SESSION_ID, SESSION_ID_READ_MAX, &data,
                               &len);
    if (st == OMADM_OK) {
        found = last_session_id(data, len);
        if (found >= 0)
            reserved = (unsigned)found;
        else
            agent_log(OMADM_LOG_WARN, "%s is corrupt: starting again at 1", AGENT_FILE_SESSION_ID);
    } else if (st != OMADM_ERR_NOT_FOUND) {
        agent_log(OMADM_LOG_ERROR, "cannot read %s: %s", AGENT_FILE_SESSION_ID,
                  omadm_status_str(st));
        return -1;
    }
    if (d->platform.boot_id && d->platform.file_replace_with &&
        d->platform.boot_id(d->platform.ctx, boot, sizeof boot) == OMADM_OK && boot[0] &&
        !strpbrk(boot, " \n"))
        used = session_id_used_in_block(d, boot, reserved);
    else
        boot[0] = '\0';
    if (used && used != reserved &&
        session_id_record(d, boot, reserved, session_id_after(used)) == OMADM_OK) {
        *out = session_id_after(used); /* inside the reserved block: no flush */
        free(data);
        return 0;
    }
    next = session_id_after(reserved);
    st = session_id_reserve(d, found >= 0 ? data : NULL, len, next, &reserved);
    free(data);
    if (st != OMADM_OK)
        return -1;
    /* Unrecorded, the next session reserves the next block: still no repeat. */
    if (boot[0] && session_id_record(d, boot, reserved, next) != OMADM_OK)
        agent_log(OMADM_LOG_DEBUG, "cannot write %s: every session reserves its ids",
                  AGENT_FILE_SESSION_USED);
    *out = next;
    return 0;
}

/* Copies `src` as one line: control characters become spaces. */
static void one_line(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; src && *src && i + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;
        char out = *src;

        if (c < 0x20 || c == 0x7f)
            out = ' ';
        dst[i++] = out;
    }
    dst[i] = '\0';
}

int agent_last_session_format(const agent_last_session *ls, char *buf, size_t size)
{
    char server[sizeof ls->server], error[sizeof ls->error];
    int n;

    one_line(server, sizeof server, ls->server);
    one_line(error, sizeof error, ls->error);
    n = snprintf(buf, size,
                 "version=1\ntime=%" PRId64 "\nsession_id=%u\nresult=%s\nmessages=%u\n"
                 "duration_ms=%" PRId64 "\nserver=%s\nerror=%s\n",
                 ls->time, ls->session_id, ls->result, ls->messages, ls->duration_ms, server,
                 error);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* The value of "key=" on its own line, copied into buf; -1 if absent. */
static int field_of(const char *text, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    const char *p = text;

    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1, *e = strchr(v, '\n');
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= size)
                n = size - 1;
            memcpy(buf, v, n);
            buf[n] = '\0';
            return 0;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static int number_of(const char *text, const char *key, int64_t *out)
{
    char buf[32], *end;
    long long v;

    if (field_of(text, key, buf, sizeof buf) < 0 || !buf[0])
        return -1;
    v = strtoll(buf, &end, 10);
    if (*end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int agent_last_session_parse(agent_last_session *ls, const char *text)
{
    agent_last_session tmp;
    int64_t v[4];
    char version[8];

    memset(&tmp, 0, sizeof tmp);
    if (field_of(text, "version", version, sizeof version) < 0 || strcmp(version, "1") != 0 ||
        number_of(text, "time", &v[0]) < 0 || number_of(text, "session_id", &v[1]) < 0 ||
        number_of(text, "messages", &v[2]) < 0 || number_of(text, "duration_ms", &v[3]) < 0 ||
        v[1] > 255 || v[2] > 100000 ||
        field_of(text, "result", tmp.result, sizeof tmp.result) < 0 ||
        field_of(text, "server", tmp.server, sizeof tmp.server) < 0 ||
        field_of(text, "error", tmp.error, sizeof tmp.error) < 0)
        return -1;
    tmp.time = v[0];
    tmp.session_id = (unsigned)v[1];
    tmp.messages = (unsigned)v[2];
    tmp.duration_ms = v[3];
    *ls = tmp;
    return 0;
}

static void record(agent_device *d, const agent_session_result *res)
{
    agent_last_session ls;
    char buf[2048];
    int n;
    omadm_status st;

    memset(&ls, 0, sizeof ls);
    ls.time = res->started;
    ls.session_id = res->session_id;
    snprintf(ls.result, sizeof ls.result, "%s", omadm_session_state_name(res->state));
    ls.messages = res->messages;
    ls.duration_ms = res->duration_ms;
    snprintf(ls.server, sizeof ls.server, "%s", d->cfg->server_url ? d->cfg->server_url : "");
    snprintf(ls.error, sizeof ls.error, "%s", res->error);
    n = agent_last_session_format(&ls, buf, sizeof buf);
    if (n < 0)
        return;
    /* A report of the past: atomic, not flushed (a power loss may lose it;
     * the next session writes it again). */
    if (d->platform.file_replace_with)
        st = d->platform.file_replace_with(d->platform.ctx, AGENT_FILE_LAST_SESSION, buf, (size_t)n,
                                           OMADM_FILE_FLUSH_NONE);
    else
        st = d->platform.file_replace(d->platform.ctx, AGENT_FILE_LAST_SESSION, buf, (size_t)n);
    if (st != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "cannot write %s: %s", AGENT_FILE_LAST_SESSION,
                  omadm_status_str(st));
}

static int device_session(agent_device *d, unsigned session_id, int server_initiated,
                          const agent_exchange *ex, agent_session_result *res);

int agent_device_session(agent_device *d, unsigned session_id, const agent_exchange *ex,
                         agent_session_result *res)
{
    return device_session(d, session_id, 0, ex, res);
}

int agent_device_server_session(agent_device *d, unsigned session_id, const agent_exchange *ex,
                                agent_session_result *res)
{
    return device_session(d, session_id, 1, ex, res);
}

/* The enrollment's DM credentials, which the server replaced (DMAcc
 * CLCRED), into the session; not when the configuration names its own. */
static void take_rotated_creds(agent_device *d, omadm_session *s)
{
    char *name = NULL, *secret = NULL;

    if (!d->cfg->enrolled || d->cfg->origin[AGENT_KEY_AUTH_NAME].line ||
        d->cfg->origin[AGENT_KEY_AUTH_SECRET].line)
        return;
    if (agent_dmacc_current(&d->platform, &name, &secret) < 0 || !name ||
        omadm_session_set_credentials(s, name, secret) != OMADM_OK)
        agent_log(OMADM_LOG_WARN, "the server's new DM credentials are not in use yet");
    else
        agent_log(OMADM_LOG_DEBUG, "DM credentials replaced by the server: in use from the "
                                   "next message");
    free(name);
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
}

static int device_session(agent_device *d, unsigned session_id, int server_initiated,
                          const agent_exchange *ex, agent_session_result *res)
{
    unsigned rotations;
    omadm_session_config scfg;
    omadm_session *s = NULL;
    omadm_status st;
    int64_t t0 = agent_os_monotonic_ms();
    agent_session_summary sum;
    agent_outcome_ids waiting;

    agent_outcomes_remember(d, &waiting); /* before the server can acknowledge them */
    memset(res, 0, sizeof *res);
    res->retry_after = -1;
    res->state = OMADM_SESSION_FAILED;
    res->started = agent_device_now(d);
    if (server_initiated || (session_id >= 1 && session_id <= 255)) {
        res->session_id = session_id;
    } else if (next_session_id(d, &res->session_id) < 0) {
        snprintf(res->error, sizeof res->error, "cannot persist the session id");
        goto done;
    }
    memset(&scfg, 0, sizeof scfg);
    scfg.server_uri = d->cfg->server_url;
    scfg.device_id = d->cfg->device_id;
    scfg.session_id = res->session_id;
    scfg.server_initiated = server_initiated;
    scfg.auth_name = d->cfg->auth_name;
    scfg.auth_secret = d->cfg->auth_secret;
    rotations = agent_dmacc_rotations();
    scfg.tree = d->tree;
    scfg.outbox = d->outbox;
    scfg.platform = &d->platform;
    /* MS-MDM: an enrolled device reports its login status in package 1. */
    scfg.login_status = d->cfg->enrolled ? "user" : NULL;
    scfg.unenroll_request = d->cfg->unenroll_request;
    scfg.max_inbound_size = d->cfg->max_inbound_size;
    st = omadm_session_new(&s, &scfg);
    if (st != OMADM_OK) {
        snprintf(res->error, sizeof res->error, "cannot start a session: %s", omadm_status_str(st));
        goto done;
    }
    /* Credentials the server rotated in an earlier session of this process */
    if (rotations)
        take_rotated_creds(d, s);
    for (;;) {
        char *msg = NULL, *reply = NULL, why[300] = "";
        size_t len = 0, reply_len = 0;
        int64_t retry_after = -1;

        /* ... or in this one: from the next message on */
        if (agent_dmacc_rotations() != rotations) {
            rotations = agent_dmacc_rotations();
            take_rotated_creds(d, s);
        }

        st = omadm_session_next_message(s, &msg, &len);
        if (st != OMADM_OK) {
            snprintf(res->error, sizeof res->error, "cannot build message %u: %s",
                     omadm_session_messages_sent(s) + 1, omadm_status_str(st));
            break;
        }
        if (!msg)
            break;
        if (agent_os_stop_requested()) {
            /* Not sent: the server never sees it, and resends whatever it
             * had not seen answered in the next session. */
            omadm_free(msg);
            omadm_session_fail(s, OMADM_ERR_ABORTED, "the agent is stopping");
            continue;
        }
        if (ex->sent) /* counted once built: this is its number */
            ex->sent(ex->user, omadm_session_messages_sent(s), msg, len);
        st = ex->post(ex->user, msg, len, &reply, &reply_len, why, sizeof why, &retry_after);
        omadm_free(msg);
        if (st == OMADM_OK) {
            omadm_session_feed(s, reply, reply_len);
            ex->free_reply(ex->user, reply);
        } else if (st == OMADM_ERR_LIMIT) {
            /* Over max_inbound_size: not read past it, answered 413. */
            agent_log(OMADM_LOG_WARN, "the server's reply: %s", why);
            omadm_session_reply_too_large(s, 0);
        } else {
            if (st == OMADM_ERR_RETRY_LATER)
                res->retry_after = retry_after;
            omadm_session_fail(s, st, why[0] ? why : omadm_status_str(st));
        }
    }
    res->state = omadm_session_get_state(s);
    res->messages = omadm_session_messages_sent(s);
    if (!res->error[0])
        snprintf(res->error, sizeof res->error, "%s", omadm_session_error(s));
    omadm_session_free(s);
    if (res->state == OMADM_SESSION_RUNNING)
        res->state = OMADM_SESSION_FAILED;
done:
    res->duration_ms = agent_os_monotonic_ms() - t0;
    if (res->state == OMADM_SESSION_COMPLETED)
        res->error[0] = '\0';
    else if (!res->error[0])
        snprintf(res->error, sizeof res->error, "%s", omadm_session_state_name(res->state));
    if (res->session_id || server_initiated)
        record(d, res);
    agent_outcomes_log_reported(d, &waiting);
    memset(&sum, 0, sizeof sum);
    sum.server = d->cfg->server_url;
    sum.session_id = res->session_id;
    sum.messages = res->messages;
    sum.result = omadm_session_state_name(res->state);
    sum.error = res->error;
    sum.duration_ms = res->duration_ms;
    agent_log_session(&sum);
    return res->state == OMADM_SESSION_COMPLETED ? 0 : -1;
}
