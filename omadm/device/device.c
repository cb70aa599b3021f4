/* SPDX-License-Identifier: Apache-2.0 */
/* A managed device for embedders (omadm/device.h): platform, outbox,
 * restart state, the tree with the built-in CSPs, sessions. */
#include "omadm/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "csp/devdetail/devdetail.h"
#include "csp/devinfo/devinfo.h"
#include "csp/dmclient/dmclient.h"
#include "csp/reboot/reboot.h"
#include "device/device_int.h"
#include "outbox/outbox.h"
#include "platform/open.h"
#include "session/session.h"
#include "transport/transport.h"

static void free_secret(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        omadm__free(s);
    }
}

void omadm_device_free(omadm_device *d)
{
    if (!d)
        return;
    if (d->in_session)
        omadm_session_free(d->session.s);
    if (d->reboot && d->tree && !(d->flags & OMADM_DEVICE_OPEN_NO_FLUSH) &&
        omadm__reboot_flush(d->reboot) != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "device: requesting the armed restart failed");
    omadm_transport_free(d->transport);
    omadm_tree_free(d->tree); /* first: it borrows the CSPs */
    omadm__reboot_free(d->reboot);
    omadm_outbox_close(d->outbox);
    if (d->have_platform && d->platform.destroy)
        d->platform.destroy(d->platform.ctx);
    omadm__free(d->device_id);
    omadm__free(d->server_url);
    omadm__free(d->ca_file);
    omadm__free(d->cert_file);
    omadm__free(d->key_file);
    omadm__free(d->auth_name);
    free_secret(d->auth_secret);
    omadm__free(d->user_agent);
    omadm__free(d);
}

/* Copies an optional string; 0, or -1 when out of memory. */
static int copy_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = omadm__strdup(src);
    return *dst ? 0 : -1;
}

#define OPEN_FLAGS                                                                                 \
    (OMADM_DEVICE_OPEN_STATE_ONLY | OMADM_DEVICE_OPEN_DEFER_STARTUP | OMADM_DEVICE_OPEN_NO_FLUSH)

static void why_set(char *why, size_t whysize, const char *what, omadm_status st)
{
    if (why && whysize)
        snprintf(why, whysize, "%s: %s", what, omadm_status_str(st));
}

omadm_status omadm_device_open(omadm_device **out, const omadm_device_config *cfg, unsigned flags,
                               char *why, size_t whysize)
{
    omadm_device *d;
    omadm_status st;
    unsigned corrupt = 0;
    const char *what = "out of memory";

    if (why && whysize)
        why[0] = '\0';
    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    if (!cfg || cfg->size < sizeof *cfg || !cfg->state_dir || !cfg->state_dir[0] ||
        ((!cfg->device_id || !cfg->device_id[0]) && !(flags & OMADM_DEVICE_OPEN_STATE_ONLY)) ||
        (cfg->platform != OMADM_DEVICE_PLATFORM_NATIVE &&
         cfg->platform != OMADM_DEVICE_PLATFORM_SIM) ||
        (flags & ~(unsigned)OPEN_FLAGS)) {
        why_set(why, whysize, "invalid device configuration", OMADM_ERR_INVALID);
        return OMADM_ERR_INVALID;
    }
    d = omadm__calloc(1, sizeof *d);
    if (!d) {
        why_set(why, whysize, what, OMADM_ERR_NOMEM);
        return OMADM_ERR_NOMEM;
    }
    d->flags = flags;
    if (copy_opt(&d->device_id, cfg->device_id) < 0 ||
        copy_opt(&d->server_url, cfg->server_url) < 0 || copy_opt(&d->ca_file, cfg->ca_file) < 0 ||
        copy_opt(&d->cert_file, cfg->cert_file) < 0 || copy_opt(&d->key_file, cfg->key_file) < 0 ||
        copy_opt(&d->auth_name, cfg->auth_name) < 0 ||
        copy_opt(&d->auth_secret, cfg->auth_secret) < 0 ||
        copy_opt(&d->user_agent, cfg->user_agent) < 0) {
        st = OMADM_ERR_NOMEM;
        goto fail;
    }
    what = "cannot open the platform";
    st = omadm__platform_open(&d->platform, cfg->platform == OMADM_DEVICE_PLATFORM_SIM,
                              cfg->state_dir, cfg->allow_restart);
    if (st != OMADM_OK)
        goto fail;
    d->have_platform = 1;
    what = "cannot open the outbox";
    st = omadm_outbox_open(&d->outbox, &d->platform, NULL, &corrupt);
    if (st != OMADM_OK)
        goto fail;
    if (corrupt)
        omadm__log(OMADM_LOG_WARN, "outbox: %u corrupt record(s) set aside as *.bad in %s", corrupt,
                   cfg->state_dir);
    what = "cannot load the restart state";
    st = omadm__reboot_new(&d->reboot, &d->platform, d->outbox);
    if (st != OMADM_OK || (flags & OMADM_DEVICE_OPEN_STATE_ONLY))
        goto done;
    what = "cannot build the DM tree";
    st = omadm_tree_new(&d->tree);
    if (st == OMADM_OK)
        st = omadm__devinfo_register(d->tree, &d->platform, d->device_id);
    if (st == OMADM_OK)
        st = omadm__devdetail_register(d->tree, &d->platform);
    if (st == OMADM_OK)
        st = omadm__dmclient_register(d->tree, &d->platform, &d->dmclient);
    if (st == OMADM_OK)
        st = omadm__reboot_register(d->reboot, d->tree);
    if (st == OMADM_OK && !(flags & OMADM_DEVICE_OPEN_DEFER_STARTUP)) {
        what = "restart lifecycle start-up failed";
        st = omadm__reboot_startup(d->reboot);
        d->started = 1;
    }
done:
    if (st != OMADM_OK)
        goto fail;
    *out = d;
    return OMADM_OK;
fail:
    why_set(why, whysize, what, st);
    /* Nothing was promised yet: no flush. */
    omadm_tree_free(d->tree);
    d->tree = NULL;
    omadm_device_free(d);
    return st;
}

omadm_status omadm_device_new(omadm_device **out, const omadm_device_config *cfg)
{
    return omadm_device_open(out, cfg, 0, NULL, 0);
}

omadm_status omadm_device_startup(omadm_device *d)
{
    if (!d)
        return OMADM_ERR_INVALID;
    if (!d->tree || d->started)
        return OMADM_ERR_STATE;
    d->started = 1;
    return omadm__reboot_startup(d->reboot);
}

struct omadm_platform *omadm_device_get_platform(omadm_device *d)
{
    return d ? &d->platform : NULL;
}

struct omadm_outbox *omadm_device_get_outbox(omadm_device *d)
{
    return d ? d->outbox : NULL;
}

omadm_tree *omadm_device_tree(omadm_device *d)
{
    return d ? d->tree : NULL;
}

omadm_status omadm_device_tick(omadm_device *d, int64_t *next_due)
{
    int64_t next = INT64_MAX;
    omadm_status st;

    if (!d)
        return OMADM_ERR_INVALID;
    if (!d->tree) { /* OMADM_DEVICE_OPEN_STATE_ONLY: reads, never acts */
        if (next_due)
            *next_due = next;
        return OMADM_ERR_STATE;
    }
    st = omadm__reboot_tick(d->reboot, &next);
    if (next_due)
        *next_due = next;
    return st;
}

/* SessionIDs are reserved a block at a time: DEVICE_FILE_SESSION_ID holds
 * the last id of the newest block, written durably before any id of it is
 * used; the rest of the block is used from memory. A new device object (a
 * new process) starts after the whole block, so no id repeats across a
 * crash, and a long-lived device makes one durable write per block instead
 * of one per session. (A file holding the last id used, as older versions
 * wrote it, reads the same way.) */
#define SESSION_ID_BLOCK 16u

/* The id after `id`, 1..255 wrapping (never 0). */
static unsigned session_id_after(unsigned id)
{
    return id % 255 + 1;
}

/* The next SessionID, durable (its block reserved) before it is used. */
static omadm_status next_session_id(omadm_device *d, unsigned *out)
{
    char *data = NULL, buf[16];
    size_t len = 0;
    unsigned last = 0;
    omadm_status st;
    int n;

    if (!d->sid_left) {
        st = d->platform.file_read(d->platform.ctx, DEVICE_FILE_SESSION_ID, 64, &data, &len);
        if (st == OMADM_OK) {
            char *end;
            unsigned long v = strtoul(data, &end, 10);
            if (end != data && v <= 255)
                last = (unsigned)v;
            free(data); /* platform.h: malloc'd */
        } else if (st != OMADM_ERR_NOT_FOUND) {
            return st;
        }
        n = snprintf(buf, sizeof buf, "%u\n", (last + SESSION_ID_BLOCK - 1) % 255 + 1);
        st = d->platform.file_replace(d->platform.ctx, DEVICE_FILE_SESSION_ID, buf, (size_t)n);
        if (st != OMADM_OK)
            return st;
        d->sid_next = session_id_after(last);
        d->sid_left = SESSION_ID_BLOCK;
    }
    *out = d->sid_next;
    d->sid_next = session_id_after(d->sid_next);
    d->sid_left--;
    return OMADM_OK;
}

static int64_t now_of(const omadm_device *d)
{
    int64_t t = 0;

    if (d->platform.now(d->platform.ctx, &t) != OMADM_OK)
        t = 0;
    return t;
}

omadm_status omadm_device_session_start(omadm_device *d, omadm_device_session **out)
{
    omadm_session_config scfg;
    omadm_status st;
    unsigned id = 0;
    int64_t started;

    if (!d || !out || !d->server_url)
        return OMADM_ERR_INVALID;
    *out = NULL;
    if (d->in_session || !d->tree)
        return OMADM_ERR_STATE;
    /* The last result stays as it was until this session has started. */
    started = now_of(d);
    st = next_session_id(d, &id);
    if (st != OMADM_OK)
        return st;
    memset(&scfg, 0, sizeof scfg);
    scfg.server_uri = d->server_url;
    scfg.device_id = d->device_id;
    scfg.session_id = id;
    scfg.auth_name = d->auth_name;
    scfg.auth_secret = d->auth_secret;
    scfg.tree = d->tree;
    scfg.outbox = d->outbox;
    scfg.platform = &d->platform;
    memset(&d->session, 0, sizeof d->session);
    st = omadm_session_new(&d->session.s, &scfg);
    if (st != OMADM_OK)
        return st;
    memset(&d->last, 0, sizeof d->last);
    d->last.size = sizeof d->last;
    d->last.retry_after = -1;
    d->last.started = started;
    d->session.device = d;
    d->session.retry_after = -1;
    d->last.session_id = id;
    d->in_session = 1;
    *out = &d->session;
    return OMADM_OK;
}

omadm_status omadm_device_session_next(omadm_device_session *s, char **msg, size_t *len)
{
    if (!s || !msg || !len)
        return OMADM_ERR_INVALID;
    return omadm_session_next_message(s->s, msg, len);
}

omadm_status omadm_device_session_feed(omadm_device_session *s, const char *reply, size_t len)
{
    omadm_status st;

    if (!s || (!reply && len))
        return OMADM_ERR_INVALID;
    st = omadm_session_feed(s->s, reply, len);
    /* The reply ended the session: finish returns why (out of memory is
     * not a protocol error). */
    if (st != OMADM_OK && !s->failed && omadm_session_get_state(s->s) == OMADM_SESSION_FAILED)
        s->failed = st;
    return st;
}

void omadm_device_session_fail(omadm_device_session *s, omadm_status why, const char *detail,
                               int64_t retry_after)
{
    if (!s)
        return;
    s->failed = why == OMADM_OK ? OMADM_ERR_ABORTED : why;
    s->retry_after = retry_after;
    snprintf(s->detail, sizeof s->detail, "%s", detail ? detail : omadm_status_str(s->failed));
    omadm_session_fail(s->s, s->failed, s->detail);
}

omadm_status omadm_device_session_finish(omadm_device_session *s)
{
    omadm_device *d;
    omadm_session_state state;
    omadm_status st;

    if (!s || !s->device)
        return OMADM_ERR_INVALID;
    d = s->device;
    state = omadm_session_get_state(s->s);
    d->last.completed = state == OMADM_SESSION_COMPLETED;
    d->last.messages = omadm_session_messages_sent(s->s);
    d->last.retry_after = s->retry_after;
    d->last.finished = now_of(d);
    if (!d->last.completed)
        snprintf(d->last.error, sizeof d->last.error, "%s",
                 s->detail[0] ? s->detail : omadm_session_error(s->s));
    st = d->last.completed                ? OMADM_OK
         : s->failed                      ? s->failed
         : state == OMADM_SESSION_RUNNING ? OMADM_ERR_STATE
                                          : OMADM_ERR_PROTOCOL;
    omadm_session_free(s->s);
    memset(s, 0, sizeof *s);
    d->in_session = 0;
    d->have_last = 1;
    return st;
}

omadm_status omadm_device_sync(omadm_device *d)
{
    omadm_device_session *s = NULL;
    omadm_status st;

    if (!d || !d->server_url)
        return OMADM_ERR_INVALID;
    if (!d->transport) {
        omadm_transport_config tc = OMADM_TRANSPORT_CONFIG_INIT;
        tc.url = d->server_url;
        tc.ca_file = d->ca_file;
        tc.cert_file = d->cert_file;
        tc.key_file = d->key_file;
        tc.user_agent = d->user_agent;
        st = omadm_transport_new(&d->transport, &tc);
        if (st != OMADM_OK)
            return st;
    }
    st = omadm_device_session_start(d, &s);
    if (st != OMADM_OK)
        return st;
    for (;;) {
        char *msg = NULL, *reply = NULL;
        size_t len = 0, reply_len = 0;
        omadm_transport_info info;

        st = omadm_device_session_next(s, &msg, &len);
        if (st != OMADM_OK) {
            char why[96];

            snprintf(why, sizeof why, "cannot build the next message: %s", omadm_status_str(st));
            omadm_device_session_fail(s, st, why, -1);
            continue;
        }
        if (!msg)
            break;
        memset(&info, 0, sizeof info);
        st = omadm_transport_post(d->transport, msg, len, &reply, &reply_len, &info);
        omadm__free(msg);
        if (st == OMADM_OK) {
            omadm_device_session_feed(s, reply, reply_len);
            omadm__free(reply);
        } else {
            omadm_device_session_fail(s, st, info.error[0] ? info.error : NULL,
                                      st == OMADM_ERR_RETRY_LATER ? info.retry_after_s : -1);
        }
    }
    return omadm_device_session_finish(s);
}

omadm_status omadm_device_last_result(const omadm_device *d, omadm_device_result *out)
{
    size_t size;

    if (!d || !out || out->size < sizeof *out)
        return OMADM_ERR_INVALID;
    if (!d->have_last)
        return OMADM_ERR_NOT_FOUND;
    size = out->size;
    *out = d->last;
    out->size = size;
    return OMADM_OK;
}
