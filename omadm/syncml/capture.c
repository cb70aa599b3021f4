/* SPDX-License-Identifier: Apache-2.0 */
/* Rebuilds the inner XML of a Data element from SAX events. */
#include "syncml/capture.h"

#include <string.h>

#include <libxml/entities.h>
#include <libxml/xmlmemory.h>

#include "core/alloc.h"

static omadm_status put(omadm__capture *c, const char *s, size_t len)
{
    if (len > c->max || c->out->len > c->max - len)
        return OMADM_ERR_LIMIT;
    return omadm__buf_append(c->out, s, len) == OMADM_OK ? OMADM_OK : OMADM_ERR_NOMEM;
}

static omadm_status puts_(omadm__capture *c, const char *s)
{
    return put(c, s, strlen(s));
}

/* Appends `len` bytes escaped by libxml2; in an attribute value, tab and
 * newline also become character references so that attribute-value
 * normalisation does not turn them into spaces when re-parsed. */
static omadm_status put_escaped(omadm__capture *c, const char *s, size_t len, bool attr)
{
    xmlChar *esc;
    const char *p, *end;
    omadm_status st = OMADM_OK;

    c->tmp.len = 0;
    if (omadm__buf_append(&c->tmp, s, len) != OMADM_OK)
        return OMADM_ERR_NOMEM;
    if (len == 0)
        return OMADM_OK;
    esc = xmlEncodeSpecialChars(NULL, (const xmlChar *)c->tmp.data);
    if (!esc)
        return OMADM_ERR_NOMEM;
    p = (const char *)esc;
    end = p + strlen(p);
    while (st == OMADM_OK && p < end) {
        size_t run = attr ? strcspn(p, "\t\n") : (size_t)(end - p);

        st = put(c, p, run);
        p += run;
        if (st == OMADM_OK && p < end) {
            st = puts_(c, *p == '\t' ? "&#9;" : "&#10;");
            p++;
        }
    }
    xmlFree(esc);
    return st;
}

static omadm_status put_qname(omadm__capture *c, const char *prefix, const char *local)
{
    omadm_status st = OMADM_OK;

    if (prefix) {
        st = puts_(c, prefix);
        if (st == OMADM_OK)
            st = put(c, ":", 1);
    }
    return st == OMADM_OK ? puts_(c, local) : st;
}

/* ` prefix:local="value"`. Without entity substitution libxml2 hands every
 * '&' of an attribute value (namespace names included) over as "&#38;";
 * a literal '&' cannot occur, so the decoding is unambiguous. */
static omadm_status put_attr(omadm__capture *c, const char *prefix, const char *local,
                             const char *v, size_t len)
{
    const char *end = v + len;
    omadm_buf val = OMADM_BUF_INIT;
    omadm_status st = OMADM_OK;

    while (v < end && st == OMADM_OK) {
        const char *amp = memchr(v, '&', (size_t)(end - v));
        size_t run = amp ? (size_t)(amp - v) : (size_t)(end - v);

        if (omadm__buf_append(&val, v, run) != OMADM_OK)
            st = OMADM_ERR_NOMEM;
        v += run;
        if (st == OMADM_OK && v < end) {
            if (omadm__buf_append(&val, "&", 1) != OMADM_OK)
                st = OMADM_ERR_NOMEM;
            v += ((size_t)(end - v) >= 5 && memcmp(v, "&#38;", 5) == 0) ? 5 : 1;
        }
    }
    if (st == OMADM_OK)
        st = put(c, " ", 1);
    if (st == OMADM_OK)
        st = put_qname(c, prefix, local);
    if (st == OMADM_OK)
        st = put(c, "=\"", 2);
    if (st == OMADM_OK)
        st = put_escaped(c, val.data ? val.data : "", val.len, true);
    if (st == OMADM_OK)
        st = put(c, "\"", 1);
    omadm__buf_free(&val);
    return st;
}

static omadm_status close_tag(omadm__capture *c)
{
    if (!c->open_tag)
        return OMADM_OK;
    c->open_tag = false;
    return put(c, ">", 1);
}

static bool ns_declared(const omadm__capture *c, const char *prefix)
{
    size_t i;

    for (i = c->ns_len; i > 0; i--) {
        const char *q = c->ns[i - 1].prefix;

        if ((!q && !prefix) || (q && prefix && strcmp(q, prefix) == 0))
            return true;
    }
    return false;
}

static omadm_status ns_push(omadm__capture *c, unsigned depth, const char *prefix, const char *uri)
{
    if (c->ns_len == c->ns_cap) {
        size_t cap = c->ns_cap ? c->ns_cap * 2 : 8;
        capture_ns *grown = omadm__realloc(c->ns, cap * sizeof(*grown));

        if (!grown)
            return OMADM_ERR_NOMEM;
        c->ns = grown;
        c->ns_cap = cap;
    }
    c->ns[c->ns_len].prefix = prefix;
    c->ns[c->ns_len].uri = uri;
    c->ns[c->ns_len].depth = depth;
    c->ns_len++;
    return OMADM_OK;
}

static omadm_status put_ns(omadm__capture *c, unsigned depth, const char *prefix, const char *uri)
{
    omadm_status st =
        put_attr(c, prefix ? "xmlns" : NULL, prefix ? prefix : "xmlns", uri, strlen(uri));

    return st == OMADM_OK ? ns_push(c, depth, prefix, uri) : st;
}

/* Declares a prefix bound outside the capture where it is first used. */
static omadm_status need_ns(omadm__capture *c, unsigned depth, const char *prefix, const char *uri)
{
    if (!uri || ns_declared(c, prefix))
        return OMADM_OK;
    if (prefix && strcmp(prefix, "xml") == 0)
        return OMADM_OK;
    if (!prefix && c->root_ns && strcmp(uri, c->root_ns) == 0)
        return OMADM_OK;
    return put_ns(c, depth, prefix, uri);
}

omadm_status omadm__capture_begin(omadm__capture *c)
{
    size_t pending = c->out->len;
    omadm_status st;

    c->active = true;
    c->open_tag = false;
    c->ns_len = 0;
    if (!pending)
        return OMADM_OK;
    /* The plain text before the first child element, escaped in place. */
    {
        omadm_buf text = OMADM_BUF_INIT;

        if (omadm__buf_append(&text, c->out->data, pending) != OMADM_OK)
            return OMADM_ERR_NOMEM;
        c->out->len = 0;
        st = put_escaped(c, text.data, pending, false);
        omadm__buf_free(&text);
    }
    return st;
}

omadm_status omadm__capture_start(omadm__capture *c, unsigned depth, const char *local,
                                  const char *prefix, const char *uri, int nb_ns,
                                  const char **namespaces, int nb_attrs, const char **attrs)
{
    omadm_status st = close_tag(c);
    int i;

    if (st == OMADM_OK)
        st = put(c, "<", 1);
    if (st == OMADM_OK)
        st = put_qname(c, prefix, local);
    /* Its own declarations, then those it inherits, then its attributes. */
    for (i = 0; i < nb_ns && st == OMADM_OK; i++)
        st =
            put_ns(c, depth, namespaces[2 * i], namespaces[2 * i + 1] ? namespaces[2 * i + 1] : "");
    if (st == OMADM_OK)
        st = need_ns(c, depth, prefix, uri);
    for (i = 0; i < nb_attrs && st == OMADM_OK; i++)
        if (attrs[5 * i + 1])
            st = need_ns(c, depth, attrs[5 * i + 1], attrs[5 * i + 2]);
    for (i = 0; i < nb_attrs && st == OMADM_OK; i++)
        st = put_attr(c, attrs[5 * i + 1], attrs[5 * i], attrs[5 * i + 3],
                      (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]));
    c->open_tag = st == OMADM_OK;
    return st;
}

omadm_status omadm__capture_text(omadm__capture *c, const char *text, size_t len)
{
    omadm_status st = close_tag(c);

    return st == OMADM_OK ? put_escaped(c, text, len, false) : st;
}

omadm_status omadm__capture_end(omadm__capture *c, unsigned depth, const char *local,
                                const char *prefix)
{
    omadm_status st;

    while (c->ns_len && c->ns[c->ns_len - 1].depth >= depth)
        c->ns_len--;
    if (c->open_tag) {
        c->open_tag = false;
        return put(c, "/>", 2);
    }
    st = put(c, "</", 2);
    if (st == OMADM_OK)
        st = put_qname(c, prefix, local);
    return st == OMADM_OK ? put(c, ">", 1) : st;
}

void omadm__capture_stop(omadm__capture *c)
{
    c->active = false;
    c->open_tag = false;
    c->ns_len = 0;
    omadm__buf_free(&c->tmp);
    omadm__free(c->ns);
    c->ns = NULL;
    c->ns_cap = 0;
}
