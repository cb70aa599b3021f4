/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox (outbox.h): one durable record file per entry, in the format
 * of record.c.
 *
 * Memory mirrors disk: every change is written first and applied to memory
 * only once the platform reported it durable, so a failed write leaves both
 * as they were. Ids never repeat: "outbox.seq" holds the next id whenever
 * the newest record is removed (otherwise the newest file name tells). */
#include "outbox/outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "outbox/record.h"

#define REC_MIN     OMADM__OUTBOX_RECORD_MIN
#define NAME_PREFIX "outbox-"
#define NAME_LEN    27 /* "outbox-" + 16 hex + ".rec" */
#define BAD_SUFFIX  ".bad"
#define SEQ_NAME    "outbox.seq"
#define SEQ_MAX     64
/* Reading an oversized record only to set it aside: a hard cap. */
#define SETASIDE_MAX (16u * 1024 * 1024)

typedef struct ob_item {
    omadm_outbox_entry e;
    size_t bytes; /* record size on disk */
    int evict;    /* marked by plan_evictions */
} ob_item;

struct omadm_outbox {
    const omadm_platform *pf;
    omadm_outbox_limits lim;
    ob_item *items; /* ascending id = oldest first */
    size_t count, cap;
    size_t total;       /* sum of items[].bytes */
    uint64_t next_id;   /* id of the next record */
    uint64_t seq_saved; /* value stored in outbox.seq, 0 if none */
};

/* ---- names ------------------------------------------------------------- */

static void record_name(uint64_t id, char name[NAME_LEN + 1])
{
    snprintf(name, NAME_LEN + 1, NAME_PREFIX "%016" PRIx64 ".rec", id);
}

/* 1 = a record name, 2 = a set-aside record, 0 = neither; *id filled. */
static int parse_name(const char *name, uint64_t *id)
{
    size_t n = strlen(name), i;
    uint64_t v = 0;

    if (n != NAME_LEN && n != NAME_LEN + strlen(BAD_SUFFIX))
        return 0;
    if (strncmp(name, NAME_PREFIX, 7) != 0 || strncmp(name + 23, ".rec", 4) != 0)
        return 0;
    if (n > NAME_LEN && strcmp(name + NAME_LEN, BAD_SUFFIX) != 0)
        return 0;
    for (i = 7; i < 23; i++) {
        char c = name[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint64_t)d;
    }
    *id = v;
    return n == NAME_LEN ? 1 : 2;
}

/* ---- in-memory list ---------------------------------------------------- */

static ptrdiff_t find_index(const omadm_outbox *ob, uint64_t id)
{
    size_t lo = 0, hi = ob->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ob->items[mid].e.id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ob->count && ob->items[lo].e.id == id ? (ptrdiff_t)lo : -1;
}

static omadm_status reserve(omadm_outbox *ob, size_t need)
{
    ob_item *n;
    size_t cap;

    if (need <= ob->cap)
        return OMADM_OK;
    cap = ob->cap ? ob->cap * 2 : 16;
    if (cap < need)
        cap = need;
    n = omadm__realloc(ob->items, cap * sizeof *n);
    if (!n)
        return OMADM_ERR_NOMEM;
    ob->items = n;
    ob->cap = cap;
    return OMADM_OK;
}

static void drop_at(omadm_outbox *ob, size_t i)
{
    omadm__outbox_entry_free(&ob->items[i].e);
    ob->total -= ob->items[i].bytes;
    memmove(&ob->items[i], &ob->items[i + 1], (ob->count - i - 1) * sizeof *ob->items);
    ob->count--;
}

static const char *kind_name(omadm_outbox_kind k)
{
    return k == OMADM_OUTBOX_INTENT ? "intent" : k == OMADM_OUTBOX_OUTCOME ? "outcome" : "alert";
}

/* ---- durable operations ----------------------------------------------- */

/* Writes an encoded record under its name, flushed as `flush` says
 * (OMADM_FILE_FLUSH_*). */
static omadm_status write_encoded(omadm_outbox *ob, uint64_t id, const unsigned char *buf,
                                  size_t len, unsigned flush)
{
    char name[NAME_LEN + 1];
    omadm_status st;

    record_name(id, name);
    if (flush != OMADM_FILE_FLUSH_ALL && ob->pf->file_replace_with)
        st = ob->pf->file_replace_with(ob->pf->ctx, name, buf, len, flush);
    else
        st = ob->pf->file_replace(ob->pf->ctx, name, buf, len);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_ERROR, "outbox: cannot write %s: %s", name, omadm_status_str(st));
    return st;
}

/* Removes record i from disk, then memory. Removing the newest record
 * first stores the next id, so the id is never handed out again. */
static omadm_status remove_record(omadm_outbox *ob, size_t i)
{
    char name[NAME_LEN + 1];
    uint64_t id = ob->items[i].e.id;
    omadm_status st;

    if (id + 1 >= ob->next_id && ob->seq_saved < ob->next_id) {
        char text[32];
        int n = snprintf(text, sizeof text, "%" PRIu64 "\n", ob->next_id);
        st = ob->pf->file_replace(ob->pf->ctx, SEQ_NAME, text, (size_t)n);
        if (st != OMADM_OK) {
            omadm__log(OMADM_LOG_ERROR, "outbox: cannot write %s: %s", SEQ_NAME,
                       omadm_status_str(st));
            return st;
        }
        ob->seq_saved = ob->next_id;
    }
    record_name(id, name);
    st = ob->pf->file_remove(ob->pf->ctx, name);
    if (st == OMADM_ERR_NOT_FOUND) /* already gone: the goal is met */
        st = OMADM_OK;
    if (st != OMADM_OK) {
        omadm__log(OMADM_LOG_ERROR, "outbox: cannot remove %s: %s", name, omadm_status_str(st));
        return st;
    }
    drop_at(ob, i);
    return OMADM_OK;
}

static int informational(const omadm_outbox_entry *e)
{
    return e->kind == OMADM_OUTBOX_ALERT && (!e->mark || strcmp(e->mark, "informational") == 0);
}

static void clear_evictions(omadm_outbox *ob)
{
    size_t i;

    for (i = 0; i < ob->count; i++)
        ob->items[i].evict = 0;
}

/* Marks the records to evict so that `entries` records of `bytes` in total
 * fit the limits: informational alerts oldest first, then other alerts and
 * outcomes oldest first, never an intent nor item `keep`. OMADM_ERR_FULL
 * (nothing marked) when that is not enough. */
static omadm_status plan_evictions(omadm_outbox *ob, size_t entries, size_t bytes, size_t keep)
{
    int pass;
    size_t i;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < ob->count; i++) {
            ob_item *it = &ob->items[i];
            if (entries <= ob->lim.max_entries && bytes <= ob->lim.max_bytes)
                return OMADM_OK;
            if (i == keep || it->evict || it->e.kind == OMADM_OUTBOX_INTENT)
                continue;
            if (pass == 0 && !informational(&it->e))
                continue;
            it->evict = 1;
            entries--;
            bytes -= it->bytes;
        }
    }
    if (entries <= ob->lim.max_entries && bytes <= ob->lim.max_bytes)
        return OMADM_OK;
    clear_evictions(ob);
    return OMADM_ERR_FULL;
}

/* Removes the marked records. One that cannot be removed stays (memory
 * keeps mirroring disk); the outbox is then over its limit until later. */
static void apply_evictions(omadm_outbox *ob)
{
    size_t i = 0;

    while (i < ob->count) {
        ob_item *it = &ob->items[i];
        uint64_t id = it->e.id;
        omadm_outbox_kind kind = it->e.kind;
        if (!it->evict) {
            i++;
            continue;
        }
        it->evict = 0;
        if (remove_record(ob, i) == OMADM_OK) {
            omadm__log(OMADM_LOG_WARN, "outbox: full, evicted %s record %016" PRIx64,
                       kind_name(kind), id);
        } else {
            omadm__log(OMADM_LOG_WARN, "outbox: could not evict record %016" PRIx64, id);
            i++;
        }
    }
}

/* ---- open -------------------------------------------------------------- */

typedef struct name_list {
    char **names;
    size_t count, cap;
    omadm_status st;
} name_list;

static int collect_name(void *user, const char *name)
{
    name_list *l = user;

    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **n = omadm__realloc(l->names, cap * sizeof *n);
        if (!n) {
            l->st = OMADM_ERR_NOMEM;
            return 1;
        }
        l->names = n;
        l->cap = cap;
    }
    l->names[l->count] = omadm__strdup(name);
    if (!l->names[l->count]) {
        l->st = OMADM_ERR_NOMEM;
        return 1;
    }
    l->count++;
    return 0;
}

/* A corrupt record's bytes, kept until it is set aside. */
typedef struct bad_record {
    uint64_t id;
    char *data; /* from the platform: free() */
    size_t len;
} bad_record;

typedef struct loader {
    omadm_outbox *ob;
    bad_record *bad;
    size_t nbad, capbad;
    unsigned corrupt;
    uint64_t max_id;
} loader;

static omadm_status keep_bad(loader *ld, uint64_t id, char *data, size_t len)
{
    if (ld->nbad == ld->capbad) {
        size_t cap = ld->capbad ? ld->capbad * 2 : 4;
        bad_record *n = omadm__realloc(ld->bad, cap * sizeof *n);
        if (!n) {
            free(data);
            return OMADM_ERR_NOMEM;
        }
        ld->bad = n;
        ld->capbad = cap;
    }
    ld->bad[ld->nbad].id = id;
    ld->bad[ld->nbad].data = data;
    ld->bad[ld->nbad].len = len;
    ld->nbad++;
    return OMADM_OK;
}

/* Loads one record file; corrupt ones are queued in ld->bad. Only an
 * out-of-memory error stops the load. */
static omadm_status load_one(loader *ld, const char *name, uint64_t id)
{
    omadm_outbox *ob = ld->ob;
    char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    omadm_outbox_entry e;
    omadm_status st;

    st = ob->pf->file_read(ob->pf->ctx, name, ob->lim.max_record, &data, &len);
    if (st == OMADM_ERR_LIMIT) {
        why = "larger than the record limit";
        st = ob->pf->file_read(ob->pf->ctx, name, SETASIDE_MAX, &data, &len);
    }
    if (st == OMADM_ERR_NOMEM)
        return st;
    if (st == OMADM_ERR_NOT_FOUND)
        return OMADM_OK; /* removed meanwhile */
    if (st != OMADM_OK) {
        ld->corrupt++;
        omadm__log(OMADM_LOG_WARN, "outbox: record %s unreadable (%s), left in place", name,
                   omadm_status_str(st));
        return OMADM_OK;
    }
    if (!why) {
        st = omadm__outbox_record_decode((const unsigned char *)data, len, id, &e, &why);
        if (st == OMADM_ERR_NOMEM) {
            free(data);
            return st;
        }
    }
    if (why) {
        ld->corrupt++;
        omadm__log(OMADM_LOG_WARN, "outbox: record %s is corrupt (%s), setting it aside", name,
                   why);
        return keep_bad(ld, id, data, len);
    }
    free(data);
    st = reserve(ob, ob->count + 1);
    if (st != OMADM_OK) {
        omadm__outbox_entry_free(&e);
        return st;
    }
    ob->items[ob->count].e = e;
    ob->items[ob->count].bytes = len;
    ob->items[ob->count].evict = 0;
    ob->count++;
    ob->total += len;
    return OMADM_OK;
}

/* Copies the bytes to "<name>.bad", then removes the record. */
static void set_aside(omadm_outbox *ob, const bad_record *b)
{
    char name[NAME_LEN + 1], bad[NAME_LEN + sizeof BAD_SUFFIX];
    omadm_status st;

    record_name(b->id, name);
    snprintf(bad, sizeof bad, "%s" BAD_SUFFIX, name);
    st = ob->pf->file_replace(ob->pf->ctx, bad, b->data, b->len);
    if (st == OMADM_OK)
        st = ob->pf->file_remove(ob->pf->ctx, name);
    if (st != OMADM_OK)
        omadm__log(OMADM_LOG_WARN, "outbox: could not set %s aside: %s", name,
                   omadm_status_str(st));
}

static void read_seq(omadm_outbox *ob)
{
    char *data = NULL;
    size_t len = 0, i;
    uint64_t v = 0;
    omadm_status st = ob->pf->file_read(ob->pf->ctx, SEQ_NAME, SEQ_MAX, &data, &len);

    if (st != OMADM_OK) {
        if (st != OMADM_ERR_NOT_FOUND)
            omadm__log(OMADM_LOG_WARN, "outbox: cannot read %s: %s", SEQ_NAME,
                       omadm_status_str(st));
        return;
    }
    for (i = 0; i < len && data[i] >= '0' && data[i] <= '9' && v < UINT64_MAX / 10 - 9; i++)
        v = v * 10 + (uint64_t)(data[i] - '0');
    if (i == 0 || (i < len && data[i] != '\n'))
        omadm__log(OMADM_LOG_WARN, "outbox: ignoring malformed %s", SEQ_NAME);
    else
        ob->seq_saved = v;
    free(data);
}

static int limits_valid(const omadm_outbox_limits *l)
{
    return l->max_entries > 0 && l->max_bytes >= REC_MIN && l->max_record >= REC_MIN &&
           l->max_attempts > 0;
}

omadm_status omadm_outbox_open(omadm_outbox **out, const omadm_platform *platform,
                               const omadm_outbox_limits *limits, unsigned *corrupt)
{
    static const omadm_outbox_limits defaults = OMADM_OUTBOX_LIMITS_DEFAULT;
    name_list names = { NULL, 0, 0, OMADM_OK };
    loader ld;
    omadm_outbox *ob;
    omadm_status st;
    size_t i;

    if (corrupt)
        *corrupt = 0;
    if (!out)
        return OMADM_ERR_INVALID;
    *out = NULL;
    if (!platform || !platform->file_read || !platform->file_replace || !platform->file_remove ||
        !platform->file_list || (limits && !limits_valid(limits)))
        return OMADM_ERR_INVALID;
    ob = omadm__calloc(1, sizeof *ob);
    if (!ob)
        return OMADM_ERR_NOMEM;
    ob->pf = platform;
    ob->lim = limits ? *limits : defaults;
    memset(&ld, 0, sizeof ld);
    ld.ob = ob;

    /* Phase 1: read everything into memory; nothing on disk changes, so a
     * failure here leaves the state directory as it was. */
    st = platform->file_list(platform->ctx, NAME_PREFIX, collect_name, &names);
    if (st == OMADM_OK)
        st = names.st;
    for (i = 0; st == OMADM_OK && i < names.count; i++) {
        uint64_t id;
        int kind = parse_name(names.names[i], &id);
        if (!kind)
            continue; /* not ours */
        if (id > ld.max_id)
            ld.max_id = id;
        if (kind == 1)
            st = load_one(&ld, names.names[i], id);
    }
    if (st == OMADM_OK)
        read_seq(ob);

    /* Phase 2: set corrupt records aside (no allocation from here on). */
    if (st == OMADM_OK) {
        for (i = 0; i < ld.nbad; i++)
            set_aside(ob, &ld.bad[i]);
        ob->next_id = ld.max_id + 1;
        if (ob->seq_saved > ob->next_id)
            ob->next_id = ob->seq_saved;
        if (ob->count > ob->lim.max_entries || ob->total > ob->lim.max_bytes)
            omadm__log(OMADM_LOG_WARN, "outbox: %lu records, %lu bytes: over the limits",
                       (unsigned long)ob->count, (unsigned long)ob->total);
    }

    for (i = 0; i < names.count; i++)
        omadm__free(names.names[i]);
    omadm__free(names.names);
    for (i = 0; i < ld.nbad; i++)
        free(ld.bad[i].data); /* platform buffers are malloc'd (platform.h) */
    omadm__free(ld.bad);
    if (st != OMADM_OK) {
        omadm_outbox_close(ob);
        return st;
    }
    if (corrupt)
        *corrupt = ld.corrupt;
    *out = ob;
    return OMADM_OK;
}

void omadm_outbox_close(omadm_outbox *outbox)
{
    size_t i;

    if (!outbox)
        return;
    for (i = 0; i < outbox->count; i++)
        omadm__outbox_entry_free(&outbox->items[i].e);
    omadm__free(outbox->items);
    omadm__free(outbox);
}

/* ---- changes ----------------------------------------------------------- */

static int dup_field(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 1;
    *dst = omadm__strdup(src);
    return *dst != NULL;
}

omadm_status omadm_outbox_add(omadm_outbox *outbox, const omadm_outbox_entry *entry, uint64_t *id)
{
    return omadm_outbox_add_with(outbox, entry, OMADM_FILE_FLUSH_ALL, id);
}

omadm_status omadm_outbox_add_with(omadm_outbox *outbox, const omadm_outbox_entry *entry,
                                   unsigned flush, uint64_t *id)
{
    omadm_outbox_entry e;
    unsigned char *buf = NULL;
    size_t bytes = 0;
    omadm_status st;

    if (!outbox || !entry || entry->kind < OMADM_OUTBOX_INTENT ||
        entry->kind > OMADM_OUTBOX_ALERT || flush > OMADM_FILE_FLUSH_NONE)
        return OMADM_ERR_INVALID;
    if (outbox->next_id == UINT64_MAX)
        return OMADM_ERR_FULL;
    memset(&e, 0, sizeof e);
    e.id = outbox->next_id;
    e.kind = entry->kind;
    e.created = entry->created;
    if (e.created == 0 && outbox->pf->now)
        (void)outbox->pf->now(outbox->pf->ctx, &e.created); /* 0 if the clock fails */
    e.attempts = 0;
    if (!dup_field(&e.source_uri, entry->source_uri) || !dup_field(&e.type, entry->type) ||
        !dup_field(&e.format, entry->format) || !dup_field(&e.mark, entry->mark) ||
        !dup_field(&e.data, entry->data)) {
        omadm__outbox_entry_free(&e);
        return OMADM_ERR_NOMEM;
    }
    st = reserve(outbox, outbox->count + 1);
    if (st == OMADM_OK)
        st = omadm__outbox_record_encode(&e, outbox->lim.max_record, &buf, &bytes);
    /* Evictions are planned before writing and applied after. */
    if (st == OMADM_OK)
        st = plan_evictions(outbox, outbox->count + 1, outbox->total + bytes, (size_t)-1);
    if (st == OMADM_ERR_FULL)
        omadm__log(OMADM_LOG_WARN, "outbox: full, cannot add a %s record", kind_name(e.kind));
    if (st == OMADM_OK)
        st = write_encoded(outbox, e.id, buf, bytes, flush);
    omadm__free(buf);
    if (st != OMADM_OK) {
        clear_evictions(outbox);
        omadm__outbox_entry_free(&e);
        return st;
    }
    outbox->next_id++;
    outbox->items[outbox->count].e = e;
    outbox->items[outbox->count].bytes = bytes;
    outbox->items[outbox->count].evict = 0;
    outbox->count++;
    outbox->total += bytes;
    apply_evictions(outbox);
    if (id)
        *id = e.id;
    return OMADM_OK;
}

size_t omadm_outbox_count(const omadm_outbox *outbox)
{
    return outbox ? outbox->count : 0;
}

const omadm_outbox_entry *omadm_outbox_at(const omadm_outbox *outbox, size_t index)
{
    return outbox && index < outbox->count ? &outbox->items[index].e : NULL;
}

const omadm_outbox_entry *omadm_outbox_find(const omadm_outbox *outbox, uint64_t id)
{
    ptrdiff_t i = outbox ? find_index(outbox, id) : -1;

    return i < 0 ? NULL : &outbox->items[i].e;
}

omadm_status omadm_outbox_update_data(omadm_outbox *outbox, uint64_t id, const char *data)
{
    ptrdiff_t i;
    omadm_outbox_entry e;
    char *copy = NULL;
    unsigned char *buf = NULL;
    size_t bytes = 0;
    omadm_status st;

    if (!outbox)
        return OMADM_ERR_INVALID;
    i = find_index(outbox, id);
    if (i < 0)
        return OMADM_ERR_NOT_FOUND;
    if (!dup_field(&copy, data))
        return OMADM_ERR_NOMEM;
    e = outbox->items[i].e; /* shallow: only data differs */
    e.data = copy;
    st = omadm__outbox_record_encode(&e, outbox->lim.max_record, &buf, &bytes);
    if (st == OMADM_OK)
        st = plan_evictions(outbox, outbox->count, outbox->total - outbox->items[i].bytes + bytes,
                            (size_t)i);
    if (st == OMADM_OK)
        st = write_encoded(outbox, id, buf, bytes, OMADM_FILE_FLUSH_ORDERED);
    omadm__free(buf);
    if (st != OMADM_OK) {
        clear_evictions(outbox);
        omadm__free(copy);
        return st;
    }
    omadm__free(outbox->items[i].e.data);
    outbox->items[i].e.data = copy;
    outbox->total = outbox->total - outbox->items[i].bytes + bytes;
    outbox->items[i].bytes = bytes;
    apply_evictions(outbox);
    return OMADM_OK;
}

omadm_status omadm_outbox_remove(omadm_outbox *outbox, uint64_t id)
{
    ptrdiff_t i;

    if (!outbox)
        return OMADM_ERR_INVALID;
    i = find_index(outbox, id);
    if (i < 0)
        return OMADM_ERR_NOT_FOUND;
    return remove_record(outbox, (size_t)i);
}

omadm_status omadm_outbox_settle(omadm_outbox *outbox, uint64_t id, omadm_outbox_reply reply)
{
    ptrdiff_t i;
    ob_item *it;
    omadm_outbox_entry e;
    unsigned char *buf = NULL;
    size_t bytes = 0;
    char type[128];
    omadm_status st;

    if (!outbox)
        return OMADM_ERR_INVALID;
    i = find_index(outbox, id);
    if (i < 0)
        return OMADM_ERR_NOT_FOUND;
    it = &outbox->items[i];
    if (it->e.kind == OMADM_OUTBOX_INTENT)
        return OMADM_ERR_INVALID; /* intents are never sent */
    /* For the log lines: `it` is gone once the record is removed. */
    snprintf(type, sizeof type, "%s", it->e.type ? it->e.type : "(none)");
    switch (reply) {
    case OMADM_OUTBOX_ACKED:
        return remove_record(outbox, (size_t)i);
    case OMADM_OUTBOX_REJECTED:
        st = remove_record(outbox, (size_t)i);
        if (st == OMADM_OK)
            omadm__log(OMADM_LOG_WARN,
                       "outbox: server does not understand alert type %s (415): "
                       "dropped record %016" PRIx64,
                       type, id);
        return st;
    case OMADM_OUTBOX_RETRY:
        if (it->e.attempts + 1 >= outbox->lim.max_attempts) {
            st = remove_record(outbox, (size_t)i);
            if (st == OMADM_OK)
                omadm__log(OMADM_LOG_WARN,
                           "outbox: record %016" PRIx64 " (%s) not acknowledged after %u "
                           "sessions: dropped",
                           id, type, outbox->lim.max_attempts);
            return st;
        }
        e = it->e; /* shallow copy with one more attempt */
        e.attempts++;
        st = omadm__outbox_record_encode(&e, SIZE_MAX, &buf, &bytes);
        if (st == OMADM_OK)
            st = write_encoded(outbox, id, buf, bytes, OMADM_FILE_FLUSH_ALL);
        omadm__free(buf);
        if (st != OMADM_OK)
            return st;
        it->e.attempts = e.attempts;
        outbox->total = outbox->total - it->bytes + bytes;
        it->bytes = bytes;
        return OMADM_OK;
    }
    return OMADM_ERR_INVALID;
}

/* A DM status code: exactly three digits, surrounding blanks allowed. */
static int status_code(const char *s)
{
    int code = 0, digits = 0;

    if (!s)
        return -1;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        code = digits < 4 ? code * 10 + (*s - '0') : code;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return digits == 3 && !*s ? code : -1;
}

omadm_outbox_reply omadm_outbox_classify(const char *alert_status, const char *synchdr_status)
{
    int code;

    if (alert_status) {
        code = status_code(alert_status);
        if (code >= 200 && code <= 299)
            return OMADM_OUTBOX_ACKED;
        return code == 415 ? OMADM_OUTBOX_REJECTED : OMADM_OUTBOX_RETRY;
    }
    /* No Status for the Alert: acknowledged by a 2xx reply header (Fleet);
     * no reply at all is a retry. */
    code = status_code(synchdr_status);
    return code >= 200 && code <= 299 ? OMADM_OUTBOX_ACKED : OMADM_OUTBOX_RETRY;
}
