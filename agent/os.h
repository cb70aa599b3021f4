/* SPDX-License-Identifier: Apache-2.0 */
/* Everything the agent program needs from the OS, in one place: default
 * paths, file checks, directories, signals and the idle wait. One
 * implementation per OS (os_posix.c; a Windows one is added beside it). */
#ifndef AGENT_OS_H
#define AGENT_OS_H

#include <stddef.h>
#include <stdint.h>

/* Default configuration file and state directory. Static strings. */
const char *agent_os_default_config(void);
const char *agent_os_default_state_dir(void);

/* Non-zero when `cert` names a certificate store entry rather than a file
 * (Windows "CurrentUser\My\<thumbprint>"); always 0 on POSIX. */
int agent_os_is_cert_store_path(const char *cert);

/* Checks that `path` is a regular file we can read. Returns 0, or -1 with
 * a reason (no file name, e.g. "cannot open: Permission denied") in err. */
int agent_os_check_readable(const char *path, char *err, size_t errsize);

/* Checks that the private key at `path` is readable by its owner only (no
 * group or other read/write bits). 0, or -1 with a reason in err. */
int agent_os_check_private(const char *path, char *err, size_t errsize);

/* Reads a whole file of at most `max` bytes into *data (malloc, owned by
 * the caller, NUL-terminated), *len bytes. *mode receives the permission
 * bits (POSIX) or 0. Returns 0, or -1 with a reason in err. */
int agent_os_read_file(const char *path, size_t max, char **data, size_t *len, unsigned *mode,
                       char *err, size_t errsize);

/* Whether permission bits `mode` of a config file are acceptable when it
 * names a key file (no group/other write) or holds a secret (no group/other
 * access at all). 0, or -1 with a reason in err. */
int agent_os_check_config_mode(unsigned mode, int holds_key_path, int holds_secret, char *err,
                               size_t errsize);

/* Creates `path` (and missing parents) as a private directory if absent.
 * 0, or -1 with a reason in err. */
int agent_os_make_dir(const char *path, char *err, size_t errsize);

/* A new empty private temporary directory; *out (malloc) owned by the
 * caller. agent_os_remove_tree removes it with everything in it. */
int agent_os_make_temp_dir(char **out, char *err, size_t errsize);
void agent_os_remove_tree(const char *path);

/* Takes an exclusive lock on `dir` for this process (a lock file in it), so
 * two agents never drive the same state. Returns a handle (>= 0) kept until
 * exit or agent_os_unlock_dir, or -1 with a reason in err (e.g. another
 * agent holds it). */
int agent_os_lock_dir(const char *dir, char *err, size_t errsize);
void agent_os_unlock_dir(int handle);

/* For `status`: whether an agent holds the lock on `dir` (1) or not (0),
 * without taking it or creating anything; *pid and *since (unix seconds)
 * are 0 when not known. -1 when it cannot be told (err says why). */
int agent_os_lock_holder(const char *dir, long *pid, int64_t *since, char *err, size_t errsize);

/* For `check`: 0 when `path` is a directory this process can write in, 1
 * when it does not exist but can be created, -1 with a reason in err. */
int agent_os_check_state_dir(const char *path, char *err, size_t errsize);

/* Non-zero when `path` is an existing directory. */
int agent_os_is_dir(const char *path);

/* The native platform layer on `state_dir`; `allow_restart` non-zero lets
 * it restart the machine (sync and run, never replay). Returns an
 * omadm_status (int so this header needs no library header). */
struct omadm_platform;
int agent_os_native_platform(struct omadm_platform *out, const char *state_dir, int allow_restart);

/* Non-zero when stderr is the systemd journal's stream: $JOURNAL_STREAM
 * names the device and inode stderr has (sd_journal_stream_fd(3)); then
 * log lines carry a "<N>" priority and no time stamp. 0 on Windows. */
int agent_os_stderr_is_journal(void);

/* Process id, for log lines. */
long agent_os_pid(void);

/* Wall-clock time, unix seconds, for log stamps. */
int64_t agent_os_wall_time(void);

/* Monotonic milliseconds, for durations. */
int64_t agent_os_monotonic_ms(void);

/* Signals: SIGTERM/SIGINT (service stop) ask the agent to stop; a second
 * one ends the process at once. SIGUSR1 asks for a session now. SIGHUP
 * asks for the configuration to be reloaded (agent_os_wait returns
 * AGENT_WAKE_RELOAD). */
int agent_os_signals_init(char *err, size_t errsize);
/* Restores default dispositions (tests). */
void agent_os_signals_reset(void);
int agent_os_stop_requested(void);
/* Asks the loop to stop as if a signal had come (Windows service control,
 * tests). */
void agent_os_request_stop(void);
/* Asks the loop for a session now, as SIGUSR1 does (Windows service
 * control). */
void agent_os_request_sync(void);

enum agent_wake {
    AGENT_WAKE_TIMEOUT = 0, /* the full delay elapsed */
    AGENT_WAKE_STOP,        /* stop requested */
    AGENT_WAKE_SYNC,        /* a session was asked for */
    AGENT_WAKE_ERROR,
    AGENT_WAKE_RELOAD /* reload the configuration (SIGHUP) */
};

/* Sleeps until `delay_ms` has elapsed or a signal arrives, in one blocking
 * wait (no periodic wake-ups). delay_ms < 0 means no timeout. */
enum agent_wake agent_os_wait(int64_t delay_ms);

/* `omadm-agent service ...`: the Windows service commands; elsewhere a
 * usage error. Returns the process exit code; err receives the message for
 * exit code 2. */
int agent_os_service_command(int argc, char **argv, char *err, size_t errsize);

/* `run` without --foreground: on Windows, hands the run loop to the service
 * control manager (agent_cmd_run on a worker thread), or runs it here when
 * not started by the SCM; elsewhere agent_cmd_run. Returns the exit code. */
struct agent_config;
int agent_os_run_service(struct agent_config *cfg);

/* `run` that cannot start for a configuration error (`msg`): when started
 * by the Windows service manager, reports it to the Event Log and stops the
 * service at once with service-specific exit code 2, then returns 0.
 * Returns -1 when not started by it (a console; POSIX always): the caller
 * prints the message. */
int agent_os_service_config_error(const char *msg);

#endif
