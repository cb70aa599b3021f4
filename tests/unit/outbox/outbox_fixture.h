/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox tests' shared fixture: the simulated platform behind a wrapper
 * that can fail the Nth file_replace / file_remove, the captured warnings,
 * and snapshots of memory and disk to compare before and after a failure. */
#ifndef OMADM_TESTS_OUTBOX_FIXTURE_H
#define OMADM_TESTS_OUTBOX_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "outbox/outbox.h"

/* A platform wrapper that can fail the Nth file_replace / file_remove. */
typedef struct faulty {
    omadm_platform inner;
    long replace_calls, remove_calls;
    long fail_replace_at, fail_remove_at; /* 0 = never; counts from 1 */
    int fail_sticky;
    const char *fail_only;         /* when set, only names containing this fail */
    const char *fail_read_name;    /* file_read of this name fails... */
    omadm_status fail_read_status; /* ...with this */
} faulty;

typedef struct fixture {
    char *dir;
    faulty fw;
    omadm_platform pf; /* the wrapper */
    omadm_outbox *ob;
} fixture;

typedef struct disk_snap {
    char buf[1 << 16];
    size_t len;
    fixture *f;
    int skip_seq;
} disk_snap;

/* Warnings (and errors) the outbox logged since setup. */
extern char warnings[1 << 16];

int setup(void **state);
int teardown(void **state);
void faults_reset(fixture *f);
int count_lines_with(const char *needle);
/* Reopens f->ob and checks how many corrupt records it set aside. */
void open_ob(fixture *f, const omadm_outbox_limits *lim, unsigned expect_corrupt);
uint64_t add(fixture *f, omadm_outbox_kind kind, const char *mark, const char *data);
char *rec_path(fixture *f, uint64_t id, const char *suffix);
char *mem_snapshot(const omadm_outbox *ob);
disk_snap *disk_snapshot_seq(fixture *f, int skip_seq);
disk_snap *disk_snapshot(fixture *f);
void assert_same_disk(disk_snap *a, disk_snap *b);

/* One group per file, run by test_outbox.c. */
int outbox_record_tests(void);
int outbox_limit_tests(void);
int outbox_failure_tests(void);
int outbox_edge_tests(void);

#endif
