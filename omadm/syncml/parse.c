/* SPDX-License-Identifier: Apache-2.0 */
/* SyncML DM parser: libxml2 SAX2 straight into the arena model.
 *
 * Streaming (no DOM) keeps the parse allocation-light and lets every limit
 * stop libxml2 at the first violation. Elements are matched by local name;
 * the namespace is checked on the root only (DESIGN §5). DOCTYPE markup
 * declarations, entity references other than the predefined ones and
 * external DTDs are refused by xml_safe.c: nothing is ever expanded or
 * fetched. */
#include "syncml/syncml.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/compiler.h"
#include "syncml/capture.h"
#include "syncml/syncml_internal.h"
#include "syncml/xml_safe.h"

typedef enum frame_kind {
    F_SKIP, /* ignored element: content skipped, still counted for depth */
    F_ROOT,
    F_HDR,
    F_LOC, /* Target/Source: LocURI, LocName */
    F_CRED,
    F_META,
    F_BODY,
    F_CMD,
    F_CHAL,
    F_ITEM,
    F_LEAF, /* text-only field */
    F_DATA,
    F_RAW /* an element inside Data: captured as inner XML */
} frame_kind;

typedef enum leaf_kind { L_VALUE, L_CMD_ID, L_URI } leaf_kind;

typedef struct frame {
    unsigned char kind;
    unsigned char leaf;  /* leaf_kind (F_LEAF) */
    const char *name;    /* local name, owned by libxml2's dict */
    void *obj;           /* F_CMD/F_CHAL: cmd; F_ITEM: item; F_META: meta; F_CRED: cred */
    char **dest;         /* F_LEAF, F_DATA: the field; F_LOC: the URI field */
    char **dest2;        /* F_LOC: the name field */
    size_t *dest_len;    /* F_DATA of an Item */
    bool *dest_xml;      /* F_DATA of an Item */
    syncml_cmd *last;    /* F_BODY, F_CMD: last command appended */
    syncml_item *last_i; /* F_CMD: last Item appended */
    unsigned items;      /* F_CMD: Items so far */
    bool rejected;       /* F_CMD: a per-command limit hit, content skipped */
    bool truncated;      /* F_LEAF (CmdID): over the limit, rest dropped */
} frame;

#define INLINE_FRAMES 40

typedef struct parser {
    omadm__xml_safe xs; /* first: the SAX callbacks' context */
    syncml_limits lim;
    syncml_msg *msg;
    syncml_error *err;
    omadm_status status;
    frame *stack;
    unsigned depth, cap;
    unsigned commands;
    bool seen_hdr, seen_body;
    bool hdr_target, hdr_source;
    omadm_buf text;      /* the open leaf's text, or the captured XML */
    omadm__capture data; /* active while a Data element holds child elements */
    frame inline_stack[INLINE_FRAMES];
} parser;

/* ---- errors ------------------------------------------------------------- */

static const char *cur_name(const parser *p)
{
    return p->depth ? p->stack[p->depth - 1].name : "document";
}

/* The enclosing command's element name, "SyncHdr", or the parent. */
static const char *context_name(const parser *p)
{
    unsigned i;

    for (i = p->depth; i > 0; i--) {
        const frame *f = &p->stack[i - 1];

        if (f->kind == F_CMD || f->kind == F_HDR)
            return f->name;
    }
    return cur_name(p);
}

static void fail(parser *p, omadm_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(OMADM_PRINTF_ARCHETYPE, 3, 4)))
#endif
    ;

static void fail(parser *p, omadm_status st, const char *fmt, ...)
{
    va_list ap;

    if (p->status != OMADM_OK)
        return;
    p->status = st;
    if (p->err) {
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
        va_end(ap);
        p->err->line = (p->xs.ctxt && p->xs.ctxt->input) ? (unsigned)p->xs.ctxt->input->line : 0;
    }
    omadm__xml_safe_stop(&p->xs);
}

static void nomem(parser *p)
{
    fail(p, OMADM_ERR_NOMEM, "out of memory");
}

/* A per-command limit: the innermost command being parsed gets `code`
 * and keeps only its CmdID from here on (syncml_parse). Outside any
 * command (the SyncHdr) the message fails as for a message-level limit.
 * Returns true when the command took it. */
static bool reject(parser *p, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(OMADM_PRINTF_ARCHETYPE, 3, 4)))
#endif
    ;

static bool reject(parser *p, int code, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    unsigned i;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    for (i = p->depth; i > 0; i--) {
        frame *f = &p->stack[i - 1];
        syncml_cmd *cmd;

        if (f->kind == F_HDR)
            break;
        if (f->kind != F_CMD)
            continue;
        cmd = f->obj;
        f->rejected = true;
        if (!cmd->reject_code) {
            cmd->reject_code = code;
            cmd->reject_reason = syncml_strdup(p->msg, why);
            if (!cmd->reject_reason)
                nomem(p);
        }
        /* Whatever of the command is open above it is skipped. */
        for (; i < p->depth; i++)
            p->stack[i].kind = F_SKIP;
        return true;
    }
    fail(p, OMADM_ERR_LIMIT, "%s", why);
    return false;
}

/* xml_safe's refusals and libxml2's errors. */
static void on_refuse(omadm__xml_safe *x, omadm_status st, unsigned line, const char *message)
{
    parser *p = (parser *)x;

    if (p->status != OMADM_OK)
        return;
    fail(p, st, "%s", message);
    if (p->err && line > 0)
        p->err->line = line;
}

static const char *on_where(const omadm__xml_safe *x)
{
    return cur_name((const parser *)x);
}

/* ---- the captured XML of Data ------------------------------------------- */

static void capture_check(parser *p, omadm_status st)
{
    if (st == OMADM_ERR_LIMIT) {
        /* The rest of this Data (and of its command) is skipped. */
        if (reject(p, 413, "Data value longer than %zu bytes in %.64s", p->lim.max_value,
                   context_name(p)))
            omadm__capture_stop(&p->data);
    } else if (st != OMADM_OK) {
        nomem(p);
    }
}

/* ---- building the model ------------------------------------------------- */

static bool is(const xmlChar *name, const char *lit)
{
    return strcmp((const char *)name, lit) == 0;
}

static void *must(parser *p, void *ptr)
{
    if (!ptr)
        nomem(p);
    return ptr;
}

static void leaf(parser *p, frame *f, char **dest, leaf_kind kind)
{
    f->kind = F_LEAF;
    f->leaf = (unsigned char)kind;
    f->dest = dest;
    p->text.len = 0;
}

static void meta_frame(parser *p, frame *f, syncml_meta **slot)
{
    if (!*slot && !(*slot = must(p, syncml_meta_new(p->msg))))
        return;
    f->kind = F_META;
    f->obj = *slot;
}

static void data_frame(parser *p, frame *f, char **dest, size_t *len, bool *is_xml)
{
    f->kind = F_DATA;
    f->dest = dest;
    f->dest_len = len;
    f->dest_xml = is_xml;
    p->text.len = 0;
}

/* A command element under SyncBody, Atomic or Sequence. */
static void cmd_frame(parser *p, frame *parent, frame *f, const xmlChar *local)
{
    syncml_cmd_type type = syncml_cmd_type_from_name((const char *)local);
    syncml_cmd *cmd;

    if (++p->commands > p->lim.max_commands) {
        fail(p, OMADM_ERR_LIMIT, "more than %u commands in the message at <%.64s>",
             p->lim.max_commands, (const char *)local);
        return;
    }
    cmd = must(p, syncml_cmd_new(p->msg, type));
    if (!cmd)
        return;
    if (type == SYNCML_CMD_UNKNOWN && !(cmd->element = must(p, syncml_strdup(p->msg, f->name))))
        return;
    if (parent->last)
        parent->last->next = cmd;
    else if (parent->kind == F_BODY)
        p->msg->body = cmd;
    else
        ((syncml_cmd *)parent->obj)->children = cmd;
    parent->last = cmd;
    f->kind = F_CMD;
    f->obj = cmd;
}

static void cmd_child(parser *p, frame *parent, frame *f, const xmlChar *local)
{
    syncml_cmd *cmd = parent->obj;
    syncml_item *item;

    if (is(local, "CmdID")) {
        leaf(p, f, &cmd->cmd_id, L_CMD_ID);
        return;
    }
    if (cmd->type == SYNCML_CMD_UNKNOWN || parent->rejected)
        return; /* only the CmdID of an unknown or rejected command is kept (for its Status) */
    if (is(local, "Item")) {
        if (++parent->items > p->lim.max_items) {
            reject(p, 413, "more than %u Items in %.64s", p->lim.max_items, parent->name);
            return;
        }
        if (!(item = must(p, syncml_item_new(p->msg))))
            return;
        if (parent->last_i)
            parent->last_i->next = item;
        else
            cmd->items = item;
        parent->last_i = item;
        f->kind = F_ITEM;
        f->obj = item;
    } else if (is(local, "Data")) {
        data_frame(p, f, &cmd->data, NULL, NULL);
    } else if (is(local, "Meta")) {
        meta_frame(p, f, &cmd->meta);
    } else if (is(local, "NoResp")) {
        cmd->no_resp = true;
    } else if (is(local, "MsgRef")) {
        leaf(p, f, &cmd->msg_ref, L_VALUE);
    } else if (is(local, "CmdRef")) {
        leaf(p, f, &cmd->cmd_ref, L_VALUE);
    } else if (is(local, "Cmd")) {
        leaf(p, f, &cmd->cmd, L_VALUE);
    } else if (is(local, "TargetRef")) {
        leaf(p, f, &cmd->target_ref, L_VALUE);
    } else if (is(local, "SourceRef")) {
        leaf(p, f, &cmd->source_ref, L_VALUE);
    } else if (is(local, "Chal")) {
        f->kind = F_CHAL;
        f->obj = cmd;
    } else if (cmd->type == SYNCML_CMD_ATOMIC || cmd->type == SYNCML_CMD_SEQUENCE) {
        cmd_frame(p, parent, f, local);
    }
}

static void meta_child(parser *p, frame *parent, frame *f, const xmlChar *local)
{
    syncml_meta *m = parent->obj;

    if (is(local, "Type"))
        leaf(p, f, &m->type, L_VALUE);
    else if (is(local, "Format"))
        leaf(p, f, &m->format, L_VALUE);
    else if (is(local, "Mark"))
        leaf(p, f, &m->mark, L_VALUE);
    else if (is(local, "Size"))
        leaf(p, f, &m->size, L_VALUE);
    else if (is(local, "MaxMsgSize"))
        leaf(p, f, &m->max_msg_size, L_VALUE);
    else if (is(local, "MaxObjSize"))
        leaf(p, f, &m->max_obj_size, L_VALUE);
    else if (is(local, "NextNonce"))
        leaf(p, f, &m->next_nonce, L_VALUE);
    else if (is(local, "MetInf")) { /* some servers wrap the fields in MetInf */
        f->kind = F_META;
        f->obj = m;
    }
}

static void loc_frame(frame *f, char **uri, char **name)
{
    f->kind = F_LOC;
    f->dest = uri;
    f->dest2 = name;
}

static void hdr_child(parser *p, frame *f, const xmlChar *local)
{
    syncml_hdr *h = &p->msg->hdr;

    if (is(local, "VerDTD")) {
        leaf(p, f, &h->ver_dtd, L_VALUE);
    } else if (is(local, "VerProto")) {
        leaf(p, f, &h->ver_proto, L_VALUE);
    } else if (is(local, "SessionID")) {
        leaf(p, f, &h->session_id, L_VALUE);
    } else if (is(local, "MsgID")) {
        leaf(p, f, &h->msg_id, L_VALUE);
    } else if (is(local, "Target")) {
        p->hdr_target = true;
        loc_frame(f, &h->target_uri, &h->target_name);
    } else if (is(local, "Source")) {
        p->hdr_source = true;
        loc_frame(f, &h->source_uri, &h->source_name);
    } else if (is(local, "RespURI")) {
        leaf(p, f, &h->resp_uri, L_URI);
    } else if (is(local, "NoResp")) {
        h->no_resp = true;
    } else if (is(local, "Meta")) {
        meta_frame(p, f, &h->meta);
    } else if (is(local, "Cred")) {
        if (!h->cred && !(h->cred = must(p, syncml_alloc(p->msg, sizeof(syncml_cred)))))
            return;
        f->kind = F_CRED;
        f->obj = h->cred;
    }
}

static void root_start(parser *p, frame *f, const xmlChar *local, const xmlChar *uri)
{
    if (!is(local, "SyncML")) {
        fail(p, OMADM_ERR_PARSE, "wrong root element <%.64s> (expected SyncML)",
             (const char *)local);
        return;
    }
    if (!uri) {
        fail(p, OMADM_ERR_PARSE, "no namespace on <SyncML> (expected %s)", SYNCML_NS);
        return;
    }
    if (!is(uri, SYNCML_NS) && !is(uri, SYNCML_NS_11)) {
        fail(p, OMADM_ERR_PARSE, "wrong namespace \"%.64s\" on <SyncML> (expected %s)",
             (const char *)uri, SYNCML_NS);
        return;
    }
    p->data.root_ns = (const char *)uri;
    f->kind = F_ROOT;
}

static bool grow_stack(parser *p)
{
    unsigned cap = p->cap * 2;
    frame *grown = omadm__malloc(cap * sizeof(frame));

    if (!grown) {
        nomem(p);
        return false;
    }
    memcpy(grown, p->stack, p->depth * sizeof(frame));
    if (p->stack != p->inline_stack)
        omadm__free(p->stack);
    p->stack = grown;
    p->cap = cap;
    return true;
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **namespaces, int nb_attrs, int nb_defaulted,
                     const xmlChar **attrs)
{
    parser *p = ctx;
    frame *f, *parent;

    if (p->status != OMADM_OK)
        return;
    if (p->depth >= p->lim.max_depth) {
        fail(p, OMADM_ERR_LIMIT, "element depth over %u at <%.64s>", p->lim.max_depth,
             (const char *)local);
        return;
    }
    if (p->depth == p->cap && !grow_stack(p))
        return;
    f = &p->stack[p->depth];
    memset(f, 0, sizeof(*f));
    f->name = (const char *)local;
    parent = p->depth ? &p->stack[p->depth - 1] : NULL;
    p->depth++;
    if (!parent) {
        root_start(p, f, local, uri);
        return;
    }
    switch ((frame_kind)parent->kind) {
    case F_ROOT:
        if (is(local, "SyncHdr")) {
            /* (a SyncBody cannot precede it: that fails at the SyncBody) */
            if (p->seen_hdr) {
                fail(p, OMADM_ERR_PARSE, "duplicate SyncHdr in SyncML");
                return;
            }
            p->seen_hdr = true;
            f->kind = F_HDR;
        } else if (is(local, "SyncBody")) {
            if (!p->seen_hdr || p->seen_body) {
                fail(p, OMADM_ERR_PARSE, "%s",
                     p->seen_body ? "duplicate SyncBody in SyncML"
                                  : "missing SyncHdr in SyncML (SyncBody came first)");
                return;
            }
            p->seen_body = true;
            f->kind = F_BODY;
        }
        break;
    case F_HDR:
        hdr_child(p, f, local);
        break;
    case F_LOC:
        if (is(local, "LocURI"))
            leaf(p, f, parent->dest, L_URI);
        else if (is(local, "LocName"))
            leaf(p, f, parent->dest2, L_VALUE);
        break;
    case F_CRED:
        if (is(local, "Meta"))
            meta_frame(p, f, &((syncml_cred *)parent->obj)->meta);
        else if (is(local, "Data"))
            data_frame(p, f, &((syncml_cred *)parent->obj)->data, NULL, NULL);
        break;
    case F_META:
        meta_child(p, parent, f, local);
        break;
    case F_BODY:
        if (is(local, "Final"))
            p->msg->final = true;
        else
            cmd_frame(p, parent, f, local);
        break;
    case F_CMD:
        cmd_child(p, parent, f, local);
        break;
    case F_CHAL:
        if (is(local, "Meta"))
            meta_frame(p, f, &((syncml_cmd *)parent->obj)->chal);
        break;
    case F_ITEM: {
        syncml_item *it = parent->obj;

        if (is(local, "Target"))
            loc_frame(f, &it->target_uri, &it->target_name);
        else if (is(local, "Source"))
            loc_frame(f, &it->source_uri, &it->source_name);
        else if (is(local, "Meta"))
            meta_frame(p, f, &it->meta);
        else if (is(local, "Data"))
            data_frame(p, f, &it->data, &it->data_len, &it->data_is_xml);
        else if (is(local, "MoreData"))
            it->more_data = true;
        break;
    }
    case F_DATA:
        capture_check(p, omadm__capture_begin(&p->data));
        if (p->status != OMADM_OK || parent->kind == F_SKIP)
            return; /* failed, or its command rejected */
        /* fall through */
    case F_RAW:
        f->kind = F_RAW;
        capture_check(p, omadm__capture_start(&p->data, p->depth, (const char *)local,
                                              (const char *)prefix, (const char *)uri, nb_ns,
                                              (const char **)namespaces, nb_attrs,
                                              (const char **)attrs));
        break;
    case F_LEAF:
    case F_SKIP:
        break;
    }
}

static unsigned uri_segments(const char *uri, size_t len)
{
    unsigned n = 1;
    size_t i = 0;

    if (len >= 2 && uri[0] == '.' && uri[1] == '/')
        i = 2; /* "./" is the root, not a segment */
    for (; i < len; i++)
        if (uri[i] == '/')
            n++;
    return n;
}

static void leaf_end(parser *p, frame *f)
{
    const char *s = p->text.data ? p->text.data : "";

    if (f->leaf == L_URI && uri_segments(s, p->text.len) > p->lim.max_uri_segments) {
        reject(p, 414, "%.64s with more than %u segments in %.64s", f->name,
               p->lim.max_uri_segments, context_name(p));
        return;
    }
    if (f->truncated) {
        omadm_buf marked = OMADM_BUF_INIT;

        if (omadm__buf_append(&marked, s, p->text.len) != OMADM_OK ||
            omadm__buf_append(&marked, SYNCML_CMDID_TRUNCATED, strlen(SYNCML_CMDID_TRUNCATED)) !=
                OMADM_OK)
            nomem(p);
        else
            *f->dest = must(p, syncml_strndup(p->msg, marked.data, marked.len));
        omadm__buf_free(&marked);
        return;
    }
    *f->dest = must(p, syncml_strndup(p->msg, s, p->text.len));
}

/* Keeps the start of an over-long CmdID so that with the marker it is
 * `max` bytes at most (a CmdRef we echo parses again as it is), cut back to
 * a UTF-8 character boundary, and drops the rest. */
static void truncate_cmd_id(parser *p, frame *f, const xmlChar *ch, size_t len, size_t max)
{
    size_t marker = strlen(SYNCML_CMDID_TRUNCATED), keep = max > marker ? max - marker : 0;
    size_t room = keep > p->text.len ? keep - p->text.len : 0, n = len < room ? len : room, k;

    if (!f->truncated && omadm__buf_append(&p->text, ch, n) != OMADM_OK) {
        nomem(p);
        return;
    }
    f->truncated = true;
    if (p->text.len > keep)
        p->text.len = keep;
    k = p->text.len;
    while (k > 0 && ((unsigned char)p->text.data[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)p->text.data[k - 1] & 0x80)) {
        /* A lead byte: the character goes unless all its bytes are kept. */
        unsigned char lead = (unsigned char)p->text.data[k - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

        if (p->text.len - (k - 1) < need)
            p->text.len = k - 1;
    }
}

static void data_end(parser *p, frame *f)
{
    bool is_xml = p->data.active;

    if (is_xml)
        omadm__capture_stop(&p->data);
    *f->dest = must(p, syncml_strndup(p->msg, p->text.data ? p->text.data : "", p->text.len));
    if (f->dest_len)
        *f->dest_len = p->text.len;
    if (f->dest_xml)
        *f->dest_xml = is_xml;
}

static void hdr_end(parser *p)
{
    const syncml_hdr *h = &p->msg->hdr;
    const char *missing = !h->ver_dtd      ? "VerDTD"
                          : !h->ver_proto  ? "VerProto"
                          : !h->session_id ? "SessionID"
                          : !h->msg_id     ? "MsgID"
                          : !p->hdr_target ? "Target"
                          : !h->target_uri ? "Target/LocURI"
                          : !p->hdr_source ? "Source"
                          : !h->source_uri ? "Source/LocURI"
                                           : NULL;

    if (missing)
        fail(p, OMADM_ERR_PARSE, "missing %s in SyncHdr", missing);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    parser *p = ctx;
    frame *f;

    if (p->status != OMADM_OK || p->depth == 0)
        return;
    f = &p->stack[p->depth - 1];
    switch ((frame_kind)f->kind) {
    case F_LEAF:
        leaf_end(p, f);
        break;
    case F_DATA:
        data_end(p, f);
        break;
    case F_RAW:
        capture_check(
            p, omadm__capture_end(&p->data, p->depth, (const char *)local, (const char *)prefix));
        break;
    case F_HDR:
        hdr_end(p);
        break;
    default:
        break;
    }
    p->depth--;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    parser *p = ctx;
    frame *f;
    size_t max;

    if (p->status != OMADM_OK || p->depth == 0 || len <= 0)
        return;
    f = &p->stack[p->depth - 1];
    if (p->data.active && (f->kind == F_RAW || f->kind == F_DATA)) {
        capture_check(p, omadm__capture_text(&p->data, (const char *)ch, (size_t)len));
        return;
    }
    if (f->kind != F_LEAF && f->kind != F_DATA)
        return; /* whitespace (or stray text) between elements */
    max = f->kind == F_DATA     ? p->lim.max_value
          : f->leaf == L_CMD_ID ? p->lim.max_cmd_id
          : f->leaf == L_URI    ? p->lim.max_uri
                                : p->lim.max_value;
    if (f->truncated)
        return;
    if ((size_t)len > max - p->text.len || p->text.len > max) {
        const char *what = f->kind == F_DATA ? "Data" : f->name;
        bool uri = f->kind == F_LEAF && f->leaf == L_URI;
        bool cmd_id = f->kind == F_LEAF && f->leaf == L_CMD_ID;
        bool taken;

        if (uri || cmd_id)
            taken = reject(p, uri ? 414 : 400, "%.64s longer than %zu bytes in %.64s", what, max,
                           context_name(p));
        else
            taken = reject(p, 413, "%.64s value longer than %zu bytes in %.64s", what, max,
                           context_name(p));
        if (taken && cmd_id) {
            f->kind = F_LEAF; /* kept, truncated, for the CmdRef */
            truncate_cmd_id(p, f, ch, (size_t)len, max);
        }
        return;
    }
    if (omadm__buf_append(&p->text, ch, (size_t)len) != OMADM_OK)
        nomem(p);
}

/* ---- entry point -------------------------------------------------------- */

static void set_error(syncml_error *err, unsigned line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(OMADM_PRINTF_ARCHETYPE, 3, 4)))
#endif
    ;

static void set_error(syncml_error *err, unsigned line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    err->line = line;
}

omadm_status syncml_parse(const char *data, size_t len, const syncml_limits *limits,
                          syncml_msg **out, syncml_error *err)
{
    static const syncml_limits defaults = SYNCML_LIMITS_DEFAULT;
    syncml_error local_err;
    static const omadm__xml_events events = { on_start, on_end, on_text };
    parser *p;
    omadm_status st;

    if (!err)
        err = &local_err;
    err->message[0] = '\0';
    err->line = 0;
    if (!out || (!data && len)) {
        set_error(err, 0, "invalid argument");
        return OMADM_ERR_INVALID;
    }
    *out = NULL;
    if (!limits)
        limits = &defaults;
    if (len == 0) {
        set_error(err, 0, "empty message");
        return OMADM_ERR_PARSE;
    }
    if (len > limits->max_message || len > INT32_MAX) {
        set_error(err, 0, "message of %zu bytes exceeds the %zu-byte limit", len,
                  limits->max_message < INT32_MAX ? limits->max_message : (size_t)INT32_MAX);
        return OMADM_ERR_LIMIT;
    }
    /* Frames are zeroed as they are pushed (on_start): clearing the
     * inline stack here too would cost more than the rest of the set-up. */
    p = omadm__malloc(sizeof(*p));
    if (p)
        memset(p, 0, offsetof(parser, inline_stack));
    if (!p) {
        set_error(err, 0, "out of memory");
        return OMADM_ERR_NOMEM;
    }
    p->lim = *limits;
    p->err = err;
    p->stack = p->inline_stack;
    p->cap = INLINE_FRAMES;
    p->data.out = &p->text;
    p->data.max = limits->max_value;
    if (omadm__syncml_msg_new_sized(&p->msg, len) != OMADM_OK) {
        nomem(p);
        goto done;
    }
    p->xs.refuse = on_refuse;
    p->xs.where = on_where;
    if (omadm__xml_safe_parse(&p->xs, &events, data, len) != OMADM_OK) {
        nomem(p);
        goto done;
    }
    if (p->status == OMADM_OK && !p->xs.ctxt->wellFormed)
        fail(p, OMADM_ERR_PARSE, "malformed XML in <%.64s>", cur_name(p));
    if (p->status == OMADM_OK && !p->seen_hdr)
        fail(p, OMADM_ERR_PARSE, "missing SyncHdr in SyncML");
    if (p->status == OMADM_OK && !p->seen_body)
        fail(p, OMADM_ERR_PARSE, "missing SyncBody in SyncML");
done:
    st = p->status;
    omadm__capture_stop(&p->data);
    omadm__xml_safe_free(&p->xs);
    if (p->stack != p->inline_stack)
        omadm__free(p->stack);
    omadm__buf_free(&p->text);
    if (st == OMADM_OK) {
        *out = p->msg;
        err->message[0] = '\0';
        err->line = 0;
    } else {
        syncml_msg_free(p->msg);
    }
    omadm__free(p);
    return st;
}
