/* SPDX-License-Identifier: Apache-2.0 */
/* One Win32 error message formatter for the agent's Windows files
 * (implemented in os_win32.c). */
#ifndef AGENT_WIN_ERROR_WIN32_H
#define AGENT_WIN_ERROR_WIN32_H

#include <stddef.h>

#include <windows.h>

/* Writes "<what>: <system message for code>" (or "<what>: error <code>"
 * when the system has no text for it) into err, without the message's
 * trailing period and line break. */
void agent_win_error(char *err, size_t errsize, const char *what, DWORD code);

#endif
