/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows platform layer.
 *
 * Clock: GetSystemTimePreciseAsFileTime; UTC offset from the time zone's
 * rules for the year of the instant asked (GetTimeZoneInformationForYear).
 * Boot identity: a random id kept in a volatile registry key (HKLM\<boot
 * key>, REG_OPTION_VOLATILE): such a key lives in memory only and is gone at
 * the next boot, whoever created it, so the id changes at every boot and
 * only then. The boot time (now minus GetTickCount64) is recorded beside it
 * at the same moment, so it stays the same for the whole boot even if the
 * clock is set. Facts: SMBIOS (GetSystemFirmwareTable 'RSMB') for
 * manufacturer, model, versions and serial; RtlGetVersion + UBR for the OS
 * version; the registry's ProductName; GetComputerNameExW (DNS host name);
 * GetSystemDefaultLocaleName; GlobalMemoryStatusEx.
 * Restart: InitiateShutdownW(restart, force, grace override; grace period
 * 0 and no message, so nobody is asked or told; reason "Application:
 * Maintenance (Planned)") after enabling SE_SHUTDOWN_NAME, only when the
 * caller allows it. Each request is appended to restart-requests.log in
 * the state directory with its outcome.
 * Durable files: platform/common in the state directory (default
 * %ProgramData%\omadm-agent): FlushFileBuffers, then MoveFileExW with
 * MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH.
 * Strings are UTF-8 everywhere; UTF-16 only at the Win32 calls. */
#ifndef OMADM_PLATFORM_WIN32_H
#define OMADM_PLATFORM_WIN32_H

#include <stddef.h>

#include "platform/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OMADM_PLATFORM_WIN32_OPTIONS_VERSION 1
/* Default boot key, under HKEY_LOCAL_MACHINE. */
#define OMADM_PLATFORM_WIN32_BOOT_KEY "SOFTWARE\\omadm-agent\\Boot"
/* The file request_restart appends to, in the state directory. */
#define OMADM_PLATFORM_WIN32_RESTART_LOG "restart-requests.log"

/* The restart call: (grace seconds, shutdown flags, reason code) as for
 * InitiateShutdownW; returns a Win32 error code, 0 = accepted. */
typedef unsigned long (*omadm_platform_win32_shutdown_fn)(void *user, unsigned long grace_seconds,
                                                          unsigned long flags,
                                                          unsigned long reason);

typedef struct omadm_platform_win32_options {
    unsigned version; /* OMADM_PLATFORM_WIN32_OPTIONS_VERSION */
    /* Non-zero: request_restart may restart the machine (still subject to
     * SE_SHUTDOWN_NAME). Zero: it fails with OMADM_ERR_ACCESS. */
    int allow_restart;
    /* Registry key under HKEY_LOCAL_MACHINE for the boot identity (UTF-8,
     * copied); NULL = OMADM_PLATFORM_WIN32_BOOT_KEY. Tests use their own. */
    const char *boot_key;
    /* Replaces the InitiateShutdownW call (tests: they must never restart
     * the machine); NULL = InitiateShutdownW. The privilege is enabled
     * before it is called either way. */
    omadm_platform_win32_shutdown_fn shutdown;
    void *shutdown_user;
} omadm_platform_win32_options;

#define OMADM_PLATFORM_WIN32_OPTIONS_INIT                                                          \
    {                                                                                              \
        OMADM_PLATFORM_WIN32_OPTIONS_VERSION, 0, NULL, NULL, NULL                                  \
    }

/* Fills *out with the Windows platform on `state_dir` (UTF-8, copied;
 * NULL = the default below; created if missing), with `allow_restart`.
 * Release with out->destroy(out->ctx). On failure *out is left zeroed. */
omadm_status omadm_platform_win32_new(omadm_platform *out, const char *state_dir,
                                      int allow_restart);
/* Same with explicit options (NULL = defaults: restart not allowed);
 * `options` is copied. */
omadm_status omadm_platform_win32_new_with(omadm_platform *out, const char *state_dir,
                                           const omadm_platform_win32_options *options);

/* "%ProgramData%\omadm-agent" expanded, UTF-8, into buf;
 * OMADM_ERR_LIMIT when it does not fit, OMADM_ERR_NOT_FOUND when Windows
 * does not say where ProgramData is. */
omadm_status omadm_platform_win32_default_dir(char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
