/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 <-> UTF-16 conversions (see wstr.h). */
#include "platform/win32/wstr.h"

#include <stdlib.h>

#include <windows.h>

wchar_t *omadm_platform_win32_wide(const char *utf8)
{
    int n;
    wchar_t *w;

    if (!utf8)
        return NULL;
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

char *omadm_platform_win32_narrow(const wchar_t *utf16)
{
    int n;
    char *s;

    if (!utf16)
        return NULL;
    n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, utf16, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    s = malloc((size_t)n);
    if (s && WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, utf16, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}
