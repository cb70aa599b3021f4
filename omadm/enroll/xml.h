/* SPDX-License-Identifier: Apache-2.0 */
/* A small read-only XML tree for enrollment messages (SOAP responses and the
 * wap-provisioningdoc), built by a hardened libxml2 SAX parse with the same
 * rules as the SyncML parser: no DTD, no entity other than the predefined
 * ones, no network; limits on size, depth, element count, attribute count
 * and text length. Elements are matched by local name (namespace URIs are
 * kept for the root check). Internal to omadm/enroll. */
#ifndef OMADM_ENROLL_XML_H
#define OMADM_ENROLL_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "omadm/status.h"

typedef struct enroll_xml_limits {
    size_t max_bytes;      /* whole document */
    unsigned max_depth;    /* element nesting */
    unsigned max_elements; /* elements in the document */
    unsigned max_attrs;    /* attributes on one element */
    size_t max_text;       /* text of one element, or one attribute value */
} enroll_xml_limits;

/* 256 KiB, depth 32, 4,096 elements, 16 attributes, 128 KiB of text. */
#define ENROLL_XML_LIMITS_DEFAULT                                                                  \
    {                                                                                              \
        (size_t)262144, 32, 4096, 16, (size_t)131072                                               \
    }

typedef struct enroll_attr {
    char *name; /* local name */
    char *value;
} enroll_attr;

typedef struct enroll_node {
    char *name; /* local name */
    char *ns;   /* namespace URI, NULL when none */
    char *text; /* concatenated character data, never NULL */
    size_t text_len;
    enroll_attr *attrs;
    unsigned n_attrs;
    struct enroll_node *parent, *first, *last, *next;
} enroll_node;

/* Parses `len` bytes. *root is owned by the caller (enroll_xml_free).
 * OMADM_ERR_PARSE (malformed, DTD, entity), OMADM_ERR_LIMIT, OMADM_ERR_NOMEM,
 * each with a one-line reason in err. */
omadm_status enroll_xml_parse(const char *data, size_t len, const enroll_xml_limits *lim,
                              enroll_node **root, char *err, size_t errsize);
void enroll_xml_free(enroll_node *root);

/* The first child element with this local name, or NULL. */
const enroll_node *enroll_xml_child(const enroll_node *n, const char *name);
/* The next sibling after `n` with the same local name, or NULL. */
const enroll_node *enroll_xml_next_same(const enroll_node *n);
/* Follows a path of local names separated by '/', from `n`'s children. */
const enroll_node *enroll_xml_path(const enroll_node *n, const char *path);
/* An attribute's value by local name, or NULL. */
const char *enroll_xml_attr(const enroll_node *n, const char *name);
/* The element's text with surrounding white space removed, as a new string
 * (omadm__free); NULL when out of memory. */
char *enroll_xml_text_dup(const enroll_node *n);
/* Whether the text, trimmed, equals `lit`. */
bool enroll_xml_text_is(const enroll_node *n, const char *lit);

#endif
