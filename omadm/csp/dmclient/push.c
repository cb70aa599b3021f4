/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient Provider/{id}/Push nodes (push.h).
 *
 * State file (text, written whole through the platform's atomic replace):
 *     omadm-dmclient-push 1
 *     pfn <percent-encoded provider id> <percent-encoded PFN>
 * one line per provider that has a PFN. */
#include "csp/dmclient/push.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/hex.h"
#include "core/log.h"
#include "csp/dmclient/dmclient.h"

#define FILE_HEADER "omadm-dmclient-push 1"
#define FILE_MAX    65536

typedef struct entry {
    char *id;
    char *pfn;
} entry;

typedef struct table {
    entry e[OMADM_DMCLIENT_MAX_PROVIDERS];
    size_t n;
} table;

struct omadm__dmpush {
    const omadm_platform *platform;
    table cur, snap;
    int in_txn;
    char *channel_uri;
    int status;
};

static void table_clear(table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        omadm__free(t->e[i].id);
        omadm__free(t->e[i].pfn);
    }
    memset(t, 0, sizeof *t);
}

static int table_clone(const table *from, table *to)
{
    memset(to, 0, sizeof *to);
    for (size_t i = 0; i < from->n; i++) {
        to->e[i].id = omadm__strdup(from->e[i].id);
        to->e[i].pfn = omadm__strdup(from->e[i].pfn);
        to->n = i + 1;
        if (!to->e[i].id || !to->e[i].pfn) {
            table_clear(to);
            return -1;
        }
    }
    return 0;
}

static entry *find(table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->e[i].id, id) == 0)
            return &t->e[i];
    }
    return NULL;
}

static void remove_entry(table *t, entry *e)
{
    size_t i = (size_t)(e - t->e);

    omadm__free(e->id);
    omadm__free(e->pfn);
    memmove(&t->e[i], &t->e[i + 1], (t->n - i - 1) * sizeof t->e[0]);
    t->n--;
}

/* ---- file ---------------------------------------------------------------- */

static omadm_status put_encoded(omadm_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    omadm_status st = OMADM_OK;

    for (; *s && st == OMADM_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if (c > 0x20 && c < 0x7f && c != '%') {
            st = omadm__buf_append(b, s, 1);
        } else {
            char enc[3] = { '%', hex[c >> 4], hex[c & 15] };
            st = omadm__buf_append(b, enc, 3);
        }
    }
    return st;
}

/* Decodes `len` bytes of percent-encoded text; NULL when malformed. */
static char *decode(const char *s, size_t len)
{
    char *out = omadm__malloc(len + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < len ? omadm__hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? omadm__hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                omadm__free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static int table_parse(const char *data, size_t len, table *t)
{
    const char *p = data, *end = data + len;
    size_t hl = sizeof FILE_HEADER - 1;

    memset(t, 0, sizeof *t);
    if (len < hl || memcmp(p, FILE_HEADER, hl) != 0 || (len > hl && p[hl] != '\n'))
        return -1;
    p += hl;
    while (p < end) {
        const char *line, *nl, *sp1, *sp2;
        if (*p == '\n') {
            p++;
            continue;
        }
        line = p;
        nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl)
            nl = end;
        p = nl;
        if (nl - line < 4 || memcmp(line, "pfn ", 4) != 0 || t->n >= OMADM_DMCLIENT_MAX_PROVIDERS)
            goto bad;
        sp1 = line + 4;
        sp2 = memchr(sp1, ' ', (size_t)(nl - sp1));
        if (!sp2 || sp2 == sp1 || sp2 + 1 >= nl)
            goto bad;
        t->e[t->n].id = decode(sp1, (size_t)(sp2 - sp1));
        t->e[t->n].pfn = decode(sp2 + 1, (size_t)(nl - sp2 - 1));
        t->n++;
        if (!t->e[t->n - 1].id || !t->e[t->n - 1].pfn)
            goto bad;
    }
    return 0;
bad:
    table_clear(t);
    return -1;
}

static int table_save(const omadm__dmpush *p, const table *t)
{
    omadm_buf b = OMADM_BUF_INIT;
    omadm_status st = omadm__buf_append(&b, FILE_HEADER "\n", sizeof FILE_HEADER);

    for (size_t i = 0; i < t->n && st == OMADM_OK; i++) {
        st = omadm__buf_append(&b, "pfn ", 4);
        if (st == OMADM_OK)
            st = put_encoded(&b, t->e[i].id);
        if (st == OMADM_OK)
            st = omadm__buf_append(&b, " ", 1);
        if (st == OMADM_OK)
            st = put_encoded(&b, t->e[i].pfn);
        if (st == OMADM_OK)
            st = omadm__buf_append(&b, "\n", 1);
    }
    if (st == OMADM_OK)
        st = p->platform->file_replace(p->platform->ctx, OMADM_DMCLIENT_PUSH_FILE, b.data, b.len);
    omadm__buf_free(&b);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "dmclient: cannot write %s: %s", OMADM_DMCLIENT_PUSH_FILE,
                   omadm_status_str(st));
    return st == OMADM_OK ? 0 : (st == OMADM_ERR_FULL ? -420 : -500);
}

omadm_status omadm__dmpush_new(omadm__dmpush **out, const omadm_platform *platform)
{
    omadm__dmpush *p;
    char *data = NULL;
    size_t len = 0;
    omadm_status st;

    *out = NULL;
    p = omadm__calloc(1, sizeof *p);
    if (!p)
        return OMADM_ERR_NOMEM;
    p->platform = platform;
    p->status = 4; /* no channel until the agent says otherwise */
    st = platform
             ? platform->file_read(platform->ctx, OMADM_DMCLIENT_PUSH_FILE, FILE_MAX, &data, &len)
             : OMADM_ERR_NOT_FOUND;
    if (st == OMADM_OK) {
        if (table_parse(data, len, &p->cur) != 0)
            omadm__log(OMADM_LOG_WARN, "dmclient: %s is corrupt: no PFN stored",
                       OMADM_DMCLIENT_PUSH_FILE);
        omadm__free(data);
    } else if (st == OMADM_ERR_LIMIT) {
        omadm__log(OMADM_LOG_WARN, "dmclient: %s is too large: no PFN stored",
                   OMADM_DMCLIENT_PUSH_FILE);
    } else if (st != OMADM_ERR_NOT_FOUND) {
        omadm__free(p);
        return st;
    }
    *out = p;
    return OMADM_OK;
}

void omadm__dmpush_free(omadm__dmpush *p)
{
    if (!p)
        return;
    table_clear(&p->cur);
    table_clear(&p->snap);
    omadm__free(p->channel_uri);
    omadm__free(p);
}

/* ---- nodes ---------------------------------------------------------------- */

int omadm__dmpush_path(const char *path, char *id, size_t idsize, char *leaf, size_t leafsize)
{
    const char *p, *slash;
    size_t n;

    if (strncmp(path, "Provider/", 9) != 0)
        return 0;
    p = path + 9;
    slash = strchr(p, '/');
    if (!slash || slash == p || strncmp(slash + 1, "Push", 4) != 0 ||
        (slash[5] != '\0' && slash[5] != '/'))
        return 0;
    n = (size_t)(slash - p);
    if (n >= idsize)
        return -1;
    memcpy(id, p, n);
    id[n] = '\0';
    p = slash[5] ? slash + 6 : "";
    if (*p && strcmp(p, "PFN") != 0 && strcmp(p, "ChannelURI") != 0 && strcmp(p, "Status") != 0)
        return -1;
    n = strlen(p);
    if (n >= leafsize)
        return -1;
    memcpy(leaf, p, n + 1);
    return 1;
}

int omadm__dmpush_get(omadm__dmpush *p, const char *id, const char *leaf, omadm_csp_value *out)
{
    char buf[16];
    const char *v;
    entry *e = find(&p->cur, id);

    if (strcmp(leaf, "PFN") == 0) {
        if (!e)
            return -404;
        v = e->pfn;
    } else if (strcmp(leaf, "ChannelURI") == 0) {
        v = p->channel_uri ? p->channel_uri : "";
    } else if (strcmp(leaf, "Status") == 0) {
        snprintf(buf, sizeof buf, "%d", p->status);
        v = buf;
    } else {
        return -405;
    }
    return omadm_csp_value_set(out, v, strlen(v)) == OMADM_OK ? 0 : -500;
}

/* Applies a change now, or (inside an Atomic) at commit. */
static int commit_now(omadm__dmpush *p, table *backup, int rc)
{
    if (rc == 0)
        rc = table_save(p, &p->cur);
    if (rc != 0) {
        table_clear(&p->cur);
        p->cur = *backup;
    } else {
        table_clear(backup);
    }
    return rc;
}

int omadm__dmpush_set(omadm__dmpush *p, const char *id, const char *leaf, const char *data,
                      size_t len, int in_txn)
{
    table backup;
    entry *e;
    char *v;
    int rc = 0;

    if (strcmp(leaf, "PFN") != 0)
        return -405;
    if (len == 0 || len > OMADM_DMCLIENT_PFN_MAX || memchr(data, '\0', len))
        return -400;
    if (!in_txn && table_clone(&p->cur, &backup) != 0)
        return -500;
    v = omadm__strndup(data, len);
    e = find(&p->cur, id);
    if (!v) {
        rc = -500;
    } else if (e) {
        omadm__free(e->pfn);
        e->pfn = v;
    } else if (p->cur.n >= OMADM_DMCLIENT_MAX_PROVIDERS) {
        omadm__free(v);
        rc = -420;
    } else {
        e = &p->cur.e[p->cur.n];
        e->id = omadm__strdup(id);
        if (!e->id) {
            omadm__free(v);
            rc = -500;
        } else {
            e->pfn = v;
            p->cur.n++;
        }
    }
    return in_txn ? rc : commit_now(p, &backup, rc);
}

int omadm__dmpush_delete(omadm__dmpush *p, const char *id, const char *leaf, int in_txn)
{
    table backup;
    entry *e = find(&p->cur, id);

    if (*leaf && strcmp(leaf, "PFN") != 0)
        return -405;
    if (!e)
        return *leaf ? -404 : 0;
    if (in_txn) {
        remove_entry(&p->cur, e);
        return 0;
    }
    if (table_clone(&p->cur, &backup) != 0)
        return -500;
    remove_entry(&p->cur, find(&p->cur, id));
    return commit_now(p, &backup, 0);
}

int omadm__dmpush_children(omadm__dmpush *p, const char *id, const char *leaf,
                           omadm_csp_children *out)
{
    if (*leaf)
        return -404;
    if (find(&p->cur, id) && omadm_csp_children_add(out, "PFN") != OMADM_OK)
        return -500;
    if (omadm_csp_children_add(out, "ChannelURI") != OMADM_OK ||
        omadm_csp_children_add(out, "Status") != OMADM_OK)
        return -500;
    return 0;
}

void omadm__dmpush_forget(omadm__dmpush *p, const char *id)
{
    if (find(&p->cur, id))
        omadm__dmpush_delete(p, id, "", p->in_txn);
}

int omadm__dmpush_txn_begin(omadm__dmpush *p)
{
    if (p->in_txn || table_clone(&p->cur, &p->snap) != 0)
        return -500;
    p->in_txn = 1;
    return 0;
}

int omadm__dmpush_txn_commit(omadm__dmpush *p)
{
    int changed = p->cur.n != p->snap.n;

    for (size_t i = 0; !changed && i < p->cur.n; i++)
        changed = strcmp(p->cur.e[i].id, p->snap.e[i].id) != 0 ||
                  strcmp(p->cur.e[i].pfn, p->snap.e[i].pfn) != 0;
    if (changed) {
        int rc = table_save(p, &p->cur);
        if (rc)
            return rc;
    }
    table_clear(&p->snap);
    p->in_txn = 0;
    return 0;
}

void omadm__dmpush_txn_rollback(omadm__dmpush *p)
{
    if (!p->in_txn)
        return;
    table_clear(&p->cur);
    p->cur = p->snap;
    memset(&p->snap, 0, sizeof p->snap);
    p->in_txn = 0;
}

omadm_status omadm__dmpush_set_channel(omadm__dmpush *p, const char *uri, int status)
{
    char *copy = NULL;

    if (uri && !(copy = omadm__strdup(uri)))
        return OMADM_ERR_NOMEM;
    omadm__free(p->channel_uri);
    p->channel_uri = copy;
    p->status = status;
    return OMADM_OK;
}
