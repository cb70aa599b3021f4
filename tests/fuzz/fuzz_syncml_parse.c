/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the SyncML parser on untrusted bytes.
 *
 * Whatever parses must write, the written bytes must parse back to an equal
 * model and write again to the same bytes, and the encoded sizes must agree
 * with what is written (body = empty body + each command). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "syncml/syncml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_syncml_parse: %s%s%s\n", what, detail ? ": " : "",
                detail ? detail : "");
        abort();
    }
}

static void check_sizes(syncml_msg *msg, size_t written)
{
    syncml_cmd *body = msg->body, *c;
    size_t size = 0, empty = 0, sum = 0, one;

    check(syncml_encoded_size(msg, &size) == OMADM_OK, "encoded size failed", NULL);
    check(size == written, "encoded size differs from the bytes written", NULL);
    for (c = body; c; c = c->next) {
        check(syncml_cmd_encoded_size(c, &one) == OMADM_OK, "command size failed", NULL);
        sum += one;
    }
    msg->body = NULL;
    check(syncml_encoded_size(msg, &empty) == OMADM_OK, "empty size failed", NULL);
    msg->body = body;
    check(empty + sum == size, "commands do not add up to the message size", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    syncml_limits lim = SYNCML_LIMITS_DEFAULT;
    syncml_msg *msg = NULL, *again = NULL;
    syncml_error err;
    char *out = NULL, *out2 = NULL;
    size_t len = 0, len2 = 0;
    char where[256];
    omadm_status st;

    st = syncml_parse((const char *)data, size, NULL, &msg, &err);
    if (st != OMADM_OK) {
        check(msg == NULL, "failed parse returned a message", NULL);
        check(st == OMADM_ERR_PARSE || st == OMADM_ERR_LIMIT, "unexpected parse status",
              omadm_status_name(st));
        check(err.message[0] != '\0', "error without a message", NULL);
        return 0;
    }
    check(syncml_write(msg, &out, &len) == OMADM_OK, "write failed", NULL);
    check(strlen(out) == len, "written length", NULL);
    check_sizes(msg, len);
    /* Our output may be a little longer than the input (Meta namespaces). */
    if (lim.max_message < len)
        lim.max_message = len;
    st = syncml_parse(out, len, &lim, &again, &err);
    check(st == OMADM_OK, "re-parse of our output failed", err.message);
    check(syncml_msg_equal(msg, again, where, sizeof(where)), "round trip differs", where);
    check(syncml_write(again, &out2, &len2) == OMADM_OK, "second write failed", NULL);
    check(len == len2 && memcmp(out, out2, len) == 0, "second write differs", NULL);
    omadm__free(out);
    omadm__free(out2);
    syncml_msg_free(msg);
    syncml_msg_free(again);
    return 0;
}
