/* SPDX-License-Identifier: Apache-2.0 */
/* Every status's name and text, written out by hand: logs, the agent's
 * reports and scripts read them, so a renamed or renumbered status must
 * show here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "omadm/status.h"

static const struct {
    omadm_status status;
    int value;
    const char *name, *text;
} statuses[] = {
    { OMADM_OK, 0, "OMADM_OK", "success" },
    { OMADM_ERR_NOMEM, -1, "OMADM_ERR_NOMEM", "out of memory" },
    { OMADM_ERR_INVALID, -2, "OMADM_ERR_INVALID", "invalid argument" },
    { OMADM_ERR_PARSE, -3, "OMADM_ERR_PARSE", "malformed input" },
    { OMADM_ERR_LIMIT, -4, "OMADM_ERR_LIMIT", "input exceeds a limit" },
    { OMADM_ERR_IO, -5, "OMADM_ERR_IO", "input/output error" },
    { OMADM_ERR_NOT_FOUND, -6, "OMADM_ERR_NOT_FOUND", "not found" },
    { OMADM_ERR_ACCESS, -7, "OMADM_ERR_ACCESS", "access denied" },
    { OMADM_ERR_UNSUPPORTED, -8, "OMADM_ERR_UNSUPPORTED", "not supported" },
    { OMADM_ERR_TRANSPORT, -9, "OMADM_ERR_TRANSPORT", "transport failure" },
    { OMADM_ERR_TLS, -10, "OMADM_ERR_TLS", "TLS failure" },
    { OMADM_ERR_TIMEOUT, -11, "OMADM_ERR_TIMEOUT", "timed out" },
    { OMADM_ERR_PROTOCOL, -12, "OMADM_ERR_PROTOCOL", "protocol violation by the peer" },
    { OMADM_ERR_STATE, -13, "OMADM_ERR_STATE", "not valid in the current state" },
    { OMADM_ERR_CORRUPT, -14, "OMADM_ERR_CORRUPT", "corrupt record" },
    { OMADM_ERR_EXISTS, -15, "OMADM_ERR_EXISTS", "already exists" },
    { OMADM_ERR_RETRY_LATER, -16, "OMADM_ERR_RETRY_LATER", "server asked to retry later" },
    { OMADM_ERR_ABORTED, -17, "OMADM_ERR_ABORTED", "aborted" },
    { OMADM_ERR_AUTH, -18, "OMADM_ERR_AUTH", "authentication failed" },
    { OMADM_ERR_CONFIG, -19, "OMADM_ERR_CONFIG", "configuration error" },
    { OMADM_ERR_FULL, -20, "OMADM_ERR_FULL", "storage full" },
};

static void test_every_status(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        assert_int_equal((int)statuses[i].status, statuses[i].value);
        assert_string_equal(omadm_status_name(statuses[i].status), statuses[i].name);
        assert_string_equal(omadm_status_str(statuses[i].status), statuses[i].text);
    }
    /* Just outside the table at both ends. */
    assert_string_equal(omadm_status_name((omadm_status)1), "OMADM_UNKNOWN");
    assert_string_equal(omadm_status_str((omadm_status)1), "unknown status");
    assert_string_equal(omadm_status_name((omadm_status)-21), "OMADM_UNKNOWN");
    assert_string_equal(omadm_status_str((omadm_status)-21), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status),
    };

    return cmocka_run_group_tests_name("core-status", tests, NULL, NULL);
}
