/* SPDX-License-Identifier: Apache-2.0 */
/* The hardened libxml2 SAX setup shared by every XML parser in omadm/
 * (the SyncML codec, the enrollment documents). Internal to libomadm.
 *
 * A DOCTYPE may not declare anything, no entity but the five predefined
 * ones is resolved, nothing external (DTD, entity, network) is ever
 * loaded, and libxml2's stderr reporting is silenced. Every refusal and
 * every libxml2 error goes to the owner's `refuse` callback, which records
 * the first one and stops the parser (omadm__xml_safe_stop). */
#ifndef OMADM_SYNCML_XML_SAFE_H
#define OMADM_SYNCML_XML_SAFE_H

#include <stddef.h>

#include <libxml/parser.h>

#include "omadm/status.h"

typedef struct omadm__xml_safe omadm__xml_safe;

struct omadm__xml_safe {
    /* The parser context; set by omadm__xml_safe_parse, NULL before. */
    xmlParserCtxtPtr ctxt;
    /* A refused construct or a libxml2 error: `message` says which; `line`
     * is libxml2's line for an XML error, 0 otherwise. */
    void (*refuse)(omadm__xml_safe *x, omadm_status st, unsigned line, const char *message);
    /* Optional: the element being parsed, named in entity-reference and
     * XML-error messages. */
    const char *(*where)(const omadm__xml_safe *x);
};

/* The owner's element and text events; the hardened setup adds the rest.
 * The SAX callbacks receive the omadm__xml_safe pointer as their context,
 * so owners embed it as the first member of their parser state. */
typedef struct omadm__xml_events {
    startElementNsSAX2Func start;
    endElementNsSAX2Func end;
    charactersSAXFunc text; /* also whitespace and CDATA */
} omadm__xml_events;

/* Parses data[0..len) (len <= INT32_MAX, checked by the caller) with the
 * hardened handler. OMADM_ERR_NOMEM when the parser context could not be
 * allocated; otherwise OMADM_OK, and x->ctxt->wellFormed plus whatever
 * `refuse` recorded tell how the parse went. Call omadm__xml_safe_free
 * afterwards in every case. */
omadm_status omadm__xml_safe_parse(omadm__xml_safe *x, const omadm__xml_events *events,
                                   const char *data, size_t len);
/* Stops the parse in progress (no-op before or after it). */
void omadm__xml_safe_stop(omadm__xml_safe *x);
/* Frees the parser context and anything libxml2 built in it. */
void omadm__xml_safe_free(omadm__xml_safe *x);

#endif
