/* SPDX-License-Identifier: Apache-2.0 */
/* The MSI's validation custom action (omadm-agent-msi.dll, entry
 * CheckProperties): runs before anything is installed, checks the
 * installer's properties with the agent's own configuration parser
 * (agent_service_check_assignments, the code `service configure` runs) and
 * fails the installation with the parser's reason. Windows Installer writes
 * an INSTALLMESSAGE_ERROR record to the /l*v log (and shows it when the UI
 * is not quiet); without this the reason of a rolled-back install was only
 * in the Event Log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <msi.h>
#include <msiquery.h>

#include "agent/service_win32.h"
#include "platform/win32/wstr.h"

/* Installer property -> `service configure` key (the .wxs's ConfigureAgent
 * command line). */
static const struct {
    const wchar_t *property;
    const char *key;
} properties[] = {
    { L"SERVERURL", "server" },
    { L"DEVICEID", "device_id" },
    { L"CERT", "cert" },
    { L"CA", "ca" },
    { L"LOGLEVEL", "log_level" },
    { L"PROXY", "proxy" },
    { L"POLLINTERVAL", "poll_interval" },
    { L"ENROLLURL", "enroll_url" },
    { L"ENROLLUSER", "enroll_user" },
    { L"ENROLLSECRET", "enroll_secret" },
    { L"ENROLLTOKEN", "enroll_token" },
};
#define N_PROPERTIES (sizeof properties / sizeof properties[0])

/* The property's value as UTF-8 (malloc), "" when unset; NULL on failure. */
static char *property_utf8(MSIHANDLE install, const wchar_t *name)
{
    DWORD n = 0;
    wchar_t empty[1] = L"";
    wchar_t *w;
    char *out;

    if (MsiGetPropertyW(install, name, empty, &n) != ERROR_MORE_DATA)
        return _strdup("");
    w = malloc(((size_t)n + 1) * sizeof *w);
    if (!w)
        return NULL;
    n++;
    if (MsiGetPropertyW(install, name, w, &n) != ERROR_SUCCESS) {
        free(w);
        return NULL;
    }
    out = omadm_platform_win32_narrow(w);
    free(w);
    return out;
}

/* "omadm-agent: <reason>" as an error record: the /l*v log gets it. */
static void report(MSIHANDLE install, const char *reason)
{
    char line[1200];
    wchar_t *w;
    MSIHANDLE rec;

    snprintf(line, sizeof line, "omadm-agent: the installation's properties are refused: %s",
             reason);
    w = omadm_platform_win32_wide(line);
    rec = MsiCreateRecord(1);
    if (w && rec) {
        MsiRecordSetStringW(rec, 0, L"[1]");
        MsiRecordSetStringW(rec, 1, w);
        MsiProcessMessage(install, INSTALLMESSAGE_ERROR, rec);
    }
    if (rec)
        MsiCloseHandle(rec);
    free(w);
}

/* The DLL's one export: the .wxs's CustomAction DllEntry. */
__declspec(dllexport) UINT __stdcall CheckProperties(MSIHANDLE install);

UINT __stdcall CheckProperties(MSIHANDLE install)
{
    char *assign[N_PROPERTIES] = { 0 }, err[1024] = "";
    UINT rc = ERROR_INSTALL_FAILURE;
    size_t i;

    for (i = 0; i < N_PROPERTIES; i++) {
        char *v = property_utf8(install, properties[i].property);
        size_t n;

        if (!v)
            break;
        n = strlen(properties[i].key) + 1 + strlen(v) + 1;
        assign[i] = malloc(n);
        if (assign[i])
            snprintf(assign[i], n, "%s=%s", properties[i].key, v);
        free(v);
        if (!assign[i])
            break;
    }
    if (i < N_PROPERTIES)
        report(install, "cannot read the installer's properties (out of memory)");
    else if (agent_service_check_assignments((int)N_PROPERTIES, (const char *const *)assign, err,
                                             sizeof err) < 0)
        report(install, err);
    else
        rc = ERROR_SUCCESS;
    for (i = 0; i < N_PROPERTIES; i++)
        free(assign[i]);
    return rc;
}
