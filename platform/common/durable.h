/* SPDX-License-Identifier: Apache-2.0 */
/* Durable files in one directory, shared by the platform layers (sim, posix;
 * win32 may use it too: the OS primitives are in fs_posix.c / fs_win32.c).
 *
 * Implements the durable-file half of platform.h: validated plain names,
 * atomic replace (temp file, write, fsync, rename, directory fsync), durable
 * remove, sorted listing that never shows temp files. Plus the few file
 * helpers both platforms need (small text files, durable append). */
#ifndef OMADM_PLATFORM_COMMON_DURABLE_H
#define OMADM_PLATFORM_COMMON_DURABLE_H

#include <stddef.h>

#include "platform/platform.h"

/* Longest accepted file name (platform.h). */
#define OMADM__DURABLE_NAME_MAX 128
/* Temp files are ".tmp-<name>-<pid>"; names with this prefix are reserved. */
#define OMADM__DURABLE_TMP_PREFIX ".tmp-"

typedef struct omadm__durable {
    char *dir; /* owned (malloc), absolute or relative path, no trailing '/' */
} omadm__durable;

/* Creates `dir` (and missing parents, mode 0700) if needed, removes temp
 * files left by dead processes, and fills *d. `dir` is copied. */
omadm_status omadm__durable_open(omadm__durable *d, const char *dir);
/* Releases d->dir; accepts a zeroed struct. */
void omadm__durable_close(omadm__durable *d);

/* Non-zero when `name` is a valid durable file name: [A-Za-z0-9._-]+, at
 * most 128 bytes, not "." or "..", not starting with the temp prefix. */
int omadm__durable_name_valid(const char *name);

/* The platform.h operations, same contracts. */
omadm_status omadm__durable_read(const omadm__durable *d, const char *name, size_t max, char **data,
                                 size_t *len);
omadm_status omadm__durable_replace(const omadm__durable *d, const char *name, const void *data,
                                    size_t len);
omadm_status omadm__durable_remove(const omadm__durable *d, const char *name);
/* platform.h's file_replace_with (OMADM_FILE_FLUSH_*). */
omadm_status omadm__durable_replace_with(const omadm__durable *d, const char *name,
                                         const void *data, size_t len, unsigned flush);
omadm_status omadm__durable_list(const omadm__durable *d, const char *prefix,
                                 omadm_platform_list_cb cb, void *user);

/* Appends `len` bytes to the file (created if absent, mode 0600) and fsyncs
 * it (and the directory when the file was created). One write() call, so a
 * short line is not interleaved with another process's append. */
omadm_status omadm__durable_append(const omadm__durable *d, const char *name, const void *data,
                                   size_t len);
/* The same; with `flush` 0 nothing is flushed (safe against a process
 * crash only: a record of the simulated OS, not the agent's state). */
omadm_status omadm__durable_append_with(const omadm__durable *d, const char *name, const void *data,
                                        size_t len, int flush);

/* Non-zero when the file exists (any type). */
int omadm__durable_exists(const omadm__durable *d, const char *name);

/* Reads a small text file into buf (NUL-terminated) with trailing
 * whitespace removed. OMADM_ERR_NOT_FOUND if absent, OMADM_ERR_LIMIT when
 * the text does not fit in size-1 bytes. */
omadm_status omadm__durable_read_text(const omadm__durable *d, const char *name, char *buf,
                                      size_t size);

/* Same as above for an arbitrary path (/proc, /sys, /etc files). */
omadm_status omadm__read_text_path(const char *path, char *buf, size_t size);

/* Copies `src` into buf; OMADM_ERR_LIMIT if it does not fit. */
omadm_status omadm__copy_string(char *buf, size_t size, const char *src);

/* Parses a decimal signed 64-bit integer with optional surrounding
 * whitespace; OMADM_ERR_PARSE on anything else. */
omadm_status omadm__parse_int64(const char *text, int64_t *value);

/* Maps an errno value to a status (POSIX builds only: fs_posix.c). */
omadm_status omadm__status_from_errno(int err);

#endif
