/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the files of omadm/enroll (not part of its contract). */
#ifndef OMADM_ENROLL_INT_H
#define OMADM_ENROLL_INT_H

#include <stddef.h>

#include "core/buf.h"
#include "enroll/xml.h"
#include "omadm/status.h"

/* Appends `s` escaped for XML text and attribute values; OMADM_ERR_INVALID
 * for control characters XML cannot carry. */
omadm_status omadm__enroll_escape(omadm_buf *out, const char *s);

/* Decodes base64 (white space ignored) into a new buffer (omadm__free),
 * NUL-terminated, at most `max` bytes: OMADM_ERR_PARSE, OMADM_ERR_LIMIT,
 * OMADM_ERR_NOMEM. */
omadm_status omadm__enroll_base64_decode(const char *text, size_t max, unsigned char **out,
                                         size_t *out_len);

/* Parses a SOAP 1.2 envelope and returns its Body. A Fault becomes
 * OMADM_ERR_AUTH or OMADM_ERR_PROTOCOL with "server fault <code>: <text>".
 * *root is freed by the caller on OMADM_OK only. */
omadm_status omadm__enroll_soap_body(const char *data, size_t len, enroll_node **root,
                                     const enroll_node **body, char *err, size_t errsize);

/* DER certificate (base64) to PEM appended to out; its SHA-1 thumbprint in
 * upper-case hex into thumb (41 bytes) when non-NULL. OMADM_ERR_PARSE when
 * it is not a certificate. */
omadm_status omadm__enroll_cert_b64_to_pem(const char *b64, omadm_buf *out, char *thumb);

/* Whether `url` starts with https:// and has a host. */
int omadm__enroll_is_https(const char *url);

#endif
