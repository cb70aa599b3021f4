/* SPDX-License-Identifier: Apache-2.0 */
/* The last restart outcomes (outcomes.h). The state file is "v=1" and one
 * "id=N;created=UNIX;data=ALERT-DATA" line per outcome, oldest first, in
 * the Reboot CSP's key=value encoding. */
#include "agent/outcomes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "omadm/record.h"
#include "omadm/restart.h"

#define OUTCOMES_FILE_MAX 65536

static void copy_kv(const char *line, size_t len, const char *key, char *buf, size_t size)
{
    char *v = NULL;

    buf[0] = '\0';
    if (omadm_record_get(line, len, key, &v) == OMADM_OK) {
        snprintf(buf, size, "%s", v);
        for (char *p = buf; *p; p++) { /* for a terminal */
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        }
    }
    omadm_free(v);
}

int agent_outcome_parse(agent_outcome *o, const char *data)
{
    size_t len = strlen(data);

    memset(o, 0, sizeof *o);
    copy_kv(data, len, "outcome", o->outcome, sizeof o->outcome);
    copy_kv(data, len, "trigger", o->trigger, sizeof o->trigger);
    if (!o->outcome[0] || !o->trigger[0])
        return -1;
    copy_kv(data, len, "detail", o->detail, sizeof o->detail);
    copy_kv(data, len, "cmdref", o->cmdref, sizeof o->cmdref);
    copy_kv(data, len, "requested", o->requested, sizeof o->requested);
    copy_kv(data, len, "deadline", o->deadline, sizeof o->deadline);
    copy_kv(data, len, "boot", o->boot, sizeof o->boot);
    snprintf(o->raw, sizeof o->raw, "%s", data);
    return 0;
}

static int is_outcome(const omadm_outbox_entry *e)
{
    return e && e->kind == OMADM_OUTBOX_OUTCOME && e->data && e->type &&
           strcmp(e->type, omadm_restart_outcome_type()) == 0;
}

/* The file's records, oldest first; returns how many (at most max). */
static size_t load(const agent_device *d, agent_outcome *out, size_t max)
{
    char *data = NULL;
    size_t len = 0, n = 0, pos = 4;

    if (d->platform.file_read(d->platform.ctx, AGENT_FILE_OUTCOMES, OUTCOMES_FILE_MAX, &data,
                              &len) != OMADM_OK)
        return 0;
    if (len < 4 || memcmp(data, "v=1\n", 4) != 0)
        pos = len; /* not ours: ignored, rewritten at the next outcome */
    while (pos < len) {
        const char *line = data + pos, *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        int64_t id = 0, created = 0;
        char *raw = NULL;
        agent_outcome o;

        if (omadm_record_get_i64(line, llen, "id", &id) == OMADM_OK && id > 0 &&
            omadm_record_get_i64(line, llen, "created", &created) == OMADM_OK &&
            omadm_record_get(line, llen, "data", &raw) == OMADM_OK &&
            agent_outcome_parse(&o, raw) == 0) {
            o.id = (uint64_t)id;
            o.created = created;
            o.reported = 1;
            if (n == max) { /* keep the newest */
                memmove(out, out + 1, (max - 1) * sizeof *out);
                n--;
            }
            if (max)
                out[n++] = o;
        }
        omadm_free(raw);
        pos += llen + 1;
    }
    free(data);
    return n;
}

static int known(const agent_outcome *list, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].id == id)
            return 1;
    }
    return 0;
}

void agent_outcomes_remember(agent_device *d, agent_outcome_ids *waiting)
{
    agent_outcome list[AGENT_OUTCOMES_MAX];
    size_t n = load(d, list, AGENT_OUTCOMES_MAX), added = 0;
    omadm_record *b = NULL;
    omadm_status st = OMADM_OK;
    const char *text;
    size_t text_len = 0;

    waiting->n = 0;
    for (size_t i = 0, count = omadm_outbox_count(d->outbox); i < count; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(d->outbox, i);
        agent_outcome o;

        if (is_outcome(e) && waiting->n < AGENT_OUTCOMES_MAX)
            waiting->id[waiting->n++] = e->id;
        if (!is_outcome(e) || known(list, n, e->id) || agent_outcome_parse(&o, e->data) < 0)
            continue;
        o.id = e->id;
        o.created = e->created;
        if (n == AGENT_OUTCOMES_MAX) {
            memmove(list, list + 1, (n - 1) * sizeof *list);
            n--;
        }
        list[n++] = o;
        added++;
    }
    if (!added)
        return;
    st = omadm_record_new(&b);
    if (st == OMADM_OK)
        st = omadm_record_append(b, "v=1\n", 4);
    for (size_t i = 0; i < n && st == OMADM_OK; i++) {
        st = omadm_record_put_i64(b, "id", (int64_t)list[i].id);
        if (st == OMADM_OK)
            st = omadm_record_put_i64(b, "created", list[i].created);
        if (st == OMADM_OK)
            st = omadm_record_put(b, "data", list[i].raw);
        if (st == OMADM_OK)
            st = omadm_record_append(b, "\n", 1);
    }
    /* A report of the past for `status` (the outbox keeps what must reach
     * the server): atomic, not flushed. */
    text = omadm_record_text(b, &text_len);
    if (st == OMADM_OK && d->platform.file_replace_with)
        st = d->platform.file_replace_with(d->platform.ctx, AGENT_FILE_OUTCOMES, text, text_len,
                                           OMADM_FILE_FLUSH_NONE);
    else if (st == OMADM_OK)
        st = d->platform.file_replace(d->platform.ctx, AGENT_FILE_OUTCOMES, text, text_len);
    if (st != OMADM_OK)
        agent_log(OMADM_LOG_WARN, "cannot write %s: %s", AGENT_FILE_OUTCOMES, omadm_status_str(st));
    omadm_record_free(b);
}

void agent_outcomes_log_reported(const agent_device *d, const agent_outcome_ids *waiting)
{
    agent_outcome list[AGENT_OUTCOMES_MAX];
    size_t n;

    if (waiting->n == 0)
        return;
    n = agent_outcomes_list(d, list, AGENT_OUTCOMES_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!list[i].reported)
            continue;
        for (size_t j = 0; j < waiting->n; j++) {
            if (waiting->id[j] == list[i].id)
                agent_log(OMADM_LOG_INFO,
                          "restart outcome reported: %s (trigger %s%s%s, requested %s)",
                          list[i].outcome, list[i].trigger, list[i].cmdref[0] ? ", command " : "",
                          list[i].cmdref, list[i].requested);
        }
    }
}

size_t agent_outcomes_list(const agent_device *d, agent_outcome *out, size_t max)
{
    agent_outcome all[2 * AGENT_OUTCOMES_MAX];
    size_t n = load(d, all, AGENT_OUTCOMES_MAX), k = 0;

    for (size_t i = 0; i < n; i++) { /* still in the outbox: not reported */
        for (size_t j = 0, count = omadm_outbox_count(d->outbox); j < count; j++) {
            const omadm_outbox_entry *e = omadm_outbox_at(d->outbox, j);
            if (e && e->id == all[i].id)
                all[i].reported = 0;
        }
    }
    for (size_t j = 0, count = omadm_outbox_count(d->outbox); j < count; j++) {
        const omadm_outbox_entry *e = omadm_outbox_at(d->outbox, j);
        agent_outcome o;

        if (!is_outcome(e) || known(all, n, e->id) || agent_outcome_parse(&o, e->data) < 0)
            continue;
        o.id = e->id;
        o.created = e->created;
        if (n == sizeof all / sizeof all[0]) {
            memmove(all, all + 1, (n - 1) * sizeof *all);
            n--;
        }
        all[n++] = o;
    }
    while (n > 0 && k < max) /* newest first */
        out[k++] = all[--n];
    return k;
}
