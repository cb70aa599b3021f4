/* SPDX-License-Identifier: Apache-2.0 */
/* The OS primitives under the durable files (platform/common), one
 * implementation per OS: fs_posix.c, fs_win32.c. Paths are UTF-8. */
#ifndef OMADM_PLATFORM_COMMON_FS_H
#define OMADM_PLATFORM_COMMON_FS_H

#include <stddef.h>

#include "omadm/status.h"

/* Creates dir and its missing parents (private to the user where the OS
 * has modes: 0700). OK when it exists as a directory. */
omadm_status omadm__fs_mkdir_p(const char *dir);
/* Deletes temp files ("<tmp prefix>...-<pid>") in dir whose process is gone. */
void omadm__fs_remove_stale_temps(const char *dir, const char *tmp_prefix);
/* Reads a regular file, at most max bytes (OMADM_ERR_LIMIT beyond); *data
 * is malloc'd and NUL-terminated. */
omadm_status omadm__fs_read(const char *path, size_t max, char **data, size_t *len);
/* Creates `path` exclusively (a leftover with that name is deleted first),
 * writes all of data and flushes it to stable storage. On failure the file
 * is removed. */
omadm_status omadm__fs_write_new(const char *path, const void *data, size_t len);
/* Renames from -> to, replacing `to`, then makes the rename durable
 * (directory fsync on POSIX, write-through on Windows). */
omadm_status omadm__fs_rename(const char *from, const char *to, const char *dir);
/* The two above, flushing to stable storage only when `flush` is non-zero
 * (Windows always flushes). */
omadm_status omadm__fs_write_new_flush(const char *path, const void *data, size_t len, int flush);
omadm_status omadm__fs_rename_flush(const char *from, const char *to, const char *dir, int flush);
/* Deletes a file durably; OMADM_ERR_NOT_FOUND if absent. */
omadm_status omadm__fs_unlink(const char *path, const char *dir);
/* Deletes a file, ignoring errors (cleanup). */
void omadm__fs_unlink_quiet(const char *path);
/* Appends and, when `flush`, flushes (see omadm__durable_append). */
omadm_status omadm__fs_append(const char *path, const void *data, size_t len, const char *dir,
                              int flush);
/* Non-zero when the path exists (any type). */
int omadm__fs_exists(const char *path);
/* Calls each(user, name) for every regular file in dir, in directory
 * order; stops when it returns non-zero. */
omadm_status omadm__fs_list(const char *dir, int (*each)(void *user, const char *name), void *user);
/* The current process id. */
long omadm__fs_pid(void);

#endif
