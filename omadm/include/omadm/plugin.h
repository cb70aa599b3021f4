/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: CSP plugins for the stock agent (omadm-agent).
 *
 * A plugin is a shared object (a DLL on Windows) in the agent's plugin
 * directory (`[agent] csp_dir`). It exports ONE function, the entry point
 * named OMADM_PLUGIN_ENTRY_SYMBOL, which returns a static descriptor. The
 * agent loads every plugin at start-up:
 *
 *   1. resolves the entry point (missing: the plugin is refused);
 *   2. calls it and checks descriptor->abi_version equals the agent's
 *      OMADM_PLUGIN_ABI_VERSION (else refused: built for another ABI);
 *   3. calls descriptor->init with the host table (non-zero: refused, and
 *      every CSP it registered is withdrawn);
 *   4. at exit, after the DM tree is gone, calls descriptor->shutdown.
 *
 * A refused plugin is logged, listed by `omadm-agent status` with the
 * reason, and skipped; the agent carries on with the others. The plugin
 * calls the agent only through the host table and does not link libomadm
 * (the agent may carry its own copy): its CSP handlers answer through
 * host->value_set and host->children_add, not omadm_csp_value_set and
 * omadm_csp_children_add.
 *
 * A minimal plugin:
 *
 *   static int init(const omadm_plugin_host *host, void **state)
 *   {
 *       return host->register_csp(host->ctx, "./Vendor/Contoso/Settings", &ops,
 *                                 nodes, n_nodes, OMADM_CSP_SCOPE_DEVICE, NULL);
 *   }
 *   static const omadm_plugin_descriptor desc = {
 *       OMADM_PLUGIN_ABI_VERSION, "contoso", "1.0.0", init, NULL
 *   };
 *   OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v1(void)
 *   {
 *       return &desc;
 *   }
 *
 * Threading: the agent calls a plugin (entry, init, CSP handlers,
 * shutdown) from one thread at a time; the host functions are only called
 * from inside those calls. */
#ifndef OMADM_PLUGIN_H
#define OMADM_PLUGIN_H

#include "omadm/export.h"

#include <stddef.h>

#include "omadm/csp.h"
#include "omadm/log.h"
#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The plugin ABI this header describes. Bumped on any incompatible change
 * of the descriptor, the host table or the CSP contract; a plugin built
 * for another value is refused. */
#define OMADM_PLUGIN_ABI_VERSION 1

/* The entry point's name: one symbol per ABI version. */
#define OMADM_PLUGIN_ENTRY_SYMBOL "omadm_plugin_entry_v1"

/* Marks the entry point for export from the plugin (ELF: default
 * visibility, so -fvisibility=hidden plugins still export it; PE/COFF:
 * the linker exports it with every other global unless a .def says
 * otherwise). Define it yourself to override. */
#ifndef OMADM_PLUGIN_EXPORT
#if defined(__GNUC__) && __GNUC__ >= 4 && defined(__ELF__)
#define OMADM_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define OMADM_PLUGIN_EXPORT
#endif
#endif

/* Device facts a plugin can read (host->device_fact). */
typedef enum omadm_plugin_fact {
    OMADM_PLUGIN_FACT_DEVICE_ID = 0,        /* the DM device id (DevInfo/DevId) */
    OMADM_PLUGIN_FACT_MANUFACTURER = 1,     /* DevInfo/Man */
    OMADM_PLUGIN_FACT_MODEL = 2,            /* DevInfo/Mod */
    OMADM_PLUGIN_FACT_LANGUAGE = 3,         /* DevInfo/Lang */
    OMADM_PLUGIN_FACT_OS_VERSION = 4,       /* DevDetail/SwV */
    OMADM_PLUGIN_FACT_OS_PLATFORM = 5,      /* DevDetail/Ext/Microsoft/OSPlatform */
    OMADM_PLUGIN_FACT_FIRMWARE_VERSION = 6, /* DevDetail/FwV */
    OMADM_PLUGIN_FACT_HARDWARE_VERSION = 7, /* DevDetail/HwV */
    OMADM_PLUGIN_FACT_DEVICE_NAME = 8,      /* host name */
    OMADM_PLUGIN_FACT_SERIAL_NUMBER = 9,    /* SMBIOS serial number */
    OMADM_PLUGIN_FACT_TOTAL_RAM_MB = 10     /* decimal */
} omadm_plugin_fact;

/* Limits of a plugin's key-value store. Keys: 1..OMADM_PLUGIN_KV_KEY_MAX
 * bytes of [A-Za-z0-9._/-]. Values: any bytes, at most
 * OMADM_PLUGIN_KV_VALUE_MAX. At most OMADM_PLUGIN_KV_MAX_KEYS keys and
 * OMADM_PLUGIN_KV_MAX_BYTES bytes of keys plus values in all. */
#define OMADM_PLUGIN_KV_KEY_MAX   64
#define OMADM_PLUGIN_KV_VALUE_MAX 4096
#define OMADM_PLUGIN_KV_MAX_KEYS  256
#define OMADM_PLUGIN_KV_MAX_BYTES 65536

/* Callback of kv_list: one call per key in byte order, the value borrowed
 * for the call (`len` bytes, NUL-terminated for convenience). Return
 * non-zero to stop. */
typedef int (*omadm_plugin_kv_fn)(void *user, const char *key, const char *value, size_t len);

/* The host table: the agent's functions for one plugin. `size` comes first
 * and is sizeof the table the host was built with: a plugin reads a member
 * only when `size` covers it (members are only ever appended). Every
 * function takes `ctx` (this plugin's context: pass host->ctx). The table
 * and ctx stay valid from init until shutdown returns. */
typedef struct omadm_plugin_host {
    size_t size;          /* sizeof(omadm_plugin_host) of the host */
    unsigned abi_version; /* OMADM_PLUGIN_ABI_VERSION of the host */
    void *ctx;

    /* Registers a CSP, exactly as omadm_tree_register does (same checks,
     * same ownership: `ops`, `nodes` and `csp` must stay valid until
     * shutdown). Only during init. OMADM_ERR_EXISTS when the root overlaps
     * a CSP already registered (built in or another plugin's): the host
     * then refuses this plugin, so init should return that failure.
     * OMADM_ERR_STATE outside init. */
    omadm_status (*register_csp)(void *ctx, const char *root, const omadm_csp_ops *ops,
                                 const omadm_node_def *nodes, size_t n_nodes, unsigned scope,
                                 void *csp);

    /* Copies a device fact into buf (NUL-terminated). OMADM_ERR_NOT_FOUND
     * when the platform cannot tell, OMADM_ERR_LIMIT when it does not fit,
     * OMADM_ERR_INVALID for an unknown fact. */
    omadm_status (*device_fact)(void *ctx, omadm_plugin_fact fact, char *buf, size_t size);

    /* Writes one line to the agent's log, prefixed with the plugin's name.
     * `message` is borrowed; control characters are replaced. Secrets must
     * never be logged. */
    void (*log)(void *ctx, omadm_log_level level, const char *message);

    /* The plugin's durable key-value store, kept by the agent in its state
     * directory (one file per plugin, named after descriptor->name, written
     * atomically: a crash leaves the old or the new content). A change is
     * durable when kv_set / kv_delete return OMADM_OK; on any error the
     * store is unchanged. A store file that fails to parse is never
     * overwritten: every call then answers OMADM_ERR_CORRUPT and the agent
     * logs the file and the reason once (remove or restore the file).
     *
     * kv_get copies the value of `key` into buf (`size` bytes; the value is
     * NUL-terminated when it fits with its NUL) and sets *len to its length.
     * OMADM_ERR_NOT_FOUND when absent, OMADM_ERR_LIMIT when it does not fit
     * (*len tells the size needed, buf is untouched). */
    omadm_status (*kv_get)(void *ctx, const char *key, char *buf, size_t size, size_t *len);
    /* Sets `key` to `len` bytes of `value`. OMADM_ERR_INVALID for a bad key,
     * OMADM_ERR_LIMIT for a value over OMADM_PLUGIN_KV_VALUE_MAX,
     * OMADM_ERR_FULL past the key or byte limits, OMADM_ERR_IO when the
     * file cannot be written. */
    omadm_status (*kv_set)(void *ctx, const char *key, const void *value, size_t len);
    /* Removes `key`. OMADM_ERR_NOT_FOUND when absent. */
    omadm_status (*kv_delete)(void *ctx, const char *key);
    /* Calls fn for every key, in byte order of the keys. The store must not
     * be changed from fn. */
    omadm_status (*kv_list)(void *ctx, omadm_plugin_kv_fn fn, void *user);

    /* omadm_csp_value_set and omadm_csp_children_add of the agent's own
     * library, same contracts: what a plugin's get and children handlers
     * answer with. */
    omadm_status (*value_set)(omadm_csp_value *out, const char *data, size_t len);
    omadm_status (*children_add)(omadm_csp_children *out, const char *name);
} omadm_plugin_host;

/* What the entry point returns: static, never freed. */
typedef struct omadm_plugin_descriptor {
    unsigned abi_version; /* OMADM_PLUGIN_ABI_VERSION the plugin was built for */
    /* The plugin's name: 1..32 bytes of [a-z0-9_-]; names its key-value
     * store, prefixes its log lines. Two plugins with one name: the second
     * is refused. */
    const char *name;
    const char *version; /* free text for `status`, e.g. "1.2.0" */
    /* Registers the plugin's CSPs through host->register_csp and may read
     * facts and the store. Returns 0 on success (*state is then passed to
     * shutdown), non-zero on failure: the host withdraws what it registered
     * and calls no other function of the plugin (not shutdown: init cleans
     * up after itself). `host` is valid until shutdown. */
    int (*init)(const omadm_plugin_host *host, void **state);
    /* Releases *state. Called once, after the last CSP call. May be NULL. */
    void (*shutdown)(void *state);
} omadm_plugin_descriptor;

/* The entry point's type. The plugin defines
 *     OMADM_PLUGIN_EXPORT const omadm_plugin_descriptor *omadm_plugin_entry_v1(void);
 * which must only return its descriptor (no other work: it runs before
 * the ABI check). */
typedef const omadm_plugin_descriptor *(*omadm_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
