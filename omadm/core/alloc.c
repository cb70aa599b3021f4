/* SPDX-License-Identifier: Apache-2.0 */
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "omadm/csp.h"

#ifdef OMADM_TEST_HOOKS
static long alloc_fail_at_n;
static int alloc_fail_sticky;
static long alloc_count;
static int alloc_failed;

static int alloc_should_fail(void)
{
    alloc_count++;
    if (alloc_fail_at_n <= 0)
        return 0;
    if (alloc_count == alloc_fail_at_n || (alloc_fail_sticky && alloc_count > alloc_fail_at_n)) {
        alloc_failed = 1;
        return 1;
    }
    return 0;
}
#else
static int alloc_should_fail(void)
{
    return 0;
}
#endif

void omadm__alloc_fail_at(long n, int sticky)
{
#ifdef OMADM_TEST_HOOKS
    alloc_fail_at_n = n;
    alloc_fail_sticky = sticky;
    alloc_count = 0;
    alloc_failed = 0;
#else
    (void)n;
    (void)sticky;
#endif
}

long omadm__alloc_count(void)
{
#ifdef OMADM_TEST_HOOKS
    return alloc_count;
#else
    return 0;
#endif
}

int omadm__alloc_failed(void)
{
#ifdef OMADM_TEST_HOOKS
    return alloc_failed;
#else
    return 0;
#endif
}

void *omadm__malloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *omadm__calloc(size_t count, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    return calloc(count, size);
}

void *omadm__realloc(void *ptr, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void omadm__free(void *ptr)
{
    free(ptr);
}

void omadm_free(void *ptr)
{
    free(ptr);
}

char *omadm__strndup(const char *src, size_t len)
{
    char *copy;

    if (!src)
        return NULL;
    copy = omadm__malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, src, len);
    copy[len] = '\0';
    return copy;
}

char *omadm__strdup(const char *src)
{
    return src ? omadm__strndup(src, strlen(src)) : NULL;
}
