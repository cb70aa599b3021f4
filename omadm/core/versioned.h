/* SPDX-License-Identifier: Apache-2.0 */
/* Public structs that start with `size_t size` (the caller's sizeof, so
 * later versions can append members): filling one starts here. */
#ifndef OMADM_CORE_VERSIONED_H
#define OMADM_CORE_VERSIONED_H

#include <stddef.h>
#include <string.h>

/* Zeroes the `len` bytes this library knows of `out` but its size. */
static inline void omadm__versioned_clear(void *out, size_t len)
{
    size_t size;

    memcpy(&size, out, sizeof size);
    memset(out, 0, len);
    memcpy(out, &size, sizeof size);
}

#endif
