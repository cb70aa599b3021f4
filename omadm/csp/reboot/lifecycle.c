/* SPDX-License-Identifier: Apache-2.0 */
/* The restart lifecycle: intents, restart requests, outcomes, history. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/crash.h"
#include "core/log.h"
#include "csp/reboot/rbint.h"
#include "csp/reboot/rbkv.h"
#include "csp/reboot/rbtime.h"

const char *omadm__rb_trigger_name(rb_trigger t)
{
    static const char *const names[] = { "now", "single", "daily", "weekly" };

    return (unsigned)t < 4 ? names[t] : "unknown";
}

static int trigger_from_name(const char *name, rb_trigger *t)
{
    rb_trigger i;

    for (i = RB_NOW; i <= RB_WEEKLY; i++) {
        if (strcmp(name, omadm__rb_trigger_name(i)) == 0) {
            *t = i;
            return 1;
        }
    }
    return 0;
}

int omadm__rb_dm_error(omadm_status st)
{
    switch (st) {
    case OMADM_ERR_FULL:
        return -420;
    case OMADM_ERR_ACCESS:
        return -425;
    default:
        return -500;
    }
}

int omadm__rb_cmdid_is_integer(const char *cmdref)
{
    const char *p = cmdref;

    if (!p || !*p)
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
    }
    return 1;
}

static int streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

omadm_status omadm__rb_current_boot(const omadm_reboot *rb, char *buf, size_t size)
{
    size_t n = strlen(rb->boot);

    if (!n)
        return rb->platform->boot_id(rb->platform->ctx, buf, size);
    if (n >= size)
        return OMADM_ERR_LIMIT;
    memcpy(buf, rb->boot, n + 1);
    return OMADM_OK;
}

/* ---- intents ------------------------------------------------------------ */

static void intent_free(rb_intent *in)
{
    omadm__free(in->uri);
    omadm__free(in->server);
    omadm__free(in->session);
    omadm__free(in->msgref);
    omadm__free(in->cmdref);
    omadm__free(in->boot);
    memset(in, 0, sizeof(*in));
}

void omadm__rb_intents_clear(omadm_reboot *rb)
{
    size_t i;

    for (i = 0; i < rb->n_intents; i++)
        intent_free(&rb->intents[i]);
    omadm__free(rb->intents);
    rb->intents = NULL;
    rb->n_intents = 0;
}

static omadm_status intent_encode(const rb_intent *in, omadm_buf *b)
{
    omadm_status st = omadm__reboot_kv_put(b, "v", "1");

    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "trigger", omadm__rb_trigger_name(in->trigger));
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "state", in->state == RB_ARMED ? "armed" : "requested");
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "uri", in->uri);
    if (st == OMADM_OK && in->trigger == RB_NOW) {
        st = omadm__reboot_kv_put(b, "server", in->server);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(b, "session", in->session);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(b, "msgref", in->msgref);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(b, "cmdref", in->cmdref);
    }
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put_i64(b, "requested", in->requested);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put_i64(b, "deadline", in->deadline);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "boot", in->boot);
    return st;
}

/* Optional string key: absent -> NULL. */
static omadm_status get_opt(const char *line, size_t len, const char *key, char **out)
{
    omadm_status st = omadm__reboot_kv_get(line, len, key, out);

    return st == OMADM_ERR_NOT_FOUND ? OMADM_OK : st;
}

static omadm_status intent_decode(const char *data, rb_intent *in)
{
    size_t len = strlen(data);
    char *v = NULL, *trig = NULL, *state = NULL;
    omadm_status st;

    memset(in, 0, sizeof(*in));
    st = omadm__reboot_kv_get(data, len, "v", &v);
    if (st == OMADM_OK && strcmp(v, "1") != 0)
        st = OMADM_ERR_UNSUPPORTED;
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(data, len, "trigger", &trig);
    if (st == OMADM_OK && !trigger_from_name(trig, &in->trigger))
        st = OMADM_ERR_PARSE;
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(data, len, "state", &state);
    if (st == OMADM_OK) {
        if (strcmp(state, "armed") == 0)
            in->state = RB_ARMED;
        else if (strcmp(state, "requested") == 0)
            in->state = RB_REQUESTED;
        else
            st = OMADM_ERR_PARSE;
    }
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(data, len, "uri", &in->uri);
    if (st == OMADM_OK)
        st = get_opt(data, len, "server", &in->server);
    if (st == OMADM_OK)
        st = get_opt(data, len, "session", &in->session);
    if (st == OMADM_OK)
        st = get_opt(data, len, "msgref", &in->msgref);
    if (st == OMADM_OK)
        st = get_opt(data, len, "cmdref", &in->cmdref);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(data, len, "requested", &in->requested);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(data, len, "deadline", &in->deadline);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(data, len, "boot", &in->boot);
    if (st == OMADM_OK && in->trigger == RB_NOW && !in->cmdref)
        st = OMADM_ERR_PARSE;
    omadm__free(v);
    omadm__free(trig);
    omadm__free(state);
    if (st != OMADM_OK)
        intent_free(in);
    return st == OMADM_ERR_NOT_FOUND ? OMADM_ERR_PARSE : st;
}

omadm_status omadm__rb_intents_load(omadm_reboot *rb)
{
    size_t i, n = omadm_outbox_count(rb->outbox), count = 0;
    rb_intent *list = NULL;
    omadm_status st = OMADM_OK;

    if (n > 0) {
        list = omadm__calloc(n, sizeof(*list));
        if (!list) {
            rb->intents_current = 0;
            return OMADM_ERR_NOMEM;
        }
    }
    for (i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(rb->outbox, i);

        if (!e || e->kind != OMADM_OUTBOX_INTENT)
            continue;
        st = e->data ? intent_decode(e->data, &list[count]) : OMADM_ERR_PARSE;
        if (st == OMADM_ERR_NOMEM)
            break;
        if (st != OMADM_OK) {
            /* Written by another version or damaged: left alone, never acted on. */
            omadm__log(OMADM_LOG_WARN,
                       "reboot: outbox intent %016" PRIx64 " unreadable (%s), ignored", e->id,
                       omadm_status_str(st));
            st = OMADM_OK;
            continue;
        }
        list[count].id = e->id;
        if (list[count].state == RB_ARMED && omadm__rb_requested_has(rb, e->id, list[count].boot))
            list[count].state = RB_REQUESTED;
        count++;
    }
    rb->intents_current = st == OMADM_OK;
    if (st != OMADM_OK) {
        for (i = 0; i < count; i++)
            intent_free(&list[i]);
        omadm__free(list);
        return st;
    }
    omadm__rb_intents_clear(rb);
    rb->intents = list;
    rb->n_intents = count;
    return OMADM_OK;
}

omadm_status omadm__rb_intent_add(omadm_reboot *rb, rb_trigger trigger, const char *uri,
                                  const char *server, const char *session, const char *msgref,
                                  const char *cmdref, int64_t requested, const char *boot,
                                  unsigned flush, uint64_t *id)
{
    rb_intent in;
    omadm_buf b = OMADM_BUF_INIT;
    omadm_outbox_entry e;
    omadm_status st;

    memset(&in, 0, sizeof(in));
    in.trigger = trigger;
    in.state = RB_ARMED;
    /* The fields are only read by intent_encode: borrowing is fine. */
    in.uri = (char *)uri;
    in.server = (char *)server;
    in.session = (char *)session;
    in.msgref = (char *)msgref;
    in.cmdref = (char *)cmdref;
    in.boot = (char *)boot;
    in.requested = requested;
    in.deadline = requested + OMADM_REBOOT_DEADLINE_SECONDS;
    st = intent_encode(&in, &b);
    if (st == OMADM_OK) {
        memset(&e, 0, sizeof(e));
        e.kind = OMADM_OUTBOX_INTENT;
        e.created = requested;
        e.source_uri = (char *)uri;
        e.data = b.data;
        st = omadm_outbox_add_with(rb->outbox, &e, flush, id);
    }
    omadm__buf_free(&b);
    if (st != OMADM_OK)
        return st;
    /* The intent is durable: a failed reload only makes the cache stale
     * until the next one. */
    st = omadm__rb_intents_load(rb);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_WARN, "reboot: intent cache reload failed (%s)", omadm_status_str(st));
    return OMADM_OK;
}

int omadm__rb_is_repeat(const omadm_reboot *rb, const char *server, const char *cmdref)
{
    size_t i;

    if (!cmdref || omadm__rb_cmdid_is_integer(cmdref))
        return 0;
    for (i = 0; i < rb->n_intents; i++) {
        const rb_intent *in = &rb->intents[i];

        if (in->trigger == RB_NOW && streq(in->server, server) && streq(in->cmdref, cmdref))
            return 1;
    }
    return omadm__rb_history_has(rb, server, cmdref);
}

/* Removes a resolved intent, after recording a RebootNow's non-integer
 * CmdID in the history (so a resend is still recognised). On failure the
 * intent stays and is resolved again later (the outcome write is
 * idempotent). */
static omadm_status intent_retire(omadm_reboot *rb, const rb_intent *in, int64_t now)
{
    omadm_status st;

    if (in->trigger == RB_NOW && !omadm__rb_cmdid_is_integer(in->cmdref)) {
        st = omadm__rb_history_add(rb, in->server, in->cmdref, in->boot, now);
        if (st != OMADM_OK)
            return st;
    }
    st = omadm_outbox_remove(rb->outbox, in->id);
    return st == OMADM_ERR_NOT_FOUND ? OMADM_OK : st;
}

/* ---- outcomes ----------------------------------------------------------- */

/* The part of the outcome Data that identifies the command or occurrence:
 * everything up to and including deadline. */
static omadm_status outcome_prefix(const rb_intent *in, omadm_buf *b)
{
    char t[OMADM_REBOOT_TIME_LEN];
    omadm_status st = omadm__reboot_kv_put(b, "v", "1");

    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "trigger", omadm__rb_trigger_name(in->trigger));
    if (st == OMADM_OK && in->trigger == RB_NOW) {
        st = omadm__reboot_kv_put(b, "cmdref", in->cmdref);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(b, "msgref", in->msgref);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(b, "session", in->session);
    }
    omadm__reboot_format_utc(in->requested, t);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "requested", t);
    omadm__reboot_format_utc(in->deadline, t);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(b, "deadline", t);
    return st;
}

static int outcome_matches(const omadm_outbox_entry *e, const char *uri, const char *prefix,
                           size_t plen, int check_uri)
{
    if (e->kind != OMADM_OUTBOX_OUTCOME || !e->data || !e->type ||
        strcmp(e->type, OMADM_REBOOT_OUTCOME_TYPE) != 0)
        return 0;
    if (check_uri && !streq(e->source_uri, uri))
        return 0;
    return strncmp(e->data, prefix, plen) == 0 && (e->data[plen] == ';' || !e->data[plen]);
}

static int outcome_exists(const omadm_reboot *rb, const char *uri, const char *prefix,
                          int check_uri)
{
    size_t i, n = omadm_outbox_count(rb->outbox), plen = strlen(prefix);

    for (i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(rb->outbox, i);

        if (e && outcome_matches(e, uri, prefix, plen, check_uri))
            return 1;
    }
    return 0;
}

int omadm__rb_occurrence_known(const omadm_reboot *rb, rb_trigger trigger, int64_t due)
{
    rb_intent key;
    omadm_buf b = OMADM_BUF_INIT;
    size_t i;
    int known = 0;

    for (i = 0; i < rb->n_intents; i++) {
        if (rb->intents[i].trigger == trigger && rb->intents[i].requested == due)
            return 1;
    }
    memset(&key, 0, sizeof(key));
    key.trigger = trigger;
    key.requested = due;
    key.deadline = due + OMADM_REBOOT_DEADLINE_SECONDS;
    /* On allocation failure answer "known": never fire twice. */
    if (outcome_prefix(&key, &b) != OMADM_OK)
        known = 1;
    else
        known = outcome_exists(rb, NULL, b.data, 0);
    omadm__buf_free(&b);
    return known;
}

omadm_status omadm__rb_outcome_write(omadm_reboot *rb, const rb_intent *in, const char *outcome,
                                     int64_t boot_time, const char *detail)
{
    omadm_buf b = OMADM_BUF_INIT;
    omadm_outbox_entry e;
    char t[OMADM_REBOOT_TIME_LEN];
    int64_t now = 0;
    omadm_status st;

    st = outcome_prefix(in, &b);
    if (st == OMADM_OK && outcome_exists(rb, in->uri, b.data, 1)) {
        omadm__buf_free(&b); /* written before a crash: idempotent */
        return OMADM_OK;
    }
    if (st == OMADM_OK && boot_time >= 0) {
        omadm__reboot_format_utc(boot_time, t);
        st = omadm__reboot_kv_put(&b, "boot", t);
    }
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "outcome", outcome);
    if (st == OMADM_OK && detail)
        st = omadm__reboot_kv_put(&b, "detail", detail);
    if (st == OMADM_OK && rb->platform->now(rb->platform->ctx, &now) != OMADM_OK)
        now = in->requested;
    if (st == OMADM_OK) {
        memset(&e, 0, sizeof(e));
        e.kind = OMADM_OUTBOX_OUTCOME;
        e.created = now;
        e.source_uri = in->uri;
        e.type = (char *)OMADM_REBOOT_OUTCOME_TYPE;
        e.format = (char *)"chr";
        e.mark = (char *)(strcmp(outcome, "restarted") == 0 ? "informational" : "critical");
        e.data = b.data;
        st = omadm_outbox_add(rb->outbox, &e, NULL);
    }
    if (st == OMADM_OK)
        omadm__log(OMADM_LOG_INFO, "reboot: outcome %s (trigger=%s)", outcome,
                   omadm__rb_trigger_name(in->trigger));
    omadm__buf_free(&b);
    return st;
}

/* Writes the outcome, then retires the intent. */
static omadm_status resolve(omadm_reboot *rb, const rb_intent *in, int64_t now, const char *outcome,
                            int64_t boot_time, const char *detail, const char *crash_point)
{
    omadm_status st = omadm__rb_outcome_write(rb, in, outcome, boot_time, detail);

    if (st != OMADM_OK)
        return st;
    if (crash_point)
        omadm__crash_point(crash_point);
    return intent_retire(rb, in, now);
}

/* ---- restart requests --------------------------------------------------- */

static const char *request_reason(rb_trigger trigger)
{
    return trigger == RB_NOW      ? "rebootnow"
           : trigger == RB_SINGLE ? "schedule-single"
           : trigger == RB_DAILY  ? "schedule-daily"
                                  : "schedule-weekly";
}

static omadm_status probe_now(const omadm_reboot *rb, int64_t *now, char *boot, size_t size)
{
    omadm_status st = rb->platform->now(rb->platform->ctx, now);

    if (st == OMADM_OK)
        st = omadm__rb_current_boot(rb, boot, size);
    return st;
}

/* Asks the platform for the restart the armed same-boot intents need,
 * marking them `requested` durably first. With `again` (start-up), intents
 * already `requested` in this boot and still before their deadline are
 * asked for again: the process may have died between the mark and the
 * platform call. A repeated request cannot restart the device twice (the
 * boot identity changes at the restart, and only the recording boot ever
 * asks), and the platforms accept it while a restart is pending. */
static omadm_status request_pass(omadm_reboot *rb, int64_t now, const char *boot, int again)
{
    size_t i, marked = 0, todo = 0, repeated = 0;
    int64_t deadline = INT64_MAX;
    int coalesce = 0;
    const char *reason = NULL;
    omadm_status st = OMADM_OK, first_err = OMADM_OK;
    unsigned char *mark;

    if (rb->n_intents == 0)
        return OMADM_OK;
    mark = omadm__calloc(rb->n_intents, 1);
    if (!mark)
        return OMADM_ERR_NOMEM;
    for (i = 0; i < rb->n_intents; i++) {
        const rb_intent *in = &rb->intents[i];

        if (!streq(in->boot, boot))
            continue;
        if (in->state == RB_REQUESTED) {
            if (in->deadline < now)
                continue;
            if (again) {
                mark[i] = 2; /* asked for again, not marked again */
                repeated++;
                if (in->deadline < deadline)
                    deadline = in->deadline;
            } else {
                /* One restart already on its way satisfies the new ones too. */
                coalesce = 1;
            }
            continue;
        }
        if (now > in->deadline) {
            /* Never restart late: report instead. */
            st = resolve(rb, in, now, "not-restarted", -1, "deadline-passed", NULL);
            if (st != OMADM_OK && first_err == OMADM_OK)
                first_err = st;
            continue;
        }
        mark[i] = 1;
        todo++;
    }
    /* Marked "requested" before the platform is asked: a crash after this
     * can never produce a second request for these commands in this boot
     * but the one start-up makes (`again`). The mark is not flushed
     * (requested.c): a power loss ends the boot it is about. */
    if (todo) {
        st = omadm__rb_requested_mark(rb, mark, boot);
        for (i = 0; i < rb->n_intents; i++) {
            if (mark[i] != 1)
                continue;
            if (st != OMADM_OK) {
                mark[i] = 0; /* stays armed; asked again later */
                continue;
            }
            marked++;
            if (rb->intents[i].deadline < deadline)
                deadline = rb->intents[i].deadline;
        }
        if (st != OMADM_OK && first_err == OMADM_OK)
            first_err = st;
    }
    for (i = 0; i < rb->n_intents && !reason; i++) {
        if (mark[i])
            reason = request_reason(rb->intents[i].trigger);
    }
    if ((marked || repeated) && !coalesce) {
        /* Killed here, the intents are `requested` but the platform was
         * never asked: the next start asks again (`again`). */
        omadm__crash_point("restart-marked");
        st = rb->platform->request_restart(rb->platform->ctx, deadline, reason);
        omadm__crash_point("restart-requested");
        if (st != OMADM_OK && repeated) {
            /* The first request may have been accepted: the outcome comes
             * from the boot identity or the deadline. */
            omadm__log(OMADM_LOG_WARN, "reboot: repeating the restart request failed (%s)",
                       omadm_status_str(st));
        }
        if (st != OMADM_OK && marked) {
            omadm__log(OMADM_LOG_ERROR, "reboot: the platform refused the restart (%s)",
                       omadm_status_str(st));
            for (i = 0; i < rb->n_intents; i++) {
                omadm_status rst;

                if (mark[i] != 1)
                    continue;
                rst = resolve(rb, &rb->intents[i], now, "refused", -1,
                              st == OMADM_ERR_ACCESS ? "platform-refused" : "platform-error", NULL);
                if (rst != OMADM_OK && first_err == OMADM_OK)
                    first_err = rst;
            }
        } else if (st == OMADM_OK) {
            omadm__log(OMADM_LOG_INFO, "reboot: restart requested (%u command(s)%s)",
                       (unsigned)(marked + repeated),
                       repeated ? ", again after a restart of the agent" : "");
        }
    } else if (marked) {
        omadm__log(OMADM_LOG_INFO, "reboot: %u command(s) coalesced into the pending restart",
                   (unsigned)marked);
    }
    omadm__free(mark);
    st = omadm__rb_intents_load(rb);
    return first_err != OMADM_OK ? first_err : st;
}

omadm_status omadm__rb_request_armed(omadm_reboot *rb, int64_t now, const char *boot)
{
    return request_pass(rb, now, boot, 0);
}

/* ---- entry points ------------------------------------------------------- */

/* What startup and tick both need first: the clock, the boot (identity and
 * start) and the intents as they are on disk. */
static omadm_status begin_pass(omadm_reboot *rb, int64_t *now, char *boot, size_t boot_size,
                               int64_t *boot_time)
{
    omadm_status st = probe_now(rb, now, boot, boot_size);

    if (st == OMADM_OK)
        st = rb->platform->boot_time(rb->platform->ctx, boot_time);
    if (st == OMADM_OK)
        st = omadm__rb_intents_load(rb);
    return st;
}

/* Resolves intents of an earlier boot and, when `at_start`, same-boot
 * intents whose deadline passed. */
static omadm_status resolve_intents(omadm_reboot *rb, int64_t now, const char *boot,
                                    int64_t boot_time, int at_start)
{
    omadm_status st, first_err = OMADM_OK;
    size_t i;

    for (i = 0; i < rb->n_intents; i++) {
        const rb_intent *in = &rb->intents[i];

        st = OMADM_OK;
        if (!streq(in->boot, boot)) {
            int in_time = boot_time <= in->deadline;

            st = resolve(rb, in, now, in_time ? "restarted" : "late", boot_time,
                         in_time ? NULL : "boot-after-deadline", "boot-detected");
        } else if (in->state == RB_ARMED && now > in->deadline && at_start) {
            st = resolve(rb, in, now, "not-restarted", -1, "agent-stopped", NULL);
        } else if (in->state == RB_REQUESTED &&
                   now > in->deadline + (at_start ? 0 : OMADM_REBOOT_REPORT_GRACE)) {
            /* The platform accepted the request, yet no new boot by the
             * deadline: something held the shutdown off. */
            st = resolve(rb, in, now, "not-restarted", -1, "shutdown-blocked", NULL);
        }
        if (st != OMADM_OK && first_err == OMADM_OK)
            first_err = st;
    }
    st = omadm__rb_intents_load(rb);
    return first_err != OMADM_OK ? first_err : st;
}

omadm_status omadm__reboot_startup(omadm_reboot *rb)
{
    char boot[RB_BOOT_ID_MAX];
    int64_t now, boot_time, next = INT64_MAX;
    omadm_status st, st2;

    if (!rb)
        return OMADM_ERR_INVALID;
    st = begin_pass(rb, &now, boot, sizeof(boot), &boot_time);
    if (st != OMADM_OK)
        return st;
    /* Schedules first: their occurrence check must still see the intents. */
    st = omadm__rb_sched_run(rb, now, boot_time, boot, &next);
    st2 = resolve_intents(rb, now, boot, boot_time, 1);
    if (st == OMADM_OK)
        st = st2;
    st2 = request_pass(rb, now, boot, 1);
    return st != OMADM_OK ? st : st2;
}

omadm_status omadm__reboot_tick(omadm_reboot *rb, int64_t *next_wakeup)
{
    char boot[RB_BOOT_ID_MAX];
    int64_t now, boot_time, next = INT64_MAX;
    omadm_status st, first_err;
    int need_request = 0;
    size_t i;

    if (!rb || !next_wakeup)
        return OMADM_ERR_INVALID;
    *next_wakeup = INT64_MAX;
    st = begin_pass(rb, &now, boot, sizeof(boot), &boot_time);
    if (st != OMADM_OK)
        return st;
    first_err = omadm__rb_sched_run(rb, now, boot_time, boot, &next);
    st = resolve_intents(rb, now, boot, boot_time, 0);
    if (first_err == OMADM_OK)
        first_err = st;
    for (i = 0; i < rb->n_intents; i++) {
        const rb_intent *in = &rb->intents[i];

        /* Fired schedules are requested at once; a RebootNow waits for the
         * session's end, and at the latest until shortly before its
         * deadline. */
        if (in->state == RB_ARMED &&
            (in->trigger != RB_NOW || now >= in->deadline - OMADM_REBOOT_REQUEST_MARGIN))
            need_request = 1;
    }
    if (need_request) {
        st = omadm__rb_request_armed(rb, now, boot);
        if (first_err == OMADM_OK)
            first_err = st;
    }
    for (i = 0; i < rb->n_intents; i++) {
        const rb_intent *in = &rb->intents[i];
        int64_t when;

        if (!streq(in->boot, boot))
            when = now; /* could not be resolved: try again */
        else if (in->state == RB_ARMED)
            when = in->deadline - OMADM_REBOOT_REQUEST_MARGIN;
        else
            when = in->deadline + OMADM_REBOOT_REPORT_GRACE + 1;
        if (when < next)
            next = when;
    }
    if (first_err != OMADM_OK && next > now + 60)
        next = now + 60; /* retry a failed durable write soon */
    if (next <= now)
        next = now + 5; /* still due after a failure: retry, without spinning */
    *next_wakeup = next;
    return first_err;
}

static int any_armed(const omadm_reboot *rb)
{
    size_t i;

    for (i = 0; i < rb->n_intents; i++)
        if (rb->intents[i].state == RB_ARMED)
            return 1;
    return 0;
}

omadm_status omadm__reboot_flush(omadm_reboot *rb)
{
    char boot[RB_BOOT_ID_MAX];
    int64_t now;
    omadm_status st;

    if (!rb)
        return OMADM_ERR_INVALID;
    /* Only armed intents are requested here. The cache is reloaded after
     * every change this module makes to its records, and no one else
     * writes them: when it is current and holds none armed (every session
     * without a restart, and the second flush of one with), there is
     * nothing to do, not even reading the clock. */
    if (rb->intents_current && !any_armed(rb))
        return OMADM_OK;
    st = probe_now(rb, &now, boot, sizeof(boot));
    if (st == OMADM_OK)
        st = omadm__rb_intents_load(rb);
    if (st == OMADM_OK)
        st = omadm__rb_request_armed(rb, now, boot);
    return st;
}
