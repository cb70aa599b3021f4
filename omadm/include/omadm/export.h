/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: marks the functions the shared library exports.
 *
 * The library is built with hidden visibility; only declarations carrying
 * OMADM_API (the public omadm_* API) are exported, so `nm -D` shows nothing
 * else. Targets without ELF visibility (Windows DLLs) define OMADM_API
 * themselves: the build passes -DOMADM_API= there, and so do the Cflags of
 * the omadm.pc it installs. */
#ifndef OMADM_EXPORT_H
#define OMADM_EXPORT_H

#ifndef OMADM_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define OMADM_API __attribute__((visibility("default")))
#else
#define OMADM_API
#endif
#endif

#endif
