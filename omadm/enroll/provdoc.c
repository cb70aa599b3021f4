/* SPDX-License-Identifier: Apache-2.0 */
/* The wap-provisioningdoc of an enrollment answer (MS-MDE2 §3.4.5.1.1.1.1;
 * CertificateStore, w7 APPLICATION and DMClient CSP pages): parsed with the
 * hardened tree parser, then checked for what the device needs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/compiler.h"
#include "enroll/enroll.h"
#include "enroll/enroll_int.h"

#define MAX_ROOTS 16

static void set_err(char *err, size_t errsize, const char *fmt, ...) OMADM__PRINTF(3, 4);

static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errsize)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
}

static int is_char(const enroll_node *n)
{
    return strcmp(n->name, "characteristic") == 0;
}

/* The child characteristic of this type (case-sensitive, as the CSPs), or
 * NULL. */
static const enroll_node *chr(const enroll_node *parent, const char *type)
{
    const enroll_node *c;

    if (!parent)
        return NULL;
    for (c = parent->first; c; c = c->next) {
        const char *t;

        if (!is_char(c))
            continue;
        t = enroll_xml_attr(c, "type");
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

static const char *parm(const enroll_node *parent, const char *name)
{
    const enroll_node *c;

    if (!parent)
        return NULL;
    for (c = parent->first; c; c = c->next) {
        const char *n;

        if (strcmp(c->name, "parm") != 0)
            continue;
        n = enroll_xml_attr(c, "name");
        if (n && strcmp(n, name) == 0) {
            const char *v = enroll_xml_attr(c, "value");

            return v ? v : "";
        }
    }
    return NULL;
}

static omadm_status dup_opt(const char *v, char **dst)
{
    *dst = NULL;
    if (!v)
        return OMADM_OK;
    *dst = omadm__strdup(v);
    return *dst ? OMADM_OK : OMADM_ERR_NOMEM;
}

static unsigned parm_uint(const enroll_node *parent, const char *name)
{
    const char *v = parm(parent, name);
    unsigned long n = 0;

    if (!v || !*v)
        return 0;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || n > 100000000ul)
            return 0;
        n = n * 10 + (unsigned long)(*v - '0');
    }
    return (unsigned)n;
}

void omadm_enroll_prov_clear(omadm_enroll_prov *p)
{
    if (!p)
        return;
    omadm__free(p->addr);
    omadm__free(p->provider_id);
    omadm__free(p->name);
    omadm__free(p->client_cert_pem);
    omadm__free(p->client_thumbprint);
    omadm__free(p->root_pem);
    omadm__free(p->device_auth_name);
    omadm_enroll_secret_free(p->device_auth_secret);
    omadm__free(p->device_auth_data);
    omadm__free(p->server_auth_name);
    omadm_enroll_secret_free(p->server_auth_secret);
    omadm__free(p->server_auth_data);
    omadm__free(p->ent_dmid);
    memset(p, 0, sizeof *p);
}

/* Each certificate child of `store` (Root/System, My/User...) whose
 * EncodedCertificate parses is appended to `pem`; the count to *n. The
 * characteristic's type is the thumbprint: it must match. */
static omadm_status certs(const enroll_node *store, omadm_buf *pem, unsigned *n, char *thumb,
                          char *err, size_t errsize)
{
    const enroll_node *c;

    if (!store)
        return OMADM_OK;
    for (c = store->first; c; c = c->next) {
        const char *b64, *type;
        char got[41];
        omadm_status st;

        if (!is_char(c) || !(b64 = parm(c, "EncodedCertificate")))
            continue;
        type = enroll_xml_attr(c, "type");
        if (++*n > MAX_ROOTS) {
            set_err(err, errsize, "provisioning document has more than 16 certificates");
            return OMADM_ERR_LIMIT;
        }
        st = omadm__enroll_cert_b64_to_pem(b64, pem, got);
        if (st == OMADM_ERR_NOMEM)
            return st;
        if (st != OMADM_OK) {
            set_err(err, errsize, "provisioning document: certificate %.64s does not parse",
                    type ? type : "?");
            return OMADM_ERR_PROTOCOL;
        }
        /* The thumbprint is the SHA-1 of the DER, hex; compare ignoring case. */
        if (!type || strlen(type) != 40 || strncmp(type, got, 40) != 0) {
            size_t i;
            int same = type && strlen(type) == 40;

            for (i = 0; same && i < 40; i++) {
                char a = type[i];

                if (a >= 'a' && a <= 'f')
                    a = (char)(a - 'a' + 'A');
                same = a == got[i];
            }
            if (!same) {
                set_err(err, errsize,
                        "provisioning document: certificate thumbprint %.64s does not match it",
                        type ? type : "?");
                return OMADM_ERR_PROTOCOL;
            }
        }
        if (thumb)
            memcpy(thumb, got, 41);
    }
    return OMADM_OK;
}

static omadm_status parse_certstore(const enroll_node *cs, omadm_enroll_prov *out, char *err,
                                    size_t errsize)
{
    omadm_buf roots = OMADM_BUF_INIT, mine = OMADM_BUF_INIT;
    const enroll_node *my = chr(cs, "My");
    unsigned n_roots = 0, n_mine = 0;
    char thumb[41] = "";
    omadm_status st;

    st = certs(chr(chr(cs, "Root"), "System"), &roots, &n_roots, NULL, err, errsize);
    if (st == OMADM_OK)
        st = certs(chr(chr(cs, "Root"), "User"), &roots, &n_roots, NULL, err, errsize);
    if (st == OMADM_OK)
        st = certs(chr(my, "User"), &mine, &n_mine, thumb, err, errsize);
    if (st == OMADM_OK)
        st = certs(chr(my, "System"), &mine, &n_mine, thumb, err, errsize);
    if (st == OMADM_OK && n_mine != 1) {
        set_err(err, errsize,
                n_mine ? "provisioning document has more than one client certificate"
                       : "provisioning document has no client certificate (CertificateStore/My)");
        st = OMADM_ERR_PROTOCOL;
    }
    if (st == OMADM_OK) {
        out->client_cert_pem = omadm__buf_steal(&mine, NULL);
        out->client_thumbprint = omadm__strdup(thumb);
        if (roots.data)
            out->root_pem = omadm__buf_steal(&roots, NULL);
        if (!out->client_cert_pem || !out->client_thumbprint)
            st = OMADM_ERR_NOMEM;
    }
    if (st == OMADM_OK) {
        const enroll_node *renew = chr(chr(my, "WSTEP"), "Renew");

        out->renew_period_days = parm_uint(renew, "RenewPeriod");
        out->renew_retry_days = parm_uint(renew, "RetryInterval");
    }
    omadm__buf_free(&roots);
    omadm__buf_free(&mine);
    return st;
}

static omadm_status parse_appauth(const enroll_node *app, omadm_enroll_prov *out)
{
    const enroll_node *c;
    omadm_status st = OMADM_OK;

    for (c = app->first; c && st == OMADM_OK; c = c->next) {
        const char *t = is_char(c) ? enroll_xml_attr(c, "type") : NULL;
        const char *level;
        char **name, **secret, **data;

        if (!t || strcmp(t, "APPAUTH") != 0 || !(level = parm(c, "AAUTHLEVEL")))
            continue;
        if (strcmp(level, "APPSRV") == 0) {
            name = &out->device_auth_name;
            secret = &out->device_auth_secret;
            data = &out->device_auth_data;
        } else if (strcmp(level, "CLIENT") == 0) {
            name = &out->server_auth_name;
            secret = &out->server_auth_secret;
            data = &out->server_auth_data;
        } else {
            continue;
        }
        if (*name || *secret || *data)
            continue; /* the first of each level counts */
        st = dup_opt(parm(c, "AAUTHNAME"), name);
        if (st == OMADM_OK)
            st = dup_opt(parm(c, "AAUTHSECRET"), secret);
        if (st == OMADM_OK)
            st = dup_opt(parm(c, "AAUTHDATA"), data);
    }
    return st;
}

/* The w7 APPLICATION characteristic, or NULL. */
static const enroll_node *w7(const enroll_node *root)
{
    const enroll_node *c;

    for (c = root->first; c; c = c->next) {
        const char *t = is_char(c) ? enroll_xml_attr(c, "type") : NULL;
        const char *id;

        if (t && strcmp(t, "APPLICATION") == 0 && (id = parm(c, "APPID")) && strcmp(id, "w7") == 0)
            return c;
    }
    return NULL;
}

/* ADDR directly under APPLICATION, or in APPADDR/<n>/ADDR (w7 CSP). */
static const char *app_addr(const enroll_node *app)
{
    const char *a = parm(app, "ADDR");
    const enroll_node *appaddr, *c;

    if (a)
        return a;
    appaddr = chr(app, "APPADDR");
    if (!appaddr)
        return NULL;
    for (c = appaddr->first; c; c = c->next)
        if (is_char(c) && (a = parm(c, "ADDR")) != NULL)
            return a;
    return NULL;
}

static omadm_status parse_dmclient(const enroll_node *root, omadm_enroll_prov *out)
{
    const enroll_node *prov = chr(chr(chr(root, "DMClient"), "Provider"), out->provider_id);
    const enroll_node *poll;
    const char *login;

    if (!prov)
        return OMADM_OK;
    poll = chr(prov, "Poll");
    out->poll.first_retries = parm_uint(poll, "NumberOfFirstRetries");
    out->poll.first_interval_min = parm_uint(poll, "IntervalForFirstSetOfRetries");
    out->poll.second_retries = parm_uint(poll, "NumberOfSecondRetries");
    out->poll.second_interval_min = parm_uint(poll, "IntervalForSecondSetOfRetries");
    out->poll.remaining_retries = parm_uint(poll, "NumberOfRemainingScheduledRetries");
    out->poll.remaining_interval_min = parm_uint(poll, "IntervalForRemainingScheduledRetries");
    login = parm(poll, "PollOnLogin");
    out->poll.poll_on_login = login ? strcmp(login, "true") == 0 : -1;
    return dup_opt(parm(prov, "EntDMID"), &out->ent_dmid);
}

omadm_status omadm_enroll_parse_provdoc(const char *data, size_t len, omadm_enroll_prov *out,
                                        char *err, size_t errsize)
{
    enroll_xml_limits lim = ENROLL_XML_LIMITS_DEFAULT;
    enroll_node *root = NULL;
    const enroll_node *app, *cs;
    char why[200];
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (err && errsize)
        err[0] = '\0';
    lim.max_bytes = OMADM_ENROLL_MAX_MESSAGE;
    st = enroll_xml_parse(data, len, &lim, &root, why, sizeof why);
    if (st != OMADM_OK) {
        set_err(err, errsize, "provisioning document: %s", why);
        return st;
    }
    if (strcmp(root->name, "wap-provisioningdoc") != 0) {
        set_err(err, errsize, "provisioning document's root is <%.64s>, not wap-provisioningdoc",
                root->name);
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    app = w7(root);
    if (!app) {
        set_err(err, errsize, "provisioning document has no w7 APPLICATION");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    if (!omadm__enroll_is_https(app_addr(app))) {
        set_err(err, errsize, "provisioning document has no https management URL (w7 ADDR)");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    if (!parm(app, "PROVIDER-ID") || !parm(app, "PROVIDER-ID")[0] ||
        strlen(parm(app, "PROVIDER-ID")) > 128) {
        set_err(err, errsize, "provisioning document has no PROVIDER-ID (1-128 bytes)");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    st = dup_opt(app_addr(app), &out->addr);
    if (st == OMADM_OK)
        st = dup_opt(parm(app, "PROVIDER-ID"), &out->provider_id);
    if (st == OMADM_OK)
        st = dup_opt(parm(app, "NAME"), &out->name);
    if (st == OMADM_OK)
        st = parse_appauth(app, out);
    if (st == OMADM_OK)
        st = parse_dmclient(root, out);
    if (st == OMADM_ERR_NOMEM) {
        set_err(err, errsize, "out of memory");
        goto done;
    }
    cs = chr(root, "CertificateStore");
    if (!cs) {
        set_err(err, errsize, "provisioning document has no CertificateStore");
        st = OMADM_ERR_PROTOCOL;
        goto done;
    }
    st = parse_certstore(cs, out, err, errsize);
    if (st == OMADM_ERR_NOMEM)
        set_err(err, errsize, "out of memory");
done:
    enroll_xml_free(root);
    if (st != OMADM_OK)
        omadm_enroll_prov_clear(out);
    return st;
}
