/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox: records (test_outbox_records.c), limits and acknowledgement
 * (test_outbox_limits.c), failures (test_outbox_failures.c), the sequence file
 * and id space (test_outbox_edges.c), one fixture
 * (outbox_fixture.c). One program, so the meson test stays `outbox`. */
#include "outbox_fixture.h"

int main(void)
{
    int failed = outbox_record_tests();

    failed += outbox_limit_tests();
    failed += outbox_failure_tests();
    failed += outbox_edge_tests();
    return failed;
}
