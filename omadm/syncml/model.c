/* SPDX-License-Identifier: Apache-2.0 */
/* The SyncML message model: the arena, builders, deep copy, comparison. */
#include "syncml/syncml.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "syncml/syncml_internal.h"

/* A block of arena memory; the payload follows the header, max-aligned. */
typedef struct arena_block {
    struct arena_block *next;
} arena_block;

#define BLOCK_HDR       ((sizeof(arena_block) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))
#define ARENA_MIN_BLOCK ((size_t)1024)
#define ARENA_MAX_BLOCK ((size_t)65536)

struct syncml_arena {
    arena_block *blocks;
    char *cur;        /* next free byte of the current block */
    size_t left;      /* bytes left in the current block */
    size_t next_size; /* payload size of the next block */
};

/* The message and its arena come from one allocation. */
typedef struct msg_with_arena {
    syncml_msg msg;
    syncml_arena arena;
} msg_with_arena;

omadm_status omadm__syncml_msg_new_sized(syncml_msg **out, size_t hint)
{
    msg_with_arena *m;

    *out = NULL;
    m = omadm__calloc(1, sizeof(*m));
    if (!m)
        return OMADM_ERR_NOMEM;
    m->msg.arena = &m->arena;
    m->arena.next_size = ARENA_MIN_BLOCK;
    if (hint > ARENA_MIN_BLOCK)
        m->arena.next_size = hint < ((size_t)1 << 24) ? hint : ((size_t)1 << 24);
    *out = &m->msg;
    return OMADM_OK;
}

omadm_status syncml_msg_new(syncml_msg **out)
{
    if (!out)
        return OMADM_ERR_INVALID;
    return omadm__syncml_msg_new_sized(out, 0);
}

void syncml_msg_free(syncml_msg *msg)
{
    arena_block *b, *next;

    if (!msg)
        return;
    for (b = msg->arena->blocks; b; b = next) {
        next = b->next;
        omadm__free(b);
    }
    omadm__free(msg);
}

/* Uninitialised arena memory, max-aligned. */
void *omadm__syncml_alloc_raw(syncml_msg *msg, size_t size)
{
    syncml_arena *a = msg->arena;
    const size_t align = alignof(max_align_t);
    size_t rounded, payload;
    arena_block *b;
    void *p;

    if (size > SIZE_MAX / 2)
        return NULL;
    rounded = (size + align - 1) & ~(align - 1);
    if (rounded == 0)
        rounded = align;
    if (rounded <= a->left) {
        p = a->cur;
        a->cur += rounded;
        a->left -= rounded;
        return p;
    }
    /* A request bigger than a quarter of the usual block gets a block of its
     * own so the current block's free space is not wasted. */
    if (rounded > a->next_size / 4 && a->blocks) {
        b = omadm__malloc(BLOCK_HDR + rounded);
        if (!b)
            return NULL;
        b->next = a->blocks->next;
        a->blocks->next = b;
        return (char *)b + BLOCK_HDR;
    }
    payload = a->next_size > rounded ? a->next_size : rounded;
    b = omadm__malloc(BLOCK_HDR + payload);
    if (!b)
        return NULL;
    b->next = a->blocks;
    a->blocks = b;
    a->cur = (char *)b + BLOCK_HDR + rounded;
    a->left = payload - rounded;
    if (a->next_size < ARENA_MAX_BLOCK)
        a->next_size *= 2;
    return (char *)b + BLOCK_HDR;
}

void *syncml_alloc(syncml_msg *msg, size_t size)
{
    void *p;

    if (!msg)
        return NULL;
    p = omadm__syncml_alloc_raw(msg, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *syncml_strndup(syncml_msg *msg, const char *src, size_t len)
{
    char *copy;

    const char *nul;

    if (!msg || !src || len == SIZE_MAX)
        return NULL;
    nul = memchr(src, '\0', len); /* like strndup: at most len bytes */
    if (nul)
        len = (size_t)(nul - src);
    copy = omadm__syncml_alloc_raw(msg, len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, src, len);
    copy[len] = '\0';
    return copy;
}

char *syncml_strdup(syncml_msg *msg, const char *src)
{
    return src ? syncml_strndup(msg, src, strlen(src)) : NULL;
}

syncml_meta *syncml_meta_new(syncml_msg *msg)
{
    return syncml_alloc(msg, sizeof(syncml_meta));
}

syncml_item *syncml_item_new(syncml_msg *msg)
{
    return syncml_alloc(msg, sizeof(syncml_item));
}

syncml_cmd *syncml_cmd_new(syncml_msg *msg, syncml_cmd_type type)
{
    syncml_cmd *cmd = syncml_alloc(msg, sizeof(syncml_cmd));

    if (cmd)
        cmd->type = type;
    return cmd;
}

void syncml_cmd_append(syncml_cmd **list, syncml_cmd *cmd)
{
    while (*list)
        list = &(*list)->next;
    *list = cmd;
}

void syncml_item_append(syncml_item **list, syncml_item *item)
{
    while (*list)
        list = &(*list)->next;
    *list = item;
}

size_t syncml_cmd_count(const syncml_cmd *list)
{
    size_t n = 0;

    for (; list; list = list->next)
        n++;
    return n;
}

size_t syncml_item_count(const syncml_item *list)
{
    size_t n = 0;

    for (; list; list = list->next)
        n++;
    return n;
}

static const char *const cmd_names[] = {
    NULL,   "Alert", "Get",    "Add",      "Replace", "Delete",
    "Exec", "Copy",  "Atomic", "Sequence", "Status",  "Results",
};

const char *syncml_cmd_type_name(syncml_cmd_type type)
{
    if ((unsigned)type >= sizeof(cmd_names) / sizeof(cmd_names[0]))
        return NULL;
    return cmd_names[type];
}

syncml_cmd_type syncml_cmd_type_from_name(const char *name)
{
    size_t i;

    if (!name)
        return SYNCML_CMD_UNKNOWN;
    for (i = 1; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
        if (strcmp(name, cmd_names[i]) == 0)
            return (syncml_cmd_type)i;
    return SYNCML_CMD_UNKNOWN;
}

/* ---- deep copy ---------------------------------------------------------- */

/* Copies a string field; false on allocation failure. */
static bool copy_str(syncml_msg *msg, char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return true;
    *dst = syncml_strdup(msg, src);
    return *dst != NULL;
}

static bool copy_meta(syncml_msg *msg, syncml_meta **dst, const syncml_meta *src)
{
    syncml_meta *m;

    *dst = NULL;
    if (!src)
        return true;
    m = syncml_meta_new(msg);
    if (!m)
        return false;
    *dst = m;
    return copy_str(msg, &m->format, src->format) && copy_str(msg, &m->type, src->type) &&
           copy_str(msg, &m->mark, src->mark) && copy_str(msg, &m->size, src->size) &&
           copy_str(msg, &m->max_msg_size, src->max_msg_size) &&
           copy_str(msg, &m->max_obj_size, src->max_obj_size) &&
           copy_str(msg, &m->next_nonce, src->next_nonce);
}

static syncml_item *clone_item(syncml_msg *msg, const syncml_item *src)
{
    syncml_item *it = syncml_item_new(msg);

    if (!it)
        return NULL;
    if (!copy_str(msg, &it->target_uri, src->target_uri) ||
        !copy_str(msg, &it->target_name, src->target_name) ||
        !copy_str(msg, &it->source_uri, src->source_uri) ||
        !copy_str(msg, &it->source_name, src->source_name) || !copy_meta(msg, &it->meta, src->meta))
        return NULL;
    if (src->data) {
        /* data_len bytes, not a string copy: the copy is byte-exact. */
        if (src->data_len == SIZE_MAX)
            return NULL;
        it->data = omadm__syncml_alloc_raw(msg, src->data_len + 1);
        if (!it->data)
            return NULL;
        memcpy(it->data, src->data, src->data_len);
        it->data[src->data_len] = '\0';
    }
    it->data_len = src->data_len;
    it->data_is_xml = src->data_is_xml;
    it->more_data = src->more_data;
    return it;
}

syncml_cmd *syncml_cmd_clone(syncml_msg *msg, const syncml_cmd *cmd)
{
    syncml_cmd *c;
    syncml_item **itail;
    syncml_cmd **ctail;
    const syncml_item *it;
    const syncml_cmd *child;

    if (!msg || !cmd)
        return NULL;
    c = syncml_cmd_new(msg, cmd->type);
    if (!c)
        return NULL;
    c->no_resp = cmd->no_resp;
    c->reject_code = cmd->reject_code;
    if (!copy_str(msg, &c->element, cmd->element) || !copy_str(msg, &c->cmd_id, cmd->cmd_id) ||
        !copy_meta(msg, &c->meta, cmd->meta) || !copy_str(msg, &c->data, cmd->data) ||
        !copy_str(msg, &c->msg_ref, cmd->msg_ref) || !copy_str(msg, &c->cmd_ref, cmd->cmd_ref) ||
        !copy_str(msg, &c->cmd, cmd->cmd) || !copy_str(msg, &c->target_ref, cmd->target_ref) ||
        !copy_str(msg, &c->source_ref, cmd->source_ref) || !copy_meta(msg, &c->chal, cmd->chal) ||
        !copy_str(msg, &c->reject_reason, cmd->reject_reason))
        return NULL;
    itail = &c->items;
    for (it = cmd->items; it; it = it->next) {
        *itail = clone_item(msg, it);
        if (!*itail)
            return NULL;
        itail = &(*itail)->next;
    }
    ctail = &c->children;
    for (child = cmd->children; child; child = child->next) {
        *ctail = syncml_cmd_clone(msg, child);
        if (!*ctail)
            return NULL;
        ctail = &(*ctail)->next;
    }
    return c;
}

/* ---- comparison --------------------------------------------------------- */

/* Names the first difference: `where` gets "<path>: <detail>". */
typedef struct diff {
    char *where;
    size_t where_len;
    char path[160];
} diff;

static bool differ(diff *d, const char *field, const char *detail)
{
    if (d->where && d->where_len)
        snprintf(d->where, d->where_len, "%s%s%s: %s", d->path, d->path[0] ? "." : "", field,
                 detail);
    return false;
}

static bool eq_bytes(diff *d, const char *field, const char *a, size_t alen, const char *b,
                     size_t blen)
{
    char detail[128];

    if (!a && !b)
        return true;
    if (!a || !b) {
        snprintf(detail, sizeof(detail), "%s absent on the %s side", field, a ? "right" : "left");
        return differ(d, field, detail);
    }
    if (alen == blen && memcmp(a, b, alen) == 0)
        return true;
    snprintf(detail, sizeof(detail), "\"%.40s\" != \"%.40s\"", a, b);
    return differ(d, field, detail);
}

static bool eq_str(diff *d, const char *field, const char *a, const char *b)
{
    return eq_bytes(d, field, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
}

static bool eq_bool(diff *d, const char *field, bool a, bool b)
{
    if (a == b)
        return true;
    return differ(d, field, a ? "true != false" : "false != true");
}

static bool eq_meta(diff *d, const char *field, const syncml_meta *a, const syncml_meta *b)
{
    size_t mark = strlen(d->path);
    bool ok;

    if (!a || !b) {
        if (a == b)
            return true;
        return differ(d, field, a ? "present != absent" : "absent != present");
    }
    snprintf(d->path + mark, sizeof(d->path) - mark, "%s%s", mark ? "." : "", field);
    ok = eq_str(d, "format", a->format, b->format) && eq_str(d, "type", a->type, b->type) &&
         eq_str(d, "mark", a->mark, b->mark) && eq_str(d, "size", a->size, b->size) &&
         eq_str(d, "max_msg_size", a->max_msg_size, b->max_msg_size) &&
         eq_str(d, "max_obj_size", a->max_obj_size, b->max_obj_size) &&
         eq_str(d, "next_nonce", a->next_nonce, b->next_nonce);
    d->path[mark] = '\0';
    return ok;
}

static bool eq_item(diff *d, const syncml_item *a, const syncml_item *b)
{
    return eq_str(d, "target_uri", a->target_uri, b->target_uri) &&
           eq_str(d, "target_name", a->target_name, b->target_name) &&
           eq_str(d, "source_uri", a->source_uri, b->source_uri) &&
           eq_str(d, "source_name", a->source_name, b->source_name) &&
           eq_meta(d, "meta", a->meta, b->meta) &&
           eq_bytes(d, "data", a->data, a->data_len, b->data, b->data_len) &&
           eq_bool(d, "data_is_xml", a->data_is_xml, b->data_is_xml) &&
           eq_bool(d, "more_data", a->more_data, b->more_data);
}

static bool eq_cmds(diff *d, const char *field, const syncml_cmd *a, const syncml_cmd *b);

static bool eq_cmd(diff *d, const syncml_cmd *a, const syncml_cmd *b)
{
    const syncml_item *ia = a->items, *ib = b->items;
    size_t mark = strlen(d->path);
    unsigned n = 0;

    if (a->type != b->type) {
        char detail[64];

        snprintf(detail, sizeof(detail), "%s != %s",
                 a->type ? syncml_cmd_type_name(a->type) : "unknown",
                 b->type ? syncml_cmd_type_name(b->type) : "unknown");
        return differ(d, "type", detail);
    }
    if (!eq_str(d, "element", a->element, b->element) ||
        !eq_str(d, "cmd_id", a->cmd_id, b->cmd_id) ||
        !eq_bool(d, "no_resp", a->no_resp, b->no_resp) || !eq_meta(d, "meta", a->meta, b->meta) ||
        !eq_str(d, "data", a->data, b->data) || !eq_str(d, "msg_ref", a->msg_ref, b->msg_ref) ||
        !eq_str(d, "cmd_ref", a->cmd_ref, b->cmd_ref) || !eq_str(d, "cmd", a->cmd, b->cmd) ||
        !eq_str(d, "target_ref", a->target_ref, b->target_ref) ||
        !eq_str(d, "source_ref", a->source_ref, b->source_ref) ||
        !eq_meta(d, "chal", a->chal, b->chal))
        return false;
    for (; ia && ib; ia = ia->next, ib = ib->next, n++) {
        snprintf(d->path + mark, sizeof(d->path) - mark, ".items[%u]", n);
        if (!eq_item(d, ia, ib))
            return false;
    }
    d->path[mark] = '\0';
    if (ia || ib) {
        char detail[64];

        snprintf(detail, sizeof(detail), "%zu items != %zu items", syncml_item_count(a->items),
                 syncml_item_count(b->items));
        return differ(d, "items", detail);
    }
    return eq_cmds(d, "children", a->children, b->children);
}

static bool eq_cmds(diff *d, const char *field, const syncml_cmd *a, const syncml_cmd *b)
{
    size_t mark = strlen(d->path);
    unsigned n = 0;

    for (; a && b; a = a->next, b = b->next, n++) {
        const char *name = a->type ? syncml_cmd_type_name(a->type) : a->element;

        snprintf(d->path + mark, sizeof(d->path) - mark, "%s%s[%u](%s)", mark ? "." : "", field, n,
                 name ? name : "?");
        if (!eq_cmd(d, a, b))
            return false;
    }
    d->path[mark] = '\0';
    if (a || b) {
        char detail[64];

        snprintf(detail, sizeof(detail), "more commands on the %s side", a ? "left" : "right");
        return differ(d, field, detail);
    }
    return true;
}

bool syncml_msg_equal(const syncml_msg *a, const syncml_msg *b, char *where, size_t where_len)
{
    diff d;
    const syncml_hdr *ha, *hb;

    d.where = where;
    d.where_len = where_len;
    strcpy(d.path, "");
    if (where && where_len)
        where[0] = '\0';
    if (!a || !b) {
        if (a == b)
            return true;
        return differ(&d, "msg", "NULL on one side");
    }
    ha = &a->hdr;
    hb = &b->hdr;
    strcpy(d.path, "hdr");
    if (!eq_str(&d, "ver_dtd", ha->ver_dtd, hb->ver_dtd) ||
        !eq_str(&d, "ver_proto", ha->ver_proto, hb->ver_proto) ||
        !eq_str(&d, "session_id", ha->session_id, hb->session_id) ||
        !eq_str(&d, "msg_id", ha->msg_id, hb->msg_id) ||
        !eq_str(&d, "target_uri", ha->target_uri, hb->target_uri) ||
        !eq_str(&d, "target_name", ha->target_name, hb->target_name) ||
        !eq_str(&d, "source_uri", ha->source_uri, hb->source_uri) ||
        !eq_str(&d, "source_name", ha->source_name, hb->source_name) ||
        !eq_str(&d, "resp_uri", ha->resp_uri, hb->resp_uri) ||
        !eq_bool(&d, "no_resp", ha->no_resp, hb->no_resp) ||
        !eq_meta(&d, "meta", ha->meta, hb->meta))
        return false;
    if (!ha->cred != !hb->cred)
        return differ(&d, "cred", ha->cred ? "present != absent" : "absent != present");
    if (ha->cred) {
        strcpy(d.path, "hdr.cred");
        if (!eq_meta(&d, "meta", ha->cred->meta, hb->cred->meta) ||
            !eq_str(&d, "data", ha->cred->data, hb->cred->data))
            return false;
    }
    strcpy(d.path, "");
    if (!eq_bool(&d, "final", a->final, b->final))
        return false;
    return eq_cmds(&d, "body", a->body, b->body);
}
