/* SPDX-License-Identifier: Apache-2.0 */
/* DM tree URIs: parsing, normalisation and encoding (syncml-dm.md §9).
 *
 * Parsing never allocates: the decoded segments live in the omadm_uri
 * struct itself (about 1.3 KiB; fine on the stack). */
#ifndef OMADM_TREE_URI_H
#define OMADM_TREE_URI_H

#include <stddef.h>

#include "core/buf.h"
#include "omadm/status.h"

/* Hard ceilings (DESIGN §6); omadm_uri_limits may only lower them. */
#define OMADM_URI_MAX_LEN      1024
#define OMADM_URI_MAX_SEGMENTS 32
#define OMADM_URI_MAX_SEGMENT  255

typedef struct omadm_uri_limits {
    size_t max_len;        /* bytes of the URI as received */
    unsigned max_segments; /* segments after ".", the scope prefix included */
    size_t max_segment;    /* bytes of one decoded segment */
} omadm_uri_limits;

#define OMADM_URI_LIMITS_DEFAULT                                                                   \
    {                                                                                              \
        OMADM_URI_MAX_LEN, OMADM_URI_MAX_SEGMENTS, OMADM_URI_MAX_SEGMENT                           \
    }

typedef enum omadm_uri_scope {
    OMADM_URI_SCOPE_NONE = 0, /* "./Vendor/...": device-targeted */
    OMADM_URI_SCOPE_DEVICE,   /* "./Device/..." (any case) */
    OMADM_URI_SCOPE_USER      /* "./User/..." (any case) */
} omadm_uri_scope;

typedef struct omadm_uri {
    omadm_uri_scope scope;
    size_t n;                                /* segments after the scope prefix */
    const char *seg[OMADM_URI_MAX_SEGMENTS]; /* decoded, NUL-terminated, into buf */
    size_t seg_len[OMADM_URI_MAX_SEGMENTS];  /* bytes of each */
    char buf[OMADM_URI_MAX_LEN + 2];         /* decoded segments, each NUL-terminated */
} omadm_uri;

/* Parses and normalises `uri` (NUL-terminated, as received). `limits` NULL
 * means the defaults. Returns 0, or the DM status code the command gets:
 * 400 syntactically invalid (leading '/', empty segment, '.' or '..' after
 * the first segment, a '*' segment, trailing '/', control character, bad
 * percent escape, %00), 404 cannot name a node (an escaped '/'),
 * 406 a query ("?list=", "?prop=": unsupported), 414 over a limit.
 * "." and "./" prefixes are optional; "./Device/" and "./User/" set the
 * scope and are removed. Those and a "Vendor" segment right after them (or
 * first) match in any case, as Microsoft writes them ("./device/vendor/"):
 * the segment reads "Vendor". Every other name is case-sensitive. */
int omadm__uri_parse(const char *uri, const omadm_uri_limits *limits, omadm_uri *out);

/* Writes segments [from, uri->n) joined by '/' into dst (size bytes,
 * NUL-terminated). Returns 0, or -1 when it does not fit. */
int omadm__uri_join(const omadm_uri *uri, size_t from, char *dst, size_t size);
/* The same for segments [from, to) only. */
int omadm__uri_join_range(const omadm_uri *uri, size_t from, size_t to, char *dst, size_t size);

/* Appends `name` percent-encoded (all but A-Z a-z 0-9 - . _ ~), as child
 * lists carry names. */
omadm_status omadm__uri_encode_append(omadm_buf *buf, const char *name);

#endif
