/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing the server's SOAP answers: DiscoverResponse, GetPoliciesResponse,
 * RequestSecurityTokenResponseCollection, and SOAP faults. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "enroll/enroll.h"
#include "enroll/enroll_int.h"

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"

static void set_err(char *err, size_t errsize, const char *msg)
{
    if (err && errsize)
        snprintf(err, errsize, "%s", msg);
}

int omadm__enroll_is_https(const char *url)
{
    return url && strncmp(url, "https://", 8) == 0 && url[8] != '\0' && url[8] != '/';
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++) {
        size_t i;

        for (i = 0; i < n; i++) {
            char a = hay[i], b = needle[i];

            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (a != b)
                break;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

/* Fault text: printable bytes only (a hostile server must not write escape
 * sequences to the terminal). */
static void clean_copy(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; *src && i + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;

        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (c < 0x20 || c == 0x7f)
            c = '?';
        dst[i++] = (char)c;
    }
    dst[i] = '\0';
}

static omadm_status fault(const enroll_node *f, char *err, size_t errsize)
{
    const enroll_node *code = enroll_xml_path(f, "Code/Subcode/Value");
    const enroll_node *text = enroll_xml_path(f, "Reason/Text");
    char c[96] = "", t[300] = "";
    omadm_status st = OMADM_ERR_PROTOCOL;

    if (!code)
        code = enroll_xml_path(f, "Code/Value");
    if (code) {
        char *s = enroll_xml_text_dup(code);

        if (!s)
            return OMADM_ERR_NOMEM;
        clean_copy(c, sizeof c, s);
        omadm__free(s);
    }
    if (text) {
        char *s = enroll_xml_text_dup(text);

        if (!s)
            return OMADM_ERR_NOMEM;
        clean_copy(t, sizeof t, s);
        omadm__free(s);
    }
    if (contains_ci(c, "authentication") || contains_ci(c, "authorization") ||
        contains_ci(c, "invalidsecurity"))
        st = OMADM_ERR_AUTH;
    if (err && errsize)
        snprintf(err, errsize, "server fault %s: %s", c[0] ? c : "(no code)",
                 t[0] ? t : "(no reason given)");
    return st;
}

omadm_status omadm__enroll_soap_body(const char *data, size_t len, enroll_node **root,
                                     const enroll_node **body, char *err, size_t errsize)
{
    enroll_xml_limits lim = ENROLL_XML_LIMITS_DEFAULT;
    char why[200];
    const enroll_node *f;
    omadm_status st;

    *root = NULL;
    *body = NULL;
    lim.max_bytes = OMADM_ENROLL_MAX_MESSAGE;
    st = enroll_xml_parse(data, len, &lim, root, why, sizeof why);
    if (st != OMADM_OK) {
        if (err && errsize)
            snprintf(err, errsize, "SOAP answer: %s", why);
        return st;
    }
    if (strcmp((*root)->name, "Envelope") != 0 || !(*root)->ns ||
        strcmp((*root)->ns, NS_SOAP12) != 0) {
        set_err(err, errsize, "answer is not a SOAP 1.2 envelope");
        st = OMADM_ERR_PROTOCOL;
    } else if (!(*body = enroll_xml_child(*root, "Body"))) {
        set_err(err, errsize, "SOAP envelope has no Body");
        st = OMADM_ERR_PROTOCOL;
    } else if ((f = enroll_xml_child(*body, "Fault")) != NULL) {
        st = fault(f, err, errsize);
    }
    if (st != OMADM_OK) {
        enroll_xml_free(*root);
        *root = NULL;
        *body = NULL;
    }
    return st;
}

/* ---- DiscoverResponse --------------------------------------------------- */

void omadm_enroll_discovery_clear(omadm_enroll_discovery *d)
{
    if (!d)
        return;
    omadm__free(d->auth_policy);
    omadm__free(d->version);
    omadm__free(d->policy_url);
    omadm__free(d->enroll_url);
    omadm__free(d->auth_url);
    memset(d, 0, sizeof *d);
}

/* Copies the trimmed text of an optional child; OMADM_ERR_NOMEM only. */
static omadm_status opt_text(const enroll_node *parent, const char *name, char **dst)
{
    const enroll_node *n = enroll_xml_child(parent, name);

    *dst = NULL;
    if (!n)
        return OMADM_OK;
    *dst = enroll_xml_text_dup(n);
    if (!*dst)
        return OMADM_ERR_NOMEM;
    if (!**dst) {
        omadm__free(*dst);
        *dst = NULL;
    }
    return OMADM_OK;
}

omadm_status omadm_enroll_parse_discover(const char *data, size_t len, omadm_enroll_discovery *out,
                                         char *err, size_t errsize)
{
    enroll_node *root;
    const enroll_node *body, *res;
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    st = omadm__enroll_soap_body(data, len, &root, &body, err, errsize);
    if (st != OMADM_OK)
        return st;
    res = enroll_xml_path(body, "DiscoverResponse/DiscoverResult");
    if (!res) {
        set_err(err, errsize, "Discover answer has no DiscoverResponse/DiscoverResult");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    st = opt_text(res, "AuthPolicy", &out->auth_policy);
    if (st == OMADM_OK)
        st = opt_text(res, "EnrollmentVersion", &out->version);
    if (st == OMADM_OK)
        st = opt_text(res, "EnrollmentPolicyServiceUrl", &out->policy_url);
    if (st == OMADM_OK)
        st = opt_text(res, "EnrollmentServiceUrl", &out->enroll_url);
    if (st == OMADM_OK)
        st = opt_text(res, "AuthenticationServiceUrl", &out->auth_url);
    if (st == OMADM_ERR_NOMEM) {
        set_err(err, errsize, "out of memory");
        goto done;
    }
    if (!out->enroll_url || !omadm__enroll_is_https(out->enroll_url)) {
        set_err(err, errsize, "Discover answer has no https EnrollmentServiceUrl");
        st = OMADM_ERR_PROTOCOL;
    } else if (out->policy_url && !omadm__enroll_is_https(out->policy_url)) {
        set_err(err, errsize, "Discover answer's EnrollmentPolicyServiceUrl is not https");
        st = OMADM_ERR_PROTOCOL;
    } else if (!out->auth_policy) {
        set_err(err, errsize, "Discover answer has no AuthPolicy");
        st = OMADM_ERR_PROTOCOL;
    }
done:
    enroll_xml_free(root);
    if (st != OMADM_OK)
        omadm_enroll_discovery_clear(out);
    return st;
}

/* ---- GetPoliciesResponse ------------------------------------------------ */

/* The oID value (e.g. "1.2.840.113549.1.1.1") whose oIDReferenceID is `ref`,
 * or NULL. */
static const enroll_node *oid_by_ref(const enroll_node *oids, const enroll_node *ref, int *nomem)
{
    const enroll_node *o;

    *nomem = 0;
    if (!oids || !ref)
        return NULL;
    for (o = enroll_xml_child(oids, "oID"); o; o = enroll_xml_next_same(o)) {
        const enroll_node *id = enroll_xml_child(o, "oIDReferenceID");
        char *want = enroll_xml_text_dup(ref);
        int same;

        if (!want) {
            *nomem = 1;
            return NULL;
        }
        same = id && want[0] && enroll_xml_text_is(id, want);
        omadm__free(want);
        if (same)
            return enroll_xml_child(o, "value");
    }
    return NULL;
}

static int is_nil(const enroll_node *n)
{
    const char *nil = enroll_xml_attr(n, "nil");

    return !n || (nil && strcmp(nil, "true") == 0) || n->text_len == 0;
}

/* Decimal text of an element (white space around it allowed), at most max. */
static omadm_status parse_uint(const enroll_node *n, unsigned long long max,
                               unsigned long long *out)
{
    const char *p = n->text;
    unsigned long long v = 0;
    int digits = 0;

    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (v > (max - (unsigned)(*p - '0')) / 10)
            return OMADM_ERR_PARSE;
        v = v * 10 + (unsigned)(*p - '0');
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!digits || *p)
        return OMADM_ERR_PARSE;
    *out = v;
    return OMADM_OK;
}

omadm_status omadm_enroll_parse_policies(const char *data, size_t len, omadm_enroll_policy *out,
                                         char *err, size_t errsize)
{
    static const struct {
        const char *oid;
        int is_hash;
        int value;
    } known[] = {
        { "1.2.840.113549.1.1.1", 0, OMADM_ENROLL_KEY_RSA },
        { "1.2.840.10045.2.1", 0, OMADM_ENROLL_KEY_EC },
        { "1.3.14.3.2.26", 1, OMADM_ENROLL_HASH_SHA1 },
        { "2.16.840.1.101.3.4.2.1", 1, OMADM_ENROLL_HASH_SHA256 },
        { "2.16.840.1.101.3.4.2.2", 1, OMADM_ENROLL_HASH_SHA384 },
        { "2.16.840.1.101.3.4.2.3", 1, OMADM_ENROLL_HASH_SHA512 },
        /* signature algorithms named in place of a hash */
        { "1.3.14.3.2.29", 1, OMADM_ENROLL_HASH_SHA1 },
        { "1.2.840.113549.1.1.5", 1, OMADM_ENROLL_HASH_SHA1 },
        { "1.2.840.113549.1.1.11", 1, OMADM_ENROLL_HASH_SHA256 },
        { "1.2.840.113549.1.1.12", 1, OMADM_ENROLL_HASH_SHA384 },
        { "1.2.840.113549.1.1.13", 1, OMADM_ENROLL_HASH_SHA512 },
    };
    enroll_node *root;
    const enroll_node *body, *resp, *attrs, *oids, *n;
    unsigned long long v;
    omadm_status st;
    int pass;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    st = omadm__enroll_soap_body(data, len, &root, &body, err, errsize);
    if (st != OMADM_OK)
        return st;
    resp = enroll_xml_child(body, "GetPoliciesResponse");
    attrs = enroll_xml_path(resp, "response/policies/policy/attributes");
    oids = enroll_xml_child(resp, "oIDs");
    if (!attrs) {
        set_err(err, errsize, "GetPolicies answer has no response/policies/policy/attributes");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    n = enroll_xml_path(attrs, "privateKeyAttributes/minimalKeyLength");
    if (!is_nil(n)) {
        if (parse_uint(n, 65536, &v) != OMADM_OK) {
            set_err(err, errsize,
                    "GetPolicies answer: minimalKeyLength is not a number up to 65536");
            st = OMADM_ERR_PROTOCOL;
            goto done;
        }
        out->min_key_bits = (unsigned)v;
    }
    n = enroll_xml_path(attrs, "certificateValidity/validityPeriodSeconds");
    if (!is_nil(n) && parse_uint(n, (1ull << 40), &v) == OMADM_OK)
        out->validity_s = (int64_t)v;
    n = enroll_xml_path(attrs, "certificateValidity/renewalPeriodSeconds");
    if (!is_nil(n) && parse_uint(n, (1ull << 40), &v) == OMADM_OK)
        out->renewal_s = (int64_t)v;
    /* pass 0: the key algorithm, pass 1: the hash */
    for (pass = 0; pass < 2; pass++) {
        const enroll_node *ref =
            pass == 0 ? enroll_xml_path(attrs, "privateKeyAttributes/algorithmOIDReference")
                      : enroll_xml_child(attrs, "hashAlgorithmOIDReference");
        const enroll_node *value;
        size_t i;
        int nomem;

        if (is_nil(ref))
            continue;
        value = oid_by_ref(oids, ref, &nomem);
        if (nomem) {
            set_err(err, errsize, "out of memory");
            st = OMADM_ERR_NOMEM;
            goto done;
        }
        if (!value) {
            set_err(err, errsize,
                    pass == 0 ? "GetPolicies answer: algorithmOIDReference names no oID"
                              : "GetPolicies answer: hashAlgorithmOIDReference names no oID");
            st = OMADM_ERR_PROTOCOL;
            goto done;
        }
        for (i = 0; i < sizeof known / sizeof known[0]; i++) {
            if (known[i].is_hash == pass && enroll_xml_text_is(value, known[i].oid)) {
                if (pass == 0)
                    out->key_alg = (omadm_enroll_key_alg)known[i].value;
                else
                    out->hash = (omadm_enroll_hash)known[i].value;
                break;
            }
        }
        if (i == sizeof known / sizeof known[0]) {
            char *oid = enroll_xml_text_dup(value);

            if (!oid) {
                set_err(err, errsize, "out of memory");
                st = OMADM_ERR_NOMEM;
                goto done;
            }
            if (err && errsize)
                snprintf(err, errsize, "GetPolicies answer: unsupported %s algorithm %.64s",
                         pass == 0 ? "key" : "hash", oid);
            omadm__free(oid);
            st = OMADM_ERR_UNSUPPORTED;
            goto done;
        }
    }
    if (out->key_alg == OMADM_ENROLL_KEY_RSA && out->min_key_bits > 8192) {
        if (err && errsize)
            snprintf(err, errsize, "GetPolicies answer: minimalKeyLength %u above 8192",
                     out->min_key_bits);
        st = OMADM_ERR_UNSUPPORTED;
    } else if (out->key_alg == OMADM_ENROLL_KEY_EC && out->min_key_bits > 384) {
        if (err && errsize)
            snprintf(err, errsize, "GetPolicies answer: EC key of %u bits not supported",
                     out->min_key_bits);
        st = OMADM_ERR_UNSUPPORTED;
    }
done:
    enroll_xml_free(root);
    return st;
}

/* ---- RequestSecurityTokenResponseCollection ----------------------------- */

omadm_status omadm_enroll_parse_rstr(const char *data, size_t len, char **doc, size_t *doc_len,
                                     char *err, size_t errsize)
{
    enroll_node *root;
    const enroll_node *body, *tok;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    omadm_status st;

    if (!doc || !doc_len)
        return OMADM_ERR_INVALID;
    *doc = NULL;
    *doc_len = 0;
    st = omadm__enroll_soap_body(data, len, &root, &body, err, errsize);
    if (st != OMADM_OK)
        return st;
    tok = enroll_xml_path(body, "RequestSecurityTokenResponseCollection/"
                                "RequestSecurityTokenResponse/RequestedSecurityToken/"
                                "BinarySecurityToken");
    if (!tok) {
        set_err(err, errsize,
                "enrollment answer has no RequestedSecurityToken/BinarySecurityToken");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    st = omadm__enroll_base64_decode(tok->text, OMADM_ENROLL_MAX_MESSAGE, &raw, &raw_len);
    if (st == OMADM_ERR_LIMIT)
        set_err(err, errsize, "provisioning document larger than 256 KiB");
    else if (st == OMADM_ERR_NOMEM)
        set_err(err, errsize, "out of memory");
    else if (st != OMADM_OK || raw_len == 0) {
        set_err(err, errsize, "provisioning document is not valid base64");
        st = OMADM_ERR_PROTOCOL;
    }
    if (st == OMADM_OK) {
        *doc = (char *)raw;
        *doc_len = raw_len;
    } else {
        omadm__free(raw);
    }
done:
    enroll_xml_free(root);
    return st;
}
