/* SPDX-License-Identifier: Apache-2.0 */
/* `sync` (one session over HTTPS) and `replay` (one session over files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/creds.h"
#include "agent/ctl.h"
#include "agent/device.h"
#include "agent/log.h"
#include "agent/os.h"
#include "agent/sync.h"
#include "core/alloc.h"
#include "session/session.h"
#include "syncml/syncml.h"
#include "transport/transport.h"

/* ---- HTTPS ------------------------------------------------------------- */

/* Whether msg is a session's first message: its SyncHdr says MsgID 1 (the
 * header comes first; the search is bounded to it). */
static int is_first_message(const char *msg, size_t len)
{
    static const char tag[] = "<MsgID>1</MsgID>";
    size_t n = sizeof tag - 1, limit = len < 4096 ? len : 4096;

    for (size_t i = 0; i + n <= limit; i++) {
        if (memcmp(msg + i, tag, n) == 0)
            return 1;
        if (i + 10 <= limit && memcmp(msg + i, "</SyncHdr>", 10) == 0)
            return 0;
    }
    return 0;
}

static omadm_status https_post(void *user, const char *msg, size_t len, char **reply,
                               size_t *reply_len, char *why, size_t whysize, int64_t *retry_after)
{
    omadm_transport_info info;
    omadm_status st;

    memset(&info, 0, sizeof info);
    st = omadm_transport_post(user, msg, len, reply, reply_len, &info);
    if (st != OMADM_OK) {
        snprintf(why, whysize, "%s", info.error[0] ? info.error : omadm_status_str(st));
        *retry_after = info.retry_after_s;
        if (info.http_status == 403 && is_first_message(msg, len))
            snprintf(why, whysize,
                     "the server refused this device's certificate or device id (HTTP 403 to "
                     "the first message)");
    }
    return st;
}

static void https_free(void *user, char *reply)
{
    (void)user;
    omadm_free(reply); /* library memory: the public free */
}

int agent_https_open(omadm_transport **out, const agent_config *cfg, char *err, size_t errsize)
{
    omadm_transport_config tc = OMADM_TRANSPORT_CONFIG_INIT;
    omadm_status st;

    tc.url = cfg->server_url;
    agent_creds_tls(cfg, &tc);
    tc.user_agent = cfg->user_agent;
    tc.max_response =
        cfg->max_inbound_size ? cfg->max_inbound_size : OMADM_SESSION_DEFAULT_MAX_INBOUND;
    /* "none" turns the proxy off even when the environment names one. */
    tc.proxy = cfg->proxy && strcmp(cfg->proxy, "none") == 0 ? "" : cfg->proxy;
    st = omadm_transport_new(out, &tc);
    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot set up HTTPS to %s: %s", cfg->server_url,
                 omadm_status_str(st));
        return -1;
    }
    return 0;
}

void agent_https_exchange(agent_exchange *ex, omadm_transport *t)
{
    memset(ex, 0, sizeof *ex);
    ex->post = https_post;
    ex->free_reply = https_free;
    ex->user = t;
}

/* Opens the state directory for a session: creates and locks it. */
int agent_state_lock(const agent_config *cfg, int *lock, char *err, size_t errsize)
{
    char why[600];

    if (agent_os_make_dir(cfg->state_dir, why, sizeof why) < 0) {
        snprintf(err, errsize, "state directory %s: %s", cfg->state_dir, why);
        return -1;
    }
    *lock = agent_os_lock_dir(cfg->state_dir, err, errsize);
    return *lock < 0 ? -1 : 0;
}

int agent_cmd_sync(const agent_config *cfg)
{
    agent_device dev;
    agent_exchange ex;
    agent_session_result res;
    omadm_transport *t = NULL;
    char err[1024];
    int lock = -1, rc = AGENT_EXIT_FAILURE;
    int64_t next;

    /* SIGTERM/SIGINT end the session after the current message (then the
     * armed restart is still requested); a second one ends us at once. */
    if (agent_os_signals_init(err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        return AGENT_EXIT_FAILURE;
    }
    if (agent_state_lock(cfg, &lock, err, sizeof err) < 0) {
        /* Another agent holds the state: a `run` agent runs the session
         * for us and tells us how it went. */
        char why[600];
        int code = AGENT_EXIT_FAILURE;
        if (agent_os_is_dir(cfg->state_dir) &&
            agent_ctl_request_sync(cfg->state_dir, &code, why, sizeof why) == 0) {
            agent_os_signals_reset();
            return code;
        }
        agent_log(OMADM_LOG_ERROR, "%s", err);
        agent_os_signals_reset();
        return AGENT_EXIT_FAILURE;
    }
    if (agent_device_open(&dev, cfg, cfg->state_dir, AGENT_DEVICE_SESSION, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        agent_os_unlock_dir(lock);
        return AGENT_EXIT_FAILURE;
    }
    if (agent_device_startup(&dev, err, sizeof err) < 0)
        agent_log(OMADM_LOG_ERROR, "%s", err);
    /* Schedules due now fire before the session, so that it reports them. */
    if (omadm_device_tick(dev.dev, &next) != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "restart lifecycle tick failed");
    if (agent_https_open(&t, cfg, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
    } else {
        agent_https_exchange(&ex, t);
        if (agent_device_session(&dev, 0, &ex, &res) == 0)
            rc = AGENT_EXIT_OK;
    }
    /* A restart armed by this session is requested now: nothing of this
     * process will be left to do it by its deadline. */
    if (omadm_device_restart_flush(dev.dev) != OMADM_OK)
        agent_log(OMADM_LOG_ERROR, "requesting the armed restart failed");
    omadm_transport_free(t);
    agent_device_close(&dev);
    agent_os_unlock_dir(lock);
    agent_os_signals_reset();
    return rc;
}

/* ---- replay ------------------------------------------------------------ */

#define REPLAY_END "end of the replayed server messages"

struct replay {
    char **files;
    int n_files;
    int next; /* index of the next file to feed */
    char **data;
    size_t *len;
};

static omadm_status replay_post(void *user, const char *msg, size_t len, char **reply,
                                size_t *reply_len, char *why, size_t whysize, int64_t *retry_after)
{
    struct replay *r = user;

    (void)msg;
    (void)len;
    (void)retry_after;
    if (r->next >= r->n_files) {
        snprintf(why, whysize, "%s", REPLAY_END);
        return OMADM_ERR_ABORTED;
    }
    *reply = r->data[r->next];
    *reply_len = r->len[r->next];
    r->next++;
    return OMADM_OK;
}

static void replay_free(void *user, char *reply)
{
    (void)user;
    (void)reply; /* the files stay loaded until the end */
}

static void replay_sent(void *user, unsigned index, const char *msg, size_t len)
{
    (void)user;
    fwrite(msg, 1, len, stdout);
    if (len == 0 || msg[len - 1] != '\n')
        fputc('\n', stdout);
    printf("----- end of client message %u -----\n", index);
    fflush(stdout);
}

/* The SessionID the captured server messages use, so that the session
 * accepts them; 0 (take the next one) when it is not 1..255. */
static unsigned replay_session_id(const char *data, size_t len)
{
    syncml_msg *msg = NULL;
    unsigned id = 0;

    if (syncml_parse(data, len, NULL, &msg, NULL) == OMADM_OK && msg->hdr.session_id) {
        char *end;
        unsigned long v = strtoul(msg->hdr.session_id, &end, 10);
        if (end != msg->hdr.session_id && !*end && v >= 1 && v <= 255)
            id = (unsigned)v;
    }
    syncml_msg_free(msg);
    return id;
}

/* Largest server message replay reads (the session enforces its own,
 * smaller, limits on top). */
#define REPLAY_MAX_FILE (16u * 1024 * 1024)

int agent_cmd_replay(const agent_config *cfg, int temp_state, char **files, int n_files)
{
    struct replay r;
    agent_device dev;
    agent_exchange ex;
    agent_session_result res;
    agent_config run_cfg = *cfg;
    char err[1024], *temp = NULL;
    int rc = AGENT_EXIT_FAILURE, lock = -1;

    memset(&r, 0, sizeof r);
    r.files = files;
    r.n_files = n_files;
    r.data = calloc((size_t)n_files, sizeof *r.data);
    r.len = calloc((size_t)n_files, sizeof *r.len);
    if (!r.data || !r.len) {
        fprintf(stderr, "omadm-agent: out of memory\n");
        goto out;
    }
    /* Every file is read before anything runs: a bad name is a usage error
     * with no partial output. */
    for (int i = 0; i < n_files; i++) {
        char why[300];
        if (agent_os_read_file(files[i], REPLAY_MAX_FILE, &r.data[i], &r.len[i], NULL, why,
                               sizeof why) < 0) {
            fprintf(stderr, "omadm-agent: %s: %s\n", files[i], why);
            rc = AGENT_EXIT_USAGE;
            goto out;
        }
    }
    /* Offline: the URL and device id only fill message headers. */
    if (!run_cfg.server_url)
        run_cfg.server_url = "https://replay.invalid/omadm";
    if (!run_cfg.device_id)
        run_cfg.device_id = "omadm-agent-replay";
    if (temp_state) {
        if (agent_os_make_temp_dir(&temp, err, sizeof err) < 0) {
            fprintf(stderr, "omadm-agent: %s\n", err);
            goto out;
        }
        run_cfg.state_dir = temp;
    } else if (agent_state_lock(&run_cfg, &lock, err, sizeof err) < 0) {
        fprintf(stderr, "omadm-agent: %s\n", err);
        goto out;
    }
    if (agent_device_open(&dev, &run_cfg, run_cfg.state_dir, AGENT_DEVICE_REPLAY, err, sizeof err) <
        0) {
        fprintf(stderr, "omadm-agent: %s\n", err);
        goto out;
    }
    memset(&ex, 0, sizeof ex);
    ex.post = replay_post;
    ex.free_reply = replay_free;
    ex.sent = replay_sent;
    ex.user = &r;
    agent_device_session(&dev, replay_session_id(r.data[0], r.len[0]), &ex, &res);
    agent_device_close(&dev);
    if (r.next < n_files) {
        fprintf(stderr, "omadm-agent: replay: the session ended (%s%s%s) before %s\n",
                omadm_session_state_name(res.state), res.error[0] ? ": " : "", res.error,
                files[r.next]);
    } else if (res.state == OMADM_SESSION_FAILED && !strstr(res.error, REPLAY_END)) {
        fprintf(stderr, "omadm-agent: replay: %s\n", res.error);
    } else {
        rc = AGENT_EXIT_OK;
    }
out:
    for (int i = 0; r.data && i < n_files; i++)
        free(r.data[i]);
    free(r.data);
    free(r.len);
    if (temp) {
        agent_os_remove_tree(temp);
        free(temp);
    }
    agent_os_unlock_dir(lock);
    return rc;
}
