/* SPDX-License-Identifier: Apache-2.0 */
/* `status [--json]`: what the agent knows, read from its state directory
 * without changing it (no session, no restart lifecycle step). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/device.h"
#include "agent/enroll.h"
#include "agent/log.h"
#include "agent/os.h"
#include "agent/outcomes.h"
#include "agent/plugins.h"
#include "agent/poll_schedule.h"
#include "agent/status_words.h"
#include "omadm/version.h"

struct status {
    const agent_config *cfg;
    agent_device dev;
    int have_state;
    int have_last;
    agent_last_session last;
    size_t n_pending;
    omadm_restart_schedule sched[OMADM_RESTART_KIND_COUNT];
    int poll_from_server;
    agent_poll_schedule poll;
    agent_poll_plan plan;
    int have_poll_state;
    agent_poll_state poll_state;
    /* An agent holding the state directory's lock (1), none (0), unknown
     * (-1: lock_err says why). */
    int running;
    long pid;
    int64_t since;
    char lock_err[300];
    agent_outcome outcomes[AGENT_OUTCOMES_MAX];
    size_t n_outcomes;
    agent_plugin_record *plugins; /* NULL: no record */
};

static const char *const kind_names[] = { "single", "daily", "weekly" };

static const char *outbox_kind_name(omadm_outbox_kind kind)
{
    switch (kind) {
    case OMADM_OUTBOX_INTENT:
        return "intent";
    case OMADM_OUTBOX_OUTCOME:
        return "outcome";
    case OMADM_OUTBOX_ALERT:
        return "alert";
    }
    return "unknown";
}

static int read_file(struct status *s, const char *name, char **data)
{
    size_t len;

    return s->dev.platform.file_read(s->dev.platform.ctx, name, 65536, data, &len) == OMADM_OK ? 0
                                                                                               : -1;
}

/* Restart intent `i`, borrowed until the next call on the device. */
static omadm_status pending_at(const struct status *s, size_t i, omadm_restart_pending *p)
{
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    return omadm_device_restart_pending_at(s->dev.dev, i, p);
}

static int collect(struct status *s, char *err, size_t errsize)
{
    char *data = NULL;
    omadm_poll_schedule_info ps;

    if (!agent_os_is_dir(s->cfg->state_dir))
        return 0; /* nothing yet: no session has run */
    if (agent_device_open(&s->dev, s->cfg, s->cfg->state_dir, AGENT_DEVICE_STATUS, err, errsize) <
        0)
        return -1;
    s->have_state = 1;
    s->running = agent_os_lock_holder(s->cfg->state_dir, &s->pid, &s->since, s->lock_err,
                                      sizeof s->lock_err);
    s->n_outcomes = agent_outcomes_list(&s->dev, s->outcomes, AGENT_OUTCOMES_MAX);
    if (read_file(s, AGENT_FILE_LAST_SESSION, &data) == 0) {
        s->have_last = agent_last_session_parse(&s->last, data) == 0;
        free(data);
        data = NULL;
    }
    s->n_pending = omadm_device_restart_pending_count(s->dev.dev);
    for (int k = 0; k < OMADM_RESTART_KIND_COUNT; k++) {
        s->sched[k].size = sizeof s->sched[k];
        if (omadm_device_restart_schedule(s->dev.dev, (omadm_restart_kind)k, &s->sched[k]) !=
            OMADM_OK)
            s->sched[k].set = 0;
    }
    memset(&ps, 0, sizeof ps);
    ps.size = sizeof ps;
    if (omadm_device_poll_schedule(s->dev.dev, &ps) == OMADM_OK && ps.from_server) {
        s->poll_from_server = 1;
        s->poll.interval[0] = ps.interval_first;
        s->poll.count[0] = ps.count_first;
        s->poll.interval[1] = ps.interval_second;
        s->poll.count[1] = ps.count_second;
        s->poll.interval[2] = ps.interval_remaining;
        s->poll.count[2] = ps.count_remaining;
    }
    if (read_file(s, AGENT_FILE_PLUGINS, &data) == 0) {
        s->plugins = malloc(sizeof *s->plugins);
        if (s->plugins && agent_plugin_record_parse(s->plugins, data) < 0) {
            free(s->plugins);
            s->plugins = NULL;
        }
        free(data);
        data = NULL;
    }
    if (read_file(s, AGENT_FILE_POLL_STATE, &data) == 0) {
        s->have_poll_state = agent_poll_state_parse(&s->poll_state, data) == 0 &&
                             memcmp(&s->poll_state.schedule, &s->poll, sizeof s->poll) == 0;
        free(data);
    }
    return 0;
}

/* ---- JSON: a tiny writer with proper string escaping ------------------- */

static void j_str(FILE *f, const char *v)
{
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f); /* UTF-8 passes through */
        }
    }
    fputc('"', f);
}

static void j_key(FILE *f, int *first, const char *key)
{
    fputs(*first ? "" : ",", f);
    *first = 0;
    j_str(f, key);
    fputc(':', f);
}

static void j_time(FILE *f, int64_t t)
{
    char buf[40];

    if (t <= 0 || t == INT64_MAX) {
        fputs("null", f);
        return;
    }
    agent_format_time(t, buf, sizeof buf);
    j_str(f, buf);
}

/* A key and its string (NULL: null) or time value. */
static void j_kstr(FILE *f, int *first, const char *key, const char *v)
{
    j_key(f, first, key);
    j_str(f, v);
}

static void j_ktime(FILE *f, int *first, const char *key, int64_t t)
{
    j_key(f, first, key);
    j_time(f, t);
}

static void j_pending(FILE *f, const omadm_restart_pending *p)
{
    int first = 1;

    fputc('{', f);
    j_kstr(f, &first, "trigger", p->trigger);
    j_kstr(f, &first, "state", p->state);
    j_kstr(f, &first, "uri", p->uri);
    j_kstr(f, &first, "cmdref", p->cmdref);
    j_ktime(f, &first, "requested", p->requested);
    j_ktime(f, &first, "deadline", p->deadline);
    j_key(f, &first, "deadline_unix");
    fprintf(f, "%" PRId64, p->deadline);
    j_key(f, &first, "earlier_boot");
    fputs(p->earlier_boot ? "true" : "false", f);
    {
        char words[600];
        agent_words_pending(p, words, sizeof words);
        j_kstr(f, &first, "text", words);
    }
    fputc('}', f);
}

static void j_agent(FILE *f, const struct status *s)
{
    int first = 1;

    fputc('{', f);
    j_key(f, &first, "running");
    fputs(s->running > 0 ? "true" : s->running == 0 ? "false" : "null", f);
    j_key(f, &first, "pid");
    if (s->running > 0 && s->pid > 0)
        fprintf(f, "%ld", s->pid);
    else
        fputs("null", f);
    j_ktime(f, &first, "since", s->running > 0 ? s->since : 0);
    fputc('}', f);
}

static void j_outcomes(FILE *f, const struct status *s)
{
    fputc('[', f);
    for (size_t i = 0; i < s->n_outcomes; i++) {
        const agent_outcome *o = &s->outcomes[i];
        char words[800];
        int first = 1;

        agent_words_outcome(o, words, sizeof words);
        fputs(i ? ",{" : "{", f);
        j_kstr(f, &first, "trigger", o->trigger);
        j_kstr(f, &first, "outcome", o->outcome);
        j_kstr(f, &first, "detail", o->detail[0] ? o->detail : NULL);
        j_kstr(f, &first, "cmdref", o->cmdref[0] ? o->cmdref : NULL);
        j_kstr(f, &first, "requested", o->requested[0] ? o->requested : NULL);
        j_kstr(f, &first, "deadline", o->deadline[0] ? o->deadline : NULL);
        j_ktime(f, &first, "when", o->created);
        j_key(f, &first, "reported");
        fputs(o->reported ? "true" : "false", f);
        j_kstr(f, &first, "text", words);
        j_kstr(f, &first, "raw", o->raw);
        fputc('}', f);
    }
    fputc(']', f);
}

static void print_json(FILE *f, struct status *s)
{
    const agent_config *cfg = s->cfg;
    int first = 1;

    fputc('{', f);
    j_kstr(f, &first, "version", OMADM_VERSION_STRING);
    j_kstr(f, &first, "server", cfg->server_url);
    j_kstr(f, &first, "device_id", cfg->device_id);
    j_kstr(f, &first, "state_dir", cfg->state_dir);
    j_kstr(f, &first, "platform", agent_platform_name(cfg->platform));
    j_key(f, &first, "enrollment");
    agent_enroll_print_status(f, s->have_state ? &s->dev.platform : NULL, 1);
    j_key(f, &first, "agent");
    j_agent(f, s);
    j_key(f, &first, "restart_outcomes");
    j_outcomes(f, s);

    j_key(f, &first, "last_session");
    if (s->have_last) {
        int f2 = 1;
        fputc('{', f);
        j_ktime(f, &f2, "time", s->last.time);
        j_key(f, &f2, "time_unix");
        fprintf(f, "%" PRId64, s->last.time);
        j_key(f, &f2, "session_id");
        fprintf(f, "%u", s->last.session_id);
        j_kstr(f, &f2, "result", s->last.result);
        j_key(f, &f2, "messages");
        fprintf(f, "%u", s->last.messages);
        j_key(f, &f2, "duration_ms");
        fprintf(f, "%" PRId64, s->last.duration_ms);
        j_kstr(f, &f2, "server", s->last.server);
        j_kstr(f, &f2, "error", s->last.error[0] ? s->last.error : NULL);
        fputc('}', f);
    } else {
        fputs("null", f);
    }

    j_key(f, &first, "outbox");
    {
        size_t n = s->have_state ? omadm_outbox_count(s->dev.outbox) : 0;
        int f2 = 1;
        fputc('{', f);
        j_key(f, &f2, "entries");
        fprintf(f, "%lu", (unsigned long)n);
        j_key(f, &f2, "items");
        fputc('[', f);
        for (size_t i = 0; i < n; i++) {
            const omadm_outbox_entry *e = omadm_outbox_at(s->dev.outbox, i);
            int f3 = 1;
            if (!e)
                continue;
            fputs(i ? ",{" : "{", f);
            j_key(f, &f3, "id");
            fprintf(f, "%" PRIu64, e->id);
            j_kstr(f, &f3, "kind", outbox_kind_name(e->kind));
            j_ktime(f, &f3, "created", e->created);
            j_key(f, &f3, "attempts");
            fprintf(f, "%u", e->attempts);
            j_kstr(f, &f3, "source", e->source_uri);
            j_kstr(f, &f3, "type", e->type);
            j_kstr(f, &f3, "mark", e->mark);
            j_kstr(f, &f3, "data", e->data);
            fputc('}', f);
        }
        fputs("]}", f);
    }

    {
        omadm_restart_pending p;
        j_key(f, &first, "pending_restart");
        if (s->n_pending && pending_at(s, 0, &p) == OMADM_OK)
            j_pending(f, &p);
        else
            fputs("null", f);
        j_key(f, &first, "pending_restarts");
        fputc('[', f);
        for (size_t i = 0; i < s->n_pending; i++) {
            if (pending_at(s, i, &p) != OMADM_OK)
                break;
            if (i)
                fputc(',', f);
            j_pending(f, &p);
        }
        fputc(']', f);
    }

    j_key(f, &first, "schedules");
    {
        int f2 = 1, f3 = 1;
        fputc('{', f);
        j_key(f, &f2, "reboot");
        fputc('{', f);
        for (int k = 0; k < OMADM_RESTART_KIND_COUNT; k++) {
            const omadm_restart_schedule *r = &s->sched[k];
            j_key(f, &f3, kind_names[k]);
            if (r->set) {
                int f4 = 1;
                fputc('{', f);
                j_kstr(f, &f4, "value", r->value);
                j_ktime(f, &f4, "instant", r->instant);
                j_ktime(f, &f4, "next", r->next_fire);
                fputc('}', f);
            } else {
                fputs("null", f);
            }
        }
        fputc('}', f);
        j_key(f, &f2, "poll");
        {
            static const char *const sets[] = { "first", "second", "remaining" };
            int f4 = 1;
            char words[600];
            fputc('{', f);
            agent_words_poll_plan(&s->plan, s->poll_from_server, words, sizeof words);
            j_kstr(f, &f4, "text", words);
            j_kstr(f, &f4, "source", s->poll_from_server ? "server" : "config");
            j_key(f, &f4, "initial_interval_s");
            fprintf(f, "%u", s->cfg->poll_interval);
            for (int i = 0; i < 3; i++) {
                j_key(f, &f4, sets[i]);
                if (s->poll_from_server)
                    fprintf(f, "{\"interval_min\":%u,\"count\":%u}", s->poll.interval[i],
                            s->poll.count[i]);
                else
                    fputs("null", f); /* the server has set none */
            }
            j_key(f, &f4, "set");
            if (s->have_poll_state)
                fprintf(f, "%u", s->poll_state.set);
            else
                fputs("null", f);
            j_key(f, &f4, "done");
            if (s->have_poll_state)
                fprintf(f, "%u", s->poll_state.done);
            else
                fputs("null", f);
            j_ktime(f, &f4, "last", s->have_poll_state ? s->poll_state.last : 0);
            j_ktime(f, &f4, "next",
                    s->have_poll_state ? agent_poll_next(&s->plan, &s->poll_state) : 0);
            fputc('}', f);
        }
        fputc('}', f);
    }
    j_key(f, &first, "plugins");
    agent_plugin_record_print_json(f, s->plugins);
    fputs("}\n", f);
}

/* ---- text --------------------------------------------------------------- */

static const char *when(int64_t t, char *buf, size_t size)
{
    if (t <= 0 || t == INT64_MAX)
        return "-";
    agent_format_time(t, buf, size);
    return buf;
}

static void print_agent(FILE *f, const struct status *s)
{
    char t[40];

    if (!s->have_state || s->running == 0)
        fprintf(f, "agent:           not running\n");
    else if (s->running < 0)
        fprintf(f, "agent:           unknown (%s)\n", s->lock_err);
    else if (s->pid > 0 && s->since > 0)
        fprintf(f, "agent:           running, pid %ld, since %s\n", s->pid,
                when(s->since, t, sizeof t));
    else if (s->pid > 0)
        fprintf(f, "agent:           running, pid %ld\n", s->pid);
    else
        fprintf(f, "agent:           running\n");
}

/* "1 restart intent, 1 restart outcome": what the outbox holds, in words. */
static void print_outbox(FILE *f, const struct status *s)
{
    static const char *const names[] = { "restart intent", "restart outcome to report",
                                         "alert to report" };
    unsigned counts[3] = { 0, 0, 0 };
    size_t n = s->have_state ? omadm_outbox_count(s->dev.outbox) : 0;
    const char *sep = ": ";

    for (size_t i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(s->dev.outbox, i);
        if (e)
            counts[e->kind == OMADM_OUTBOX_INTENT ? 0 : e->kind == OMADM_OUTBOX_OUTCOME ? 1 : 2]++;
    }
    fprintf(f, "outbox:          %lu entr%s", (unsigned long)n, n == 1 ? "y" : "ies");
    for (int k = 0; k < 3; k++) {
        if (counts[k]) {
            fprintf(f, "%s%u %s%s", sep, counts[k], names[k], counts[k] == 1 || k == 0 ? "" : "s");
            sep = ", ";
        }
    }
    fputc('\n', f);
}

static void print_text(FILE *f, struct status *s)
{
    const agent_config *cfg = s->cfg;
    char t1[40], words[1000];

    print_agent(f, s);
    fprintf(f, "server:          %s\n", cfg->server_url ? cfg->server_url : "(not configured)");
    fprintf(f, "device id:       %s\n", cfg->device_id ? cfg->device_id : "(not configured)");
    fprintf(f, "state:           %s (%s platform)%s\n", cfg->state_dir,
            agent_platform_name(cfg->platform), s->have_state ? "" : ", not created yet");
    agent_enroll_print_status(f, s->have_state ? &s->dev.platform : NULL, 0);
    if (s->have_last) {
        fprintf(f,
                "last session:    %s at %s (session %u, %u message%s, %" PRId64 ".%03" PRId64
                " s)%s%s\n",
                s->last.result, when(s->last.time, t1, sizeof t1), s->last.session_id,
                s->last.messages, s->last.messages == 1 ? "" : "s", s->last.duration_ms / 1000,
                s->last.duration_ms % 1000, s->last.error[0] ? ": " : "", s->last.error);
    } else {
        fprintf(f, "last session:    none\n");
    }
    print_outbox(f, s);
    if (s->n_pending == 0)
        fprintf(f, "pending restart: none\n");
    for (size_t i = 0; i < s->n_pending; i++) {
        omadm_restart_pending p;
        if (pending_at(s, i, &p) != OMADM_OK)
            break;
        agent_words_pending(&p, words, sizeof words);
        fprintf(f, "%s%s\n", i ? "                 " : "pending restart: ", words);
    }
    if (s->n_outcomes == 0)
        fprintf(f, "restart outcomes: none yet\n");
    for (size_t i = 0; i < s->n_outcomes; i++) {
        agent_words_outcome(&s->outcomes[i], words, sizeof words);
        fprintf(f, "%s%s  %s\n", i ? "                  " : "restart outcomes: ",
                when(s->outcomes[i].created, t1, sizeof t1), words);
    }
    fprintf(f, "restart schedules:");
    {
        int any = 0;
        for (int k = 0; k < OMADM_RESTART_KIND_COUNT; k++) {
            const omadm_restart_schedule *r = &s->sched[k];
            if (!r->set)
                continue;
            fprintf(f, "%s%s %s, next %s\n", any ? "                   " : " ", kind_names[k],
                    r->value,
                    r->next_fire == INT64_MAX ? "none" : when(r->next_fire, t1, sizeof t1));
            any = 1;
        }
        if (!any)
            fprintf(f, " none\n");
    }
    agent_words_poll_plan(&s->plan, s->poll_from_server, words, sizeof words);
    fprintf(f, "poll schedule:   %s\n", words);
    if (s->have_poll_state)
        fprintf(f, "next poll:       %s (last %s)\n",
                when(agent_poll_next(&s->plan, &s->poll_state), t1, sizeof t1),
                when(s->poll_state.last, words, sizeof words));
    if (s->poll_from_server && *agent_poll_fix_text(s->plan.fixes))
        fprintf(f, "                 note: %s\n", agent_poll_fix_text(s->plan.fixes));
    agent_plugin_record_print_text(f, s->plugins);
}

int agent_cmd_status(const agent_config *cfg, int json)
{
    struct status s;
    char err[1024];

    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    if (collect(&s, err, sizeof err) < 0) {
        fprintf(stderr, "omadm-agent: %s\n", err);
        return AGENT_EXIT_FAILURE;
    }
    agent_poll_plan_make(&s.poll, cfg->poll_interval, &s.plan);
    if (json)
        print_json(stdout, &s);
    else
        print_text(stdout, &s);
    if (s.have_state)
        agent_device_close(&s.dev);
    free(s.plugins);
    if (fflush(stdout) != 0)
        return AGENT_EXIT_FAILURE;
    /* Like `systemctl status`: 0 working, 1 the last session failed, 3
     * nothing configured (no server to talk to). */
    if (!cfg->server_url)
        return AGENT_EXIT_STATUS_UNCONFIGURED;
    if (s.have_last && strcmp(s.last.result, "completed") != 0)
        return AGENT_EXIT_FAILURE;
    return AGENT_EXIT_OK;
}
