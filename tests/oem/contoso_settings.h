/* SPDX-License-Identifier: Apache-2.0 */
/* An example OEM CSP: ./Vendor/Contoso/Settings, a small key-value store
 * (one leaf per key, Format chr) with Atomic support and optional
 * persistence. Built only against the installed public headers, two ways:
 *
 *  - linked with libomadm (contoso_lib.c): contoso_settings_new and
 *    contoso_settings_register put it on your own omadm_tree;
 *  - as a plugin for the stock agent (contoso_plugin.c): the agent's host
 *    table answers, and the agent's key-value store keeps the settings
 *    across restarts. The plugin does not link libomadm. */
#ifndef CONTOSO_SETTINGS_H
#define CONTOSO_SETTINGS_H

#include <omadm/omadm.h>

#define CONTOSO_ROOT      "./Vendor/Contoso/Settings"
#define CONTOSO_MAX_KEYS  16
#define CONTOSO_MAX_VALUE 64 /* bytes; longer values answer 413 */

typedef struct contoso_settings contoso_settings;

/* How the CSP answers and persists: the library's functions or a plugin
 * host's. `save` (may be NULL: memory only) makes one key durable, or
 * removes it when value is NULL; it is called for every change outside an
 * Atomic, and for the Atomic's net changes at commit. */
typedef struct contoso_io {
    omadm_status (*value_set)(omadm_csp_value *out, const char *data, size_t len);
    omadm_status (*children_add)(omadm_csp_children *out, const char *name);
    omadm_status (*save)(void *user, const char *key, const char *value, size_t len);
    void *user;
} contoso_io;

/* Creates an empty store answering through `io` (copied); NULL when out of
 * memory. Free with contoso_settings_free (accepts NULL) after the tree
 * that uses it. */
contoso_settings *contoso_settings_new_io(const contoso_io *io);
void contoso_settings_free(contoso_settings *settings);
/* Adds a key without saving it (loading the persisted state). 0, or -1
 * when full, too long or out of memory. */
int contoso_settings_load(contoso_settings *settings, const char *key, const char *value,
                          size_t len);

/* The CSP's callbacks and node table, for omadm_tree_register or a plugin
 * host's register_csp, with the store as `csp`. */
const omadm_csp_ops *contoso_settings_ops(void);
const omadm_node_def *contoso_settings_nodes(size_t *n);

/* contoso_lib.c (links libomadm): a store answering through the library,
 * not persisted, and its registration at CONTOSO_ROOT on your tree. */
contoso_settings *contoso_settings_new(void);
omadm_status contoso_settings_register(omadm_tree *tree, contoso_settings *settings);

/* The value of `key` (borrowed until the next change), or NULL. */
const char *contoso_settings_get(const contoso_settings *settings, const char *key);
/* Number of keys. */
int contoso_settings_count(const contoso_settings *settings);

#endif
