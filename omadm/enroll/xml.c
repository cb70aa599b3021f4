/* SPDX-License-Identifier: Apache-2.0 */
/* Hardened SAX parse into a small tree (see xml.h). The refusal rules are
 * syncml/xml_safe.c's: a DOCTYPE may not declare anything, no entity but
 * the five predefined ones, nothing external is ever loaded. */
#include "enroll/xml.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "core/alloc.h"
#include "core/compiler.h"
#include "syncml/xml_safe.h"

typedef struct xparser {
    omadm__xml_safe xs; /* first: the SAX callbacks' context */
    enroll_xml_limits lim;
    omadm_status status;
    char *err;
    size_t errsize;
    enroll_node *root, *cur;
    unsigned depth, elements;
} xparser;

static void fail(xparser *p, omadm_status st, const char *fmt, ...) OMADM__PRINTF(3, 4);

static void fail(xparser *p, omadm_status st, const char *fmt, ...)
{
    va_list ap;

    if (p->status != OMADM_OK)
        return;
    p->status = st;
    if (p->err && p->errsize) {
        va_start(ap, fmt);
        vsnprintf(p->err, p->errsize, fmt, ap);
        va_end(ap);
    }
    omadm__xml_safe_stop(&p->xs);
}

/* xml_safe's refusals and libxml2's errors. */
static void on_refuse(omadm__xml_safe *x, omadm_status st, unsigned line, const char *message)
{
    fail((xparser *)x, st, "%s", message);
}

/* ---- the tree ----------------------------------------------------------- */

static void node_free(enroll_node *n)
{
    unsigned i;

    omadm__free(n->name);
    omadm__free(n->ns);
    omadm__free(n->text);
    for (i = 0; i < n->n_attrs; i++) {
        omadm__free(n->attrs[i].name);
        omadm__free(n->attrs[i].value);
    }
    omadm__free(n->attrs);
    omadm__free(n);
}

void enroll_xml_free(enroll_node *root)
{
    enroll_node *n = root;

    /* Iterative post-order walk: depth is bounded, but no recursion needed. */
    while (n) {
        if (n->first) {
            enroll_node *c = n->first;

            n->first = NULL;
            n = c;
            continue;
        }
        {
            enroll_node *next = n->next, *parent = n->parent;

            if (n == root) {
                node_free(n);
                break;
            }
            node_free(n);
            n = next ? next : parent;
        }
    }
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **namespaces, int nb_attrs, int nb_defaulted,
                     const xmlChar **attrs)
{
    xparser *p = ctx;
    enroll_node *n;
    int i;

    if (p->status != OMADM_OK)
        return;
    if (++p->depth > p->lim.max_depth) {
        fail(p, OMADM_ERR_LIMIT, "XML nested deeper than %u elements", p->lim.max_depth);
        return;
    }
    if (++p->elements > p->lim.max_elements) {
        fail(p, OMADM_ERR_LIMIT, "XML has more than %u elements", p->lim.max_elements);
        return;
    }
    if ((unsigned)nb_attrs > p->lim.max_attrs) {
        fail(p, OMADM_ERR_LIMIT, "<%.64s> has more than %u attributes", (const char *)local,
             p->lim.max_attrs);
        return;
    }
    n = omadm__calloc(1, sizeof *n);
    if (!n)
        goto nomem;
    n->parent = p->cur;
    if (p->cur) {
        if (p->cur->last)
            p->cur->last->next = n;
        else
            p->cur->first = n;
        p->cur->last = n;
    } else {
        p->root = n;
    }
    p->cur = n;
    n->name = omadm__strdup((const char *)local);
    n->text = omadm__strdup("");
    if (!n->name || !n->text)
        goto nomem;
    if (uri) {
        n->ns = omadm__strdup((const char *)uri);
        if (!n->ns)
            goto nomem;
    }
    if (nb_attrs > 0) {
        n->attrs = omadm__calloc((size_t)nb_attrs, sizeof *n->attrs);
        if (!n->attrs)
            goto nomem;
    }
    /* attrs: (localname, prefix, URI, value, end) per attribute */
    for (i = 0; i < nb_attrs; i++) {
        const char *value = (const char *)attrs[i * 5 + 3];
        size_t vlen = (size_t)((const char *)attrs[i * 5 + 4] - value);
        enroll_attr *a = &n->attrs[n->n_attrs];

        if (vlen > p->lim.max_text) {
            fail(p, OMADM_ERR_LIMIT, "attribute %.64s of <%.64s> longer than %zu bytes",
                 (const char *)attrs[i * 5], (const char *)local, p->lim.max_text);
            return;
        }
        a->name = omadm__strdup((const char *)attrs[i * 5]);
        a->value = omadm__strndup(value, vlen);
        n->n_attrs++;
        if (!a->name || !a->value)
            goto nomem;
    }
    return;
nomem:
    fail(p, OMADM_ERR_NOMEM, "out of memory");
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    xparser *p = ctx;

    if (p->status != OMADM_OK)
        return;
    p->depth--;
    if (p->cur)
        p->cur = p->cur->parent;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    xparser *p = ctx;
    enroll_node *n = p->cur;
    char *grown;

    if (p->status != OMADM_OK || !n || len <= 0)
        return;
    if ((size_t)len > p->lim.max_text - n->text_len) {
        fail(p, OMADM_ERR_LIMIT, "text of <%.64s> longer than %zu bytes", n->name, p->lim.max_text);
        return;
    }
    grown = omadm__realloc(n->text, n->text_len + (size_t)len + 1);
    if (!grown) {
        fail(p, OMADM_ERR_NOMEM, "out of memory");
        return;
    }
    memcpy(grown + n->text_len, ch, (size_t)len);
    n->text_len += (size_t)len;
    grown[n->text_len] = '\0';
    n->text = grown;
}

omadm_status enroll_xml_parse(const char *data, size_t len, const enroll_xml_limits *lim,
                              enroll_node **root, char *err, size_t errsize)
{
    static const enroll_xml_limits defaults = ENROLL_XML_LIMITS_DEFAULT;
    static const omadm__xml_events events = { on_start, on_end, on_text };
    xparser p;

    memset(&p, 0, sizeof p);
    p.err = err;
    p.errsize = errsize;
    p.lim = lim ? *lim : defaults;
    if (err && errsize)
        err[0] = '\0';
    if (!root || (!data && len)) {
        fail(&p, OMADM_ERR_INVALID, "invalid argument");
        return p.status;
    }
    *root = NULL;
    if (len == 0) {
        fail(&p, OMADM_ERR_PARSE, "empty document");
        return p.status;
    }
    if (len > p.lim.max_bytes || len > INT32_MAX) {
        fail(&p, OMADM_ERR_LIMIT, "document of %zu bytes exceeds the %zu-byte limit", len,
             p.lim.max_bytes);
        return p.status;
    }
    p.xs.refuse = on_refuse;
    if (omadm__xml_safe_parse(&p.xs, &events, data, len) != OMADM_OK) {
        fail(&p, OMADM_ERR_NOMEM, "out of memory");
        return p.status;
    }
    if (p.status == OMADM_OK && (!p.xs.ctxt->wellFormed || !p.root))
        fail(&p, OMADM_ERR_PARSE, "malformed XML");
    omadm__xml_safe_free(&p.xs);
    if (p.status != OMADM_OK) {
        enroll_xml_free(p.root);
        return p.status;
    }
    *root = p.root;
    return OMADM_OK;
}

/* ---- queries ------------------------------------------------------------ */

const enroll_node *enroll_xml_child(const enroll_node *n, const char *name)
{
    const enroll_node *c;

    if (!n)
        return NULL;
    for (c = n->first; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const enroll_node *enroll_xml_next_same(const enroll_node *n)
{
    const enroll_node *c;

    if (!n)
        return NULL;
    for (c = n->next; c; c = c->next)
        if (strcmp(c->name, n->name) == 0)
            return c;
    return NULL;
}

const enroll_node *enroll_xml_path(const enroll_node *n, const char *path)
{
    char seg[64];

    while (n && *path) {
        size_t k = strcspn(path, "/");

        if (k >= sizeof seg)
            return NULL;
        memcpy(seg, path, k);
        seg[k] = '\0';
        n = enroll_xml_child(n, seg);
        path += k;
        if (*path == '/')
            path++;
    }
    return n;
}

const char *enroll_xml_attr(const enroll_node *n, const char *name)
{
    unsigned i;

    if (!n)
        return NULL;
    for (i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return n->attrs[i].value;
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trimmed(const enroll_node *n, const char **start, size_t *len)
{
    const char *s = n->text;
    size_t l = n->text_len;

    while (l && is_space(*s)) {
        s++;
        l--;
    }
    while (l && is_space(s[l - 1]))
        l--;
    *start = s;
    *len = l;
}

char *enroll_xml_text_dup(const enroll_node *n)
{
    const char *s;
    size_t l;

    trimmed(n, &s, &l);
    return omadm__strndup(s, l);
}

bool enroll_xml_text_is(const enroll_node *n, const char *lit)
{
    const char *s;
    size_t l;

    if (!n)
        return false;
    trimmed(n, &s, &l);
    return l == strlen(lit) && memcmp(s, lit, l) == 0;
}
