/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: a managed device, for building your own agent.
 *
 * An omadm_device is what the stock agent manages: a platform (the native
 * OS layer, or the deterministic simulation), a state directory with the
 * durable outbox and restart state, and a DM tree holding the built-in
 * CSPs (DevInfo, DevDetail, DMClient, Reboot) to which you add your own
 * with omadm_tree_register on omadm_device_tree.
 *
 * Sessions, two ways:
 *  - omadm_device_sync: one whole session over the built-in HTTPS
 *    transport (TLS verification always on; blocks until it ends);
 *  - omadm_device_session_start / _next / _feed / _finish: the same
 *    session without I/O, over any transport you drive yourself.
 * Either way omadm_device_last_result tells how the last one ended.
 *
 * A typical agent:
 *
 *   omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;
 *   cfg.state_dir = "/var/lib/my-agent";
 *   cfg.device_id = "...";
 *   cfg.server_url = "https://mdm.example.com/omadm";
 *   cfg.cert_file = ...; cfg.key_file = ...; cfg.ca_file = ...;
 *   if (omadm_device_new(&dev, &cfg) == OMADM_OK) {
 *       omadm_tree_register(omadm_device_tree(dev), "./Vendor/Contoso/X", ...);
 *       omadm_device_sync(dev);
 *       omadm_device_last_result(dev, &res);
 *       omadm_device_free(dev);
 *   }
 *
 * Threading: a device and everything it returns is used from one thread
 * at a time. One device per state directory (nothing locks it: a second
 * process on the same directory corrupts nothing durable, but sessions
 * would interleave their restart reports). */
#ifndef OMADM_DEVICE_H
#define OMADM_DEVICE_H

#include "omadm/export.h"

#include <stddef.h>
#include <stdint.h>

#include "omadm/csp.h"
#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum omadm_device_platform {
    /* The OS: Linux (/proc, /sys, systemctl reboot) or Windows. */
    OMADM_DEVICE_PLATFORM_NATIVE = 0,
    /* The simulation: files under <state_dir>/sim, never restarts anything
     * (a restart is a line in <state_dir>/sim/restarts.log). */
    OMADM_DEVICE_PLATFORM_SIM = 1
} omadm_device_platform;

/* Configuration, copied by omadm_device_new (strings included). Start from
 * OMADM_DEVICE_CONFIG_INIT; `size` (first) lets later versions append
 * members. */
typedef struct omadm_device_config {
    size_t size;                    /* sizeof(omadm_device_config) */
    omadm_device_platform platform; /* default native */
    const char *state_dir;          /* required; created (private) if absent */
    const char *device_id;          /* required: DevInfo/DevId, our LocURI */
    const char *server_url;         /* https:// only; required for sessions */
    const char *ca_file;            /* PEM CA bundle; NULL = the system store */
    const char *cert_file;          /* client certificate (PEM); NULL = none */
    const char *key_file;           /* its key (PEM); NULL = in cert_file */
    const char *auth_name;          /* for a 401 challenge; NULL = none */
    const char *auth_secret;        /* never logged */
    const char *user_agent;         /* NULL = "MSFT OMA DM Client/1.2.0.1" */
    /* Native only: non-zero lets the Reboot CSP restart the machine (the
     * process still needs the privilege). Zero: restarts are refused. */
    int allow_restart;
} omadm_device_config;

#define OMADM_DEVICE_CONFIG_INIT                                                                   \
    {                                                                                              \
        sizeof(omadm_device_config), OMADM_DEVICE_PLATFORM_NATIVE, NULL, NULL, NULL, NULL, NULL,   \
            NULL, NULL, NULL, NULL, 0                                                              \
    }

/* How a session ended. `size` first (set it to sizeof before the call). */
typedef struct omadm_device_result {
    size_t size;         /* sizeof(omadm_device_result) */
    int completed;       /* non-zero: the server answered our last message */
    unsigned session_id; /* SyncHdr SessionID, 1..255 */
    unsigned messages;   /* client messages sent */
    int64_t started;     /* unix seconds, the platform's clock */
    int64_t finished;    /* unix seconds */
    int64_t retry_after; /* seconds the server asked to wait (429/503), or -1 */
    char error[300];     /* "" when completed, else one line saying why */
} omadm_device_result;

typedef struct omadm_device omadm_device;
typedef struct omadm_device_session omadm_device_session;

/* Opens the platform on cfg->state_dir, the outbox and the restart state,
 * builds the tree with the built-in CSPs, and resolves restarts requested
 * before this boot (so the next session reports them). *out is owned by
 * the caller (omadm_device_free). OMADM_ERR_INVALID for a missing state
 * directory or device id, a size too small or an unknown platform; the
 * platform's or the outbox's error otherwise. */
OMADM_API omadm_status omadm_device_new(omadm_device **out, const omadm_device_config *cfg);

/* Flags of omadm_device_open (or-ed; other bits: OMADM_ERR_INVALID). */
/* Platform, outbox and restart state only: no tree, no CSPs, no start-up;
 * the device only reads (omadm_device_tree returns NULL; tick, startup
 * and sessions answer OMADM_ERR_STATE). For a status report; the device
 * id may be NULL. */
#define OMADM_DEVICE_OPEN_STATE_ONLY 0x1u
/* The restart lifecycle's start-up is left to omadm_device_startup (call
 * it once, before the first session), so that CSPs registered after the
 * open are in the tree first. */
#define OMADM_DEVICE_OPEN_DEFER_STARTUP 0x2u
/* omadm_device_free does not request an armed restart: the caller does
 * it with omadm_device_restart_flush (omadm/restart.h) when it decides. */
#define OMADM_DEVICE_OPEN_NO_FLUSH 0x4u

/* omadm_device_new with `flags` (0: the same). On failure `why` (may be
 * NULL; `whysize` bytes) receives one line naming the step that failed
 * and the status ("cannot open the outbox: ..."). */
OMADM_API omadm_status omadm_device_open(omadm_device **out, const omadm_device_config *cfg,
                                         unsigned flags, char *why, size_t whysize);

/* The restart lifecycle's start-up of a device opened with
 * OMADM_DEVICE_OPEN_DEFER_STARTUP: resolves restarts requested before
 * this boot (so the next session reports them). Once: OMADM_ERR_STATE
 * when it already ran (omadm_device_new runs it) or on a STATE_ONLY
 * device. */
OMADM_API omadm_status omadm_device_startup(omadm_device *device);

/* The device's platform (struct omadm_platform of libomadm's platform
 * interface, platform/platform.h in the source tree; opaque here) and
 * outbox (struct omadm_outbox, outbox/outbox.h): borrowed, valid until
 * omadm_device_free. For an agent built in libomadm's tree (its own state
 * files, status); omadm_kv_open (omadm/kv.h) takes the platform. NULL for
 * a NULL device. */
struct omadm_platform;
struct omadm_outbox;
OMADM_API struct omadm_platform *omadm_device_get_platform(omadm_device *device);
OMADM_API struct omadm_outbox *omadm_device_get_outbox(omadm_device *device);

/* Requests an armed restart still pending (it was promised to the server)
 * and frees everything. Your CSPs registered on the tree are not freed:
 * free them after this call. Accepts NULL. */
OMADM_API void omadm_device_free(omadm_device *device);

/* The device's DM tree (borrowed, valid until omadm_device_free): register
 * your CSPs on it with omadm_tree_register. */
OMADM_API omadm_tree *omadm_device_tree(omadm_device *device);

/* Restart schedules the server set (Reboot/Schedule/...): fires those due
 * now and sets *next_due (unix seconds, INT64_MAX when none) to when to
 * call again. Call it at least then, and before each session. */
OMADM_API omadm_status omadm_device_tick(omadm_device *device, int64_t *next_due);

/* One whole session over HTTPS to cfg->server_url: OMADM_OK when it
 * completed, else the reason (OMADM_ERR_TRANSPORT, OMADM_ERR_TLS,
 * OMADM_ERR_RETRY_LATER, OMADM_ERR_PROTOCOL...), with the details in
 * omadm_device_last_result. OMADM_ERR_INVALID without a server URL. */
OMADM_API omadm_status omadm_device_sync(omadm_device *device);

/* The no-I/O session (one at a time per device). start takes the next
 * SessionID (reserved durably before use, 16 at a time: a new device
 * object starts after the last reserved block, so none repeats) and returns the session (owned by
 * the device until omadm_device_session_finish). Then loop:
 *
 *   next: *msg is the next client message (`*len` bytes, free with
 *         omadm_free), or NULL when the session is over;
 *   send it; feed the server's reply, or fail with why it did not come.
 *
 * finish records the result (omadm_device_last_result), releases the
 * session and returns OMADM_OK when it completed, else the reason. */
OMADM_API omadm_status omadm_device_session_start(omadm_device *device, omadm_device_session **out);
OMADM_API omadm_status omadm_device_session_next(omadm_device_session *session, char **msg,
                                                 size_t *len);
OMADM_API omadm_status omadm_device_session_feed(omadm_device_session *session, const char *reply,
                                                 size_t len);
/* `why` is the failure (e.g. OMADM_ERR_TRANSPORT), `detail` one line
 * (copied; may be NULL); retry_after seconds the server asked for, or -1.
 * The next call to next returns NULL. */
OMADM_API void omadm_device_session_fail(omadm_device_session *session, omadm_status why,
                                         const char *detail, int64_t retry_after);
OMADM_API omadm_status omadm_device_session_finish(omadm_device_session *session);

/* Copies the result of the last session this device ran into *out (its
 * `size` set by the caller). OMADM_ERR_NOT_FOUND before the first;
 * OMADM_ERR_INVALID when out->size is too small. */
OMADM_API omadm_status omadm_device_last_result(const omadm_device *device,
                                                omadm_device_result *out);

#ifdef __cplusplus
}
#endif
#endif
