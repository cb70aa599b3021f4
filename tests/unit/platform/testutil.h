/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the platform and outbox tests: temp directories and plain
 * file access that does not go through the code under test. */
#ifndef OMADM_TESTS_PLATFORM_TESTUTIL_H
#define OMADM_TESTS_PLATFORM_TESTUTIL_H

#include <stddef.h>

/* Creates a fresh directory under $TMPDIR (or /tmp; the user temp
 * directory on Windows); malloc'd path. */
char *tu_mkdtemp(void);
/* Removes a directory tree; then frees `dir`. */
void tu_rmtree_free(char *dir);
/* dir + "/" + name (+ "/" + name2 when non-NULL); malloc'd. */
char *tu_path(const char *dir, const char *name, const char *name2);
/* Writes `len` bytes (strlen when len is (size_t)-1) to the file. */
void tu_write(const char *path, const char *data, size_t len);
/* Reads the whole file (NUL-terminated, malloc'd) or NULL if absent. */
char *tu_read(const char *path, size_t *len);
int tu_exists(const char *path);
int tu_is_dir(const char *path);
/* mkdir -p (mode 0755); aborts on failure. */
void tu_mkdirs(const char *path);
/* Writes text to dir/relpath, creating the parent directories. */
void tu_put(const char *dir, const char *relpath, const char *text);
/* Number of directory entries whose name starts with prefix. */
int tu_count(const char *dir, const char *prefix);

#endif
