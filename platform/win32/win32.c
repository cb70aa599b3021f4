/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows platform layer (see win32.h). */
#include "platform/win32/win32.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <bcrypt.h>
#include <knownfolders.h>
#include <shlobj.h>

#include "core/log.h"
#include "platform/common/durable.h"
#include "platform/win32/smbios.h"
#include "platform/win32/wstr.h"

/* 100 ns intervals from 1601-01-01 to 1970-01-01. */
#define UNIX_EPOCH_FT 116444736000000000LL
#define FT_PER_SECOND 10000000LL
/* 'RSMB' as GetSystemFirmwareTable wants it (big-endian letters). */
#define RSMB_PROVIDER ((DWORD)'R' << 24 | (DWORD)'S' << 16 | (DWORD)'M' << 8 | (DWORD)'B')
#define SMBIOS_MAX    (1024 * 1024)
#define BOOT_ID_BYTES 16
/* How long to wait for another process that created the boot key to fill
 * it in. */
#define BOOT_KEY_WAIT_MS 2000
/* restart-requests.log is started afresh beyond this size. */
#define RESTART_LOG_MAX (64 * 1024)

/* InitiateShutdownW arguments: restart, close every session's programs
 * without asking, no grace period (a grace period shows a notice to the
 * signed-in user); "Application: Maintenance (Planned)". */
#define RESTART_FLAGS                                                                              \
    (SHUTDOWN_RESTART | SHUTDOWN_FORCE_OTHERS | SHUTDOWN_FORCE_SELF | SHUTDOWN_GRACE_OVERRIDE)
#ifndef ERROR_SHUTDOWN_IS_SCHEDULED
#define ERROR_SHUTDOWN_IS_SCHEDULED 1190L
#endif
#define RESTART_REASON                                                                             \
    (SHTDN_REASON_MAJOR_APPLICATION | SHTDN_REASON_MINOR_MAINTENANCE | SHTDN_REASON_FLAG_PLANNED)

typedef struct win32_ctx {
    omadm__durable state;
    wchar_t *boot_parent; /* HKLM subkey holding the volatile key */
    wchar_t *boot_leaf;   /* the volatile key's name */
    int allow_restart;
    omadm_platform_win32_shutdown_fn shutdown;
    void *shutdown_user;
} win32_ctx;

static int64_t filetime_to_unix(FILETIME ft)
{
    int64_t t = (int64_t)((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime);

    return (t - UNIX_EPOCH_FT) / FT_PER_SECOND;
}

static int64_t unix_now(void)
{
    FILETIME ft;

    GetSystemTimePreciseAsFileTime(&ft);
    return filetime_to_unix(ft);
}

static omadm_status win32_now(void *ctx, int64_t *unix_seconds)
{
    (void)ctx;
    if (!unix_seconds)
        return OMADM_ERR_INVALID;
    *unix_seconds = unix_now();
    return OMADM_OK;
}

static omadm_status win32_utc_offset(void *ctx, int64_t unix_seconds, int32_t *offset_seconds)
{
    /* FILETIME covers 1601..30827; keep well inside. */
    const int64_t lo = -11644473600LL, hi = 253402300799LL; /* 9999-12-31 */
    DYNAMIC_TIME_ZONE_INFORMATION tz;
    TIME_ZONE_INFORMATION year_tz;
    SYSTEMTIME utc, local;
    FILETIME ft, lft;
    int64_t v, lv;

    (void)ctx;
    if (!offset_seconds || unix_seconds < lo || unix_seconds > hi)
        return OMADM_ERR_INVALID;
    v = unix_seconds * FT_PER_SECOND + UNIX_EPOCH_FT;
    ft.dwLowDateTime = (DWORD)((uint64_t)v & 0xFFFFFFFFu);
    ft.dwHighDateTime = (DWORD)((uint64_t)v >> 32);
    if (!FileTimeToSystemTime(&ft, &utc))
        return OMADM_ERR_INVALID;
    /* The rules of that instant's year (zones change their daylight rules
     * over the years), falling back to the current rules. Not
     * SystemTimeToTzSpecificLocalTimeEx: wine 8 lacks it. */
    if (GetDynamicTimeZoneInformation(&tz) == TIME_ZONE_ID_INVALID ||
        !GetTimeZoneInformationForYear(utc.wYear, &tz, &year_tz) ||
        !SystemTimeToTzSpecificLocalTime(&year_tz, &utc, &local)) {
        if (!SystemTimeToTzSpecificLocalTime(NULL, &utc, &local))
            return OMADM_ERR_IO;
    }
    if (!SystemTimeToFileTime(&local, &lft))
        return OMADM_ERR_IO;
    lv = (int64_t)((uint64_t)lft.dwHighDateTime << 32 | lft.dwLowDateTime);
    *offset_seconds = (int32_t)((lv - v) / FT_PER_SECOND);
    return OMADM_OK;
}

/* --- boot identity ---------------------------------------------------------- */

static omadm_status status_from_win32(LONG err)
{
    switch (err) {
    case ERROR_SUCCESS:
        return OMADM_OK;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return OMADM_ERR_NOT_FOUND;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        return OMADM_ERR_ACCESS;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return OMADM_ERR_NOMEM;
    case ERROR_MORE_DATA:
        return OMADM_ERR_LIMIT;
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_NOT_SUPPORTED:
        return OMADM_ERR_UNSUPPORTED;
    default:
        return OMADM_ERR_IO;
    }
}

/* Reads BootId (REG_SZ, 32 hex digits) and BootTime (REG_QWORD). */
static omadm_status read_boot_values(HKEY k, char id[2 * BOOT_ID_BYTES + 1], int64_t *boot_time)
{
    wchar_t wid[2 * BOOT_ID_BYTES + 2];
    DWORD size = sizeof wid;
    uint64_t t = 0;
    LONG r;
    int i;

    r = RegGetValueW(k, NULL, L"BootId", RRF_RT_REG_SZ, NULL, wid, &size);
    if (r != ERROR_SUCCESS)
        return r == ERROR_MORE_DATA ? OMADM_ERR_CORRUPT : status_from_win32(r);
    for (i = 0; i < 2 * BOOT_ID_BYTES; i++) {
        wchar_t ch = wid[i];
        if (!((ch >= L'0' && ch <= L'9') || (ch >= L'a' && ch <= L'f')))
            return OMADM_ERR_CORRUPT;
        id[i] = (char)ch;
    }
    if (wid[i] != L'\0')
        return OMADM_ERR_CORRUPT;
    id[i] = '\0';
    size = sizeof t;
    r = RegGetValueW(k, NULL, L"BootTime", RRF_RT_REG_QWORD, NULL, &t, &size);
    if (r != ERROR_SUCCESS)
        return r == ERROR_FILE_NOT_FOUND ? OMADM_ERR_CORRUPT : status_from_win32(r);
    *boot_time = (int64_t)t;
    return OMADM_OK;
}

/* Writes a new identity: BootTime first, BootId last (its presence says the
 * key is complete). */
static omadm_status write_boot_values(HKEY k, char id[2 * BOOT_ID_BYTES + 1], int64_t *boot_time)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[BOOT_ID_BYTES];
    wchar_t wid[2 * BOOT_ID_BYTES + 1];
    uint64_t t;
    LONG r;
    int i;

    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, raw, sizeof raw, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
        return OMADM_ERR_IO;
    for (i = 0; i < BOOT_ID_BYTES; i++) {
        wid[2 * i] = (wchar_t)hex[raw[i] >> 4];
        wid[2 * i + 1] = (wchar_t)hex[raw[i] & 15];
        id[2 * i] = hex[raw[i] >> 4];
        id[2 * i + 1] = hex[raw[i] & 15];
    }
    wid[2 * BOOT_ID_BYTES] = L'\0';
    id[2 * BOOT_ID_BYTES] = '\0';
    /* The tick count runs from boot (sleep included). */
    t = (uint64_t)(unix_now() - (int64_t)(GetTickCount64() / 1000));
    r = RegSetValueExW(k, L"BootTime", 0, REG_QWORD, (const BYTE *)&t, sizeof t);
    if (r == ERROR_SUCCESS)
        r = RegSetValueExW(k, L"BootId", 0, REG_SZ, (const BYTE *)wid, sizeof wid);
    if (r != ERROR_SUCCESS)
        return status_from_win32(r);
    *boot_time = (int64_t)t;
    return OMADM_OK;
}

/* The current boot's identity and start time, created at the first call of
 * the boot (by whichever process comes first). */
static omadm_status boot_record(win32_ctx *c, char id[2 * BOOT_ID_BYTES + 1], int64_t *boot_time)
{
    HKEY parent, k;
    DWORD disp = 0, waited = 0;
    LONG r;
    omadm_status st;

    /* The parent is an ordinary key: created volatile by accident, it would
     * refuse ordinary subkeys later. */
    r = RegCreateKeyExW(HKEY_LOCAL_MACHINE, c->boot_parent, 0, NULL, REG_OPTION_NON_VOLATILE,
                        KEY_CREATE_SUB_KEY, NULL, &parent, NULL);
    if (r != ERROR_SUCCESS) {
        /* Not allowed to create it: read an identity made by the service. */
        r = RegOpenKeyExW(HKEY_LOCAL_MACHINE, c->boot_parent, 0, KEY_ENUMERATE_SUB_KEYS, &parent);
        if (r != ERROR_SUCCESS)
            return status_from_win32(r);
    }
    r = RegCreateKeyExW(parent, c->boot_leaf, 0, NULL, REG_OPTION_VOLATILE,
                        KEY_QUERY_VALUE | KEY_SET_VALUE, NULL, &k, &disp);
    if (r == ERROR_ACCESS_DENIED)
        r = RegOpenKeyExW(parent, c->boot_leaf, 0, KEY_QUERY_VALUE, &k);
    RegCloseKey(parent);
    if (r != ERROR_SUCCESS) {
        omadm__log(OMADM_LOG_ERROR, "boot identity: cannot open HKLM\\...\\%ls: error %ld",
                   c->boot_leaf, (long)r);
        return status_from_win32(r);
    }
    if (disp == REG_CREATED_NEW_KEY) {
        st = write_boot_values(k, id, boot_time);
    } else {
        /* Another process may be between creating the key and filling it. */
        while ((st = read_boot_values(k, id, boot_time)) == OMADM_ERR_NOT_FOUND &&
               waited < BOOT_KEY_WAIT_MS) {
            Sleep(20);
            waited += 20;
        }
        if (st == OMADM_ERR_NOT_FOUND || st == OMADM_ERR_CORRUPT) {
            /* Its creator died half-way, or the values were tampered with. */
            omadm__log(OMADM_LOG_WARN, "boot identity: incomplete key, making a new identity");
            st = write_boot_values(k, id, boot_time);
        }
    }
    RegCloseKey(k);
    return st;
}

static omadm_status win32_boot_id(void *ctx, char *buf, size_t size)
{
    char id[2 * BOOT_ID_BYTES + 1];
    int64_t t;
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    st = boot_record(ctx, id, &t);
    if (st != OMADM_OK)
        return st;
    return omadm__copy_string(buf, size, id);
}

static omadm_status win32_boot_time(void *ctx, int64_t *unix_seconds)
{
    char id[2 * BOOT_ID_BYTES + 1];

    if (!unix_seconds)
        return OMADM_ERR_INVALID;
    return boot_record(ctx, id, unix_seconds);
}

/* --- restart ---------------------------------------------------------------- */

/* Looks for SE_SHUTDOWN_NAME in the process token: OMADM_OK when present
 * (enabled or not: we may enable it), OMADM_ERR_ACCESS when absent. */
static omadm_status shutdown_privilege_held(void)
{
    HANDLE tok;
    LUID luid;
    DWORD size = 0, i;
    TOKEN_PRIVILEGES *tp;
    omadm_status st = OMADM_ERR_ACCESS;

    if (!LookupPrivilegeValueW(NULL, L"SeShutdownPrivilege", &luid))
        return OMADM_ERR_IO;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return OMADM_ERR_IO;
    GetTokenInformation(tok, TokenPrivileges, NULL, 0, &size);
    tp = size ? malloc(size) : NULL;
    if (!tp || !GetTokenInformation(tok, TokenPrivileges, tp, size, &size)) {
        free(tp);
        CloseHandle(tok);
        return tp ? OMADM_ERR_IO : OMADM_ERR_NOMEM;
    }
    for (i = 0; i < tp->PrivilegeCount; i++)
        if (tp->Privileges[i].Luid.LowPart == luid.LowPart &&
            tp->Privileges[i].Luid.HighPart == luid.HighPart &&
            !(tp->Privileges[i].Attributes & SE_PRIVILEGE_REMOVED))
            st = OMADM_OK;
    free(tp);
    CloseHandle(tok);
    return st;
}

static omadm_status enable_shutdown_privilege(void)
{
    HANDLE tok;
    TOKEN_PRIVILEGES tp;
    DWORD err;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &tok))
        return status_from_win32((LONG)GetLastError());
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    if (!LookupPrivilegeValueW(NULL, L"SeShutdownPrivilege", &tp.Privileges[0].Luid)) {
        CloseHandle(tok);
        return OMADM_ERR_IO;
    }
    /* Succeeds even when the privilege is not held: then the last error is
     * ERROR_NOT_ALL_ASSIGNED. */
    SetLastError(ERROR_SUCCESS);
    AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL);
    err = GetLastError();
    CloseHandle(tok);
    if (err == ERROR_NOT_ALL_ASSIGNED)
        return OMADM_ERR_ACCESS;
    return err == ERROR_SUCCESS ? OMADM_OK : status_from_win32((LONG)err);
}

static omadm_status restart_permitted(win32_ctx *c, const char **why)
{
    omadm_status st;

    if (!c->allow_restart) {
        *why = "not allowed on this platform (the agent allows it only with --platform native)";
        return OMADM_ERR_ACCESS;
    }
    st = shutdown_privilege_held();
    if (st != OMADM_OK)
        *why = st == OMADM_ERR_ACCESS ? "the account lacks SeShutdownPrivilege"
                                      : "cannot read the process token";
    return st;
}

static omadm_status win32_can_restart(void *ctx)
{
    const char *why = "";

    return restart_permitted(ctx, &why);
}

static unsigned long call_initiate_shutdown(void *user, unsigned long grace, unsigned long flags,
                                            unsigned long reason)
{
    (void)user;
    return InitiateShutdownW(NULL, NULL, grace, flags, reason);
}

/* One line per request in restart-requests.log, for whoever audits the
 * device; a failure to write it does not stop the restart. */
static void record_restart(win32_ctx *c, int64_t now, int64_t deadline, const char *reason,
                           const char *result)
{
    char line[400], clean[201];
    char *old = NULL;
    size_t i, len = 0;
    omadm_status st;

    for (i = 0; reason && reason[i] && i < sizeof clean - 1; i++)
        clean[i] = (unsigned char)reason[i] < ' ' || reason[i] == 0x7f ? ' ' : reason[i];
    clean[i] = '\0';
    snprintf(line, sizeof line,
             "requested_at=%" PRId64 " deadline=%" PRId64 " flags=0x%lx reason_code=0x%lx "
             "result=%s reason=%s\r\n",
             now, deadline, (unsigned long)RESTART_FLAGS, (unsigned long)RESTART_REASON, result,
             clean);
    st = omadm__durable_read(&c->state, OMADM_PLATFORM_WIN32_RESTART_LOG, RESTART_LOG_MAX, &old,
                             &len);
    free(old);
    if (st == OMADM_ERR_LIMIT)
        st =
            omadm__durable_replace(&c->state, OMADM_PLATFORM_WIN32_RESTART_LOG, line, strlen(line));
    else
        st = omadm__durable_append(&c->state, OMADM_PLATFORM_WIN32_RESTART_LOG, line, strlen(line));
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_WARN, "restart: cannot record the request: %s", omadm_status_str(st));
}

static omadm_status win32_request_restart(void *ctx, int64_t deadline, const char *reason)
{
    win32_ctx *c = ctx;
    const char *why = "";
    int64_t now = unix_now();
    unsigned long err;
    char result[64];
    omadm_status st;

    st = restart_permitted(c, &why);
    if (st == OMADM_OK) {
        st = enable_shutdown_privilege();
        why = "cannot enable SeShutdownPrivilege";
    }
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_WARN, "restart refused: %s", why);
        record_restart(c, now, deadline, reason, "refused");
        return st == OMADM_ERR_IO ? OMADM_ERR_ACCESS : st;
    }
    /* Restarting at once meets any deadline; the deadline only bounds the
     * latest acceptable time. */
    omadm__log(OMADM_LOG_INFO, "restart requested (deadline %" PRId64 "): %s", deadline,
               reason ? reason : "");
    err = (c->shutdown ? c->shutdown : call_initiate_shutdown)(c->shutdown_user, 0, RESTART_FLAGS,
                                                               RESTART_REASON);
    switch (err) {
    case ERROR_SUCCESS:
        st = OMADM_OK;
        break;
    case ERROR_SHUTDOWN_IN_PROGRESS:
    case ERROR_SHUTDOWN_IS_SCHEDULED:
        /* The machine is going down anyway. */
        omadm__log(OMADM_LOG_WARN, "restart: a shutdown is already under way (error %lu)", err);
        st = OMADM_OK;
        break;
    case ERROR_CALL_NOT_IMPLEMENTED: /* wine: InitiateShutdownW is a stub */
        st = OMADM_ERR_UNSUPPORTED;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        st = OMADM_ERR_ACCESS;
        break;
    default:
        st = OMADM_ERR_IO;
        break;
    }
    if (st == OMADM_OK && err == ERROR_SUCCESS)
        snprintf(result, sizeof result, "accepted");
    else
        snprintf(result, sizeof result, "%s(error-%lu)", st == OMADM_OK ? "accepted" : "failed",
                 err);
    record_restart(c, now, deadline, reason, result);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "restart: InitiateShutdownW failed: error %lu", err);
    return st;
}

/* --- device facts ----------------------------------------------------------- */

static omadm_status copy_wide(char *buf, size_t size, const wchar_t *w)
{
    char *s = omadm_platform_win32_narrow(w);
    omadm_status st;

    if (!s)
        return OMADM_ERR_NOMEM;
    st = *s ? omadm__copy_string(buf, size, s) : OMADM_ERR_NOT_FOUND;
    free(s);
    return st;
}

static omadm_status smbios_facts(omadm__smbios_facts *facts)
{
    UINT n = GetSystemFirmwareTable(RSMB_PROVIDER, 0, NULL, 0);
    uint8_t *raw;
    omadm_status st;

    if (n == 0 || n > SMBIOS_MAX)
        return OMADM_ERR_NOT_FOUND;
    raw = malloc(n);
    if (!raw)
        return OMADM_ERR_NOMEM;
    if (GetSystemFirmwareTable(RSMB_PROVIDER, 0, raw, n) != n)
        st = OMADM_ERR_IO;
    else
        st = omadm__smbios_parse(raw, n, facts);
    free(raw);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_WARN, "SMBIOS table unusable: %s", omadm_status_str(st));
    return st;
}

static omadm_status registry_string(const wchar_t *value, char *buf, size_t size)
{
    wchar_t w[256];
    DWORD n = sizeof w;
    LONG r = RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                          value, RRF_RT_REG_SZ, NULL, w, &n);

    if (r != ERROR_SUCCESS)
        return r == ERROR_MORE_DATA ? OMADM_ERR_LIMIT : OMADM_ERR_NOT_FOUND;
    return copy_wide(buf, size, w);
}

/* The MachineGuid (sysprep makes a new one). */
static omadm_status win32_machine_id(void *ctx, char *buf, size_t size)
{
    wchar_t w[128];
    DWORD n = sizeof w;
    LONG r;

    (void)ctx;
    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    r = RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Cryptography", L"MachineGuid",
                     RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY, NULL, w, &n);
    if (r != ERROR_SUCCESS)
        return r == ERROR_MORE_DATA ? OMADM_ERR_LIMIT : OMADM_ERR_NOT_FOUND;
    return copy_wide(buf, size, w);
}

typedef LONG(WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);

/* The real version (GetVersionExW answers 6.2 to programs without a
 * compatibility manifest), with the update build revision when known:
 * "10.0.19045.2965". */
static omadm_status os_version(char *buf, size_t size, DWORD *build)
{
    OSVERSIONINFOW v;
    rtl_get_version_fn get;
    DWORD ubr = 0, n = sizeof ubr;
    char text[64];
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

    memset(&v, 0, sizeof v);
    v.dwOSVersionInfoSize = sizeof v;
    get = ntdll ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    if (!get || get(&v) != 0)
        return OMADM_ERR_NOT_FOUND;
    if (build)
        *build = v.dwBuildNumber;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", L"UBR",
                     RRF_RT_REG_DWORD, NULL, &ubr, &n) == ERROR_SUCCESS)
        snprintf(text, sizeof text, "%lu.%lu.%lu.%lu", v.dwMajorVersion, v.dwMinorVersion,
                 v.dwBuildNumber, ubr);
    else
        snprintf(text, sizeof text, "%lu.%lu.%lu", v.dwMajorVersion, v.dwMinorVersion,
                 v.dwBuildNumber);
    return omadm__copy_string(buf, size, text);
}

static omadm_status os_platform(char *buf, size_t size)
{
    char ver[64];
    DWORD build = 0;
    omadm_status st = registry_string(L"ProductName", buf, size);

    /* Windows 11 still calls itself "Windows 10 ..." in ProductName. */
    if (st == OMADM_OK && os_version(ver, sizeof ver, &build) == OMADM_OK && build >= 22000 &&
        strncmp(buf, "Windows 10", 10) == 0 && size > 10)
        buf[9] = '1';
    return st;
}

static omadm_status win32_device_fact(void *ctx, omadm_fact fact, char *buf, size_t size)
{
    omadm__smbios_facts sm;
    const char *value = NULL;
    omadm_status st;

    (void)ctx;
    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    buf[0] = '\0';
    switch (fact) {
    case OMADM_FACT_MANUFACTURER:
    case OMADM_FACT_MODEL:
    case OMADM_FACT_FIRMWARE_VERSION:
    case OMADM_FACT_HARDWARE_VERSION:
    case OMADM_FACT_SERIAL_NUMBER:
        st = smbios_facts(&sm);
        if (st != OMADM_OK)
            return st == OMADM_ERR_NOMEM ? st : OMADM_ERR_NOT_FOUND;
        value = fact == OMADM_FACT_MANUFACTURER       ? sm.manufacturer
                : fact == OMADM_FACT_MODEL            ? sm.product
                : fact == OMADM_FACT_FIRMWARE_VERSION ? sm.bios_version
                : fact == OMADM_FACT_HARDWARE_VERSION ? sm.version
                                                      : sm.serial;
        return *value ? omadm__copy_string(buf, size, value) : OMADM_ERR_NOT_FOUND;
    case OMADM_FACT_LANGUAGE: {
        wchar_t w[LOCALE_NAME_MAX_LENGTH];
        if (!GetSystemDefaultLocaleName(w, LOCALE_NAME_MAX_LENGTH))
            return OMADM_ERR_NOT_FOUND;
        return copy_wide(buf, size, w);
    }
    case OMADM_FACT_OS_VERSION:
        return os_version(buf, size, NULL);
    case OMADM_FACT_OS_PLATFORM:
        return os_platform(buf, size);
    case OMADM_FACT_DEVICE_NAME: {
        wchar_t w[256];
        DWORD n = sizeof w / sizeof w[0];
        if (!GetComputerNameExW(ComputerNameDnsHostname, w, &n))
            return GetLastError() == ERROR_MORE_DATA ? OMADM_ERR_LIMIT : OMADM_ERR_NOT_FOUND;
        return copy_wide(buf, size, w);
    }
    case OMADM_FACT_TOTAL_RAM_MB: {
        MEMORYSTATUSEX m;
        char text[32];
        m.dwLength = sizeof m;
        if (!GlobalMemoryStatusEx(&m))
            return OMADM_ERR_NOT_FOUND;
        snprintf(text, sizeof text, "%llu", (unsigned long long)(m.ullTotalPhys / (1024 * 1024)));
        return omadm__copy_string(buf, size, text);
    }
    case OMADM_FACT_COUNT:
    default:
        return OMADM_ERR_INVALID;
    }
}

/* --- durable files ------------------------------------------------------------ */

static omadm_status win32_file_read(void *ctx, const char *name, size_t max, char **data,
                                    size_t *len)
{
    return omadm__durable_read(&((win32_ctx *)ctx)->state, name, max, data, len);
}

static omadm_status win32_file_replace(void *ctx, const char *name, const void *data, size_t len)
{
    return omadm__durable_replace(&((win32_ctx *)ctx)->state, name, data, len);
}

static omadm_status win32_file_remove(void *ctx, const char *name)
{
    return omadm__durable_remove(&((win32_ctx *)ctx)->state, name);
}

static omadm_status win32_file_list(void *ctx, const char *prefix, omadm_platform_list_cb cb,
                                    void *user)
{
    return omadm__durable_list(&((win32_ctx *)ctx)->state, prefix, cb, user);
}

static void win32_destroy(void *ctx)
{
    win32_ctx *c = ctx;

    if (!c)
        return;
    omadm__durable_close(&c->state);
    free(c->boot_parent);
    free(c->boot_leaf);
    free(c);
}

omadm_status omadm_platform_win32_default_dir(char *buf, size_t size)
{
    PWSTR dir = NULL;
    char *s;
    omadm_status st;

    if (!buf || size == 0)
        return OMADM_ERR_INVALID;
    if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &dir) != S_OK) {
        CoTaskMemFree(dir);
        return OMADM_ERR_NOT_FOUND;
    }
    s = omadm_platform_win32_narrow(dir);
    CoTaskMemFree(dir);
    if (!s)
        return OMADM_ERR_NOMEM;
    st = omadm__copy_string(buf, size, s);
    if (st == OMADM_OK && strlen(s) + sizeof "\\omadm-agent" > size)
        st = OMADM_ERR_LIMIT;
    if (st == OMADM_OK)
        strcat(buf, "\\omadm-agent");
    free(s);
    return st;
}

/* Splits "A\B\C" into "A\B" and "C" (UTF-16, malloc'd). */
static omadm_status split_key(const char *key, wchar_t **parent, wchar_t **leaf)
{
    const char *sep = strrchr(key, '\\');
    char *p;

    if (!sep || sep == key || !sep[1])
        return OMADM_ERR_INVALID;
    p = malloc((size_t)(sep - key) + 1);
    if (!p)
        return OMADM_ERR_NOMEM;
    memcpy(p, key, (size_t)(sep - key));
    p[sep - key] = '\0';
    *parent = omadm_platform_win32_wide(p);
    *leaf = omadm_platform_win32_wide(sep + 1);
    free(p);
    return *parent && *leaf ? OMADM_OK : OMADM_ERR_NOMEM;
}

omadm_status omadm_platform_win32_new_with(omadm_platform *out, const char *state_dir,
                                           const omadm_platform_win32_options *options)
{
    static const omadm_platform_win32_options defaults = OMADM_PLATFORM_WIN32_OPTIONS_INIT;
    char dir[MAX_PATH * 3];
    win32_ctx *c;
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!options)
        options = &defaults;
    if (options->version != OMADM_PLATFORM_WIN32_OPTIONS_VERSION || (state_dir && !*state_dir))
        return OMADM_ERR_INVALID;
    if (!state_dir) {
        st = omadm_platform_win32_default_dir(dir, sizeof dir);
        if (st != OMADM_OK)
            return st;
        state_dir = dir;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        return OMADM_ERR_NOMEM;
    st = split_key(options->boot_key ? options->boot_key : OMADM_PLATFORM_WIN32_BOOT_KEY,
                   &c->boot_parent, &c->boot_leaf);
    if (st == OMADM_OK)
        st = omadm__durable_open(&c->state, state_dir);
    if (st != OMADM_OK) {
        win32_destroy(c);
        return st;
    }
    c->allow_restart = options->allow_restart;
    c->shutdown = options->shutdown;
    c->shutdown_user = options->shutdown_user;

    out->version = OMADM_PLATFORM_VERSION;
    out->ctx = c;
    out->now = win32_now;
    out->utc_offset = win32_utc_offset;
    out->boot_id = win32_boot_id;
    out->boot_time = win32_boot_time;
    out->request_restart = win32_request_restart;
    out->device_fact = win32_device_fact;
    out->file_read = win32_file_read;
    out->file_replace = win32_file_replace;
    out->file_remove = win32_file_remove;
    out->file_list = win32_file_list;
    out->destroy = win32_destroy;
    out->can_restart = win32_can_restart;
    out->machine_id = win32_machine_id;
    return OMADM_OK;
}

omadm_status omadm_platform_win32_new(omadm_platform *out, const char *state_dir, int allow_restart)
{
    omadm_platform_win32_options options = OMADM_PLATFORM_WIN32_OPTIONS_INIT;

    options.allow_restart = allow_restart;
    return omadm_platform_win32_new_with(out, state_dir, &options);
}
