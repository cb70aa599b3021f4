/* SPDX-License-Identifier: Apache-2.0 */
/* `run`: the poller over the real device, HTTPS and the OS wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/ctl.h"
#include "agent/device.h"
#include "agent/enroll.h"
#include "agent/log.h"
#include "agent/os.h"
#include "agent/poller.h"
#include "agent/push.h"
#include "agent/service_enroll.h"
#include "agent/sync.h"

struct run_ctx {
    agent_device dev;
    omadm_transport *transport;
    agent_push *push;       /* NULL: no push channel */
    char *push_url;         /* its URL, for DMClient Push/ChannelURI */
    agent_ctl *ctl;         /* `omadm-agent sync` asking us; NULL: none */
    agent_config *cfg;      /* in force: the caller's, or `reloaded` */
    agent_config *reloaded; /* owned; NULL until a reload succeeded */
    /* Highest outbox id present when the last session started: a newer
     * alert or outcome is something new to report. */
    uint64_t seen_id;
};

static int64_t r_now(void *user)
{
    struct run_ctx *r = user;
    return agent_device_now(&r->dev);
}

static enum agent_wake r_wait(void *user, int64_t delay_ms)
{
    (void)user;
    return agent_os_wait(delay_ms);
}

static uint64_t newest_sendable(const omadm_outbox *ob)
{
    uint64_t id = 0;

    for (size_t i = 0, n = omadm_outbox_count(ob); i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(ob, i);
        if (e && e->kind != OMADM_OUTBOX_INTENT && e->id > id)
            id = e->id;
    }
    return id;
}

static int r_session(void *user, const char *why, int64_t *retry_after)
{
    struct run_ctx *r = user;
    agent_exchange ex;
    agent_session_result res;
    int rc;

    unsigned push_sid = 0;

    agent_ctl_session_begin(r->ctl);
    /* An enrollment certificate in its renewal period is renewed before
     * the session; a failure keeps the current one (and backs off). */
    agent_enroll_renew_for_session(r->cfg, &r->transport);

    r->seen_id = newest_sendable(r->dev.outbox);
    agent_https_exchange(&ex, r->transport);
    /* DMClient Push/ChannelURI and Status tell the server what we hold. */
    if (omadm_device_push_channel(r->dev.dev, r->push ? r->push_url : NULL,
                                  (int)agent_push_status(r->push)) != OMADM_OK)
        agent_log(OMADM_LOG_WARN, "out of memory updating DMClient Push");
    /* A waiting notification makes this session the one it asked for,
     * whatever woke us: notifications never wait for a second session. */
    if (agent_push_take(r->push, &push_sid)) {
        agent_log(OMADM_LOG_DEBUG, "session (push notification, SessionID %X)", push_sid);
        rc = agent_device_server_session(&r->dev, push_sid, &ex, &res);
    } else {
        agent_log(OMADM_LOG_DEBUG, "session (%s)", why);
        rc = agent_device_session(&r->dev, 0, &ex, &res);
    }
    *retry_after = res.retry_after;
    agent_ctl_session_end(r->ctl, &res);
    return rc;
}

static int64_t r_tick(void *user, int *report)
{
    struct run_ctx *r = user;
    int64_t next = INT64_MAX;

    if (omadm_device_tick(r->dev.dev, &next) != OMADM_OK) {
        agent_log(OMADM_LOG_ERROR, "restart lifecycle tick failed; trying again in a minute");
        next = agent_device_now(&r->dev) + 60;
    }
    *report = newest_sendable(r->dev.outbox) > r->seen_id;
    return next;
}

static void r_schedule(void *user, agent_poll_schedule *s, int *set)
{
    struct run_ctx *r = user;
    omadm_poll_schedule_info ps;

    memset(&ps, 0, sizeof ps);
    ps.size = sizeof ps;
    if (omadm_device_poll_schedule(r->dev.dev, &ps) != OMADM_OK) {
        /* Cannot happen with the tree: DMClient's defaults. */
        ps.interval_first = 15;
        ps.count_first = 10;
    }
    if (set)
        *set = ps.from_server;
    s->interval[0] = ps.interval_first;
    s->count[0] = ps.count_first;
    s->interval[1] = ps.interval_second;
    s->count[1] = ps.count_second;
    s->interval[2] = ps.interval_remaining;
    s->count[2] = ps.count_remaining;
}

static int r_load(void *user, agent_poll_state *st)
{
    struct run_ctx *r = user;
    char *data = NULL;
    size_t len = 0;
    int rc = -1;

    if (r->dev.platform.file_read(r->dev.platform.ctx, AGENT_FILE_POLL_STATE, 4096, &data, &len) !=
        OMADM_OK)
        return -1;
    rc = agent_poll_state_parse(st, data);
    if (rc < 0)
        agent_log(OMADM_LOG_WARN, "%s is corrupt: the poll schedule starts again",
                  AGENT_FILE_POLL_STATE);
    free(data);
    return rc;
}

static void r_save(void *user, const agent_poll_state *st)
{
    struct run_ctx *r = user;
    char buf[256];
    int n = agent_poll_state_format(st, buf, sizeof buf);
    omadm_status s;

    if (n < 0)
        return;
    s = r->dev.platform.file_replace(r->dev.platform.ctx, AGENT_FILE_POLL_STATE, buf, (size_t)n);
    if (s != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "cannot write %s: %s", AGENT_FILE_POLL_STATE,
                  omadm_status_str(s));
}

static int r_stop(void *user)
{
    (void)user;
    return agent_os_stop_requested();
}

/* ---- SIGHUP: reload the configuration --------------------------------- */

/* The command line `run` was started with: a reload applies the file and
 * the same options again. NULL (the Windows service, tests): no reload. */
static const agent_cli *reload_from;

void agent_run_set_reload(const struct agent_cli *cli)
{
    reload_from = cli;
}

static int replace_str(char **slot, const char *value)
{
    char *copy = value ? strdup(value) : NULL;

    if (value && !copy)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* What the open device was built on stays as it is until a restart. */
static int keep_fixed(const agent_config *cur, agent_config *next)
{
    int changed =
        strcmp(cur->state_dir, next->state_dir) != 0 || cur->platform != next->platform ||
        strcmp(cur->device_id ? cur->device_id : "", next->device_id ? next->device_id : "") != 0;

    if (changed)
        agent_log(OMADM_LOG_WARN, "reload: [agent] state_dir, [agent] platform and [server] "
                                  "device_id take effect at the next start; keeping the "
                                  "running ones");
    next->platform = cur->platform;
    return replace_str(&next->state_dir, cur->state_dir) < 0 ||
                   replace_str(&next->device_id, cur->device_id) < 0
               ? -1
               : 0;
}

static unsigned r_reload(void *user)
{
    struct run_ctx *r = user;
    agent_config *next;
    omadm_transport *t = NULL;
    char err[1024];

    if (!reload_from) {
        agent_log(OMADM_LOG_WARN, "reload: not available here; restart the agent instead");
        return r->cfg->poll_interval;
    }
    next = calloc(1, sizeof *next);
    if (!next) {
        agent_log(OMADM_LOG_ERROR, "reload: out of memory; keeping the running configuration");
        return r->cfg->poll_interval;
    }
    if (agent_cli_configure(reload_from, next, err, sizeof err) != AGENT_EXIT_OK ||
        (keep_fixed(r->cfg, next) < 0 && snprintf(err, sizeof err, "out of memory") > 0) ||
        agent_https_open(&t, next, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "reload failed, keeping the running configuration: %s", err);
        agent_config_free(next);
        free(next);
        return r->cfg->poll_interval;
    }
    if ((next->log_level != r->cfg->log_level ||
         strcmp(next->log_file ? next->log_file : "", r->cfg->log_file ? r->cfg->log_file : "") !=
             0) &&
        agent_log_open(next->log_level, next->log_file, err, sizeof err) < 0) {
        /* back to the log in force, then say why */
        agent_log_open(r->cfg->log_level, r->cfg->log_file, err + 512, 512);
        agent_log(OMADM_LOG_ERROR, "reload failed, keeping the running configuration: %.500s", err);
        omadm_transport_free(t);
        agent_config_free(next);
        free(next);
        return r->cfg->poll_interval;
    }
    omadm_transport_free(r->transport);
    r->transport = t;
    r->dev.cfg = next;
    r->cfg = next;
    if (r->reloaded) {
        agent_config_free(r->reloaded);
        free(r->reloaded);
    }
    r->reloaded = next;
    agent_log(OMADM_LOG_INFO, "configuration reloaded from %s: server %s",
              next->path ? next->path : "the command line", next->server_url);
    return next->poll_interval;
}

static const agent_poller_ops run_ops = { r_now,  r_wait, r_session, r_tick,  r_schedule,
                                          r_load, r_save, r_stop,    r_reload };

int agent_cmd_run(agent_config *cfg)
{
    struct run_ctx r;
    char err[1024];
    int lock = -1, rc = AGENT_EXIT_FAILURE;

    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    if (agent_os_signals_init(err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        return AGENT_EXIT_FAILURE;
    }
    switch (agent_enroll_at_start(cfg)) {
    case AGENT_ENROLL_START_OK:
        break;
    case AGENT_ENROLL_START_STOPPED:
        agent_os_signals_reset();
        return AGENT_EXIT_OK;
    default:
        agent_os_signals_reset();
        return AGENT_EXIT_FAILURE;
    }
    if (agent_state_lock(cfg, &lock, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        return AGENT_EXIT_FAILURE;
    }
    if (agent_device_open(&r.dev, cfg, cfg->state_dir, AGENT_DEVICE_SESSION, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        agent_os_unlock_dir(lock);
        return AGENT_EXIT_FAILURE;
    }
    if (agent_https_open(&r.transport, cfg, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        goto out;
    }
    if (agent_device_startup(&r.dev, err, sizeof err) < 0)
        agent_log(OMADM_LOG_ERROR, "%s", err);
    {
        /* Schedules due now fire before the start-up session reports. */
        int64_t next;
        if (omadm_device_tick(r.dev.dev, &next) != OMADM_OK)
            agent_log(OMADM_LOG_ERROR, "restart lifecycle tick failed");
    }
    agent_log(OMADM_LOG_INFO, "running: server %s, device %s, state %s (%s platform)",
              cfg->server_url, cfg->device_id, cfg->state_dir, agent_platform_name(cfg->platform));
    if (agent_ctl_start(&r.ctl, cfg->state_dir, err, sizeof err) < 0)
        agent_log(OMADM_LOG_WARN, "on-demand sync unavailable: %s", err);
    if (agent_push_resolve_url(cfg, &r.dev.platform, &r.push_url, err, sizeof err) < 0 ||
        (r.push_url && agent_push_start(&r.push, cfg, r.push_url, err, sizeof err) < 0))
        agent_log(OMADM_LOG_ERROR, "push channel: %s (polling only)", err);
    if (agent_poller_run(&run_ops, &r, cfg->poll_interval) == 0)
        rc = AGENT_EXIT_OK;
    agent_push_stop(r.push);
    r.push = NULL;
    agent_ctl_stop(r.ctl);
    r.ctl = NULL;
    free(r.push_url);
    /* Stopping: a restart the server was promised (armed, not yet
     * requested) is requested now rather than left to a process that is
     * going away. Everything else is already durable. */
    if (omadm_device_restart_flush(r.dev.dev) != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "requesting the armed restart failed");
    agent_log(OMADM_LOG_INFO, "stopped");
out:
    omadm_transport_free(r.transport);
    agent_device_close(&r.dev);
    agent_os_unlock_dir(lock);
    agent_os_signals_reset();
    if (r.reloaded) {
        agent_config_free(r.reloaded);
        free(r.reloaded);
    }
    return rc;
}
