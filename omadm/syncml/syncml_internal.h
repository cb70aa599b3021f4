/* Internal helpers shared by the syncml codec's source files. */
#ifndef OMADM_SYNCML_SYNCML_INTERNAL_H
#define OMADM_SYNCML_SYNCML_INTERNAL_H

#include <stddef.h>

#include <libxml/xmlerror.h>

#include "syncml/syncml.h"

/* syncml_msg_new with the first arena block sized for about `hint` bytes
 * (the parser passes the input length so one block usually holds the
 * whole model). */
omadm_status omadm__syncml_msg_new_sized(syncml_msg **out, size_t hint);
/* Uninitialised, max-aligned arena memory; NULL on allocation failure. */
void *omadm__syncml_alloc_raw(syncml_msg *msg, size_t size);

/* libxml2 reports some failures (encoding conversion, allocation outside a
 * parser context) through its thread-local generic error handler, which
 * prints to stderr; codec calls silence it and restore the caller's. */
typedef struct omadm__syncml_quiet {
    xmlGenericErrorFunc fn;
    void *ctx;
} omadm__syncml_quiet;

void omadm__syncml_quiet_begin(omadm__syncml_quiet *saved);
void omadm__syncml_quiet_end(const omadm__syncml_quiet *saved);

#endif
