/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 <-> UTF-16 at the Win32 boundary (platform/win32 and the agent's
 * Windows files). Results are malloc'd, owned by the caller (free()). */
#ifndef OMADM_PLATFORM_WIN32_WSTR_H
#define OMADM_PLATFORM_WIN32_WSTR_H

#include <wchar.h>

/* NULL on invalid UTF-8 or no memory. */
wchar_t *omadm_platform_win32_wide(const char *utf8);
/* NULL on invalid UTF-16 or no memory. */
char *omadm_platform_win32_narrow(const wchar_t *utf16);

#endif
