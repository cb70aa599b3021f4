/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient CSP: the providers' poll state and dmclient.conf (state.h). */
#include "csp/dmclient/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/hex.h"
#include "core/log.h"
#include "tree/uri.h"

#define FILE_HEADER "omadm-dmclient 1"
#define FILE_MAX    65536

const unsigned omadm__dmcstate_default_ints[N_INTS] = { 15, 10, 0, 0, 0, 0 };

/* ---- state ----------------------------------------------------------------- */

void omadm__dmcstate_clear(state *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        omadm__free(s->p[i].id);
    memset(s, 0, sizeof *s);
}

int omadm__dmcstate_clone(const state *from, state *to)
{
    size_t i;

    memset(to, 0, sizeof *to);
    for (i = 0; i < from->n; i++) {
        to->p[i] = from->p[i];
        to->p[i].id = omadm__strdup(from->p[i].id);
        if (!to->p[i].id) {
            to->n = i;
            omadm__dmcstate_clear(to);
            return -1;
        }
    }
    to->n = from->n;
    return 0;
}

int omadm__dmcstate_equal(const state *a, const state *b)
{
    size_t i;

    if (a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++) {
        const provider *x = &a->p[i], *y = &b->p[i];
        if (strcmp(x->id, y->id) != 0 || x->has_poll != y->has_poll ||
            memcmp(x->v, y->v, sizeof x->v) != 0 || memcmp(x->b, y->b, sizeof x->b) != 0)
            return 0;
    }
    return 1;
}

void omadm__dmcstate_poll_defaults(provider *p)
{
    memcpy(p->v, omadm__dmcstate_default_ints, sizeof p->v);
    p->b[0] = p->b[1] = 0;
}

/* dmclient-devinfo.md §1: a schedule whose three intervals are all 0 never
 * polls again and is refused. All three counts 0 is not refused on its own:
 * a count of 0 with a non-zero interval means "forever", which is exactly
 * what Fleet provisions at enrollment (first set 1 min x 0) and Windows
 * accepts. */
int omadm__dmcstate_valid(const state *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        const unsigned *v = s->p[i].v;
        if (!s->p[i].has_poll)
            continue;
        if (v[0] == 0 && v[2] == 0 && v[4] == 0)
            return 0;
    }
    return 1;
}

provider *omadm__dmcstate_find(state *s, const char *id)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->p[i].id, id) == 0)
            return &s->p[i];
    return NULL;
}

/* Finds or creates the provider. Returns 0 or a negative DM code. */
int omadm__dmcstate_find_or_add(state *s, const char *id, provider **out)
{
    provider *p = omadm__dmcstate_find(s, id);

    if (!p) {
        if (s->n == OMADM_DMCLIENT_MAX_PROVIDERS)
            return -420;
        p = &s->p[s->n];
        memset(p, 0, sizeof *p);
        p->id = omadm__strdup(id);
        if (!p->id)
            return -500;
        omadm__dmcstate_poll_defaults(p);
        s->n++;
    }
    *out = p;
    return 0;
}

void omadm__dmcstate_remove(state *s, provider *p)
{
    size_t i = (size_t)(p - s->p);

    omadm__free(p->id);
    memmove(&s->p[i], &s->p[i + 1], (s->n - i - 1) * sizeof s->p[0]);
    s->n--;
}

/* ---- file -------------------------------------------------------------------- */

static omadm_status state_format(const state *s, omadm_buf *buf)
{
    size_t i;
    omadm_status st = omadm__buf_append_str(buf, FILE_HEADER "\n");

    for (i = 0; st == OMADM_OK && i < s->n; i++) {
        const provider *p = &s->p[i];
        st = omadm__buf_append_str(buf, "provider ");
        if (st == OMADM_OK)
            st = omadm__uri_encode_append(buf, p->id);
        if (st == OMADM_OK)
            st = omadm__buf_printf(buf, " %d %u %u %u %u %u %u %d %d\n", p->has_poll, p->v[0],
                                   p->v[1], p->v[2], p->v[3], p->v[4], p->v[5], p->b[0], p->b[1]);
    }
    return st;
}

static int parse_uint(const char *tok, size_t len, unsigned max, unsigned *out)
{
    unsigned long v = 0;
    size_t i;

    if (len == 0 || len > 10)
        return -1;
    for (i = 0; i < len; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(tok[i] - '0');
    }
    if (v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Decodes a percent-encoded id of `len` bytes into a new string. */
static int decode_id(const char *tok, size_t len, char **out)
{
    char *id;
    size_t i, n = 0;

    if (len == 0 || len > 3 * OMADM_URI_MAX_SEGMENT)
        return -1;
    id = omadm__malloc(len + 1);
    if (!id)
        return -2;
    for (i = 0; i < len; i++) {
        if (tok[i] == '%') {
            int hi = i + 2 < len ? omadm__hex_digit(tok[i + 1]) : -1;
            int lo = i + 2 < len ? omadm__hex_digit(tok[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0) || (hi * 16 + lo) == '/') {
                omadm__free(id);
                return -1;
            }
            id[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            id[n++] = tok[i];
        }
    }
    id[n] = '\0';
    *out = id;
    return 0;
}

/* Parses the file. 0, -1 corrupt, -2 out of memory. */
static int state_parse(const char *data, size_t len, state *s)
{
    const char *p = data, *end = data + len, *nl;
    size_t hl = strlen(FILE_HEADER);

    memset(s, 0, sizeof *s);
    if (len < hl + 1 || memcmp(p, FILE_HEADER "\n", hl + 1) != 0)
        return -1;
    for (p += hl + 1; p < end; p = nl + 1) {
        const char *tok[11];
        size_t toklen[11], nt = 0, i;
        const char *q;
        provider *pr;
        unsigned u;
        int rc;

        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            goto corrupt; /* every line ends with a newline */
        for (q = p; q < nl && nt < 11;) {
            const char *sp = memchr(q, ' ', (size_t)(nl - q));
            const char *te = sp ? sp : nl;
            tok[nt] = q;
            toklen[nt++] = (size_t)(te - q);
            q = sp ? sp + 1 : nl;
        }
        if (nt != 11 || q != nl || toklen[0] != 8 || memcmp(tok[0], "provider", 8) != 0 ||
            s->n == OMADM_DMCLIENT_MAX_PROVIDERS)
            goto corrupt;
        pr = &s->p[s->n];
        memset(pr, 0, sizeof *pr);
        rc = decode_id(tok[1], toklen[1], &pr->id);
        if (rc)
            return rc == -2 ? (omadm__dmcstate_clear(s), -2) : (omadm__dmcstate_clear(s), -1);
        s->n++;
        if (parse_uint(tok[2], toklen[2], 1, &u) != 0)
            goto corrupt;
        pr->has_poll = (int)u;
        for (i = 0; i < N_INTS; i++)
            if (parse_uint(tok[3 + i], toklen[3 + i], OMADM_DMCLIENT_VALUE_MAX, &pr->v[i]) != 0)
                goto corrupt;
        for (i = 0; i < N_BOOLS; i++) {
            if (parse_uint(tok[9 + i], toklen[9 + i], 1, &u) != 0)
                goto corrupt;
            pr->b[i] = (int)u;
        }
        for (i = 0; i + 1 < s->n; i++)
            if (strcmp(s->p[i].id, pr->id) == 0)
                goto corrupt;
    }
    if (!omadm__dmcstate_valid(s))
        goto corrupt;
    return 0;
corrupt:
    omadm__dmcstate_clear(s);
    return -1;
}

/* Loads the file into *s (defaults on a corrupt file). */
omadm_status omadm__dmcstate_load(const omadm_platform *platform, state *s)
{
    char *data = NULL;
    size_t len = 0;
    omadm_status st;
    int rc;

    memset(s, 0, sizeof *s);
    if (!platform || !platform->file_read)
        return OMADM_OK;
    st = platform->file_read(platform->ctx, OMADM_DMCLIENT_FILE, FILE_MAX, &data, &len);
    if (st == OMADM_ERR_NOT_FOUND)
        return OMADM_OK;
    if (st == OMADM_ERR_LIMIT) {
        omadm__log(OMADM_LOG_WARN, "dmclient: %s is too large, using the default schedule",
                   OMADM_DMCLIENT_FILE);
        return OMADM_OK;
    }
    if (st != OMADM_OK)
        return st;
    rc = state_parse(data, len, s);
    free(data); /* the platform allocates with malloc (platform.h) */
    if (rc == -2)
        return OMADM_ERR_NOMEM;
    if (rc)
        omadm__log(OMADM_LOG_WARN, "dmclient: %s is corrupt, using the default schedule",
                   OMADM_DMCLIENT_FILE);
    return OMADM_OK;
}

int omadm__dmcstate_save(const omadm_platform *platform, const state *s)
{
    omadm_buf buf = OMADM_BUF_INIT;
    omadm_status st = state_format(s, &buf);

    if (st == OMADM_OK) {
        if (platform && platform->file_replace)
            st = platform->file_replace(platform->ctx, OMADM_DMCLIENT_FILE, buf.data, buf.len);
        else
            st = OMADM_ERR_UNSUPPORTED;
    }
    omadm__buf_free(&buf);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "dmclient: cannot write %s: %s", OMADM_DMCLIENT_FILE,
                   omadm_status_str(st));
    return st == OMADM_OK ? 0 : (st == OMADM_ERR_FULL ? -420 : -500);
}
