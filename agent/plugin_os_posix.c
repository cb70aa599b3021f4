/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX side of agent/plugin_os.h: mode checks, readdir, dlopen. */
#include "agent/plugin_os.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AGENT_DEFAULT_CSP_DIR
#define AGENT_DEFAULT_CSP_DIR "/usr/lib/omadm-agent/csp"
#endif

const char *agent_plugin_os_default_dir(void)
{
    return AGENT_DEFAULT_CSP_DIR;
}

const char *agent_plugin_os_suffix(void)
{
    return ".so";
}

int agent_plugin_os_check(const char *path, int is_dir, char *err, size_t errsize)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errsize, "cannot stat: %s", strerror(errno));
        return -1;
    }
    if (is_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        snprintf(err, errsize, "not a %s", is_dir ? "directory" : "regular file");
        return -1;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(err, errsize, "owned by uid %lu, neither root nor this agent's user",
                 (unsigned long)st.st_uid);
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errsize, "writable by group or others (mode %04o); chmod go-w it",
                 (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void agent_plugin_os_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int agent_plugin_os_list(const char *dir, size_t max, char ***names, size_t *n, char *err,
                         size_t errsize)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **list = NULL;
    size_t count = 0;
    const char *suffix = agent_plugin_os_suffix();
    size_t slen = strlen(suffix);

    *names = NULL;
    *n = 0;
    if (!d) {
        snprintf(err, errsize, "cannot open: %s", strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char **grown;

        if (de->d_name[0] == '.' || len <= slen || strcmp(de->d_name + len - slen, suffix) != 0)
            continue;
        if (count == max) {
            snprintf(err, errsize, "more than %lu plugins", (unsigned long)max);
            goto fail;
        }
        grown = realloc(list, (count + 1) * sizeof *list);
        if (!grown)
            goto nomem;
        list = grown;
        list[count] = strdup(de->d_name);
        if (!list[count])
            goto nomem;
        count++;
    }
    closedir(d);
    if (count)
        qsort(list, count, sizeof *list, by_name);
    *names = list;
    *n = count;
    return 0;
nomem:
    snprintf(err, errsize, "out of memory");
fail:
    closedir(d);
    agent_plugin_os_free_names(list, count);
    return -1;
}

void *agent_plugin_os_open(const char *path, char *err, size_t errsize)
{
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (!module) {
        const char *why = dlerror();
        snprintf(err, errsize, "cannot load: %s", why ? why : "unknown error");
    }
    return module;
}

agent_plugin_os_fn agent_plugin_os_symbol(void *module, const char *name)
{
    void *p = dlsym(module, name);
    agent_plugin_os_fn fn = NULL;

    /* POSIX guarantees a data pointer from dlsym converts to a function
     * pointer; ISO C does not, hence the copy. */
    if (p)
        memcpy(&fn, &p, sizeof fn);
    return fn;
}

void agent_plugin_os_close(void *module)
{
    if (module)
        dlclose(module);
}
