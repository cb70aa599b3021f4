/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: Package 0 notifications (notify/notify.h).
 *
 * The input is the notification as received from the push channel.
 * Checked: parse returns a documented code; an accepted notification has
 * its fields within the header's bounds, borrows only from the input, and
 * builds back to the same trigger bytes (when its reserved bits are 0);
 * verify answers OK or AUTH, never anything else; the replay guard takes
 * it once and refuses it the second time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "notify/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_notify_parse: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    omadm_notification n;
    omadm_status st = omadm__notify_parse(data, size, 0, &n);
    omadm_notify_guard *g = NULL;
    unsigned char *built = NULL;
    size_t built_len = 0;

    check(st == OMADM_OK || st == OMADM_ERR_PARSE || st == OMADM_ERR_LIMIT ||
              st == OMADM_ERR_UNSUPPORTED,
          "undocumented parse result");
    if (st != OMADM_OK)
        return 0;
    check(size >= OMADM_NOTIFY_MIN_LEN && size <= OMADM_NOTIFY_DEFAULT_MAX, "size out of bounds");
    check(n.server_id_len >= 1 && n.server_id_len <= 255, "server id length");
    check(strlen(n.server_id) == n.server_id_len, "server id not NUL-terminated at its length");
    check(n.session_id <= 0xffff && n.version <= 0x3ff && (unsigned)n.ui_mode <= 3, "field range");
    check(n.trigger == data + OMADM_NOTIFY_DIGEST_LEN && n.trigger_len + 16 == size, "trigger");
    check(OMADM_NOTIFY_FIXED_LEN + n.server_id_len + n.vendor_len == n.trigger_len,
          "vendor length");
    check(n.vendor_len == 0 || (n.vendor > data && n.vendor + n.vendor_len == data + size),
          "vendor outside the input");
    st = omadm__notify_verify(&n, n.server_id, "password", (const unsigned char *)"nonce", 5);
    check(st == OMADM_OK || st == OMADM_ERR_AUTH || st == OMADM_ERR_UNSUPPORTED, "verify result");
    if (n.future == 0 &&
        omadm__notify_build(n.version, n.ui_mode, n.server_initiated, n.session_id, n.server_id,
                            n.vendor, n.vendor_len, "password", (const unsigned char *)"nonce", 5,
                            &built, &built_len) == OMADM_OK) {
        check(built_len == size && memcmp(built + 16, data + 16, size - 16) == 0,
              "build does not give back the trigger");
        omadm__free(built);
    }
    if (omadm__notify_guard_new(&g, 4) == OMADM_OK) {
        check(omadm__notify_guard_check(g, &n, data, size) == OMADM_OK, "guard refused a new one");
        check(omadm__notify_guard_check(g, &n, data, size) == OMADM_ERR_EXISTS,
              "guard took a replay");
        omadm__notify_guard_free(g);
    }
    return 0;
}
