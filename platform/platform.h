/* SPDX-License-Identifier: Apache-2.0 */
/* The platform contract: everything libomadm needs from the operating system.
 *
 * libomadm includes no OS header; the clock, boot identity, restart, device
 * facts and durable files all come through this struct of functions. One
 * implementation per directory: sim/ (deterministic, for tests and the
 * demo; never restarts anything), posix/ (Linux), win32/ (Windows).
 *
 * Every function receives `ctx`, the implementation's own state. Strings
 * returned through (buf, size) are NUL-terminated and truncated to size-1;
 * a function fails with OMADM_ERR_LIMIT when the value does not fit. */
#ifndef OMADM_PLATFORM_H
#define OMADM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OMADM_PLATFORM_VERSION 1

/* Device facts for DevInfo and DevDetail. */
typedef enum omadm_fact {
    OMADM_FACT_MANUFACTURER = 0, /* DevInfo/Man, DevDetail/OEM */
    OMADM_FACT_MODEL,            /* DevInfo/Mod, DevDetail/DevTyp */
    OMADM_FACT_LANGUAGE,         /* DevInfo/Lang, e.g. "en-US" */
    OMADM_FACT_OS_VERSION,       /* DevDetail/SwV, e.g. "10.0.19045.2965" or "6.1.0" */
    OMADM_FACT_OS_PLATFORM,      /* DevDetail/Ext/Microsoft/OSPlatform */
    OMADM_FACT_FIRMWARE_VERSION, /* DevDetail/FwV (BIOS version) */
    OMADM_FACT_HARDWARE_VERSION, /* DevDetail/HwV */
    OMADM_FACT_DEVICE_NAME,      /* DevDetail/Ext/Microsoft/DeviceName (host name) */
    OMADM_FACT_SERIAL_NUMBER,    /* DevDetail/Ext/Microsoft/SMBIOSSerialNumber */
    OMADM_FACT_TOTAL_RAM_MB,     /* DevDetail/Ext/Microsoft/TotalRAM, decimal */
    OMADM_FACT_COUNT
} omadm_fact;

/* How much file_replace_with flushes to stable storage. */
#define OMADM_FILE_FLUSH_ALL 0u /* as file_replace */
/* The content is flushed, the rename is not forced to disk: after a power
 * loss the file holds the old or the new content; after a process crash,
 * the new. For state whose loss on power failure is harmless because the
 * power loss itself settles it (a "restart requested" mark: the boot
 * changes, whatever the mark says). */
#define OMADM_FILE_FLUSH_ORDERED 1u
/* Nothing is flushed: atomic against a process crash only; after a power
 * loss the file may hold the old, the new or no readable content. For
 * reports of the past (the last-session summary). */
#define OMADM_FILE_FLUSH_NONE 2u

/* Callback of list_files: one call per file name; return non-zero to stop. */
typedef int (*omadm_platform_list_cb)(void *user, const char *name);

typedef struct omadm_platform {
    unsigned version; /* OMADM_PLATFORM_VERSION */
    void *ctx;

    /* Current time, unix seconds (UTC). */
    omadm_status (*now)(void *ctx, int64_t *unix_seconds);
    /* Offset of local time from UTC at instant `unix_seconds`, in seconds
     * east of UTC (e.g. +3600 for CET in winter). */
    omadm_status (*utc_offset)(void *ctx, int64_t unix_seconds, int32_t *offset_seconds);

    /* An identifier that changes at every boot (and only then). */
    omadm_status (*boot_id)(void *ctx, char *buf, size_t size);
    /* When the current boot began, unix seconds. */
    omadm_status (*boot_time)(void *ctx, int64_t *unix_seconds);

    /* Asks the OS to restart the device no later than `deadline` (unix
     * seconds), without notifying its owner. `reason` is a short text for
     * logs. Returns once the request is accepted (the restart itself happens
     * asynchronously); OMADM_ERR_ACCESS when not permitted. */
    omadm_status (*request_restart)(void *ctx, int64_t deadline, const char *reason);

    /* A device fact; OMADM_ERR_NOT_FOUND when the platform cannot tell. */
    omadm_status (*device_fact)(void *ctx, omadm_fact fact, char *buf, size_t size);

    /* Durable files under the state directory. `name` is a plain file name
     * ([A-Za-z0-9._-], no separators, at most 128 bytes); anything else is
     * OMADM_ERR_INVALID. */
    /* Reads a whole file into *data (allocated with malloc, owned by the
     * caller: free()), *len bytes, NUL-terminated for convenience.
     * OMADM_ERR_NOT_FOUND if absent; OMADM_ERR_LIMIT if larger than max. */
    omadm_status (*file_read)(void *ctx, const char *name, size_t max, char **data, size_t *len);
    /* Atomically replaces (or creates) the file: temp file, write, fsync,
     * rename, fsync of the directory. A crash at any instant leaves the old
     * or the new content. */
    omadm_status (*file_replace)(void *ctx, const char *name, const void *data, size_t len);
    /* Removes the file durably; OMADM_ERR_NOT_FOUND if absent. */
    omadm_status (*file_remove)(void *ctx, const char *name);
    /* Calls cb for each file whose name starts with `prefix`, in
     * lexicographic order (temp files are never listed). */
    omadm_status (*file_list)(void *ctx, const char *prefix, omadm_platform_list_cb cb, void *user);

    /* Releases the implementation (ctx). May be NULL. */
    void (*destroy)(void *ctx);

    /* Whether request_restart would be permitted now (privilege, policy),
     * without restarting or scheduling anything: OMADM_OK when permitted,
     * OMADM_ERR_ACCESS when not, another error when it cannot tell. The
     * Reboot CSP asks before it accepts an Exec. May be NULL: then a restart
     * is assumed permitted. */
    omadm_status (*can_restart)(void *ctx);

    /* This installation's machine identity, stable across restarts and
     * changed when the system is imaged anew (Linux: /etc/machine-id;
     * Windows: the MachineGuid, which sysprep renews; sim: sim/machine-id,
     * random at first use). Enrollment derives the device id from it and
     * notices a cloned image by it. OMADM_ERR_NOT_FOUND when the OS has none.
     * May be NULL (older platforms): then enrollment cannot run. */
    omadm_status (*machine_id)(void *ctx, char *buf, size_t size);
    /* Optional functions below: a wrapper that copies another platform's
     * struct and replaces ctx must wrap or clear them too. */
    /* file_replace flushing only as much as `flush` (OMADM_FILE_FLUSH_*)
     * says. May be NULL: callers then use file_replace. */
    omadm_status (*file_replace_with)(void *ctx, const char *name, const void *data, size_t len,
                                      unsigned flush);
    /* Appends to the file (created if absent) and flushes it: one flush,
     * plus the directory's when the file is created. After a crash the
     * file holds its old bytes and a prefix (possibly empty) of the
     * appended ones. May be NULL: callers then use file_replace. */
    omadm_status (*file_append)(void *ctx, const char *name, const void *data, size_t len);
} omadm_platform;

#ifdef __cplusplus
}
#endif
#endif
