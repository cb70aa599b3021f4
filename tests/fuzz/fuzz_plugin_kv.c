/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a plugin's key-value store file (plugin/kv.h) as read
 * back from the state directory.
 *
 * Checked: the parse is OK or CORRUPT with "line N: why"; what parses
 * formats back to exactly the input bytes (the format is canonical), and
 * parses again to the same count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plugin/kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_plugin_kv: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    omadm__kv *kv = NULL, *again = NULL;
    char err[128] = "", *text = NULL;
    size_t len = 0;
    omadm_status st;

    if (size > OMADM__KV_FILE_MAX)
        return 0;
    st = omadm__kv_parse(&kv, (const char *)data, size, err, sizeof err);
    if (st != OMADM_OK) {
        check(st == OMADM_ERR_CORRUPT, "not OK, not CORRUPT");
        check(kv == NULL, "a store on failure");
        check(strncmp(err, "line ", 5) == 0, "no line in the reason");
        return 0;
    }
    check(omadm__kv_format(kv, &text, &len) == OMADM_OK, "cannot format");
    check(len == size && memcmp(text, data, size) == 0, "not canonical");
    check(omadm__kv_parse(&again, text, len, err, sizeof err) == OMADM_OK, "no round trip");
    check(omadm__kv_count(again) == omadm__kv_count(kv), "count differs");
    omadm__free(text);
    omadm__kv_free(again);
    omadm__kv_free(kv);
    return 0;
}
