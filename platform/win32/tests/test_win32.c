/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows platform layer, run under wine (or on Windows): durable files
 * in a UTF-8 state directory, the volatile-key boot identity, device facts
 * against independent sources, the restart path up to the shutdown call
 * (replaced by a recorder: a test never restarts anything), time zones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <windows.h>

#ifndef ERROR_SHUTDOWN_IS_SCHEDULED /* not in every mingw winerror.h */
#define ERROR_SHUTDOWN_IS_SCHEDULED 1190L
#endif

#include "platform/win32/win32.h"
#include "platform/win32/wstr.h"

static wchar_t test_root[MAX_PATH];
static char boot_key[128];
static wchar_t boot_key_top[128];

static int under_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static void remove_tree(const wchar_t *dir)
{
    wchar_t pattern[MAX_PATH], path[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;

    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    h = FindFirstFileW(pattern, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
                continue;
            swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                remove_tree(path);
            else
                DeleteFileW(path);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryW(dir);
}

static int setup(void **state)
{
    wchar_t tmp[MAX_PATH];
    static unsigned counter;

    (void)state;
    GetTempPathW(MAX_PATH, tmp);
    swprintf(test_root, MAX_PATH, L"%lsomadm-win32-test-%lu-%u", tmp,
             (unsigned long)GetCurrentProcessId(), counter++);
    snprintf(boot_key, sizeof boot_key, "SOFTWARE\\omadm-agent-test-%lu\\Boot",
             (unsigned long)GetCurrentProcessId());
    swprintf(boot_key_top, 128, L"SOFTWARE\\omadm-agent-test-%lu",
             (unsigned long)GetCurrentProcessId());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(test_root);
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, boot_key_top);
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, boot_key_top);
    return 0;
}

/* The state directory as UTF-8, with a non-ASCII component so that the
 * UTF-8 -> UTF-16 conversion at every file call is exercised. */
static char *state_dir(void)
{
    wchar_t w[MAX_PATH];
    char *s;

    swprintf(w, MAX_PATH, L"%ls\\\u00e9tat-\u00fc", test_root);
    s = omadm_platform_win32_narrow(w);
    assert_non_null(s);
    return s;
}

static void make_platform(omadm_platform *p, int allow_restart, omadm_platform_win32_shutdown_fn fn,
                          void *user)
{
    omadm_platform_win32_options o = OMADM_PLATFORM_WIN32_OPTIONS_INIT;
    char *dir = state_dir();

    o.allow_restart = allow_restart;
    o.boot_key = boot_key;
    o.shutdown = fn;
    o.shutdown_user = user;
    assert_int_equal(omadm_platform_win32_new_with(p, dir, &o), OMADM_OK);
    free(dir);
}

/* --- durable files --------------------------------------------------------- */

typedef struct names {
    char list[16][64];
    int n;
} names;

static int collect(void *user, const char *name)
{
    names *n = user;
    if (n->n < 16)
        snprintf(n->list[n->n++], 64, "%s", name);
    return 0;
}

static int count_dir_entries(const wchar_t *dir)
{
    wchar_t pattern[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;
    int n = 0;

    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    h = FindFirstFileW(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    do {
        if (wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L".."))
            n++;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return n;
}

static void test_files_round_trip(void **state)
{
    omadm_platform p;
    char *data = NULL;
    size_t len = 0;
    names n = { 0 };
    wchar_t dir[MAX_PATH], file[MAX_PATH];

    (void)state;
    make_platform(&p, 0, NULL, NULL);
    assert_int_equal(p.file_read(p.ctx, "outbox-1", 1024, &data, &len), OMADM_ERR_NOT_FOUND);
    assert_int_equal(p.file_replace(p.ctx, "outbox-2", "second", 6), OMADM_OK);
    assert_int_equal(p.file_replace(p.ctx, "outbox-1", "first", 5), OMADM_OK);
    assert_int_equal(p.file_replace(p.ctx, "other", "x", 1), OMADM_OK);
    /* Replacing an existing file (MoveFileExW over it). */
    assert_int_equal(p.file_replace(p.ctx, "outbox-1", "first, again", 12), OMADM_OK);
    assert_int_equal(p.file_read(p.ctx, "outbox-1", 1024, &data, &len), OMADM_OK);
    assert_int_equal(len, 12);
    assert_memory_equal(data, "first, again", 13); /* NUL-terminated */
    free(data);
    assert_int_equal(p.file_read(p.ctx, "outbox-1", 11, &data, &len), OMADM_ERR_LIMIT);

    assert_int_equal(p.file_list(p.ctx, "outbox-", collect, &n), OMADM_OK);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.list[0], "outbox-1");
    assert_string_equal(n.list[1], "outbox-2");

    /* The files really are in the UTF-16 named directory, and no temp file
     * is left beside them. */
    swprintf(dir, MAX_PATH, L"%ls\\\u00e9tat-\u00fc", test_root);
    swprintf(file, MAX_PATH, L"%ls\\outbox-2", dir);
    assert_int_not_equal(GetFileAttributesW(file), INVALID_FILE_ATTRIBUTES);
    assert_int_equal(count_dir_entries(dir), 3);

    assert_int_equal(p.file_remove(p.ctx, "outbox-2"), OMADM_OK);
    assert_int_equal(p.file_remove(p.ctx, "outbox-2"), OMADM_ERR_NOT_FOUND);
    assert_int_equal(GetFileAttributesW(file), INVALID_FILE_ATTRIBUTES);
    p.destroy(p.ctx);
}

static void test_file_names_checked(void **state)
{
    omadm_platform p;
    static const char *const bad[] = { "",    "..",       ".",   "a\\b", "a/b",
                                       "C:x", ".tmp-x-1", "a b", "nul:", "\xc3\xa9" };
    size_t i;

    (void)state;
    make_platform(&p, 0, NULL, NULL);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(p.file_replace(p.ctx, bad[i], "x", 1), OMADM_ERR_INVALID);
    p.destroy(p.ctx);
}

static void test_stale_temp_files(void **state)
{
    omadm_platform p;
    wchar_t dir[MAX_PATH], stale[MAX_PATH];
    HANDLE h;
    names n = { 0 };

    (void)state;
    make_platform(&p, 0, NULL, NULL);
    p.destroy(p.ctx);
    /* A temp file of a process that no longer exists (pid 4 is the System
     * process on Windows, never one of ours; use an absurd pid). */
    swprintf(dir, MAX_PATH, L"%ls\\\u00e9tat-\u00fc", test_root);
    swprintf(stale, MAX_PATH, L"%ls\\.tmp-outbox-9-4000000000", dir);
    h = CreateFileW(stale, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    CloseHandle(h);
    make_platform(&p, 0, NULL, NULL);
    assert_int_equal(GetFileAttributesW(stale), INVALID_FILE_ATTRIBUTES);
    assert_int_equal(p.file_list(p.ctx, "", collect, &n), OMADM_OK);
    assert_int_equal(n.n, 0);
    p.destroy(p.ctx);
}

/* --- boot identity ---------------------------------------------------------- */

static int is_hex32(const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == 32;
}

static void test_boot_identity_stable_within_boot(void **state)
{
    omadm_platform a, b;
    char id1[64], id2[64];
    int64_t t1, t2, now;

    (void)state;
    make_platform(&a, 0, NULL, NULL);
    make_platform(&b, 0, NULL, NULL);
    assert_int_equal(a.boot_id(a.ctx, id1, sizeof id1), OMADM_OK);
    assert_true(is_hex32(id1));
    assert_int_equal(b.boot_id(b.ctx, id2, sizeof id2), OMADM_OK);
    assert_string_equal(id1, id2);
    assert_int_equal(a.boot_time(a.ctx, &t1), OMADM_OK);
    Sleep(1100);
    assert_int_equal(b.boot_time(b.ctx, &t2), OMADM_OK);
    assert_int_equal(t1, t2);
    assert_int_equal(a.now(a.ctx, &now), OMADM_OK);
    /* Booted before now, by the tick count (to the second). */
    assert_true(t1 <= now);
    assert_true(t1 >= now - (int64_t)(GetTickCount64() / 1000) - 3);
    assert_true(t1 <= now - (int64_t)(GetTickCount64() / 1000) + 3);
    assert_int_equal(a.boot_id(a.ctx, id1, 32), OMADM_ERR_LIMIT);
    a.destroy(a.ctx);
    b.destroy(b.ctx);
}

static void test_boot_key_is_volatile_and_reboot_changes_id(void **state)
{
    omadm_platform p;
    char id1[64], id2[64];
    wchar_t *key = omadm_platform_win32_wide(boot_key);
    HKEY k, child;
    LONG r;

    (void)state;
    make_platform(&p, 0, NULL, NULL);
    assert_int_equal(p.boot_id(p.ctx, id1, sizeof id1), OMADM_OK);
    /* A volatile key only takes volatile children: this is what makes the
     * identity vanish at the next boot. */
    assert_int_equal(RegOpenKeyExW(HKEY_LOCAL_MACHINE, key, 0, KEY_ALL_ACCESS, &k), ERROR_SUCCESS);
    r = RegCreateKeyExW(k, L"probe", 0, NULL, REG_OPTION_NON_VOLATILE, KEY_ALL_ACCESS, NULL, &child,
                        NULL);
    if (r == ERROR_SUCCESS)
        RegCloseKey(child);
    assert_int_equal(r, ERROR_CHILD_MUST_BE_VOLATILE);
    RegCloseKey(k);
    /* A reboot, as the registry sees it: the volatile key is gone. */
    assert_int_equal(RegDeleteKeyW(HKEY_LOCAL_MACHINE, key), ERROR_SUCCESS);
    assert_int_equal(p.boot_id(p.ctx, id2, sizeof id2), OMADM_OK);
    assert_true(is_hex32(id2));
    assert_string_not_equal(id1, id2);
    free(key);
    p.destroy(p.ctx);
}

static void test_incomplete_or_corrupt_boot_key_repaired(void **state)
{
    omadm_platform p;
    char id[64], id2[64];
    wchar_t *key = omadm_platform_win32_wide(boot_key);
    wchar_t *parent = omadm_platform_win32_wide(boot_key);
    HKEY k;
    DWORD start;

    (void)state;
    make_platform(&p, 0, NULL, NULL);
    /* A creator that died between creating the key and filling it in. */
    *wcsrchr(parent, L'\\') = L'\0';
    assert_int_equal(
        RegCreateKeyExW(HKEY_LOCAL_MACHINE, parent, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k, NULL),
        ERROR_SUCCESS);
    RegCloseKey(k);
    assert_int_equal(RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, REG_OPTION_VOLATILE,
                                     KEY_ALL_ACCESS, NULL, &k, NULL),
                     ERROR_SUCCESS);
    start = GetTickCount();
    assert_int_equal(p.boot_id(p.ctx, id, sizeof id), OMADM_OK);
    assert_true(GetTickCount() - start < 5000);
    assert_true(is_hex32(id));
    assert_int_equal(p.boot_id(p.ctx, id2, sizeof id2), OMADM_OK);
    assert_string_equal(id, id2);
    /* Tampered value: replaced by a fresh identity, not passed on. */
    assert_int_equal(
        RegSetValueExW(k, L"BootId", 0, REG_SZ, (const BYTE *)L"not-hex", sizeof L"not-hex"),
        ERROR_SUCCESS);
    assert_int_equal(p.boot_id(p.ctx, id2, sizeof id2), OMADM_OK);
    assert_true(is_hex32(id2));
    RegCloseKey(k);
    free(key);
    free(parent);
    p.destroy(p.ctx);
}

typedef struct racer {
    HANDLE go;
    char id[64];
    omadm_status st;
} racer;

static DWORD WINAPI race_one(void *arg)
{
    racer *r = arg;
    omadm_platform p;

    make_platform(&p, 0, NULL, NULL);
    WaitForSingleObject(r->go, INFINITE);
    r->st = p.boot_id(p.ctx, r->id, sizeof r->id);
    p.destroy(p.ctx);
    return 0;
}

static void test_first_boot_race_agrees(void **state)
{
    racer r[4];
    HANDLE th[4];
    HANDLE go = CreateEventW(NULL, TRUE, FALSE, NULL);
    int i, round;

    (void)state;
    for (round = 0; round < 5; round++) {
        wchar_t *key = omadm_platform_win32_wide(boot_key);
        RegDeleteKeyW(HKEY_LOCAL_MACHINE, key);
        free(key);
        ResetEvent(go);
        for (i = 0; i < 4; i++) {
            memset(&r[i], 0, sizeof r[i]);
            r[i].go = go;
            th[i] = CreateThread(NULL, 0, race_one, &r[i], 0, NULL);
            assert_non_null(th[i]);
        }
        Sleep(50);
        SetEvent(go);
        WaitForMultipleObjects(4, th, TRUE, INFINITE);
        for (i = 0; i < 4; i++) {
            CloseHandle(th[i]);
            assert_int_equal(r[i].st, OMADM_OK);
            assert_string_equal(r[i].id, r[0].id);
        }
    }
    CloseHandle(go);
}

/* --- restart ------------------------------------------------------------------ */

typedef struct shutdown_rec {
    int calls;
    unsigned long grace, flags, reason;
    int privilege_enabled;
    unsigned long answer;
} shutdown_rec;

static unsigned long fake_shutdown(void *user, unsigned long grace, unsigned long flags,
                                   unsigned long reason)
{
    shutdown_rec *s = user;
    HANDLE tok;
    PRIVILEGE_SET ps;
    BOOL on = FALSE;

    s->calls++;
    s->grace = grace;
    s->flags = flags;
    s->reason = reason;
    /* The privilege InitiateShutdownW needs is enabled when it is called. */
    ps.PrivilegeCount = 1;
    ps.Control = PRIVILEGE_SET_ALL_NECESSARY;
    ps.Privilege[0].Attributes = 0;
    LookupPrivilegeValueW(NULL, L"SeShutdownPrivilege", &ps.Privilege[0].Luid);
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        PrivilegeCheck(tok, &ps, &on);
        CloseHandle(tok);
    }
    s->privilege_enabled = on;
    return s->answer;
}

static void disable_shutdown_privilege(void)
{
    HANDLE tok;
    TOKEN_PRIVILEGES tp;

    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = 0;
    LookupPrivilegeValueW(NULL, L"SeShutdownPrivilege", &tp.Privileges[0].Luid);
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &tok)) {
        AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL);
        CloseHandle(tok);
    }
}

static char *read_restart_log(omadm_platform *p)
{
    char *data = NULL;
    size_t len = 0;

    if (p->file_read(p->ctx, OMADM_PLATFORM_WIN32_RESTART_LOG, 1 << 20, &data, &len) != OMADM_OK)
        return NULL;
    return data;
}

static void test_restart_not_allowed(void **state)
{
    omadm_platform p;
    shutdown_rec s = { 0 };
    char *log;

    (void)state;
    make_platform(&p, 0, fake_shutdown, &s);
    assert_int_equal(p.can_restart(p.ctx), OMADM_ERR_ACCESS);
    assert_int_equal(p.request_restart(p.ctx, 1700000300, "server asked"), OMADM_ERR_ACCESS);
    assert_int_equal(s.calls, 0);
    log = read_restart_log(&p);
    assert_non_null(log);
    assert_non_null(strstr(log, "deadline=1700000300 "));
    assert_non_null(strstr(log, "result=refused"));
    free(log);
    p.destroy(p.ctx);
}

static void test_restart_call_and_record(void **state)
{
    omadm_platform p;
    shutdown_rec s = { 0 };
    char *log, *second;

    (void)state;
    disable_shutdown_privilege();
    make_platform(&p, 1, fake_shutdown, &s);
    assert_int_equal(p.can_restart(p.ctx), OMADM_OK);
    assert_int_equal(s.calls, 0); /* the probe has no side effect */
    assert_int_equal(p.request_restart(p.ctx, 1700000300, "Exec RebootNow\nCmdID 4"), OMADM_OK);
    assert_int_equal(s.calls, 1);
    assert_true(s.privilege_enabled);
    assert_int_equal(s.grace, 0); /* no grace period: nobody is shown a notice */
    assert_int_equal(s.flags, SHUTDOWN_RESTART | SHUTDOWN_FORCE_OTHERS | SHUTDOWN_FORCE_SELF |
                                  SHUTDOWN_GRACE_OVERRIDE);
    assert_int_equal(s.reason, SHTDN_REASON_MAJOR_APPLICATION | SHTDN_REASON_MINOR_MAINTENANCE |
                                   SHTDN_REASON_FLAG_PLANNED);
    assert_true(s.reason & SHTDN_REASON_FLAG_PLANNED);

    /* Failures map to statuses, and every request is recorded. */
    s.answer = ERROR_CALL_NOT_IMPLEMENTED;
    assert_int_equal(p.request_restart(p.ctx, 1700000400, "second"), OMADM_ERR_UNSUPPORTED);
    s.answer = ERROR_ACCESS_DENIED;
    assert_int_equal(p.request_restart(p.ctx, 1700000500, "third"), OMADM_ERR_ACCESS);
    s.answer = ERROR_SHUTDOWN_IN_PROGRESS;
    assert_int_equal(p.request_restart(p.ctx, 1700000600, "fourth"), OMADM_OK);
    s.answer = ERROR_INVALID_PARAMETER;
    assert_int_equal(p.request_restart(p.ctx, 1700000700, "fifth"), OMADM_ERR_IO);
    /* A repeated request while the first is pending (the agent asks again
     * at start-up): already scheduled counts as success. */
    s.answer = ERROR_SHUTDOWN_IS_SCHEDULED;
    assert_int_equal(p.request_restart(p.ctx, 1700000800, "sixth"), OMADM_OK);
    assert_int_equal(s.calls, 6);

    log = read_restart_log(&p);
    assert_non_null(log);
    assert_non_null(strstr(log, "deadline=1700000300 flags=0x27 reason_code=0x80040001 "
                                "result=accepted reason=Exec RebootNow CmdID 4\r\n"));
    second = strstr(log, "deadline=1700000400 ");
    assert_non_null(second);
    assert_non_null(strstr(second, "result=failed(error-120) reason=second\r\n"));
    assert_non_null(strstr(log, "result=failed(error-5) reason=third"));
    assert_non_null(strstr(log, "result=accepted(error-1115) reason=fourth"));
    assert_non_null(strstr(log, "result=accepted(error-1190) reason=sixth"));
    free(log);
    p.destroy(p.ctx);
}

static void test_restart_log_bounded(void **state)
{
    omadm_platform p;
    shutdown_rec s = { 0 };
    static char big[70 * 1024];
    char *log;

    (void)state;
    make_platform(&p, 1, fake_shutdown, &s);
    memset(big, 'x', sizeof big);
    assert_int_equal(p.file_replace(p.ctx, OMADM_PLATFORM_WIN32_RESTART_LOG, big, sizeof big),
                     OMADM_OK);
    assert_int_equal(p.request_restart(p.ctx, 42, "after a full log"), OMADM_OK);
    log = read_restart_log(&p);
    assert_non_null(log);
    assert_true(strlen(log) < 400);
    assert_non_null(strstr(log, "reason=after a full log"));
    free(log);
    p.destroy(p.ctx);
}

/* --- facts --------------------------------------------------------------------- */

static void test_facts(void **state)
{
    omadm_platform p;
    char buf[256], env[256], build[64];
    DWORD n = sizeof build;
    unsigned a, b, c;
    wchar_t wbuild[32];
    FILE *meminfo;
    int f;

    (void)state;
    make_platform(&p, 0, NULL, NULL);

    /* DNS host name vs the NetBIOS name in COMPUTERNAME (upper case, at
     * most 15 characters). */
    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_DEVICE_NAME, buf, sizeof buf), OMADM_OK);
    assert_true(GetEnvironmentVariableA("COMPUTERNAME", env, sizeof env) > 0);
    assert_int_equal(_strnicmp(buf, env, strlen(env) < 15 ? strlen(env) : 15), 0);

    /* "major.minor.build[.ubr]" whose build is the registry's. */
    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_OS_VERSION, buf, sizeof buf), OMADM_OK);
    assert_int_equal(sscanf(buf, "%u.%u.%u", &a, &b, &c), 3);
    n = sizeof wbuild;
    assert_int_equal(RegGetValueW(HKEY_LOCAL_MACHINE,
                                  L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                                  L"CurrentBuildNumber", RRF_RT_REG_SZ, NULL, wbuild, &n),
                     ERROR_SUCCESS);
    snprintf(build, sizeof build, "%ls", wbuild);
    assert_int_equal(c, (unsigned)strtoul(build, NULL, 10));
    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_OS_VERSION, buf, 4), OMADM_ERR_LIMIT);

    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_OS_PLATFORM, buf, sizeof buf), OMADM_OK);
    assert_non_null(strstr(buf, "Windows"));

    /* "ll-CC" from the system locale. */
    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_LANGUAGE, buf, sizeof buf), OMADM_OK);
    assert_true(strlen(buf) >= 2 && strchr(buf, '_') == NULL);

    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_TOTAL_RAM_MB, buf, sizeof buf), OMADM_OK);
    assert_true(strtoull(buf, NULL, 10) > 0);
    /* Under wine the host's /proc/meminfo is the independent source. */
    meminfo = under_wine() ? fopen("Z:\\proc\\meminfo", "r") : NULL;
    if (meminfo) {
        unsigned long long kb = 0, mb = strtoull(buf, NULL, 10);
        char line[256];
        while (fgets(line, sizeof line, meminfo))
            if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
                break;
        fclose(meminfo);
        assert_true(kb > 0);
        assert_true(mb + 2 >= kb / 1024 && mb <= kb / 1024 + 2);
    }

    /* SMBIOS facts: a value or "not found", never an empty string. */
    for (f = OMADM_FACT_MANUFACTURER; f < OMADM_FACT_COUNT; f++) {
        omadm_status st = p.device_fact(p.ctx, (omadm_fact)f, buf, sizeof buf);
        assert_true(st == OMADM_OK || st == OMADM_ERR_NOT_FOUND);
        if (st == OMADM_OK)
            assert_true(buf[0] != '\0');
    }
    assert_int_equal(p.device_fact(p.ctx, OMADM_FACT_COUNT, buf, sizeof buf), OMADM_ERR_INVALID);
    p.destroy(p.ctx);
}

static void test_clock_and_time_zone(void **state)
{
    omadm_platform p;
    int64_t now;
    int32_t off;
    char tz[64];
    time_t c_now = time(NULL);

    (void)state;
    make_platform(&p, 0, NULL, NULL);
    assert_int_equal(p.now(p.ctx, &now), OMADM_OK);
    assert_true(now >= (int64_t)c_now - 2 && now <= (int64_t)c_now + 2);
    assert_int_equal(p.utc_offset(p.ctx, now, &off), OMADM_OK);
    assert_true(off % 900 == 0 && off >= -14 * 3600 && off <= 14 * 3600);
    assert_int_equal(p.utc_offset(p.ctx, -20000000000LL, &off), OMADM_ERR_INVALID);
    /* Wine takes the process's zone from TZ (set by meson.build): the
     * offsets of another season and another year follow its rules. */
    if (under_wine() && GetEnvironmentVariableA("TZ", tz, sizeof tz) &&
        strcmp(tz, "Europe/Paris") == 0) {
        assert_int_equal(p.utc_offset(p.ctx, 1705320000, &off), OMADM_OK); /* 2024-01-15 */
        assert_int_equal(off, 3600);
        assert_int_equal(p.utc_offset(p.ctx, 1720958400, &off), OMADM_OK); /* 2024-07-14 */
        assert_int_equal(off, 7200);
        /* 2024-03-31 00:59:59 UTC is CET, 01:00:00 UTC is CEST. */
        assert_int_equal(p.utc_offset(p.ctx, 1711846799, &off), OMADM_OK);
        assert_int_equal(off, 3600);
        assert_int_equal(p.utc_offset(p.ctx, 1711846800, &off), OMADM_OK);
        assert_int_equal(off, 7200);
    }
    p.destroy(p.ctx);
}

static void test_default_dir_and_arguments(void **state)
{
    char buf[MAX_PATH * 3], env[MAX_PATH * 3];
    omadm_platform p;
    omadm_platform_win32_options o = OMADM_PLATFORM_WIN32_OPTIONS_INIT;

    (void)state;
    assert_int_equal(omadm_platform_win32_default_dir(buf, sizeof buf), OMADM_OK);
    assert_true(GetEnvironmentVariableA("ProgramData", env, sizeof env) > 0);
    strcat(env, "\\omadm-agent");
    assert_int_equal(_stricmp(buf, env), 0);
    assert_int_equal(omadm_platform_win32_default_dir(buf, 8), OMADM_ERR_LIMIT);

    assert_int_equal(omadm_platform_win32_new_with(NULL, "x", NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_platform_win32_new_with(&p, "", NULL), OMADM_ERR_INVALID);
    assert_null(p.ctx);
    o.version = 99;
    assert_int_equal(omadm_platform_win32_new_with(&p, "x", &o), OMADM_ERR_INVALID);
    o.version = OMADM_PLATFORM_WIN32_OPTIONS_VERSION;
    o.boot_key = "NoSeparator";
    assert_int_equal(omadm_platform_win32_new_with(&p, "x", &o), OMADM_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_names_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temp_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boot_identity_stable_within_boot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boot_key_is_volatile_and_reboot_changes_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_incomplete_or_corrupt_boot_key_repaired, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_first_boot_race_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_call_and_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_log_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_and_time_zone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_dir_and_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("platform-win32", tests, NULL, NULL);
}
