/* SPDX-License-Identifier: Apache-2.0 */
/* The inner XML of a Data element that holds child elements, rebuilt from
 * SAX events (DESIGN §5: Fleet sends raw <MsiInstallJob> trees in Data).
 *
 * Text and attribute values are escaped by libxml2 (xmlEncodeSpecialChars,
 * whose allocation failure is reported, unlike xmlTextWriterWriteString in
 * libxml2 2.9, which then silently writes nothing). Namespaces bound outside
 * the Data element are declared on the first element that uses them, so the
 * captured XML parses on its own; the SyncML document's own default
 * namespace is not carried in. */
#ifndef OMADM_SYNCML_CAPTURE_H
#define OMADM_SYNCML_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "omadm/status.h"

typedef struct capture_ns {
    const char *prefix; /* NULL: default namespace; borrowed from libxml2's dict */
    const char *uri;
    unsigned depth;
} capture_ns;

typedef struct omadm__capture {
    omadm_buf *out;      /* borrowed: receives the inner XML */
    size_t max;          /* OMADM_ERR_LIMIT once out->len would exceed it */
    const char *root_ns; /* the SyncML namespace (not re-declared) */
    bool active;
    bool open_tag;  /* "<name ..." written, its '>' not yet */
    omadm_buf tmp;  /* owned scratch */
    capture_ns *ns; /* owned */
    size_t ns_len, ns_cap;
} omadm__capture;

/* Starts capturing into `out`; the text already in `out` (plain, not yet
 * escaped) becomes the start of the inner XML. */
omadm_status omadm__capture_begin(omadm__capture *c);
/* An element at nesting `depth` (SAX2 startElementNs arguments). */
omadm_status omadm__capture_start(omadm__capture *c, unsigned depth, const char *local,
                                  const char *prefix, const char *uri, int nb_ns,
                                  const char **namespaces, int nb_attrs, const char **attrs);
omadm_status omadm__capture_text(omadm__capture *c, const char *text, size_t len);
omadm_status omadm__capture_end(omadm__capture *c, unsigned depth, const char *local,
                                const char *prefix);
/* Ends the capture (out keeps the XML) and frees the scratch. */
void omadm__capture_stop(omadm__capture *c);

#endif
