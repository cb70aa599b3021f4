/* SPDX-License-Identifier: Apache-2.0 */
/* `service configure`'s enrollment secret (see service_enroll.h): the MSI's
 * ENROLLSECRET or ENROLLTOKEN goes into a file only SYSTEM and
 * Administrators can open, and the configuration names that file. */
#include "agent/service_enroll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <sddl.h>

#include "platform/win32/wstr.h"

/* SYSTEM and Administrators, full control; protected: nothing inherited
 * from the directory can widen it. */
#define SECRET_FILE_SDDL L"D:P(A;;FA;;;SY)(A;;FA;;;BA)"

/* Writes `value` to `path` atomically (a temporary file created with the
 * owner-only ACL, flushed, then moved over `path`). */
static int write_private(const char *path, const char *value, char *err, size_t errsize)
{
    char tmp[MAX_PATH * 3 + 16];
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
    wchar_t *wt = NULL, *wp = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD put = 0, code = 0;
    int ok = 0;

    snprintf(tmp, sizeof tmp, "%s.new", path);
    wt = omadm_platform_win32_wide(tmp);
    wp = omadm_platform_win32_wide(path);
    if (!wt || !wp ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(SECRET_FILE_SDDL, SDDL_REVISION_1,
                                                              &sa.lpSecurityDescriptor, NULL)) {
        snprintf(err, errsize, "%s: cannot build its access list", path);
        goto out;
    }
    h = CreateFileW(wt, GENERIC_WRITE, 0, &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ok = h != INVALID_HANDLE_VALUE && WriteFile(h, value, (DWORD)strlen(value), &put, NULL) &&
         put == strlen(value) && FlushFileBuffers(h);
    if (!ok)
        code = GetLastError();
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    if (ok && !MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        code = GetLastError();
        ok = 0;
    }
    if (!ok) {
        snprintf(err, errsize, "%s: cannot write it (error %lu)", path, (unsigned long)code);
        DeleteFileW(wt);
    }
out:
    if (sa.lpSecurityDescriptor)
        LocalFree(sa.lpSecurityDescriptor);
    free(wt);
    free(wp);
    return ok ? 0 : -1;
}

char *agent_service_enroll_assignment(const char *assignment, const char *dir, char *err,
                                      size_t errsize)
{
    static const struct {
        const char *prefix, *file, *key;
    } kinds[] = {
        { "enroll_secret=", AGENT_ENROLL_SECRET_FILE, "secret_file" },
        { "enroll_token=", AGENT_ENROLL_TOKEN_FILE, "token_file" },
    };
    char path[MAX_PATH * 3], *out;
    const char *value = NULL;
    size_t i, n;

    *err = '\0';
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strncmp(assignment, kinds[i].prefix, strlen(kinds[i].prefix)) == 0) {
            value = assignment + strlen(kinds[i].prefix);
            break;
        }
    if (!value)
        return NULL;
    if (!*value) { /* an MSI property left unset: "secret_file=" changes nothing */
        n = strlen(kinds[i].key) + 2;
        out = malloc(n);
        if (!out)
            snprintf(err, errsize, "out of memory");
        else
            snprintf(out, n, "%s=", kinds[i].key);
        return out;
    }
    for (const char *c = value; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errsize, "%.*s: control characters are not allowed",
                     (int)strlen(kinds[i].prefix) - 1, kinds[i].prefix);
            return NULL;
        }
    n = (size_t)snprintf(path, sizeof path, "%s\\%s", dir, kinds[i].file);
    if (n >= sizeof path) {
        snprintf(err, errsize, "the state directory's name is too long");
        return NULL;
    }
    if (write_private(path, value, err, errsize) < 0)
        return NULL;
    n = strlen(kinds[i].key) + 1 + strlen(path) + 1;
    out = malloc(n);
    if (!out) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    snprintf(out, n, "%s=%s", kinds[i].key, path);
    return out;
}
