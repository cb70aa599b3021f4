/* SPDX-License-Identifier: Apache-2.0 */
/* Client certificate naming (see cert.h). */
#include "transport/cert.h"

#include <string.h>

#include <curl/curl.h>

#include "omadm/cert.h"

/* The certificate store locations libcurl's Schannel backend accepts. */
static const char *const store_locations[] = {
    "CurrentUser", "LocalMachine",           "CurrentService",          "Services",
    "Users",       "CurrentUserGroupPolicy", "LocalMachineGroupPolicy", "LocalMachineEnterprise",
};

#define THUMBPRINT_HEX 40

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_store_path(const char *s)
{
    const char *sep = strchr(s, '\\'), *store, *thumb;
    size_t i, n;
    int known = 0;

    if (!sep)
        return 0;
    n = (size_t)(sep - s);
    for (i = 0; i < sizeof store_locations / sizeof store_locations[0]; i++)
        if (strlen(store_locations[i]) == n && memcmp(s, store_locations[i], n) == 0)
            known = 1;
    if (!known)
        return 0;
    store = sep + 1;
    thumb = strchr(store, '\\');
    if (!thumb || thumb == store)
        return 0;
    for (; store < thumb; store++)
        if (*store == '/' || *store == ':')
            return 0;
    thumb++;
    for (i = 0; thumb[i]; i++)
        if (!is_hex(thumb[i]))
            return 0;
    return i == THUMBPRINT_HEX;
}

static int ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n > m && curl_strnequal(s + n - m, suffix, m);
}

omadm__cert_kind omadm__transport_cert_kind(const char *cert)
{
    if (!cert)
        return OMADM__CERT_PEM;
    if (is_store_path(cert))
        return OMADM__CERT_STORE;
    if (ends_with_nocase(cert, ".pfx") || ends_with_nocase(cert, ".p12"))
        return OMADM__CERT_P12;
    return OMADM__CERT_PEM;
}

const char *omadm__transport_cert_kind_name(omadm__cert_kind kind)
{
    switch (kind) {
    case OMADM__CERT_P12:
        return "P12";
    case OMADM__CERT_STORE:
        return "store";
    case OMADM__CERT_PEM:
    default:
        return "PEM";
    }
}

omadm_cert_kind omadm_cert_kind_of(const char *cert)
{
    switch (omadm__transport_cert_kind(cert)) {
    case OMADM__CERT_P12:
        return OMADM_CERT_P12;
    case OMADM__CERT_STORE:
        return OMADM_CERT_STORE;
    case OMADM__CERT_PEM:
    default:
        return OMADM_CERT_PEM;
    }
}
