/* SPDX-License-Identifier: Apache-2.0 */
/* An in-memory platform for benchmarks: durable files are kept in memory,
 * the clock and the boot are fixed, restart requests are only counted. */
#ifndef OMADM_BENCH_MEMPLAT_H
#define OMADM_BENCH_MEMPLAT_H

#include "platform/platform.h"

/* Fills *out; release with out->destroy(out->ctx). */
omadm_status bench_memplat_new(omadm_platform *out);

#endif
