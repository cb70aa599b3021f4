/* SPDX-License-Identifier: Apache-2.0 */
#include "rbtest.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <process.h> /* _exit */
#define setenv(name, value, overwrite) _putenv_s(name, value)
#else
#include <unistd.h>
#endif

#include <cmocka.h>

#include "../platform/testutil.h"
#include "omadm/csp.h"
#include "omadm/log.h"
#include "platform/sim/sim.h"

int rbt_child;
int rbt_log_errors;
int rbt_log_corrupt;

_Noreturn void rbt_fail(const char *file, int line, const char *what)
{
    if (rbt_child) {
        fprintf(stderr, "%s:%d: check failed in child: %s\n", file, line, what);
        fflush(stderr);
        _exit(3);
    }
    print_error("%s:%d: check failed: %s\n", file, line, what);
    _fail(file, line); /* longjmps out of the test, but is not declared noreturn */
    abort();
}

static void log_sink(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    if (level == OMADM_LOG_ERROR)
        rbt_log_errors++;
    if (strstr(line, "corrupt"))
        rbt_log_corrupt++;
    if (getenv("RBT_VERBOSE"))
        fprintf(stderr, "[%s] %s\n", omadm_log_level_name(level), line);
}

/* strndup is not in ISO C nor on every platform. */
static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (!p)
        abort();
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- the wrapper platform ------------------------------------------------ */

#define REAL(t) (&(t)->sim)

static omadm_status w_now(void *ctx, int64_t *s)
{
    rbt *t = ctx;
    return REAL(t)->now(REAL(t)->ctx, s);
}

static omadm_status w_utc_offset(void *ctx, int64_t at, int32_t *off)
{
    rbt *t = ctx;

    if (t->dst_at) {
        *off = at >= t->dst_at ? t->dst_after : t->dst_before;
        return OMADM_OK;
    }
    return REAL(t)->utc_offset(REAL(t)->ctx, at, off);
}

static omadm_status w_boot_id(void *ctx, char *buf, size_t size)
{
    rbt *t = ctx;
    return REAL(t)->boot_id(REAL(t)->ctx, buf, size);
}

static omadm_status w_boot_time(void *ctx, int64_t *s)
{
    rbt *t = ctx;
    return REAL(t)->boot_time(REAL(t)->ctx, s);
}

static omadm_status w_request_restart(void *ctx, int64_t deadline, const char *reason)
{
    rbt *t = ctx;
    return REAL(t)->request_restart(REAL(t)->ctx, deadline, reason);
}

static omadm_status w_device_fact(void *ctx, omadm_fact f, char *buf, size_t size)
{
    rbt *t = ctx;
    return REAL(t)->device_fact(REAL(t)->ctx, f, buf, size);
}

static omadm_status w_file_read(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    rbt *t = ctx;
    return REAL(t)->file_read(REAL(t)->ctx, name, max, data, len);
}

static omadm_status w_file_replace_with(void *ctx, const char *name, const void *data, size_t len,
                                        unsigned flush);

static omadm_status w_file_replace(void *ctx, const char *name, const void *data, size_t len)
{
    return w_file_replace_with(ctx, name, data, len, OMADM_FILE_FLUSH_ALL);
}

/* Every replace, however flushed, is counted and may be failed. */
static omadm_status w_file_replace_with(void *ctx, const char *name, const void *data, size_t len,
                                        unsigned flush)
{
    rbt *t = ctx;

    if (t->replaces < 32) {
        snprintf(t->replace_names[t->replaces], sizeof t->replace_names[0], "%s", name);
        t->replace_flush[t->replaces] = flush;
    }
    t->replaces++;
    if (t->fail_replace_at && t->replaces == t->fail_replace_at)
        return OMADM_ERR_IO;
    if (t->crash_replace_at && t->replaces == t->crash_replace_at)
        setenv("OMADM_CRASH_AT", t->crash_replace_point, 1); /* the sim's own points */
    return REAL(t)->file_replace_with(REAL(t)->ctx, name, data, len, flush);
}

static omadm_status w_file_remove(void *ctx, const char *name)
{
    rbt *t = ctx;
    return REAL(t)->file_remove(REAL(t)->ctx, name);
}

static omadm_status w_file_list(void *ctx, const char *prefix, omadm_platform_list_cb cb,
                                void *user)
{
    rbt *t = ctx;
    return REAL(t)->file_list(REAL(t)->ctx, prefix, cb, user);
}

static omadm_status w_can_restart(void *ctx)
{
    rbt *t = ctx;

    if (t->probe_status != OMADM_OK)
        return t->probe_status;
    return REAL(t)->can_restart ? REAL(t)->can_restart(REAL(t)->ctx) : OMADM_OK;
}

/* ---- state directory ----------------------------------------------------- */

static void write_sim(const rbt *t, const char *name, const char *text)
{
    char *p = tu_path(t->dir, "sim", name);

    tu_write(p, text, (size_t)-1);
    free(p);
}

static void write_sim_int(const rbt *t, const char *name, int64_t v)
{
    char num[32];

    snprintf(num, sizeof num, "%" PRId64 "\n", v);
    write_sim(t, name, num);
}

void rbt_init(rbt *t)
{
    char *p;

    memset(t, 0, sizeof(*t));
    omadm_log_set(log_sink, NULL, OMADM_LOG_DEBUG);
    t->dir = tu_mkdtemp();
    p = tu_path(t->dir, "sim", NULL);
    tu_mkdirs(p);
    free(p);
    write_sim_int(t, "now", RBT_T0);
    write_sim(t, "boot-id", "boot-A\n");
    write_sim_int(t, "boot-time", RBT_T0 - 3600);
    write_sim_int(t, "utc-offset", 0);
}

void rbt_open(rbt *t)
{
    unsigned corrupt = 0;

    RBT_CHECK(omadm_platform_sim_new(&t->sim, t->dir) == OMADM_OK);
    t->plat = t->sim;
    t->plat.ctx = t;
    t->plat.now = w_now;
    t->plat.utc_offset = w_utc_offset;
    t->plat.boot_id = w_boot_id;
    t->plat.boot_time = w_boot_time;
    t->plat.request_restart = w_request_restart;
    t->plat.device_fact = w_device_fact;
    t->plat.file_read = w_file_read;
    t->plat.file_replace = w_file_replace;
    t->plat.file_replace_with = w_file_replace_with;
    t->plat.file_append = NULL; /* only the sim's own ctx could serve it */
    t->plat.file_remove = w_file_remove;
    t->plat.file_list = w_file_list;
    t->plat.destroy = NULL;
    t->plat.can_restart = w_can_restart;
    RBT_CHECK(omadm_outbox_open(&t->outbox, &t->plat, NULL, &corrupt) == OMADM_OK);
    RBT_CHECK(corrupt == 0);
    RBT_CHECK(omadm__reboot_new(&t->rb, &t->plat, t->outbox) == OMADM_OK);
    RBT_CHECK(omadm_tree_new(&t->tree) == OMADM_OK);
    RBT_CHECK(omadm__reboot_register(t->rb, t->tree) == OMADM_OK);
}

void rbt_close(rbt *t)
{
    omadm_tree_free(t->tree);
    t->tree = NULL;
    omadm__reboot_free(t->rb);
    t->rb = NULL;
    omadm_outbox_close(t->outbox);
    t->outbox = NULL;
    if (t->sim.destroy)
        t->sim.destroy(t->sim.ctx);
    memset(&t->sim, 0, sizeof(t->sim));
}

void rbt_cleanup(rbt *t)
{
    rbt_close(t);
    tu_rmtree_free(t->dir);
    t->dir = NULL;
}

void rbt_set_now(rbt *t, int64_t now)
{
    write_sim_int(t, "now", now);
}

void rbt_set_offset(rbt *t, int32_t offset)
{
    write_sim_int(t, "utc-offset", offset);
}

void rbt_set_boot(rbt *t, const char *id, int64_t boot_time)
{
    char line[128];

    snprintf(line, sizeof line, "%s\n", id);
    write_sim(t, "boot-id", line);
    write_sim_int(t, "boot-time", boot_time);
}

void rbt_refuse_restart(rbt *t, int on)
{
    char *p = tu_path(t->dir, "sim", "refuse-restart");

    if (on)
        tu_write(p, "", 0);
    else
        remove(p);
    free(p);
}

const char *rbt_boot_id(const rbt *t)
{
    static char id[128];
    char *p = tu_path(t->dir, "sim", "boot-id");
    char *text = tu_read(p, NULL);

    free(p);
    snprintf(id, sizeof id, "%s", text ? text : "");
    free(text);
    id[strcspn(id, "\r\n")] = '\0';
    return id;
}

int64_t rbt_now(const rbt *t)
{
    char *p = tu_path(t->dir, "sim", "now");
    char *text = tu_read(p, NULL);
    int64_t v;

    free(p);
    RBT_CHECK(text != NULL);
    v = strtoll(text, NULL, 10);
    free(text);
    return v;
}

char *rbt_restart_line(const rbt *t, int n)
{
    char *p = tu_path(t->dir, "sim", "restarts.log");
    char *all = tu_read(p, NULL), *line = NULL, *s;
    int i = 0;

    free(p);
    if (!all)
        return NULL;
    for (s = all; *s; i++) {
        char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);

        if (i == n) {
            line = dupn(s, len);
            break;
        }
        s += len + (nl ? 1 : 0);
    }
    free(all);
    return line;
}

int rbt_restarts(const rbt *t)
{
    int n = 0;
    char *line;

    while ((line = rbt_restart_line(t, n)) != NULL) {
        free(line);
        n++;
    }
    return n;
}

static size_t count_kind(const rbt *t, omadm_outbox_kind kind, size_t want,
                         const omadm_outbox_entry **found)
{
    size_t i, n = omadm_outbox_count(t->outbox), k = 0;

    for (i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(t->outbox, i);

        if (e->kind != kind)
            continue;
        if (found && k == want) {
            *found = e;
            return k;
        }
        k++;
    }
    if (found)
        *found = NULL;
    return k;
}

size_t rbt_outcome_count(const rbt *t)
{
    return count_kind(t, OMADM_OUTBOX_OUTCOME, 0, NULL);
}

const omadm_outbox_entry *rbt_outcome(const rbt *t, size_t n)
{
    const omadm_outbox_entry *e;

    count_kind(t, OMADM_OUTBOX_OUTCOME, n, &e);
    return e;
}

size_t rbt_intent_count(const rbt *t)
{
    return count_kind(t, OMADM_OUTBOX_INTENT, 0, NULL);
}

/* ---- server messages ----------------------------------------------------- */

char *rbt_process(rbt *t, const char *session, const char *msg, const char *body)
{
    static const char head[] =
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
        "<VerProto>DM/1.2</VerProto><SessionID>%s</SessionID><MsgID>%s</MsgID>"
        "<Target><LocURI>sim-device</LocURI></Target>"
        "<Source><LocURI>" RBT_SERVER "</LocURI></Source></SyncHdr><SyncBody>%s<Final/>"
        "</SyncBody></SyncML>";
    size_t n = sizeof head + strlen(session) + strlen(msg) + strlen(body);
    char *xml = malloc(n), *reply = NULL, *copy;
    size_t reply_len = 0;

    RBT_CHECK(xml != NULL);
    snprintf(xml, n, head, session, msg, body);
    RBT_CHECK(omadm_tree_process(t->tree, xml, strlen(xml), &reply, &reply_len) == OMADM_OK);
    free(xml);
    copy = dupn(reply, reply_len);
    omadm_free(reply);
    return copy;
}

/* Text of the first <tag ...>...</tag> inside [s, end), malloc'd. */
static char *element_text(const char *s, const char *end, const char *tag)
{
    char open[32], close[32];
    const char *a, *b;

    snprintf(open, sizeof open, "<%s", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    for (a = strstr(s, open); a && a < end; a = strstr(a + 1, open)) {
        char c = a[strlen(open)];

        if (c == '>' || c == ' ')
            break;
    }
    if (!a || a >= end)
        return NULL;
    a = strchr(a, '>');
    if (!a || a >= end)
        return NULL;
    if (a[-1] == '/')
        return strdup(""); /* <Data/> */
    a++;
    b = strstr(a, close);
    if (!b || b > end)
        return NULL;
    return dupn(a, (size_t)(b - a));
}

/* Finds the <elem> whose CmdRef is cmdref; *end receives its end. */
static const char *find_cmd(const char *reply, const char *elem, const char *cmdref,
                            const char **end, int *count)
{
    char open[32], close[32];
    const char *s = reply, *found = NULL;

    snprintf(open, sizeof open, "<%s>", elem);
    snprintf(close, sizeof close, "</%s>", elem);
    *count = 0;
    while ((s = strstr(s, open)) != NULL) {
        const char *e = strstr(s, close);
        char *ref;

        RBT_CHECK(e != NULL);
        ref = element_text(s, e, "CmdRef");
        if (ref && strcmp(ref, cmdref) == 0) {
            if (!found) {
                found = s;
                *end = e;
            }
            (*count)++;
        }
        free(ref);
        s = e;
    }
    return found;
}

int rbt_status(const char *reply, const char *cmdref)
{
    const char *end, *s;
    int count, code;
    char *data;

    s = find_cmd(reply, "Status", cmdref, &end, &count);
    if (!s)
        return -1;
    RBT_CHECK(count == 1);
    data = element_text(s, end, "Data");
    RBT_CHECK(data != NULL);
    code = atoi(data);
    free(data);
    return code;
}

char *rbt_result(const char *reply, const char *cmdref, char *format)
{
    const char *end, *s;
    int count;
    char *f;

    format[0] = '\0';
    s = find_cmd(reply, "Results", cmdref, &end, &count);
    if (!s)
        return NULL;
    RBT_CHECK(count == 1);
    f = element_text(s, end, "Format");
    if (f) {
        snprintf(format, 16, "%s", f);
        free(f);
    }
    return element_text(s, end, "Data");
}

int rbt_cmd(rbt *t, const char *cmd, const char *cmdid, const char *uri, const char *data)
{
    char body[2048];
    char *reply;
    int code;

    if (data)
        snprintf(body, sizeof body,
                 "<%s><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI></Target>"
                 "<Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta>"
                 "<Data>%s</Data></Item></%s>",
                 cmd, cmdid, uri, data, cmd);
    else
        snprintf(body, sizeof body,
                 "<%s><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></%s>", cmd,
                 cmdid, uri, cmd);
    reply = rbt_process(t, "1", "1", body);
    code = rbt_status(reply, cmdid);
    free(reply);
    return code;
}

int rbt_setup(void **state)
{
    rbt *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    rbt_init(t);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    *state = t;
    return 0;
}

int rbt_teardown(void **state)
{
    rbt *t = *state;

    if (t) {
        rbt_cleanup(t);
        free(t);
    }
    return 0;
}
