/* SPDX-License-Identifier: Apache-2.0 */
/* The restart lifecycle in-process, end to end: the session engine, the
 * dispatcher, the Reboot CSP, the real outbox and the sim platform against a
 * scripted server (this file's srv_reply), in `sync` mode (one session per
 * agent run, the armed restart requested before exit).
 *
 * The "world" is deterministic from the state directory and the server's
 * state, so the same function both runs a scenario and recovers it after a
 * crash: a forked child runs it with OMADM_CRASH_AT set (or a crash inside
 * the Nth durable write) until it _Exit(86)s; the parent then runs the
 * world again (a new process state: outbox reopened, startup, with the
 * device rebooted when a restart was requested) and checks exactly one
 * restart request per command in sim/restarts.log, the outcome reported and
 * acknowledged, and no torn or corrupt file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#define HAVE_FORK 1 /* the crash tests fork; not on Windows */
#endif

#include <cmocka.h>

#include "../platform/testutil.h"
#include "rbtest.h"
#include "session/session.h"
#include "syncml/syncml.h"

#define OUTCOME_TYPE "org.omadm-agent.reboot.outcome"
#define REBOOTNOW    "./Device/Vendor/MSFT/Reboot/RebootNow"
#define UUID1        "5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88"
#define UUID2        "0d1c5e77-2f61-4bb2-8a11-9c0e7d3a5b42"
#define MAX_EXECS    2

/* The scripted server, in shared memory so a forked child's traffic is
 * visible to the parent. Fleet-like: a queued Exec goes out in every reply
 * until a Status with its CmdRef arrives. */
typedef struct srv {
    char uuid[MAX_EXECS][64];
    int n_execs;
    int queued[MAX_EXECS];
    int code[MAX_EXECS];    /* last Status code received, 0: none */
    int sent[MAX_EXECS];    /* times the Exec went out */
    int got_200[MAX_EXECS]; /* Status 200 received */
    int lose_statuses;      /* this many client messages carrying an Exec Status
                               get no reply (transport failure): the Status is
                               lost, the session fails */
    int failures;           /* sessions failed that way */
    int fleet_acks;         /* never send a Status for a client Alert */
    int outcomes;           /* outcome Items received */
    int outcomes_not_pkg1;  /* ... outside the session's first message */
    int outcome_items_bad;  /* ... with a wrong Source/Type/Format/Mark */
    int outcome_dups; /* two outcomes for one command in one message (a duplicated record, not a
                         resend) */
    int in_msg[MAX_EXECS]; /* outcomes per command in the current message */
    char last_outcome[MAX_EXECS][512];
    int msg_id;
    unsigned sessions;
} srv;

static srv *srv_new(int n_execs)
{
#ifdef HAVE_FORK
    /* cppcheck-suppress invalidFunctionArg ; fd -1 is what MAP_ANONYMOUS asks for */
    srv *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
#else
    srv *s = malloc(sizeof(*s));
#endif
    int i;

#ifdef HAVE_FORK
    assert_true(s != MAP_FAILED);
#else
    assert_non_null(s);
#endif
    memset(s, 0, sizeof(*s));
    s->n_execs = n_execs;
    for (i = 0; i < n_execs; i++) {
        snprintf(s->uuid[i], sizeof s->uuid[i], "%s", i == 0 ? UUID1 : UUID2);
        s->queued[i] = 1;
    }
    return s;
}

static void srv_free(srv *s)
{
#ifdef HAVE_FORK
    munmap(s, sizeof(*s));
#else
    free(s);
#endif
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int w;

    for (;;) {
        va_start(ap, fmt);
        w = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        RBT_CHECK(w >= 0);
        if ((size_t)w < b->cap - b->n)
            break;
        b->cap = b->cap * 2 + (size_t)w;
        b->p = realloc(b->p, b->cap);
        RBT_CHECK(b->p != NULL);
    }
    b->n += (size_t)w;
}

static int exec_index(const srv *s, const char *cmd_ref)
{
    int i;

    for (i = 0; cmd_ref && i < s->n_execs; i++) {
        if (strcmp(cmd_ref, s->uuid[i]) == 0)
            return i;
    }
    return -1;
}

static void take_outcome(srv *s, const syncml_item *it, int first)
{
    const char *src = it->source_uri ? it->source_uri : "";
    const char *data = it->data ? it->data : "";
    const char *mark = it->meta && it->meta->mark ? it->meta->mark : "";
    int i;

    s->outcomes++;
    if (!first)
        s->outcomes_not_pkg1++;
    if (strcmp(src, REBOOTNOW) != 0 || !it->meta || !it->meta->format ||
        strcmp(it->meta->format, "chr") != 0 ||
        strcmp(mark, strstr(data, "outcome=restarted") ? "informational" : "critical") != 0)
        s->outcome_items_bad++;
    for (i = 0; i < s->n_execs; i++) {
        char key[96];

        snprintf(key, sizeof key, "cmdref=%s;", s->uuid[i]);
        if (strstr(data, key)) {
            snprintf(s->last_outcome[i], sizeof s->last_outcome[i], "%s", data);
            if (s->in_msg[i]++)
                s->outcome_dups++;
        }
    }
}

/* The server's reply to one client message (malloc'd), or NULL: no reply
 * (the transport failed). */
static char *srv_reply(srv *s, const char *msg, size_t len, size_t *out_len)
{
    syncml_msg *in = NULL;
    const syncml_cmd *c;
    sbuf b = { NULL, 0, 0 };
    int id = 2, first, i;

    RBT_CHECK(syncml_parse(msg, len, NULL, &in, NULL) == OMADM_OK);
    first = strcmp(in->hdr.msg_id, "1") == 0;
    memset(s->in_msg, 0, sizeof s->in_msg);
    b.cap = 4096;
    b.p = malloc(b.cap);
    RBT_CHECK(b.p != NULL);
    put(&b,
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
        "<VerProto>DM/1.2</VerProto><SessionID>%s</SessionID><MsgID>%d</MsgID>"
        "<Target><LocURI>%s</LocURI></Target><Source><LocURI>" RBT_SERVER "</LocURI></Source>"
        "</SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>%s</MsgRef><CmdRef>0</CmdRef>"
        "<Cmd>SyncHdr</Cmd><Data>200</Data></Status>",
        in->hdr.session_id, ++s->msg_id, in->hdr.source_uri, in->hdr.msg_id);
    for (c = in->body; c; c = c->next) {
        int ack = 0;

        if (c->type == SYNCML_CMD_STATUS) {
            i = exec_index(s, c->cmd_ref);
            if (i >= 0 && s->lose_statuses > 0) {
                s->lose_statuses--;
                s->failures++;
                syncml_msg_free(in);
                free(b.p);
                return NULL;
            } else if (i >= 0) {
                s->code[i] = atoi(c->data);
                s->got_200[i] += s->code[i] == 200;
                s->queued[i] = 0;
            }
        } else if (c->type == SYNCML_CMD_ALERT && c->data && strcmp(c->data, "1226") == 0) {
            const syncml_item *it;

            for (it = c->items; it; it = it->next) {
                if (it->meta && it->meta->type && strcmp(it->meta->type, OUTCOME_TYPE) == 0)
                    take_outcome(s, it, first);
            }
            ack = !s->fleet_acks;
        } else if (c->type == SYNCML_CMD_ALERT || c->type == SYNCML_CMD_REPLACE) {
            ack = 1;
        }
        if (ack)
            put(&b,
                "<Status><CmdID>%d</CmdID><MsgRef>%s</MsgRef><CmdRef>%s</CmdRef><Cmd>%s</Cmd>"
                "<Data>200</Data></Status>",
                id++, in->hdr.msg_id, c->cmd_id, syncml_cmd_type_name(c->type));
    }
    for (i = 0; i < s->n_execs; i++) {
        if (!s->queued[i])
            continue;
        put(&b,
            "<Exec><CmdID>%s</CmdID><Item><Target><LocURI>" REBOOTNOW "</LocURI></Target>"
            "</Item></Exec>",
            s->uuid[i]);
        s->sent[i]++;
    }
    put(&b, "<Final/></SyncBody></SyncML>");
    syncml_msg_free(in);
    *out_len = b.n;
    return b.p;
}

static omadm_session_state run_session(rbt *t, srv *s)
{
    omadm_session_config cfg;
    omadm_session *sess = NULL;
    omadm_session_state state;

    memset(&cfg, 0, sizeof(cfg));
    cfg.server_uri = RBT_SERVER;
    cfg.device_id = "sim-device";
    cfg.session_id = s->sessions++ % 255 + 1;
    cfg.tree = t->tree;
    cfg.outbox = t->outbox;
    cfg.platform = &t->plat;
    RBT_CHECK(omadm_session_new(&sess, &cfg) == OMADM_OK);
    for (;;) {
        char *msg = NULL, *reply;
        size_t len = 0, rlen = 0;

        RBT_CHECK(omadm_session_next_message(sess, &msg, &len) == OMADM_OK);
        if (!msg)
            break;
        reply = srv_reply(s, msg, len, &rlen);
        omadm_free(msg);
        if (reply)
            omadm_session_feed(sess, reply, rlen);
        else
            omadm_session_fail(sess, OMADM_ERR_TRANSPORT, "scripted: no reply");
        free(reply);
    }
    state = omadm_session_get_state(sess);
    omadm_session_free(sess);
    return state;
}

/* One `omadm-agent sync`: start, one session, the armed restart requested
 * before exit. */
static void agent_sync(rbt *t, srv *s)
{
    int failures = s->failures;
    omadm_session_state st;

    rbt_open(t);
    RBT_CHECK(omadm__reboot_startup(t->rb) == OMADM_OK);
    st = run_session(t, s);
    RBT_CHECK(st == (s->failures > failures ? OMADM_SESSION_FAILED : OMADM_SESSION_COMPLETED));
    RBT_CHECK(omadm__reboot_flush(t->rb) == OMADM_OK);
    rbt_close(t);
}

static int queued(const srv *s)
{
    int i, n = 0;

    for (i = 0; i < s->n_execs; i++)
        n += s->queued[i];
    return n;
}

/* Runs `sync` every 60 s of sim time; the device reboots (boot-B, 30 s
 * later) once a restart was requested, unless `never_reboot`. Stops when the
 * server has nothing queued, has seen every outcome and the outbox is empty. */
static void world(rbt *t, srv *s, int rounds, int never_reboot)
{
    int i, k;

    for (i = 0; i < rounds; i++) {
        int seen = 1;

        if (!never_reboot && rbt_restarts(t) > 0 && strcmp(rbt_boot_id(t), "boot-A") == 0) {
            int64_t now = rbt_now(t);

            rbt_set_boot(t, "boot-B", now + 30);
            rbt_set_now(t, now + 60);
        }
        agent_sync(t, s);
        for (k = 0; k < s->n_execs; k++)
            seen = seen && (s->last_outcome[k][0] || s->code[k] != 200);
        if (!queued(s) && seen && tu_count(t->dir, "outbox-") == 0)
            return;
        rbt_set_now(t, rbt_now(t) + 60);
    }
}

static int setup(void **state)
{
    rbt *t = calloc(1, sizeof(*t));

    rbt_init(t);
    rbt_log_corrupt = 0;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    rbt *t = *state;

    rbt_cleanup(t);
    free(t);
    return 0;
}

static void test_happy_path(void **state)
{
    rbt *t = *state;
    srv *s = srv_new(1);

    world(t, s, 10, 0);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(s->sent[0], 1);
    assert_int_equal(s->code[0], 200);
    assert_int_equal(s->sessions, 2); /* the Exec's, then the report after the reboot */
    assert_int_equal(s->outcomes, 1);
    assert_int_equal(s->outcomes_not_pkg1, 0);
    assert_int_equal(s->outcome_items_bad, 0);
    assert_int_equal(s->outcome_dups, 0);
    assert_string_equal(s->last_outcome[0],
                        "v=1;trigger=now;cmdref=" UUID1 ";msgref=1;session=1;"
                        "requested=2026-03-14T09:00:00Z;deadline=2026-03-14T09:05:00Z;"
                        "boot=2026-03-14T09:01:30Z;outcome=restarted");
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    assert_int_equal(rbt_log_corrupt, 0);
    srv_free(s);
}

/* Fleet never answers client Alerts: a 2xx SyncHdr Status without a Status
 * for the Alert acknowledges it. */
static void test_fleet_acks(void **state)
{
    rbt *t = *state;
    srv *s = srv_new(1);

    s->fleet_acks = 1;
    world(t, s, 10, 0);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(s->outcomes, 1);
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    srv_free(s);
}

/* The message carrying the Exec's Status gets no reply (the session fails;
 * `sync` still requests the restart before exit): Fleet resends the same
 * UUID Exec after the reboot; it gets 200 and no second restart. */
static void test_fleet_resends_after_reboot(void **state)
{
    rbt *t = *state;
    srv *s = srv_new(1);

    s->lose_statuses = 1;
    world(t, s, 10, 0);
    assert_int_equal(s->failures, 1);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(s->sent[0], 2);
    assert_int_equal(s->got_200[0], 1);
    assert_int_equal(s->outcomes, 1);
    assert_non_null(strstr(s->last_outcome[0], "outcome=restarted"));
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    /* And again in a later session, with the history only. */
    s->queued[0] = 1;
    world(t, s, 3, 0);
    assert_int_equal(s->sent[0], 3);
    assert_int_equal(s->got_200[0], 2);
    assert_int_equal(rbt_restarts(t), 1);
    srv_free(s);
}

/* Two RebootNow in one message: one restart, both reported. */
static void test_two_execs_one_restart(void **state)
{
    rbt *t = *state;
    srv *s = srv_new(2);

    world(t, s, 10, 0);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(s->code[0], 200);
    assert_int_equal(s->code[1], 200);
    assert_int_equal(s->outcomes, 2);
    assert_non_null(strstr(s->last_outcome[0], "outcome=restarted"));
    assert_non_null(strstr(s->last_outcome[1], "outcome=restarted"));
    assert_int_equal(s->outcomes_not_pkg1, 0);
    srv_free(s);
}

/* The device never restarts: not-restarted once the deadline passed, and
 * no late restart. */
static void test_deadline_passed(void **state)
{
    rbt *t = *state;
    srv *s = srv_new(1);

    int i, n;

    world(t, s, 12, 1);
    /* Each start on the same boot before the deadline (every 60 s) asked
     * again, for the same deadline; none after it. */
    n = rbt_restarts(t);
    assert_int_equal(n, 6); /* T0, T0+60 ... T0+300 */
    for (i = 0; i < n; i++) {
        char *line = rbt_restart_line(t, i);
        long long at = 0, deadline = 0;

        assert_int_equal(sscanf(line, "requested_at=%lld deadline=%lld", &at, &deadline), 2);
        assert_int_equal(deadline, RBT_T0 + 300);
        assert_true(at <= deadline);
        free(line);
    }
    assert_int_equal(s->outcomes, 1);
    assert_non_null(strstr(s->last_outcome[0], ";outcome=not-restarted;detail=shutdown-blocked"));
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    srv_free(s);
}

/* The platform refuses (sim/refuse-restart): failure Status, no intent, no
 * restart. */
static void test_platform_refuses(void **state)
{
    rbt *t = *state;
    srv *s = srv_new(1);

    rbt_refuse_restart(t, 1);
    world(t, s, 3, 0);
    assert_int_equal(s->code[0], 425);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(s->outcomes, 0);
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    srv_free(s);
}

/* ---- crashes ------------------------------------------------------------ */
#ifdef HAVE_FORK

static const char *replace_at_text(int n)
{
    static char text[8];

    snprintf(text, sizeof text, " #%-2d", n);
    return text;
}

typedef struct crash_result {
    int exit_code; /* of the child: 86 crashed, 0 ran to the end */
    int window;    /* crashed between the "requested" mark and the request */
    int repeat;    /* crashed after the request, intent still "requested":
                      the next start (same boot) asks again */
    int restarts;  /* lines in restarts.log at the end */
    int outcomes;  /* outcome Items the server received */
    char outcome[32];
} crash_result;

/* The forked child of run_crash_case: runs the world until a crash point
 * exits it (86) with what it allocated still held, as a kill would
 * (tests/valgrind.supp knows *_crash_child), or to the end (0). */
static void world_crash_child(rbt *t, srv *s, const char *point, int replace_at,
                              const char *durable_point)
{
    rbt_child = 1;
    if (point)
        setenv("OMADM_CRASH_AT", point, 1);
    t->crash_replace_at = replace_at;
    t->crash_replace_point = durable_point;
    world(t, s, 20, 0);
    _exit(0);
}

static void run_crash_case(const char *point, int replace_at, const char *durable_point,
                           crash_result *r)
{
    rbt *t = calloc(1, sizeof(*t));
    srv *s = srv_new(1);
    const char *o;
    pid_t pid;
    int status = 0;
    size_t i;

    rbt_init(t);
    rbt_log_corrupt = 0;
    memset(r, 0, sizeof(*r));
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        world_crash_child(t, s, point, replace_at, durable_point);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    r->exit_code = WEXITSTATUS(status);
    assert_true(r->exit_code == 86 || r->exit_code == 0);
    /* What the crash left: every record and state file must load. */
    rbt_open(t);
    for (i = 0; i < omadm__reboot_pending_count(t->rb); i++) {
        omadm_reboot_pending p;

        assert_int_equal(omadm__reboot_pending_at(t->rb, i, &p), OMADM_OK);
        if (strcmp(p.state, "requested") == 0 && !p.earlier_boot) {
            r->window = rbt_restarts(t) == 0;
            r->repeat = !r->window;
        }
    }
    rbt_close(t);
    /* Recovery: the service manager starts the agent again at once, on the
     * same boot (a second request for the command would show here); then
     * the world goes on (the device reboots since a restart was requested). */
    agent_sync(t, s);
    world(t, s, 20, 0);
    r->restarts = rbt_restarts(t);
    r->outcomes = s->outcomes;
    o = strstr(s->last_outcome[0], ";outcome=");
    snprintf(r->outcome, sizeof r->outcome, "%s", o ? o + 9 : "(none)");
    r->outcome[strcspn(r->outcome, ";")] = '\0';
    printf("[ CRASH    ] %-28s%s exit=%d restarts=%d outcome=%s reports=%d%s\n",
           point ? point : durable_point, point ? "   " : replace_at_text(replace_at), r->exit_code,
           r->restarts, r->outcome, r->outcomes,
           r->window   ? " (mark-to-request window: requested at the next start)"
           : r->repeat ? " (requested again at the next start, same boot: one restart)"
                       : "");
    /* The device restarts exactly once (boot-A -> boot-B, every request made
     * in boot-A before the deadline): one request line, or two when the kill
     * came after the platform call and the next start on the same boot asked
     * again; the outcome `restarted` reported (at most twice) and
     * acknowledged, the server's Exec answered 200, nothing torn. */
    assert_int_equal(r->restarts, r->repeat ? 2 : 1);
    assert_string_equal(r->outcome, "restarted");
    assert_string_equal(rbt_boot_id(t), "boot-B");
    assert_true(r->outcomes >= 1 && r->outcomes <= 2);
    assert_int_equal(s->outcomes_not_pkg1, 0);
    assert_int_equal(s->outcome_items_bad, 0);
    assert_int_equal(s->outcome_dups, 0);
    assert_int_equal(s->queued[0], 0);
    assert_true(s->got_200[0] >= 1);
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    assert_int_equal(rbt_log_corrupt, 0);
    rbt_open(t);
    assert_int_equal(rbt_log_corrupt, 0);
    rbt_close(t);
    srv_free(s);
    rbt_cleanup(t);
    free(t);
}

static void test_crash_named_points(void **state)
{
    static const char *const points[] = {
        "intent-written", "status-produced", "restart-marked", "restart-requested",
        "boot-detected",  "alert-sent",      "ack-received",
    };
    crash_result r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
        run_crash_case(points[i], 0, NULL, &r);
        assert_int_equal(r.exit_code, 86); /* the point was reached */
        /* Only restart-marked falls in the mark-to-request window. */
        assert_int_equal(r.window, strcmp(points[i], "restart-marked") == 0);
    }
}

/* A crash inside every durable write of the scenario, before and after its
 * rename. */
static void test_crash_every_durable_write(void **state)
{
    static const char *const where[] = { "durable-write-before-rename",
                                         "durable-write-after-rename" };
    crash_result r;
    int n, w, crashed = 0, windows = 0;
    rbt *dry = calloc(1, sizeof(*dry));
    srv *s = srv_new(1);

    (void)state;
    /* A run without crash names the scenario's durable writes. */
    rbt_init(dry);
    world(dry, s, 20, 0);
    for (n = 0; n < dry->replaces && n < 32; n++)
        printf("[ CRASH    ] durable write %d: %s\n", n + 1, dry->replace_names[n]);
    srv_free(s);
    rbt_cleanup(dry);
    free(dry);
    for (w = 0; w < 2; w++) {
        for (n = 1; n < 100; n++) {
            run_crash_case(NULL, n, where[w], &r);
            if (r.exit_code == 0)
                break; /* fewer than n writes in the scenario */
            crashed++;
            windows += r.window;
        }
        assert_true(n > 3 && n < 100);
    }
    printf("[ CRASH    ] %d durable-write crashes, %d in the mark-to-request window\n", crashed,
           windows);
    /* The "requested" mark's after-rename crash falls in the window (and
     * was recovered above: one restart, `restarted`). */
    assert_int_equal(windows, 1);
}

#endif /* HAVE_FORK */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_happy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fleet_acks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fleet_resends_after_reboot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_execs_one_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_passed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_refuses, setup, teardown),
#ifdef HAVE_FORK
        cmocka_unit_test(test_crash_named_points),
        cmocka_unit_test(test_crash_every_durable_write),
#endif
    };

    return cmocka_run_group_tests_name("reboot-session", tests, NULL, NULL);
}
