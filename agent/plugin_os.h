/* SPDX-License-Identifier: Apache-2.0 */
/* The OS side of loading CSP plugins (agent/plugins.c): where they live,
 * whether a directory or file is safe to load code from, listing, and the
 * dynamic loader. One implementation per OS: plugin_os_posix.c (dlopen),
 * plugin_os_win32.c (LoadLibraryExW). */
#ifndef AGENT_PLUGIN_OS_H
#define AGENT_PLUGIN_OS_H

#include <stddef.h>

/* The default plugin directory: <libdir>/omadm-agent/csp on POSIX (from
 * the build), <directory of omadm-agent.exe>\csp on Windows. Static
 * string; NULL when it cannot be determined. */
const char *agent_plugin_os_default_dir(void);

/* The file name suffix of a plugin: ".so" or ".dll". */
const char *agent_plugin_os_suffix(void);

/* Whether code may be loaded from `path` (a directory when `is_dir`, else a
 * regular file): it must exist with that type and be writable by nobody
 * but its owner, the owner being root or this process's user (POSIX: no
 * group/other write bit; Windows: no write access granted to anyone but
 * SYSTEM, Administrators, TrustedInstaller and the owner). Returns 0 when
 * safe, 1 when absent, -1 with the reason in err otherwise. */
int agent_plugin_os_check(const char *path, int is_dir, char *err, size_t errsize);

/* The names in `dir` ending with the plugin suffix, sorted bytewise:
 * *names (malloc'd array of malloc'd strings, free with
 * agent_plugin_os_free_names), *n of them, at most `max` (more: -1).
 * Returns 0, or -1 with the reason in err. */
int agent_plugin_os_list(const char *dir, size_t max, char ***names, size_t *n, char *err,
                         size_t errsize);
void agent_plugin_os_free_names(char **names, size_t n);

/* Loads the module at `path`, resolving every symbol now and keeping its
 * symbols to itself (dlopen RTLD_NOW|RTLD_LOCAL; LoadLibraryExW searching
 * only the DLL's directory and System32). NULL with the reason in err. */
void *agent_plugin_os_open(const char *path, char *err, size_t errsize);
/* The address of function `name` in the module, or NULL. */
typedef void (*agent_plugin_os_fn)(void);
agent_plugin_os_fn agent_plugin_os_symbol(void *module, const char *name);
void agent_plugin_os_close(void *module);

#endif
