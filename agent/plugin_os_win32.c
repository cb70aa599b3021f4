/* SPDX-License-Identifier: Apache-2.0 */
/* Windows side of agent/plugin_os.h: DACL checks, FindFirstFileW,
 * LoadLibraryExW with a safe search path. Strings are UTF-8; UTF-16 only
 * at the Win32 calls. */
#include "agent/plugin_os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

#include "agent/win_error_win32.h"
#include "platform/win32/wstr.h"

static char default_dir[MAX_PATH * 3 + 8];

const char *agent_plugin_os_default_dir(void)
{
    wchar_t path[MAX_PATH];
    DWORD n;
    char *narrow, *slash;

    if (default_dir[0])
        return default_dir;
    n = GetModuleFileNameW(NULL, path, MAX_PATH);
    if (n == 0 || n >= MAX_PATH)
        return NULL;
    narrow = omadm_platform_win32_narrow(path);
    if (!narrow)
        return NULL;
    slash = strrchr(narrow, '\\');
    if (slash)
        *slash = '\0';
    snprintf(default_dir, sizeof default_dir, "%s\\csp", narrow);
    free(narrow);
    return default_dir;
}

const char *agent_plugin_os_suffix(void)
{
    return ".dll";
}

/* SYSTEM, Administrators, TrustedInstaller: may always write. */
static int trusted_sid(PSID sid)
{
    static const char trusted_installer[] =
        "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
    PSID ti = NULL;
    int ok;

    if (IsWellKnownSid(sid, WinLocalSystemSid) || IsWellKnownSid(sid, WinBuiltinAdministratorsSid))
        return 1;
    if (!ConvertStringSidToSidA(trusted_installer, &ti))
        return 0;
    ok = EqualSid(sid, ti) != 0;
    LocalFree(ti);
    return ok;
}

static int current_user_sid(PSID sid)
{
    HANDLE token;
    BYTE buf[256];
    DWORD len = 0;
    int ok = 0;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return 0;
    if (GetTokenInformation(token, TokenUser, buf, sizeof buf, &len))
        ok = EqualSid(((TOKEN_USER *)(void *)buf)->User.Sid, sid) != 0;
    CloseHandle(token);
    return ok;
}

int agent_plugin_os_check(const char *path, int is_dir, char *err, size_t errsize)
{
    const DWORD write_rights = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |
                               FILE_WRITE_ATTRIBUTES | FILE_DELETE_CHILD | DELETE | WRITE_DAC |
                               WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL;
    wchar_t *w = omadm_platform_win32_wide(path);
    DWORD attrs, rc;
    PSID owner = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    int result = 0;

    if (!w) {
        snprintf(err, errsize, "invalid path");
        return -1;
    }
    attrs = GetFileAttributesW(w);
    if (attrs == INVALID_FILE_ATTRIBUTES) {
        DWORD code = GetLastError();
        free(w);
        if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND)
            return 1;
        agent_win_error(err, errsize, "cannot read its attributes", code);
        return -1;
    }
    if (!!(attrs & FILE_ATTRIBUTE_DIRECTORY) != !!is_dir) {
        free(w);
        snprintf(err, errsize, "not a %s", is_dir ? "directory" : "regular file");
        return -1;
    }
    rc = GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                               OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, NULL,
                               &dacl, NULL, &sd);
    free(w);
    if (rc != ERROR_SUCCESS) {
        agent_win_error(err, errsize, "cannot read its access control list", rc);
        return -1;
    }
    if (!owner || !(trusted_sid(owner) || current_user_sid(owner))) {
        snprintf(err, errsize, "owned by neither Administrators, SYSTEM nor this agent's user");
        result = -1;
    } else if (!dacl) {
        snprintf(err, errsize, "writable by everyone (no access control list)");
        result = -1;
    } else {
        for (DWORD i = 0; i < dacl->AceCount && result == 0; i++) {
            ACE_HEADER *ace;
            ACCESS_ALLOWED_ACE *allowed;
            PSID sid;
            char *name = NULL;

            if (!GetAce(dacl, i, (void **)&ace) || ace->AceType != ACCESS_ALLOWED_ACE_TYPE ||
                (ace->AceFlags & INHERIT_ONLY_ACE))
                continue;
            allowed = (ACCESS_ALLOWED_ACE *)ace;
            sid = (PSID)&allowed->SidStart;
            if (!(allowed->Mask & write_rights) || trusted_sid(sid) || EqualSid(sid, owner))
                continue;
            ConvertSidToStringSidA(sid, &name);
            snprintf(err, errsize, "writable by %s (not only Administrators, SYSTEM or its owner)",
                     name ? name : "another account");
            if (name)
                LocalFree(name);
            result = -1;
        }
    }
    LocalFree(sd);
    return result;
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
    char pattern[MAX_PATH * 3 + 8];
    wchar_t *w;
    WIN32_FIND_DATAW fd;
    HANDLE h;
    char **list = NULL;
    size_t count = 0;
    const char *suffix = agent_plugin_os_suffix();
    size_t slen = strlen(suffix);

    *names = NULL;
    *n = 0;
    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    w = omadm_platform_win32_wide(pattern);
    if (!w) {
        snprintf(err, errsize, "invalid directory name");
        return -1;
    }
    h = FindFirstFileW(w, &fd);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD code = GetLastError();
        if (code == ERROR_FILE_NOT_FOUND)
            return 0;
        agent_win_error(err, errsize, "cannot list", code);
        return -1;
    }
    do {
        char *name = omadm_platform_win32_narrow(fd.cFileName), **grown;
        size_t len = name ? strlen(name) : 0;

        if (!name)
            continue;
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || name[0] == '.' || len <= slen ||
            _stricmp(name + len - slen, suffix) != 0) {
            free(name);
            continue;
        }
        if (count == max) {
            free(name);
            snprintf(err, errsize, "more than %lu plugins", (unsigned long)max);
            goto fail;
        }
        grown = realloc(list, (count + 1) * sizeof *list);
        if (!grown) {
            free(name);
            snprintf(err, errsize, "out of memory");
            goto fail;
        }
        list = grown;
        list[count++] = name;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    if (count)
        qsort(list, count, sizeof *list, by_name);
    *names = list;
    *n = count;
    return 0;
fail:
    FindClose(h);
    agent_plugin_os_free_names(list, count);
    return -1;
}

void *agent_plugin_os_open(const char *path, char *err, size_t errsize)
{
    wchar_t *w = omadm_platform_win32_wide(path);
    HMODULE module;

    if (!w) {
        snprintf(err, errsize, "cannot load: invalid path");
        return NULL;
    }
    /* The DLL's own directory and System32 only: never the current
     * directory or PATH (DLL planting). */
    module =
        LoadLibraryExW(w, NULL, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    free(w);
    if (!module)
        agent_win_error(err, errsize, "cannot load", GetLastError());
    return (void *)module;
}

agent_plugin_os_fn agent_plugin_os_symbol(void *module, const char *name)
{
    FARPROC p = GetProcAddress((HMODULE)module, name);
    agent_plugin_os_fn fn = NULL;

    if (p)
        memcpy(&fn, &p, sizeof fn);
    return fn;
}

void agent_plugin_os_close(void *module)
{
    if (module)
        FreeLibrary((HMODULE)module);
}
