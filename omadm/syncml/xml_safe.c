/* SPDX-License-Identifier: Apache-2.0 */
/* The hardened libxml2 SAX setup (see xml_safe.h): one place for what
 * every XML parser in omadm/ refuses. */
#include "syncml/xml_safe.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/entities.h>
#include <libxml/parserInternals.h> /* xmlCreateMemoryParserCtxt */
#include <libxml/xmlerror.h>

#include "core/compiler.h"

static void refuse(omadm__xml_safe *x, const char *fmt, ...) OMADM__PRINTF(2, 3);

static void refuse(omadm__xml_safe *x, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->refuse(x, OMADM_ERR_PARSE, 0, msg);
}

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    omadm__xml_safe *x = ctx;
    char msg[200], full[256];
    size_t n, i;

    /* A namespace name that is not an RFC 3986 URI is only a warning in
     * spirit (libxml2 also raises it when xmlParseURI runs out of memory). */
    if (!e || e->level == XML_ERR_WARNING || e->code == XML_WAR_NS_URI)
        return;
    /* libxml2 leaves the message NULL only when formatting it failed. */
    if (e->code == XML_ERR_NO_MEMORY || !e->message) {
        x->refuse(x, OMADM_ERR_NOMEM, 0, "out of memory");
        return;
    }
    snprintf(msg, sizeof(msg), "%s", e->message);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    for (i = 0; i < n; i++)
        if (msg[i] == '\n')
            msg[i] = ' ';
    /* Cut to `full` on purpose: the message is one bounded line. */
    if (x->where)
        snprintf(full, sizeof full, "malformed XML at line %d in <%.64s>: %.150s", e->line,
                 x->where(x), msg);
    else
        snprintf(full, sizeof full, "malformed XML at line %d: %.200s", e->line, msg);
    x->refuse(x, OMADM_ERR_PARSE, e->line > 0 ? (unsigned)e->line : 0, full);
}

/* ---- DOCTYPE and entities: refused -------------------------------------- */

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id)
{
    if (ext_id || sys_id)
        refuse(ctx, "external DTD not allowed: DOCTYPE %.64s SYSTEM \"%.64s\"", (const char *)name,
               sys_id ? (const char *)sys_id : "");
}

/* libxml2 calls this after every DOCTYPE, with NULL ids when there is no
 * external subset. */
static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id)
{
    on_internal_subset(ctx, name, ext_id, sys_id);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    bool pe = type == XML_INTERNAL_PARAMETER_ENTITY || type == XML_EXTERNAL_PARAMETER_ENTITY;

    refuse(ctx, "%sentity declaration \"%s%.64s\" not allowed in DOCTYPE", pe ? "parameter " : "",
           pe ? "%" : "", (const char *)name);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                    const xmlChar *system_id, const xmlChar *notation)
{
    refuse(ctx, "entity declaration \"%.64s\" not allowed in DOCTYPE", (const char *)name);
}

static void on_notation_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                             const xmlChar *system_id)
{
    refuse(ctx, "notation declaration \"%.64s\" not allowed in DOCTYPE", (const char *)name);
}

static void on_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *fullname, int type,
                              int def, const xmlChar *default_value, xmlEnumerationPtr tree)
{
    refuse(ctx, "attribute declaration \"%.64s\" not allowed in DOCTYPE", (const char *)fullname);
    xmlFreeEnumeration(tree); /* the callee owns it (as xmlSAX2AttributeDecl does) */
}

static void on_element_decl(void *ctx, const xmlChar *name, int type, xmlElementContentPtr content)
{
    refuse(ctx, "element declaration \"%.64s\" not allowed in DOCTYPE", (const char *)name);
}

static void on_reference(void *ctx, const xmlChar *name)
{
    omadm__xml_safe *x = ctx;

    if (x->where)
        refuse(x, "entity reference &%.64s; not allowed in <%.64s>", (const char *)name,
               x->where(x));
    else
        refuse(x, "entity reference &%.64s; not allowed", (const char *)name);
}

static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
    xmlEntityPtr ent = xmlGetPredefinedEntity(name);

    if (!ent)
        on_reference(ctx, name);
    return ent;
}

static xmlEntityPtr on_get_parameter_entity(void *ctx, const xmlChar *name)
{
    refuse(ctx, "parameter entity reference %%%.64s; not allowed", (const char *)name);
    return NULL;
}

static xmlParserInputPtr on_resolve_entity(void *ctx, const xmlChar *public_id,
                                           const xmlChar *system_id)
{
    refuse(ctx, "external entity \"%.64s\" not allowed", system_id ? (const char *)system_id : "");
    return NULL;
}

/* ---- the parse ---------------------------------------------------------- */

/* libxml2 reports some failures (encoding conversion, allocation outside a
 * parser context) through its thread-local generic error handler, which
 * prints to stderr; the parse silences it and restores the caller's. */
static void quiet(void *ctx, const char *msg, ...)
{
}

static void init_sax(xmlSAXHandler *sax, const omadm__xml_events *events)
{
    memset(sax, 0, sizeof(*sax));
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = events->start;
    sax->endElementNs = events->end;
    sax->characters = events->text;
    sax->ignorableWhitespace = events->text;
    sax->cdataBlock = events->text;
    sax->serror = on_xml_error;
    sax->internalSubset = on_internal_subset;
    sax->externalSubset = on_external_subset;
    sax->entityDecl = on_entity_decl;
    sax->unparsedEntityDecl = on_unparsed_entity_decl;
    sax->notationDecl = on_notation_decl;
    sax->attributeDecl = on_attribute_decl;
    sax->elementDecl = on_element_decl;
    sax->getEntity = on_get_entity;
    sax->getParameterEntity = on_get_parameter_entity;
    sax->reference = on_reference;
    sax->resolveEntity = on_resolve_entity;
}

omadm_status omadm__xml_safe_parse(omadm__xml_safe *x, const omadm__xml_events *events,
                                   const char *data, size_t len)
{
    xmlGenericErrorFunc saved_fn;
    void *saved_ctx;
    xmlSAXHandler sax;

    xmlInitParser();
    saved_fn = xmlGenericError;
    saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    x->ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
    if (!x->ctxt) {
        xmlSetGenericErrorFunc(saved_ctx, saved_fn);
        return OMADM_ERR_NOMEM;
    }
    init_sax(&sax, events);
    memcpy(x->ctxt->sax, &sax, sizeof(sax));
    x->ctxt->userData = x;
    xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
                                   XML_PARSE_NOWARNING);
    xmlParseDocument(x->ctxt);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    return OMADM_OK;
}

void omadm__xml_safe_stop(omadm__xml_safe *x)
{
    if (x->ctxt)
        xmlStopParser(x->ctxt);
}

void omadm__xml_safe_free(omadm__xml_safe *x)
{
    if (!x->ctxt)
        return;
    /* libxml2 builds a document with a fake DTD "for expat compatibility"
     * when a DOCTYPE declares an entity, even in SAX mode; the context
     * does not own it. */
    if (x->ctxt->myDoc)
        xmlFreeDoc(x->ctxt->myDoc);
    xmlFreeParserCtxt(x->ctxt);
    x->ctxt = NULL;
}
