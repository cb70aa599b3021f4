/* SPDX-License-Identifier: Apache-2.0 */
/* SyncML DM writer: compact, deterministic XML straight into an omadm_buf.
 *
 * The bytes are those libxml2's xmlTextWriter produced before (the golden
 * files pin them): no XML declaration, no indentation, an element with no
 * content as <X/>, an element whose text is "" as <X></X>, text escaped as
 * xmlEncodeSpecialChars does (& < > " and CR). Elements go out in DTD order
 * whatever order they were parsed in, every Meta field declares
 * xmlns="syncml:metinf", and nothing depends on where a command sits: a
 * command's bytes are the same alone or in a message, so a message is its
 * envelope plus its commands' bytes (syncml_internal.h's fragment API, used
 * by the session to encode each answer exactly once). SyncBody is always
 * closed with a full end tag for the same reason. */
#include "syncml/syncml.h"

#include <stdint.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "syncml/fragment.h"

#define PUT(b, s)                                                                                  \
    do {                                                                                           \
        if (put((b), (s), sizeof(s) - 1) < 0)                                                      \
            return -1;                                                                             \
    } while (0)

#define W(call)                                                                                    \
    do {                                                                                           \
        if ((call) < 0)                                                                            \
            return -1;                                                                             \
    } while (0)

/* `n` bytes of room at the end of the buffer, counted as written (the
 * caller fills them); NULL when the buffer cannot grow. The buffer stays
 * NUL-terminated. Most appends fit: no call out of this file. */
static char *room(omadm_buf *b, size_t n)
{
    char *p;

    if ((b->limit || b->cap - b->len <= n) && omadm__buf_reserve(b, n) != OMADM_OK)
        return NULL;
    p = b->data + b->len;
    b->len += n;
    b->data[b->len] = '\0';
    return p;
}

static int put(omadm_buf *b, const char *s, size_t len)
{
    char *p;

    if (!len)
        return 0;
    p = room(b, len);
    if (!p)
        return -1;
    memcpy(p, s, len);
    return 0;
}

/* "<" name ">" or "</" name ">" in one append. */
static int tag(omadm_buf *b, const char *name, int end)
{
    size_t n = strlen(name);
    char *p = room(b, n + 2 + (size_t)end);

    if (!p)
        return -1;
    *p++ = '<';
    if (end)
        *p++ = '/';
    memcpy(p, name, n);
    p[n] = '>';
    return 0;
}

/* Escaped text: runs of plain bytes are copied at once. */
static int text(omadm_buf *b, const char *s, size_t len)
{
    size_t i, run = 0;

    for (i = 0; i < len; i++) {
        const char *rep;
        size_t rlen;

        switch (s[i]) {
        case '&':
            rep = "&amp;", rlen = 5;
            break;
        case '<':
            rep = "&lt;", rlen = 4;
            break;
        case '>':
            rep = "&gt;", rlen = 4;
            break;
        case '"':
            rep = "&quot;", rlen = 6;
            break;
        case '\r':
            rep = "&#13;", rlen = 5;
            break;
        default:
            continue;
        }
        W(put(b, s + run, i - run));
        W(put(b, rep, rlen));
        run = i + 1;
    }
    return put(b, s + run, len - run);
}

static int start_tag(omadm_buf *b, const char *name)
{
    return tag(b, name, 0);
}

static int end_tag(omadm_buf *b, const char *name)
{
    return tag(b, name, 1);
}

/* Closes an element opened as "<name" at `mark`: "/>" when nothing was
 * written since the mark (the tag is still open), else the end tag. The
 * open tag's ">" is written by the caller after the mark only with content,
 * so this turns "<name" + content into "<name>content</name>". */
typedef struct elem {
    size_t mark; /* buffer length right after "<name" */
} elem;

static int open_elem(omadm_buf *b, const char *name, elem *e)
{
    W(tag(b, name, 0));
    e->mark = b->len - 1;
    return 0;
}

static int close_elem(omadm_buf *b, const char *name, const elem *e)
{
    if (b->len == e->mark + 1) { /* only ">" since the name: empty element */
        b->len = e->mark;
        return put(b, "/>", 2);
    }
    return end_tag(b, name);
}

static int text_elem(omadm_buf *b, const char *name, const char *s)
{
    if (!s)
        return 0;
    W(start_tag(b, name));
    W(text(b, s, strlen(s)));
    return end_tag(b, name);
}

static int empty_elem(omadm_buf *b, const char *name, bool present)
{
    if (!present)
        return 0;
    W(put(b, "<", 1));
    W(put(b, name, strlen(name)));
    return put(b, "/>", 2);
}

static int meta_field(omadm_buf *b, const char *name, const char *s)
{
    if (!s)
        return 0;
    W(put(b, "<", 1));
    W(put(b, name, strlen(name)));
    PUT(b, " xmlns=\"" SYNCML_METINF "\">");
    W(text(b, s, strlen(s)));
    return end_tag(b, name);
}

/* MetInf DTD order: Format, Type, Mark, Size, NextNonce, MaxMsgSize,
 * MaxObjSize. */
static int meta(omadm_buf *b, const syncml_meta *m)
{
    elem e;

    if (!m)
        return 0;
    W(open_elem(b, "Meta", &e));
    W(meta_field(b, "Format", m->format));
    W(meta_field(b, "Type", m->type));
    W(meta_field(b, "Mark", m->mark));
    W(meta_field(b, "Size", m->size));
    W(meta_field(b, "NextNonce", m->next_nonce));
    W(meta_field(b, "MaxMsgSize", m->max_msg_size));
    W(meta_field(b, "MaxObjSize", m->max_obj_size));
    return close_elem(b, "Meta", &e);
}

static int loc(omadm_buf *b, const char *name, const char *uri, const char *loc_name)
{
    if (!uri && !loc_name)
        return 0;
    W(start_tag(b, name));
    W(text_elem(b, "LocURI", uri));
    W(text_elem(b, "LocName", loc_name));
    return end_tag(b, name);
}

static int item_data(omadm_buf *b, const syncml_item *it)
{
    if (!it->data)
        return 0;
    if (it->data_is_xml) {
        if (!it->data_len)
            PUT(b, "<Data/>");
        else {
            PUT(b, "<Data>");
            W(put(b, it->data, it->data_len));
            PUT(b, "</Data>");
        }
        return 0;
    }
    PUT(b, "<Data>");
    W(text(b, it->data, it->data_len));
    PUT(b, "</Data>");
    return 0;
}

static int item(omadm_buf *b, const syncml_item *it)
{
    elem e;

    W(open_elem(b, "Item", &e));
    W(loc(b, "Target", it->target_uri, it->target_name));
    W(loc(b, "Source", it->source_uri, it->source_name));
    W(meta(b, it->meta));
    W(item_data(b, it));
    W(empty_elem(b, "MoreData", it->more_data));
    return close_elem(b, "Item", &e);
}

static int chal(omadm_buf *b, const syncml_meta *m)
{
    if (!m)
        return 0;
    PUT(b, "<Chal>");
    W(meta(b, m));
    PUT(b, "</Chal>");
    return 0;
}

static const char *cmd_name(const syncml_cmd *c)
{
    return c->type ? syncml_cmd_type_name(c->type) : c->element;
}

static int cmd(omadm_buf *b, const syncml_cmd *c);

/* Everything of a command after its CmdID, without its end tag. */
static int cmd_rest(omadm_buf *b, const syncml_cmd *c)
{
    const syncml_item *it;
    const syncml_cmd *child;

    W(empty_elem(b, "NoResp", c->no_resp));
    W(text_elem(b, "MsgRef", c->msg_ref));
    W(text_elem(b, "CmdRef", c->cmd_ref));
    W(text_elem(b, "Cmd", c->cmd));
    if (c->type == SYNCML_CMD_RESULTS) /* Results DTD: Meta before TargetRef */
        W(meta(b, c->meta));
    W(text_elem(b, "TargetRef", c->target_ref));
    W(text_elem(b, "SourceRef", c->source_ref));
    W(chal(b, c->chal));
    if (c->type != SYNCML_CMD_RESULTS)
        W(meta(b, c->meta));
    W(text_elem(b, "Data", c->data));
    for (it = c->items; it; it = it->next)
        W(item(b, it));
    for (child = c->children; child; child = child->next)
        W(cmd(b, child));
    return 0;
}

static int cmd(omadm_buf *b, const syncml_cmd *c)
{
    const char *name = cmd_name(c);
    elem e;

    W(open_elem(b, name, &e));
    W(text_elem(b, "CmdID", c->cmd_id));
    W(cmd_rest(b, c));
    return close_elem(b, name, &e);
}

static int cred(omadm_buf *b, const syncml_cred *cr)
{
    elem e;

    if (!cr)
        return 0;
    W(open_elem(b, "Cred", &e));
    W(meta(b, cr->meta));
    W(text_elem(b, "Data", cr->data));
    return close_elem(b, "Cred", &e);
}

static int hdr(omadm_buf *b, const syncml_hdr *h)
{
    elem e;

    W(open_elem(b, "SyncHdr", &e));
    W(text_elem(b, "VerDTD", h->ver_dtd));
    W(text_elem(b, "VerProto", h->ver_proto));
    W(text_elem(b, "SessionID", h->session_id));
    W(text_elem(b, "MsgID", h->msg_id));
    W(loc(b, "Target", h->target_uri, h->target_name));
    W(loc(b, "Source", h->source_uri, h->source_name));
    W(text_elem(b, "RespURI", h->resp_uri));
    W(empty_elem(b, "NoResp", h->no_resp));
    W(cred(b, h->cred));
    W(meta(b, h->meta));
    return close_elem(b, "SyncHdr", &e);
}

static int msg_open(omadm_buf *b, const syncml_msg *m)
{
    const syncml_cmd *c;

    PUT(b, "<SyncML xmlns=\"" SYNCML_NS "\">");
    W(hdr(b, &m->hdr));
    PUT(b, "<SyncBody>");
    for (c = m->body; c; c = c->next)
        W(cmd(b, c));
    return 0;
}

static int msg_close(omadm_buf *b, bool final)
{
    W(empty_elem(b, "Final", final));
    PUT(b, "</SyncBody></SyncML>");
    return 0;
}

/* ---- validation: what the writer cannot express ------------------------- */

static bool valid_cmds(const syncml_cmd *c);

static bool valid_cmd(const syncml_cmd *c)
{
    const syncml_item *it;

    if ((unsigned)c->type > SYNCML_CMD_RESULTS)
        return false;
    if (c->type == SYNCML_CMD_UNKNOWN &&
        (!c->element || xmlValidateNCName(BAD_CAST c->element, 0) != 0))
        return false;
    for (it = c->items; it; it = it->next)
        if (it->data &&
            (it->data_len > (size_t)INT32_MAX || memchr(it->data, '\0', it->data_len) != NULL))
            return false;
    return valid_cmds(c->children);
}

static bool valid_cmds(const syncml_cmd *c)
{
    for (; c; c = c->next)
        if (!valid_cmd(c))
            return false;
    return true;
}

/* A failed append: out of memory, or over the buffer's own limit. */
static omadm_status buf_status(const omadm_buf *b)
{
    return b->limit ? OMADM_ERR_LIMIT : OMADM_ERR_NOMEM;
}

omadm_status syncml_write(const syncml_msg *msg, char **out, size_t *out_len)
{
    omadm_buf buf = OMADM_BUF_INIT;

    if (!out || !out_len)
        return OMADM_ERR_INVALID;
    *out = NULL;
    *out_len = 0;
    if (!msg || !valid_cmds(msg->body))
        return OMADM_ERR_INVALID;
    if (msg_open(&buf, msg) < 0 || msg_close(&buf, msg->final) < 0) {
        omadm__buf_free(&buf);
        return OMADM_ERR_NOMEM;
    }
    *out = omadm__buf_steal(&buf, out_len);
    return OMADM_OK;
}

omadm_status syncml_encoded_size(const syncml_msg *msg, size_t *size)
{
    omadm_buf buf = OMADM_BUF_INIT;
    omadm_status st = OMADM_OK;

    if (!size)
        return OMADM_ERR_INVALID;
    *size = 0;
    if (!msg || !valid_cmds(msg->body))
        return OMADM_ERR_INVALID;
    if (msg_open(&buf, msg) < 0 || msg_close(&buf, msg->final) < 0)
        st = OMADM_ERR_NOMEM;
    else
        *size = buf.len;
    omadm__buf_free(&buf);
    return st;
}

omadm_status syncml_cmd_encoded_size(const syncml_cmd *c, size_t *size)
{
    omadm_buf buf = OMADM_BUF_INIT;
    omadm_status st = OMADM_OK;

    if (!size)
        return OMADM_ERR_INVALID;
    *size = 0;
    if (!c || !valid_cmd(c))
        return OMADM_ERR_INVALID;
    if (cmd(&buf, c) < 0)
        st = OMADM_ERR_NOMEM;
    else
        *size = buf.len;
    omadm__buf_free(&buf);
    return st;
}

/* ---- fragments (syncml_internal.h) -------------------------------------- */

omadm_status omadm__syncml_write_open(const syncml_msg *msg, omadm_buf *out)
{
    size_t before = out->len;

    if (!msg || !valid_cmds(msg->body))
        return OMADM_ERR_INVALID;
    if (msg_open(out, msg) < 0) {
        omadm_status st = buf_status(out);

        out->len = before;
        return st;
    }
    return OMADM_OK;
}

omadm_status omadm__syncml_write_close(bool final, omadm_buf *out)
{
    size_t before = out->len;

    if (msg_close(out, final) < 0) {
        omadm_status st = buf_status(out);

        out->len = before;
        return st;
    }
    return OMADM_OK;
}

size_t omadm__syncml_close_size(bool final)
{
    return (final ? sizeof "<Final/>" - 1 : 0) + sizeof "</SyncBody></SyncML>" - 1;
}

omadm_status omadm__syncml_write_cmd(const syncml_cmd *c, omadm_buf *out)
{
    size_t before = out->len;

    if (!c || !valid_cmd(c))
        return OMADM_ERR_INVALID;
    if (cmd(out, c) < 0) {
        omadm_status st = buf_status(out);

        out->len = before;
        return st;
    }
    return OMADM_OK;
}

omadm_status omadm__syncml_cmd_tail(const syncml_cmd *c, omadm_buf *out)
{
    size_t before = out->len;

    if (!c || !valid_cmd(c))
        return OMADM_ERR_INVALID;
    if (cmd_rest(out, c) < 0) {
        omadm_status st = buf_status(out);

        out->len = before;
        return st;
    }
    return OMADM_OK;
}

size_t omadm__syncml_cmd_size_from_tail(const syncml_cmd *c, const char *cmd_id, size_t tail_len)
{
    size_t name = strlen(cmd_name(c));

    if (!cmd_id && !tail_len)
        return name + 3; /* <Name/> */
    return 2 * name + 5 + tail_len + (cmd_id ? strlen(cmd_id) + 15 : 0);
}

omadm_status omadm__syncml_write_cmd_from_tail(const syncml_cmd *c, const char *cmd_id,
                                               const char *tail, size_t tail_len, omadm_buf *out)
{
    const char *name = cmd_name(c);
    size_t before = out->len;
    int rc = 0;

    if (!cmd_id && !tail_len) {
        rc = empty_elem(out, name, true);
    } else if (start_tag(out, name) < 0 || text_elem(out, "CmdID", cmd_id) < 0 ||
               put(out, tail, tail_len) < 0 || end_tag(out, name) < 0) {
        rc = -1;
    }
    if (rc < 0) {
        omadm_status st = buf_status(out);

        out->len = before;
        return st;
    }
    return OMADM_OK;
}
