/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: DM tree URI parsing and normalisation (tree/uri.h).
 *
 * The input is the URI as received (up to its first NUL). Checked: the
 * result is one of the documented codes; a parsed URI has sane segments (no
 * empty, ".", ".." or "*" segment, no NUL or '/' inside one, within the
 * limits); join writes exactly the segments and fails when one byte short;
 * percent-encoding the segments again gives a URI that parses to the same
 * thing; and a URI accepted under lower limits parses the same under the
 * defaults. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "tree/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *uri)
{
    if (!ok) {
        fprintf(stderr, "fuzz_uri_parse: %s (uri \"%s\")\n", what, uri);
        abort();
    }
}

static int same(const omadm_uri *a, const omadm_uri *b)
{
    size_t i;

    if (a->scope != b->scope || a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++)
        if (a->seg_len[i] != b->seg_len[i] || memcmp(a->seg[i], b->seg[i], a->seg_len[i]) != 0)
            return 0;
    return 1;
}

static void check_segments(const omadm_uri *u, const omadm_uri_limits *lim, const char *text)
{
    size_t i;

    check(u->n <= lim->max_segments && u->n <= OMADM_URI_MAX_SEGMENTS, "too many segments", text);
    for (i = 0; i < u->n; i++) {
        const char *s = u->seg[i];
        size_t n = u->seg_len[i];

        check(s != NULL && n > 0, "empty segment", text);
        check(n <= lim->max_segment && n <= OMADM_URI_MAX_SEGMENT, "segment over the limit", text);
        check(s[n] == '\0' && strlen(s) == n, "segment not NUL-terminated at its length", text);
        check(memchr(s, '/', n) == NULL, "'/' inside a segment", text);
        check(!(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.'),
              "'.' or '..' segment accepted", text);
        check(!(n == 1 && s[0] == '*'), "'*' segment accepted", text);
    }
}

/* join: the segments with '/', and -1 (not a short string) one byte short. */
static void check_join(const omadm_uri *u, const char *text)
{
    char dst[OMADM_URI_MAX_LEN + 2];
    size_t from, i, total;

    for (from = 0; from <= u->n; from++) {
        for (total = 0, i = from; i < u->n; i++)
            total += u->seg_len[i] + (i > from ? 1 : 0);
        check(total + 1 <= sizeof dst, "joined segments longer than the URI buffer", text);
        memset(dst, 'x', sizeof dst);
        check(omadm__uri_join(u, from, dst, total + 1) == 0, "join failed with room", text);
        check(strlen(dst) == total, "join wrote the wrong length", text);
        for (i = from, total = 0; i < u->n; i++) {
            if (i > from)
                check(dst[total++] == '/', "join separator", text);
            check(memcmp(dst + total, u->seg[i], u->seg_len[i]) == 0, "join content", text);
            total += u->seg_len[i];
        }
        check(omadm__uri_join(u, from, dst, total) == -1, "join fitted one byte short", text);
    }
}

/* Encodes the parsed URI back (".", the scope, "/" and each segment
 * percent-encoded) and parses it. */
static void check_reencode(const omadm_uri *u, const char *text)
{
    static const char *const scope_prefix[] = { "", "/Device", "/User" };
    omadm_buf b = OMADM_BUF_INIT;
    omadm_uri again;
    size_t i;
    int rc;

    check(omadm__buf_append_str(&b, ".") == OMADM_OK, "out of memory", text);
    check(omadm__buf_append_str(&b, scope_prefix[u->scope]) == OMADM_OK, "out of memory", text);
    for (i = 0; i < u->n; i++) {
        check(omadm__buf_append_str(&b, "/") == OMADM_OK, "out of memory", text);
        check(omadm__uri_encode_append(&b, u->seg[i]) == OMADM_OK, "encode failed", text);
    }
    rc = omadm__uri_parse(b.data, NULL, &again);
    if (b.len > OMADM_URI_MAX_LEN) {
        check(rc == 414, "re-encoded URI over the length limit not 414", text);
    } else {
        check(rc == 0, "re-encoded URI does not parse", text);
        check(same(u, &again), "re-encoded URI parses differently", text);
    }
    omadm__buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const omadm_uri_limits defaults = OMADM_URI_LIMITS_DEFAULT;
    static const omadm_uri_limits low = { 64, 4, 16 };
    omadm_uri *u = malloc(sizeof *u), *v = malloc(sizeof *v);
    char *text = malloc(size + 1);
    int rc, rc_low;

    if (!u || !v || !text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';

    rc = omadm__uri_parse(text, NULL, u);
    check(rc == 0 || rc == 400 || rc == 404 || rc == 406 || rc == 414, "undocumented code", text);
    if (rc == 0) {
        check(u->scope <= OMADM_URI_SCOPE_USER, "scope out of range", text);
        check_segments(u, &defaults, text);
        check_join(u, text);
        check_reencode(u, text);
    }
    rc_low = omadm__uri_parse(text, &low, v);
    if (rc_low == 0) {
        check_segments(v, &low, text);
        check(rc == 0 && same(u, v), "lower limits accepted what the defaults did not", text);
    }
    free(text);
    free(u);
    free(v);
    return 0;
}
