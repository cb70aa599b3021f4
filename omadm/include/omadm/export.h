/* libomadm: marks the functions the shared library exports.
 *
 * The library is built with hidden visibility; only declarations carrying
 * OMADM_API (the public omadm_* API) are exported, so `nm -D` shows nothing
 * else. On Windows the DLL's exports are chosen by the packaging (a .def
 * file or the linker's defaults), so OMADM_API is empty there. */
#ifndef OMADM_EXPORT_H
#define OMADM_EXPORT_H

#if defined(_WIN32) || defined(__CYGWIN__)
#define OMADM_API
#elif defined(__GNUC__) && __GNUC__ >= 4
#define OMADM_API __attribute__((visibility("default")))
#else
#define OMADM_API
#endif

#endif
