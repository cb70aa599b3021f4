/* SyncML DM writer: libxml2's xmlTextWriter, compact, deterministic.
 *
 * Elements go out in DTD order whatever order they were parsed in, every
 * Meta field declares xmlns="syncml:metinf", and nothing depends on where
 * a command sits: a command's bytes are the same alone or in a message,
 * which is what syncml_cmd_encoded_size relies on. SyncBody is always
 * closed with a full end tag for the same reason. */
#include "syncml/syncml.h"

#include <stdint.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/entities.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlwriter.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "syncml/syncml_internal.h"

/* Where the bytes go: a buffer, or only a count. */
typedef struct sink {
    omadm_buf *buf; /* NULL: count only */
    size_t count;
    omadm_status status;
} sink;

static int sink_write(void *ctx, const char *data, int len)
{
    sink *s = ctx;

    if (len <= 0)
        return 0;
    if (s->buf) {
        omadm_status st = omadm__buf_append(s->buf, data, (size_t)len);

        if (st != OMADM_OK) {
            s->status = st;
            return -1;
        }
    }
    s->count += (size_t)len;
    return len;
}

static int sink_close(void *ctx)
{
    return 0;
}

#define W(call)                                                                                    \
    do {                                                                                           \
        if ((call) < 0)                                                                            \
            return -1;                                                                             \
    } while (0)

/* Escaped text. xmlTextWriterWriteString would do the same escaping, but
 * in libxml2 2.9 it reports success and writes nothing when that escaping
 * runs out of memory; calling xmlEncodeSpecialChars here makes the failure
 * visible. */
static int text(xmlTextWriterPtr w, const char *s, size_t len)
{
    xmlChar *esc, *copy = NULL;
    int rc;

    if (s[len] != '\0') { /* a shorter data_len: exactly len bytes */
        copy = xmlStrndup(BAD_CAST s, (int)len);
        if (!copy)
            return -1;
    }
    esc = xmlEncodeSpecialChars(NULL, copy ? copy : BAD_CAST s);
    xmlFree(copy);
    if (!esc)
        return -1;
    /* An empty string still closes the start tag: <X></X>, as parsed. */
    rc = xmlTextWriterWriteRaw(w, esc);
    xmlFree(esc);
    return rc;
}

static int text_elem(xmlTextWriterPtr w, const char *name, const char *s)
{
    if (!s)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST name));
    W(text(w, s, strlen(s)));
    return xmlTextWriterEndElement(w);
}

/* Attributes here are constant namespace names that need no escaping. */
static int ns_attr(xmlTextWriterPtr w, const char *uri)
{
    W(xmlTextWriterStartAttribute(w, BAD_CAST "xmlns"));
    W(xmlTextWriterWriteRaw(w, BAD_CAST uri));
    return xmlTextWriterEndAttribute(w);
}

static int empty_elem(xmlTextWriterPtr w, const char *name, bool present)
{
    if (!present)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST name));
    return xmlTextWriterEndElement(w);
}

static int meta_field(xmlTextWriterPtr w, const char *name, const char *s)
{
    if (!s)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST name));
    W(ns_attr(w, SYNCML_METINF));
    W(text(w, s, strlen(s)));
    return xmlTextWriterEndElement(w);
}

/* MetInf DTD order: Format, Type, Mark, Size, NextNonce, MaxMsgSize,
 * MaxObjSize. */
static int meta(xmlTextWriterPtr w, const syncml_meta *m)
{
    if (!m)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST "Meta"));
    W(meta_field(w, "Format", m->format));
    W(meta_field(w, "Type", m->type));
    W(meta_field(w, "Mark", m->mark));
    W(meta_field(w, "Size", m->size));
    W(meta_field(w, "NextNonce", m->next_nonce));
    W(meta_field(w, "MaxMsgSize", m->max_msg_size));
    W(meta_field(w, "MaxObjSize", m->max_obj_size));
    return xmlTextWriterEndElement(w);
}

static int loc(xmlTextWriterPtr w, const char *name, const char *uri, const char *loc_name)
{
    if (!uri && !loc_name)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST name));
    W(text_elem(w, "LocURI", uri));
    W(text_elem(w, "LocName", loc_name));
    return xmlTextWriterEndElement(w);
}

static int item_data(xmlTextWriterPtr w, const syncml_item *it)
{
    if (!it->data)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST "Data"));
    if (it->data_is_xml) {
        if (it->data_len)
            W(xmlTextWriterWriteRawLen(w, BAD_CAST it->data, (int)it->data_len));
    } else {
        W(text(w, it->data, it->data_len));
    }
    return xmlTextWriterEndElement(w);
}

static int item(xmlTextWriterPtr w, const syncml_item *it)
{
    W(xmlTextWriterStartElement(w, BAD_CAST "Item"));
    W(loc(w, "Target", it->target_uri, it->target_name));
    W(loc(w, "Source", it->source_uri, it->source_name));
    W(meta(w, it->meta));
    W(item_data(w, it));
    W(empty_elem(w, "MoreData", it->more_data));
    return xmlTextWriterEndElement(w);
}

static int chal(xmlTextWriterPtr w, const syncml_meta *m)
{
    if (!m)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST "Chal"));
    W(meta(w, m));
    return xmlTextWriterEndElement(w);
}

static int cmd(xmlTextWriterPtr w, const syncml_cmd *c)
{
    const char *name = c->type ? syncml_cmd_type_name(c->type) : c->element;
    const syncml_item *it;
    const syncml_cmd *child;

    W(xmlTextWriterStartElement(w, BAD_CAST name));
    W(text_elem(w, "CmdID", c->cmd_id));
    W(empty_elem(w, "NoResp", c->no_resp));
    W(text_elem(w, "MsgRef", c->msg_ref));
    W(text_elem(w, "CmdRef", c->cmd_ref));
    W(text_elem(w, "Cmd", c->cmd));
    if (c->type == SYNCML_CMD_RESULTS) /* Results DTD: Meta before TargetRef */
        W(meta(w, c->meta));
    W(text_elem(w, "TargetRef", c->target_ref));
    W(text_elem(w, "SourceRef", c->source_ref));
    W(chal(w, c->chal));
    if (c->type != SYNCML_CMD_RESULTS)
        W(meta(w, c->meta));
    W(text_elem(w, "Data", c->data));
    for (it = c->items; it; it = it->next)
        W(item(w, it));
    for (child = c->children; child; child = child->next)
        W(cmd(w, child));
    return xmlTextWriterEndElement(w);
}

static int cred(xmlTextWriterPtr w, const syncml_cred *cr)
{
    if (!cr)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST "Cred"));
    W(meta(w, cr->meta));
    W(text_elem(w, "Data", cr->data));
    return xmlTextWriterEndElement(w);
}

static int hdr(xmlTextWriterPtr w, const syncml_hdr *h)
{
    W(xmlTextWriterStartElement(w, BAD_CAST "SyncHdr"));
    W(text_elem(w, "VerDTD", h->ver_dtd));
    W(text_elem(w, "VerProto", h->ver_proto));
    W(text_elem(w, "SessionID", h->session_id));
    W(text_elem(w, "MsgID", h->msg_id));
    W(loc(w, "Target", h->target_uri, h->target_name));
    W(loc(w, "Source", h->source_uri, h->source_name));
    W(text_elem(w, "RespURI", h->resp_uri));
    W(empty_elem(w, "NoResp", h->no_resp));
    W(cred(w, h->cred));
    W(meta(w, h->meta));
    return xmlTextWriterEndElement(w);
}

static int msg_emit(xmlTextWriterPtr w, const void *obj)
{
    const syncml_msg *m = obj;
    const syncml_cmd *c;

    W(xmlTextWriterStartElement(w, BAD_CAST "SyncML"));
    W(ns_attr(w, SYNCML_NS));
    W(hdr(w, &m->hdr));
    W(xmlTextWriterStartElement(w, BAD_CAST "SyncBody"));
    for (c = m->body; c; c = c->next)
        W(cmd(w, c));
    W(empty_elem(w, "Final", m->final));
    W(xmlTextWriterFullEndElement(w));
    return xmlTextWriterEndElement(w);
}

static int cmd_emit(xmlTextWriterPtr w, const void *obj)
{
    return cmd(w, obj);
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

/* Runs `emit` with a fresh writer into `s`. */
static omadm_status run(sink *s, int (*emit)(xmlTextWriterPtr, const void *), const void *obj)
{
    omadm__syncml_quiet saved;
    xmlOutputBufferPtr out;
    xmlTextWriterPtr w;
    int rc;

    xmlInitParser();
    omadm__syncml_quiet_begin(&saved);
    out = xmlOutputBufferCreateIO(sink_write, sink_close, s, NULL);
    w = out ? xmlNewTextWriter(out) : NULL;
    if (!w) {
        if (out)
            xmlOutputBufferClose(out);
        omadm__syncml_quiet_end(&saved);
        return OMADM_ERR_NOMEM;
    }
    rc = emit(w, obj);
    if (rc >= 0)
        rc = xmlTextWriterFlush(w);
    xmlFreeTextWriter(w);
    omadm__syncml_quiet_end(&saved);
    if (s->status != OMADM_OK)
        return s->status;
    /* The sink never fails when counting and the input was validated:
     * what is left is libxml2 running out of memory. */
    return rc < 0 ? OMADM_ERR_NOMEM : OMADM_OK;
}

omadm_status syncml_write(const syncml_msg *msg, char **out, size_t *out_len)
{
    omadm_buf buf = OMADM_BUF_INIT;
    sink s = { &buf, 0, OMADM_OK };
    omadm_status st;

    if (!out || !out_len)
        return OMADM_ERR_INVALID;
    *out = NULL;
    *out_len = 0;
    if (!msg || !valid_cmds(msg->body))
        return OMADM_ERR_INVALID;
    st = run(&s, msg_emit, msg);
    if (st != OMADM_OK) {
        omadm__buf_free(&buf);
        return st;
    }
    *out = omadm__buf_steal(&buf, out_len);
    return OMADM_OK;
}

omadm_status syncml_encoded_size(const syncml_msg *msg, size_t *size)
{
    sink s = { NULL, 0, OMADM_OK };
    omadm_status st;

    if (!size)
        return OMADM_ERR_INVALID;
    *size = 0;
    if (!msg || !valid_cmds(msg->body))
        return OMADM_ERR_INVALID;
    st = run(&s, msg_emit, msg);
    if (st == OMADM_OK)
        *size = s.count;
    return st;
}

omadm_status syncml_cmd_encoded_size(const syncml_cmd *c, size_t *size)
{
    sink s = { NULL, 0, OMADM_OK };
    omadm_status st;

    if (!size)
        return OMADM_ERR_INVALID;
    *size = 0;
    if (!c || !valid_cmd(c))
        return OMADM_ERR_INVALID;
    st = run(&s, cmd_emit, c);
    if (st == OMADM_OK)
        *size = s.count;
    return st;
}
