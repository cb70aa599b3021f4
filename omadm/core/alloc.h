/* SPDX-License-Identifier: Apache-2.0 */
/* Internal allocation wrapper: every allocation of libomadm goes through here
 * so that tests can fail the Nth one (allocation-failure sweeps).
 *
 * The failure hook is process-global and not thread-safe: it is for tests. */
#ifndef OMADM_CORE_ALLOC_H
#define OMADM_CORE_ALLOC_H

#include <stddef.h>

void *omadm__malloc(size_t size);
void *omadm__calloc(size_t count, size_t size);
void *omadm__realloc(void *ptr, size_t size);
void omadm__free(void *ptr);
/* NULL in gives NULL out (not an error); check `src != NULL` when it is. */
char *omadm__strdup(const char *src);
/* Copies at most `len` bytes of `src` and NUL-terminates. */
char *omadm__strndup(const char *src, size_t len);

/* Test hooks (no effect unless built with OMADM_TEST_HOOKS):
 * fail the `n`th allocation from now (1 = the next one) and every one after
 * it while `sticky` is non-zero, or only that one when `sticky` is 0;
 * n = 0 disables failures. */
void omadm__alloc_fail_at(long n, int sticky);
/* Allocations attempted since the last omadm__alloc_fail_at call. */
long omadm__alloc_count(void);
/* Non-zero once an injected failure has happened since the last
 * omadm__alloc_fail_at call. */
int omadm__alloc_failed(void);

#endif
