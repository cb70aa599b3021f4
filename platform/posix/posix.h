/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux platform layer.
 *
 * Clock: CLOCK_REALTIME and the local time zone (localtime_r/tm_gmtoff).
 * Boot identity: /proc/sys/kernel/random/boot_id; boot time: "btime" of
 * /proc/stat. Facts: /sys/class/dmi/id, /etc/os-release (or
 * /usr/lib/os-release), LC_ALL/LC_MESSAGES/LANG, gethostname, sysconf.
 * Restart: only when allowed by the caller (the agent allows it only with
 * `--platform native`) and the process has the privilege (effective uid 0 or
 * CAP_SYS_BOOT): `systemctl reboot`, falling back to sync() +
 * reboot(RB_AUTOBOOT). Durable files: platform/common in the state
 * directory (created with mode 0700 if missing). */
#ifndef OMADM_PLATFORM_POSIX_H
#define OMADM_PLATFORM_POSIX_H

#include "platform/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OMADM_PLATFORM_POSIX_OPTIONS_VERSION 1

typedef struct omadm_platform_posix_options {
    unsigned version; /* OMADM_PLATFORM_POSIX_OPTIONS_VERSION */
    /* Prefix for the /proc, /sys and /etc files read (tests point it at a
     * fake tree); NULL or "" = the real files. Copied. */
    const char *root;
    /* Non-zero: request_restart may restart the machine (still subject to
     * the privilege check). Zero: it fails with OMADM_ERR_ACCESS. */
    int allow_restart;
    /* Privilege check; NULL = the real one (omadm__posix_restart_privileged
     * on root and geteuid()). Returns non-zero when privileged. */
    int (*privileged)(void *user);
    void *privileged_user;
    /* The restart command, NULL-terminated, looked up in PATH; NULL =
     * {"systemctl", "reboot", NULL}. Borrowed: must outlive the platform. */
    const char *const *restart_argv;
    /* Non-zero: when the command fails, sync() + reboot(RB_AUTOBOOT).
     * Tests set 0 (they must never restart the machine). */
    int reboot_fallback;
} omadm_platform_posix_options;

#define OMADM_PLATFORM_POSIX_OPTIONS_INIT                                                          \
    {                                                                                              \
        OMADM_PLATFORM_POSIX_OPTIONS_VERSION, NULL, 0, NULL, NULL, NULL, 1                         \
    }

/* Fills *out with the Linux platform on `state_dir` (copied; created mode
 * 0700 if missing), with the default options and `allow_restart`. Release
 * with out->destroy(out->ctx). On failure *out is left zeroed. */
omadm_status omadm_platform_posix_new(omadm_platform *out, const char *state_dir,
                                      int allow_restart);
/* Same with explicit options (NULL = defaults, restart not allowed);
 * `options` is copied (restart_argv is borrowed). */
omadm_status omadm_platform_posix_new_with(omadm_platform *out, const char *state_dir,
                                           const omadm_platform_posix_options *options);

/* Internal, for tests: non-zero when a process with effective uid `euid`
 * whose <root>/proc/self/status shows CapEff may restart the machine
 * (euid 0, or CAP_SYS_BOOT in CapEff). */
int omadm__posix_restart_privileged(const char *root, unsigned long euid);

/* Internal, for tests: the DevInfo/Lang form of a POSIX locale name
 * ("en_US.UTF-8" -> "en-US"); "en-US" for NULL, "", "C", "POSIX" or
 * anything unusable. */
omadm_status omadm__posix_language(const char *locale, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
