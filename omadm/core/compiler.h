/* SPDX-License-Identifier: Apache-2.0 */
/* Compiler attributes used across libomadm. */
#ifndef OMADM_CORE_COMPILER_H
#define OMADM_CORE_COMPILER_H

/* The printf archetype: the build sets gnu_printf where the C library's
 * printf is not C99's (mingw, which then uses its ANSI stdio). */
#ifndef OMADM_PRINTF_ARCHETYPE
#define OMADM_PRINTF_ARCHETYPE printf
#endif

#if defined(__GNUC__)
#define OMADM__PRINTF(fmt_index, args_index)                                                       \
    __attribute__((format(OMADM_PRINTF_ARCHETYPE, fmt_index, args_index)))
#else
#define OMADM__PRINTF(fmt_index, args_index)
#endif

#endif
