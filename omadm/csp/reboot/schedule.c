/* SPDX-License-Identifier: Apache-2.0 */
/* Reboot/Schedule/{Single,DailyRecurrent,WeeklyRecurrent}: values, durable
 * state, and firing (reboot-csp.md §2-§3).
 *
 * A value without an offset is local time: a recurrent one then follows the
 * local wall clock across DST changes (a time inside a spring-forward gap
 * resolves to the same distance after it). A value with an offset recurs
 * every 86400 / 604800 seconds from its instant.
 *
 * Which occurrences count: a Single up to OMADM_REBOOT_DEADLINE_SECONDS in
 * the past is accepted and fires at once; a recurrent value's first counted
 * occurrence is the first one at or after the moment it was set. `next`
 * (durable) is the first occurrence not yet handled, so nothing fires
 * twice; an occurrence found due more than OMADM_REBOOT_DEADLINE_SECONDS
 * late is reported `missed` and not fired (several missed occurrences of one
 * schedule make one report, for the latest). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "csp/reboot/rbint.h"
#include "csp/reboot/rbkv.h"
#include "csp/reboot/rbtime.h"

#define SCHEDULE_FILE_MAX 16384
#define VALUE_MAX         64

static const int64_t period_of[OMADM_REBOOT_KIND_COUNT] = { 0, 86400, 7 * 86400 };
static const char *const kind_key[OMADM_REBOOT_KIND_COUNT] = { "single", "daily", "weekly" };

const char *omadm__rb_node_name(omadm_reboot_kind k)
{
    static const char *const names[] = { "Single", "DailyRecurrent", "WeeklyRecurrent" };

    return (unsigned)k < OMADM_REBOOT_KIND_COUNT ? names[k] : NULL;
}

static rb_trigger kind_trigger(omadm_reboot_kind k)
{
    return k == OMADM_REBOOT_SINGLE ? RB_SINGLE : k == OMADM_REBOOT_DAILY ? RB_DAILY : RB_WEEKLY;
}

void omadm__rb_sched_free(rb_schedule *s)
{
    omadm__free(s->text);
    omadm__free(s->uri);
    memset(s, 0, sizeof(*s));
}

omadm_status omadm__rb_sched_copy(rb_schedule *dst, const rb_schedule *src)
{
    *dst = *src;
    dst->text = NULL;
    dst->uri = NULL;
    if (!src->set)
        return OMADM_OK;
    dst->text = omadm__strdup(src->text);
    dst->uri = omadm__strdup(src->uri);
    if (!dst->text || !dst->uri) {
        omadm__rb_sched_free(dst);
        return OMADM_ERR_NOMEM;
    }
    return OMADM_OK;
}

/* UTC instant of a local wall-clock time. In a DST gap: the later reading
 * (02:30 in a 02:00->03:00 gap becomes 03:30); in an overlap: the later
 * instant. */
static omadm_status local_to_utc(const omadm_reboot *rb, int64_t wall, int64_t *utc)
{
    const omadm_platform *p = rb->platform;
    int32_t o1, o2, o3;
    int64_t u, u2;
    omadm_status st;

    st = p->utc_offset(p->ctx, wall, &o1);
    if (st != OMADM_OK)
        return st;
    u = wall - o1;
    st = p->utc_offset(p->ctx, u, &o2);
    if (st != OMADM_OK)
        return st;
    if (o2 == o1) {
        *utc = u;
        return OMADM_OK;
    }
    u2 = wall - o2;
    st = p->utc_offset(p->ctx, u2, &o3);
    if (st != OMADM_OK)
        return st;
    *utc = o3 == o2 ? u2 : (u > u2 ? u : u2);
    return OMADM_OK;
}

static omadm_status occurrence(const omadm_reboot *rb, omadm_reboot_kind kind, const rb_schedule *s,
                               int64_t k, int64_t *t)
{
    if (!s->local) {
        *t = s->wall - s->offset + k * period_of[kind];
        return OMADM_OK;
    }
    return local_to_utc(rb, s->wall + k * period_of[kind], t);
}

/* First occurrence index k >= 0 with time >= from (recurrent kinds). */
static omadm_status first_from(const omadm_reboot *rb, omadm_reboot_kind kind, const rb_schedule *s,
                               int64_t from, int64_t *k_out, int64_t *t_out)
{
    int64_t k = 0, t;
    omadm_status st;

    if (from > s->at) {
        k = (from - s->at) / period_of[kind];
        k = k > 1 ? k - 1 : 0; /* DST may shift an occurrence by an hour */
    }
    for (;;) {
        st = occurrence(rb, kind, s, k, &t);
        if (st != OMADM_OK)
            return st;
        if (t >= from)
            break;
        k++;
    }
    *k_out = k;
    *t_out = t;
    return OMADM_OK;
}

omadm_status omadm__rb_sched_display(const omadm_reboot *rb, const rb_schedule *s, char *buf)
{
    int32_t off = s->offset;
    omadm_status st;

    if (s->local) {
        st = rb->platform->utc_offset(rb->platform->ctx, s->at, &off);
        if (st != OMADM_OK)
            return st;
    }
    omadm__reboot_format_offset(s->at + off, off, buf);
    return OMADM_OK;
}

/* ---- durable state ------------------------------------------------------ */

omadm_status omadm__rb_sched_save(omadm_reboot *rb, unsigned flush)
{
    omadm_buf b = OMADM_BUF_INIT;
    omadm_status st = omadm__buf_append_str(&b, "v=1\n");
    int k;

    for (k = 0; st == OMADM_OK && k < OMADM_REBOOT_KIND_COUNT; k++) {
        const rb_schedule *s = &rb->sched[k];

        if (!s->set)
            continue;
        st = omadm__reboot_kv_put(&b, "kind", kind_key[k]);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(&b, "uri", s->uri);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(&b, "text", s->text);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put_i64(&b, "wall", s->wall);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put_i64(&b, "offset", s->offset);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put_i64(&b, "local", s->local);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put_i64(&b, "at", s->at);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put_i64(&b, "next", s->next);
        if (st == OMADM_OK)
            st = omadm__buf_append(&b, "\n", 1);
    }
    if (st == OMADM_OK && flush != OMADM_FILE_FLUSH_ALL && rb->platform->file_replace_with)
        st = rb->platform->file_replace_with(rb->platform->ctx, OMADM_REBOOT_SCHEDULE_FILE, b.data,
                                             b.len, flush);
    else if (st == OMADM_OK)
        st = rb->platform->file_replace(rb->platform->ctx, OMADM_REBOOT_SCHEDULE_FILE, b.data,
                                        b.len);
    omadm__buf_free(&b);
    return st;
}

static omadm_status parse_line(const char *line, size_t len, rb_schedule *out, int *kind)
{
    char *key = NULL;
    int64_t v;
    omadm_status st;

    memset(out, 0, sizeof(*out));
    st = omadm__reboot_kv_get(line, len, "kind", &key);
    if (st != OMADM_OK)
        return st;
    for (*kind = 0; *kind < OMADM_REBOOT_KIND_COUNT; (*kind)++) {
        if (strcmp(key, kind_key[*kind]) == 0)
            break;
    }
    omadm__free(key);
    if (*kind == OMADM_REBOOT_KIND_COUNT)
        return OMADM_ERR_PARSE;
    st = omadm__reboot_kv_get(line, len, "uri", &out->uri);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(line, len, "text", &out->text);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(line, len, "wall", &out->wall);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(line, len, "offset", &v);
    if (st == OMADM_OK && (v < -86400 || v > 86400))
        st = OMADM_ERR_PARSE;
    out->offset = (int32_t)(st == OMADM_OK ? v : 0);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(line, len, "local", &v);
    out->local = st == OMADM_OK && v != 0;
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(line, len, "at", &out->at);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get_i64(line, len, "next", &out->next);
    out->set = 1;
    if (st != OMADM_OK)
        omadm__rb_sched_free(out);
    return st == OMADM_ERR_NOT_FOUND ? OMADM_ERR_PARSE : st;
}

omadm_status omadm__rb_sched_load(omadm_reboot *rb)
{
    rb_schedule loaded[OMADM_REBOOT_KIND_COUNT];
    char *data = NULL;
    size_t len = 0, pos = 4;
    omadm_status st;
    int k;

    memset(loaded, 0, sizeof(loaded));
    st = rb->platform->file_read(rb->platform->ctx, OMADM_REBOOT_SCHEDULE_FILE, SCHEDULE_FILE_MAX,
                                 &data, &len);
    if (st == OMADM_ERR_NOT_FOUND)
        return OMADM_OK;
    if (st != OMADM_OK)
        return st;
    if (len < 4 || memcmp(data, "v=1\n", 4) != 0)
        st = OMADM_ERR_PARSE;
    while (st == OMADM_OK && pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        rb_schedule s;

        st = parse_line(line, llen, &s, &k);
        if (st == OMADM_OK && loaded[k].set) {
            omadm__rb_sched_free(&s);
            st = OMADM_ERR_PARSE;
        }
        if (st == OMADM_OK)
            loaded[k] = s;
        pos += llen + 1;
    }
    free(data);
    if (st == OMADM_OK && loaded[OMADM_REBOOT_DAILY].set && loaded[OMADM_REBOOT_WEEKLY].set)
        st = OMADM_ERR_PARSE;
    if (st != OMADM_OK) {
        for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++)
            omadm__rb_sched_free(&loaded[k]);
        if (st == OMADM_ERR_NOMEM)
            return st;
        omadm__log(OMADM_LOG_ERROR, "reboot: %s is corrupt (%s), schedules ignored",
                   OMADM_REBOOT_SCHEDULE_FILE, omadm_status_str(st));
        return OMADM_OK;
    }
    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++) {
        omadm__rb_sched_free(&rb->sched[k]);
        rb->sched[k] = loaded[k];
    }
    return OMADM_OK;
}

/* ---- Add / Replace / Delete --------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Replaces schedule `kind` by `ns` (moved in whatever the outcome; may be
 * unset = clear). Made durable by the Atomic's commit inside one, else by
 * the message's group commit (reboot.c). */
static int commit_change(omadm_reboot *rb, omadm_reboot_kind kind, rb_schedule *ns)
{
    rb_schedule old = rb->sched[kind];

    rb->sched[kind] = *ns;
    memset(ns, 0, sizeof(*ns));
    if (rb->in_txn) {
        rb->txn_sched_dirty = 1;
        omadm__rb_sched_free(&old);
    } else {
        omadm__rb_msg_open(rb);
        rb->msg_sched_dirty = 1;
        omadm__rb_msg_keep(rb, kind, &old); /* the value before the message, for an undo */
    }
    return 0;
}

int omadm__rb_sched_set(omadm_reboot *rb, omadm_reboot_kind kind, const omadm_csp_request *req,
                        const char *data, size_t len, int is_add)
{
    rb_schedule ns;
    omadm__reboot_iso iso;
    const char *t = data ? data : "";
    size_t tlen = len;
    int64_t now, k;
    int32_t off;
    omadm_status st;

    if (is_add && rb->sched[kind].set)
        return -418;
    if (req->format && strcmp(req->format, "chr") != 0)
        return -415;
    if (len > VALUE_MAX || (len && (!data || memchr(data, '\0', len))))
        return -400;
    while (tlen && is_space(*t)) {
        t++;
        tlen--;
    }
    while (tlen && is_space(t[tlen - 1]))
        tlen--;
    memset(&ns, 0, sizeof(ns));
    if (omadm__reboot_iso_is_clear(t, tlen))
        return rb->sched[kind].set ? commit_change(rb, kind, &ns) : 0;
    if (omadm__reboot_iso_parse(t, tlen, &iso) != OMADM_OK)
        return -400;
    if ((kind == OMADM_REBOOT_DAILY && rb->sched[OMADM_REBOOT_WEEKLY].set) ||
        (kind == OMADM_REBOOT_WEEKLY && rb->sched[OMADM_REBOOT_DAILY].set))
        return -405;
    st = rb->platform->now(rb->platform->ctx, &now);
    if (st != OMADM_OK)
        return -500;
    ns.set = 1;
    ns.wall = iso.wall;
    ns.local = !iso.has_offset;
    ns.offset = iso.offset;
    if (ns.local) {
        st = local_to_utc(rb, iso.wall, &ns.at);
        if (st == OMADM_OK)
            st = rb->platform->utc_offset(rb->platform->ctx, ns.at, &off);
        if (st != OMADM_OK)
            return -500;
        ns.offset = off; /* informational; local values are re-resolved */
    } else {
        ns.at = iso.wall - iso.offset;
    }
    if (kind == OMADM_REBOOT_SINGLE) {
        if (ns.at < now - OMADM_REBOOT_DEADLINE_SECONDS)
            return -400;
        ns.next = ns.at;
    } else if (first_from(rb, kind, &ns, now, &k, &ns.next) != OMADM_OK) {
        return -500;
    }
    ns.text = omadm__strndup(data ? data : "", len);
    ns.uri = omadm__strdup(req->uri ? req->uri : "");
    if (!ns.text || !ns.uri) {
        omadm__rb_sched_free(&ns);
        return -500;
    }
    return commit_change(rb, kind, &ns);
}

int omadm__rb_sched_delete(omadm_reboot *rb, omadm_reboot_kind kind)
{
    rb_schedule ns;

    if (!rb->sched[kind].set)
        return -404;
    memset(&ns, 0, sizeof(ns));
    return commit_change(rb, kind, &ns);
}

/* ---- firing ------------------------------------------------------------- */

static omadm_status report_missed(omadm_reboot *rb, omadm_reboot_kind kind, int64_t due,
                                  int64_t boot_time)
{
    rb_intent key;

    memset(&key, 0, sizeof(key));
    key.trigger = kind_trigger(kind);
    key.uri = rb->sched[kind].uri;
    key.requested = due;
    key.deadline = due + OMADM_REBOOT_DEADLINE_SECONDS;
    omadm__log(OMADM_LOG_WARN, "reboot: schedule %s missed", omadm__rb_node_name(kind));
    return omadm__rb_outcome_write(rb, &key, "missed", -1,
                                   boot_time > due ? "device-off" : "agent-stopped");
}

static omadm_status run_one(omadm_reboot *rb, omadm_reboot_kind kind, int64_t now,
                            int64_t boot_time, const char *boot)
{
    rb_schedule *s = &rb->sched[kind];
    int64_t last = s->next, prev = INT64_MIN, after = INT64_MAX, k = 0, old_next = s->next;
    omadm_status st = OMADM_OK;

    if (kind != OMADM_REBOOT_SINGLE) {
        /* last = the latest occurrence <= now; prev = the one before it. */
        st = first_from(rb, kind, s, now + 1, &k, &after);
        if (st == OMADM_OK && k > 0)
            st = occurrence(rb, kind, s, k - 1, &last);
        if (st == OMADM_OK && k > 1)
            st = occurrence(rb, kind, s, k - 2, &prev);
        if (st != OMADM_OK)
            return st;
        if (last < s->next) /* cannot happen: s->next <= now */
            last = s->next;
    }
    if (now - last <= OMADM_REBOOT_DEADLINE_SECONDS) {
        if (prev >= s->next)
            st = report_missed(rb, kind, prev, boot_time);
        if (st == OMADM_OK && !omadm__rb_occurrence_known(rb, kind_trigger(kind), last)) {
            omadm__log(OMADM_LOG_INFO, "reboot: schedule %s fires", omadm__rb_node_name(kind));
            st = omadm__rb_intent_add(rb, kind_trigger(kind), s->uri, NULL, NULL, NULL, NULL, last,
                                      boot, OMADM_FILE_FLUSH_ALL, NULL);
        }
    } else {
        st = report_missed(rb, kind, last, boot_time);
    }
    if (st != OMADM_OK)
        return st; /* next unchanged: done again, idempotently, later */
    s->next = after;
    st = omadm__rb_sched_save(rb, OMADM_FILE_FLUSH_ALL);
    if (st != OMADM_OK)
        s->next = old_next;
    return st;
}

omadm_status omadm__rb_sched_run(omadm_reboot *rb, int64_t now, int64_t boot_time, const char *boot,
                                 int64_t *next_wakeup)
{
    omadm_status st, first_err = OMADM_OK;
    int k;

    if (rb->in_txn || rb->in_msg)
        return OMADM_OK; /* uncommitted values: after the Atomic or the message */
    for (k = 0; k < OMADM_REBOOT_KIND_COUNT; k++) {
        rb_schedule *s = &rb->sched[k];

        if (!s->set || s->next == INT64_MAX)
            continue;
        if (s->next <= now) {
            st = run_one(rb, (omadm_reboot_kind)k, now, boot_time, boot);
            if (st != OMADM_OK && first_err == OMADM_OK)
                first_err = st;
        }
        if (s->next < *next_wakeup)
            *next_wakeup = s->next;
    }
    return first_err;
}
