/* SPDX-License-Identifier: Apache-2.0 */
/* DevDetail CSP (./DevDetail, dmclient-devinfo.md §3): device facts the
 * server Gets. Read-only (Replace anywhere answers 405); a fact the
 * platform cannot fill answers 404 and is not listed by its parent. */
#ifndef OMADM_CSP_DEVDETAIL_DEVDETAIL_H
#define OMADM_CSP_DEVDETAIL_DEVDETAIL_H

#include <stdint.h>

#include "omadm/csp.h"
#include "platform/platform.h"

/* Registers ./DevDetail on `tree`. `platform` is borrowed and must outlive
 * the tree. URI/MaxDepth, MaxTotLen and MaxSegLen report the tree's URI
 * limits at registration time (32, 1024, 255 by default). */
omadm_status omadm__devdetail_register(omadm_tree *tree, const omadm_platform *platform);

/* Formats a local time as ISO 8601 with offset, "2026-11-25T10:07:25+01:00"
 * (buf needs 26 bytes). `unix_seconds` is UTC, `offset` seconds east of UTC.
 * OMADM_ERR_LIMIT when buf is too small, OMADM_ERR_INVALID out of range
 * (years 0..9999). */
omadm_status omadm__devdetail_format_time(int64_t unix_seconds, int32_t offset, char *buf,
                                          size_t size);

#endif
