/* SPDX-License-Identifier: Apache-2.0 */
/* A small in-test platform: fixed facts, a settable clock, durable files in
 * memory with fault switches. */
#ifndef OMADM_TESTS_FAKEPLAT_H
#define OMADM_TESTS_FAKEPLAT_H

#include "platform/platform.h"

#define FAKEPLAT_FILES 8

typedef struct fakeplat {
    omadm_platform p;                    /* p.ctx points back here */
    const char *facts[OMADM_FACT_COUNT]; /* NULL: the platform cannot tell */
    int64_t now;
    int32_t offset;
    omadm_status now_status; /* returned by now() when not OMADM_OK */
    struct {
        char name[64];
        char *data; /* malloc */
        size_t len;
        int used;
    } files[FAKEPLAT_FILES];
    omadm_status read_status;    /* file_read fails with this when set */
    omadm_status replace_status; /* file_replace fails with this when set */
    int replace_calls;
} fakeplat;

/* Facts of a plausible PC; now = 2025-11-25T10:07:25Z, offset +01:00. */
void fakeplat_init(fakeplat *fp);
void fakeplat_free(fakeplat *fp);
void fakeplat_set_file(fakeplat *fp, const char *name, const char *content);
/* The file's content (NUL-terminated) or NULL. */
const char *fakeplat_file(const fakeplat *fp, const char *name);

#endif
