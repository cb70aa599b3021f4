/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: outbox record decoding (outbox/record.h), the bytes of
 * a record file as read back from the state directory.
 *
 * Input: one control byte, then the record. A record's SHA-256 would stop
 * almost every mutation at "checksum mismatch", so control bit 0 makes the
 * target seal the record first (length field and checksum set to match the
 * bytes); without it the bytes are decoded as they are. Bit 1 asks for an id
 * other than the record's (the file-name check); bits 2-7, when not 0, fail
 * that allocation of the decode (1-63rd) to check the out-of-memory path.
 *
 * Checked: the result is OK, CORRUPT with a reason, or NOMEM only when an
 * allocation was failed; a failure leaves the entry empty; what decodes
 * re-encodes to exactly the same bytes and decodes again to the same entry. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "core/alloc.h"
#include "outbox/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SUM_LEN 32

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_outbox_record: %s\n", what);
        abort();
    }
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int entry_eq(const omadm_outbox_entry *a, const omadm_outbox_entry *b)
{
    return a->id == b->id && a->kind == b->kind && a->created == b->created &&
           a->attempts == b->attempts && str_eq(a->source_uri, b->source_uri) &&
           str_eq(a->type, b->type) && str_eq(a->format, b->format) && str_eq(a->mark, b->mark) &&
           str_eq(a->data, b->data);
}

static int entry_empty(const omadm_outbox_entry *e)
{
    return !e->source_uri && !e->type && !e->format && !e->mark && !e->data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    omadm_outbox_entry e, again;
    unsigned char *rec, *out = NULL;
    size_t len, out_len = 0;
    const char *why = NULL;
    uint64_t id = 1;
    unsigned control, fail_at;
    omadm_status st;

    if (size < 1)
        return 0;
    control = data[0];
    fail_at = control >> 2;
    len = size - 1;
    rec = malloc(len + SUM_LEN + 1);
    check(rec != NULL, "out of memory");
    memcpy(rec, data + 1, len);
    if ((control & 1) && len >= 10) {
        size_t sealed = len + SUM_LEN;

        rec[6] = (unsigned char)(sealed >> 24);
        rec[7] = (unsigned char)(sealed >> 16);
        rec[8] = (unsigned char)(sealed >> 8);
        rec[9] = (unsigned char)sealed;
        SHA256(rec, len, rec + len);
        len = sealed;
    }
    if (len >= 18)
        id = get_u64(rec + 10);
    if (control & 2)
        id++;

    omadm__alloc_fail_at(fail_at, 0);
    st = omadm__outbox_record_decode(rec, len, id, &e, &why);
    omadm__alloc_fail_at(0, 0);
    if (st != OMADM_OK) {
        check(st == OMADM_ERR_CORRUPT || (st == OMADM_ERR_NOMEM && fail_at > 0),
              "unexpected status");
        check(st != OMADM_ERR_CORRUPT || (why && *why), "corrupt without a reason");
        check(entry_empty(&e), "failed decode left strings in the entry");
        free(rec);
        return 0;
    }
    check(e.id == id, "decoded id differs from the one asked for");
    check(e.kind >= OMADM_OUTBOX_INTENT && e.kind <= OMADM_OUTBOX_ALERT, "kind out of range");

    /* What decodes re-encodes to the same bytes, and decodes to the same. */
    check(omadm__outbox_record_encode(&e, len, &out, &out_len) == OMADM_OK, "re-encode failed");
    check(out_len == len && memcmp(out, rec, len) == 0, "re-encoded record differs");
    check(omadm__outbox_record_decode(out, out_len, id, &again, &why) == OMADM_OK,
          "re-encoded record does not decode");
    check(entry_eq(&e, &again), "round trip changed the entry");
    omadm__outbox_entry_free(&again);
    omadm__outbox_entry_free(&e);
    omadm__free(out);
    free(rec);
    return 0;
}
