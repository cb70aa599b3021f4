/* SPDX-License-Identifier: Apache-2.0 */
/* CSP plugins (omadm/plugin.h): the agent loads every plugin in its plugin
 * directory into the DM tree at start-up, gives each its host table and
 * key-value store, and records what it loaded and refused (with why) in
 * the state file AGENT_FILE_PLUGINS, which `status` shows.
 *
 * A plugin is refused, logged and skipped (the agent carries on) when the
 * directory or its file is writable by anyone but root / the owner, it
 * cannot be loaded, it lacks the entry point, it was built for another
 * plugin ABI, its descriptor is invalid or its name taken, its init fails,
 * or a subtree it registers overlaps one already registered (the built-in
 * CSPs and earlier plugins, in file name order, win). */
#ifndef AGENT_PLUGINS_H
#define AGENT_PLUGINS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "omadm/csp.h"
#include "platform/platform.h"

#define AGENT_FILE_PLUGINS "agent-plugins"

/* At most this many plugin files in the directory (more: none is loaded),
 * and subtrees per plugin. */
#define AGENT_PLUGINS_MAX      64
#define AGENT_PLUGIN_MAX_ROOTS 16

typedef struct agent_plugins agent_plugins;

/* Loads the plugins of `dir` into `tree`. `configured` is non-zero when
 * the directory was set in the configuration (then its absence is worth a
 * warning; the default directory may well not exist). `platform`,
 * `device_id` and `tree` are borrowed and must outlive *out. Writes the
 * record. Returns 0 (plugins refused or none at all included), -1 when out
 * of memory (nothing loaded). */
int agent_plugins_load(agent_plugins **out, const char *dir, int configured, omadm_tree *tree,
                       const omadm_platform *platform, const char *device_id, int64_t now);

/* Withdraws the plugins' CSPs from the tree (which must still exist), so
 * that they can be unloaded before it is freed. Accepts NULL. */
void agent_plugins_withdraw(agent_plugins *plugins);

/* Shuts the plugins down and unloads them. Call after the tree that holds
 * their CSPs is freed, or after agent_plugins_withdraw. Accepts NULL. */
void agent_plugins_unload(agent_plugins *plugins);

/* Number of plugins loaded / refused. */
size_t agent_plugins_loaded(const agent_plugins *plugins);
size_t agent_plugins_refused(const agent_plugins *plugins);

/* ---- the record, for `status` ------------------------------------------ */

typedef struct agent_plugin_entry {
    char file[128];
    int loaded;       /* else refused */
    char name[40];    /* loaded only */
    char version[40]; /* loaded only */
    char detail[512]; /* loaded: subtrees, comma-separated; refused: reason */
} agent_plugin_entry;

typedef struct agent_plugin_record {
    int64_t time;
    char dir[512];
    size_t n;
    agent_plugin_entry e[AGENT_PLUGINS_MAX + 1];
} agent_plugin_record;

/* Parses the record text. 0, or -1 when it is not a record. */
int agent_plugin_record_parse(agent_plugin_record *rec, const char *text);

/* `status` sections: text lines ("plugins: ..."), or a JSON value (an
 * object, or null when rec is NULL). */
void agent_plugin_record_print_text(FILE *f, const agent_plugin_record *rec);
void agent_plugin_record_print_json(FILE *f, const agent_plugin_record *rec);

#endif
