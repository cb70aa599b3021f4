/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate renewal and the enrollment in `status` (see enroll.h). */
#include "agent/enroll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "agent/agent.h"
#include "agent/device.h"
#include "agent/enroll_int.h"
#include "agent/enroll_state.h"
#include "agent/log.h"
#include "agent/os.h"
#include "agent/sync.h"
#include "omadm/enroll.h"
#include "transport/transport.h"

/* ---- renewal ------------------------------------------------------------ */

#define DEFAULT_RENEW_DAYS 42u
#define DEFAULT_RETRY_DAYS 7u

static omadm_status renew_exchange(const agent_config *cfg, agent_enrollment *e, omadm_platform *p,
                                   char **new_key, omadm_enroll_prov *prov, char *err,
                                   size_t errsize)
{
    static const omadm_enroll_policy policy = { OMADM_ENROLL_KEY_RSA, 2048,
                                                OMADM_ENROLL_HASH_SHA256, 0, 0 };
    omadm_transport_config tc = OMADM_TRANSPORT_CONFIG_INIT;
    omadm_enroll_creds creds = { OMADM_ENROLL_AUTH_CERTIFICATE, NULL, NULL };
    omadm_transport *t = NULL;
    char *body = NULL;
    size_t body_len = 0;
    char *csr = NULL, *p7 = NULL, *p7_store = NULL, *resp = NULL, *doc = NULL, msg_id[64];
    size_t resp_len = 0, doc_len = 0;
    omadm_enroll_addr addr = { e->enroll_url, msg_id };
    char hwdevid[65], os[64];
    /* The items Fleet requires on every RST (HWDevID, OSEdition, OSVersion
     * besides DeviceID), as the first enrollment sends them. */
    omadm_enroll_context_item items[] = {
        { "DeviceID", e->device_id }, { "HWDevID", hwdevid },
        { "OSEdition", "4" },         { "OSVersion", os },
        { "EnrollmentType", "Full" }, { "DeviceType", "CIMClient_Windows" },
    };
    omadm_status st;

    agent__enroll_hardware_facts(p, hwdevid, os, sizeof os);
    if (!e->key_pem && !e->cert_store) {
        snprintf(err, errsize, "the enrollment holds no key to renew with");
        return OMADM_ERR_UNSUPPORTED;
    }
#ifndef _WIN32
    if (!e->key_pem) { /* a state written on Windows: the key is in its store */
        snprintf(err, errsize, "the enrollment's key is in %s, which this system cannot reach",
                 e->cert_store);
        return OMADM_ERR_UNSUPPORTED;
    }
#endif
    if (!e->enroll_url) {
        snprintf(err, errsize, "the enrollment names no enrollment service to renew with");
        return OMADM_ERR_STATE;
    }
    tc.url = e->enroll_url;
    tc.ca_file = cfg->ca_file;
    tc.ca_pem = cfg->ca_file ? NULL : e->ca_pem;
    if (e->key_pem) {
        tc.cert_pem = e->cert_pem;
        tc.key_pem = e->key_pem;
    } else {
        tc.cert_file = e->cert_store; /* Windows: Schannel takes it from the store */
    }
    tc.user_agent = cfg->user_agent ? cfg->user_agent : "ENROLLClient";
    tc.proxy = cfg->proxy && strcmp(cfg->proxy, "none") == 0 ? "" : cfg->proxy;
    tc.content_type = OMADM_ENROLL_SOAP_CONTENT_TYPE;
    tc.max_response = OMADM_ENROLL_MAX_MESSAGE;
    st = omadm_transport_new(&t, &tc);
    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot set up HTTPS to %.300s: %s", e->enroll_url,
                 omadm_status_str(st));
        return st;
    }
    st = omadm_enroll_make_key_csr(&policy, e->device_id, new_key, &csr, err, errsize);
    if (st == OMADM_OK && e->key_pem)
        st = omadm_enroll_sign_renewal(csr, e->cert_pem, e->key_pem, &p7, err, errsize);
#ifdef _WIN32
    else if (st == OMADM_OK &&
             agent__enroll_store_sign_renewal(e->cert_store, csr, &p7_store, err, errsize) < 0)
        st = OMADM_ERR_UNSUPPORTED;
#endif
    if (st == OMADM_OK)
        st = omadm_enroll_message_id(msg_id, sizeof msg_id);
    if (st == OMADM_OK)
        st = omadm_enroll_build_rst(&addr, &creds, 1, p7 ? p7 : p7_store, items,
                                    sizeof items / sizeof items[0], &body, &body_len);
    if (st == OMADM_OK)
        st = agent__enroll_soap(cfg, t, e->enroll_url, "RequestSecurityToken (Renew)", body,
                                body_len, &resp, &resp_len, NULL, err, errsize);
    if (st == OMADM_OK)
        st = omadm_enroll_parse_rstr(resp, resp_len, &doc, &doc_len, err, errsize);
    if (st == OMADM_OK)
        st = omadm_enroll_parse_provdoc(doc, doc_len, prov, err, errsize);
    if (st == OMADM_OK)
        st = omadm_enroll_check_cert_key(prov->client_cert_pem, *new_key, err, errsize);
    if (doc)
        OPENSSL_cleanse(doc, doc_len);
    omadm_free(doc);
    omadm_free(resp);
    omadm_free(csr);
    omadm_free(p7);
    free(p7_store);
    omadm_free(body);
    omadm_transport_free(t);
    return st;
}

static int replace_str(char **dst, const char *src)
{
    char *copy = src ? strdup(src) : NULL;

    if (src && !copy)
        return -1;
    if (*dst) {
        OPENSSL_cleanse(*dst, strlen(*dst));
        free(*dst);
    }
    *dst = copy;
    return 0;
}

#ifdef _WIN32
/* Windows: the issued certificate and the new key into LocalMachine\MY
 * (the key non-exportable, but under wine: agent__enroll_store_key); e's
 * cert_pem and cert_store to the new ones. The old entry stays until the
 * state naming the new one is saved. 0, or -1 with a reason, e and the
 * store unchanged. */
static int renew_into_store(agent_enrollment *e, const char *cert_pem, const char *key_pem,
                            char *err, size_t errsize)
{
    char path[64], *store, *cert = strdup(cert_pem);

    if (!cert) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    if (agent__enroll_store_put(cert_pem, key_pem, agent__enroll_store_on_wine(), path, sizeof path,
                                err, errsize) < 0) {
        free(cert);
        return -1;
    }
    store = strdup(path);
    if (!store) {
        agent__enroll_store_remove(path);
        free(cert);
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    free(e->cert_store);
    e->cert_store = store;
    free(e->cert_pem);
    e->cert_pem = cert;
    return 0;
}
#endif

/* After the renewed state is saved: Windows drops the old store entry; cfg
 * takes the new certificate where it had the enrollment's. 1 cfg holds the
 * new certificate, 2 the config names its own, -1 out of memory (logged). */
static int adopt_renewed(agent_config *cfg, const agent_enrollment *e, const char *old_store)
{
    int from_enrollment;

#ifdef _WIN32
    if (old_store[0]) {
        if (agent__enroll_store_remove(old_store) == 0)
            agent_log(OMADM_LOG_INFO, "certificate and key now in %s; %s removed", e->cert_store,
                      old_store);
        else
            agent_log(OMADM_LOG_WARN, "certificate and key now in %s; cannot remove %s",
                      e->cert_store, old_store);
        /* the store entry came from the enrollment (enroll.c): the new one */
        from_enrollment = cfg->cert && strcmp(cfg->cert, old_store) == 0;
        if (from_enrollment && replace_str(&cfg->cert, e->cert_store) < 0)
            goto nomem;
        return from_enrollment ? 1 : 2;
    }
#else
    (void)old_store;
#endif
    from_enrollment = !cfg->cert && !cfg->key_file;
    if (from_enrollment && (replace_str(&cfg->enrolled_cert_pem, e->cert_pem) < 0 ||
                            replace_str(&cfg->enrolled_key_pem, e->key_pem) < 0))
        goto nomem;
    return from_enrollment ? 1 : 2;
nomem:
    agent_log(OMADM_LOG_ERROR, "out of memory: the renewed certificate is used from the next "
                               "start");
    return -1;
}

/* The renewal, the state directory locked by the caller: 0 nothing to do,
 * 1 renewed and cfg holds the new certificate (a session transport made
 * before must be made again), 2 renewed while the config names its own
 * certificate, -1 a due renewal failed (logged). */
static int renew_locked(agent_config *cfg)
{
    omadm_platform p;
    agent_enrollment e;
    omadm_enroll_prov prov;
    omadm_enroll_cert_info info;
    char err[1024], until[32], old_store[64] = "";
    char *new_key = NULL;
    int64_t now = 0, period;
    int rc = 0;
    omadm_status st;

    if (agent__enroll_open_platform(cfg, &p, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        return -1;
    }
    memset(&prov, 0, sizeof prov);
    if (agent_enrollment_load(&p, &e, err, sizeof err) <= 0)
        goto done;
    p.now(p.ctx, &now);
    period = (int64_t)(e.renew_period_days ? e.renew_period_days : DEFAULT_RENEW_DAYS) * 86400;
    if (!e.cert_not_after || now < e.cert_not_after - period ||
        (e.renew_next_try && now < e.renew_next_try))
        goto done;
    if (now >= e.cert_not_after) {
        agent_log(OMADM_LOG_ERROR, "the enrollment certificate expired: enroll again");
        rc = -1;
        goto done;
    }
    agent_format_time(e.cert_not_after, until, sizeof until);
    agent_log(OMADM_LOG_INFO, "certificate valid until %s: renewing at %s", until, e.enroll_url);
    st = renew_exchange(cfg, &e, &p, &new_key, &prov, err, sizeof err);
#ifdef _WIN32
    /* A crash after the import and before the state is saved leaves the
     * old state, naming the old entry, which stays in use: the new entry is
     * an orphan nothing names. It is harmless (its key is unusable without
     * the state, the certificate expires, the server holds the old
     * certificate as current until a renewal completes) and the next
     * renewal imports a certificate of its own; it is left for an
     * administrator's clean-up rather than guessed at by subject. */
    if (st == OMADM_OK && e.cert_store) {
        snprintf(old_store, sizeof old_store, "%s", e.cert_store);
        if (renew_into_store(&e, prov.client_cert_pem, new_key, err, sizeof err) < 0)
            st = OMADM_ERR_STATE;
    } else
#endif
        if (st == OMADM_OK && (replace_str(&e.cert_pem, prov.client_cert_pem) < 0 ||
                               replace_str(&e.key_pem, new_key) < 0)) {
        snprintf(err, sizeof err, "out of memory");
        st = OMADM_ERR_NOMEM;
    }
    if (st == OMADM_OK) {
        if (omadm_enroll_get_cert_info(e.cert_pem, &info) == OMADM_OK)
            e.cert_not_after = info.not_after;
        if (prov.root_pem)
            replace_str(&e.root_pem, prov.root_pem);
        e.renewed_at = now;
        e.renew_next_try = 0;
        e.renew_failures = 0;
    } else {
        /* back-off: 1 h, 2 h, 4 h ... up to the retry interval */
        int64_t cap =
            (int64_t)(e.renew_retry_days ? e.renew_retry_days : DEFAULT_RETRY_DAYS) * 86400;
        int64_t delay = (int64_t)3600 << (e.renew_failures < 16 ? e.renew_failures : 16);

        e.renew_failures++;
        e.renew_next_try = now + (delay < cap ? delay : cap);
        agent_format_time(e.renew_next_try, until, sizeof until);
        agent_log(OMADM_LOG_ERROR,
                  "certificate renewal failed: %s; the current certificate stays in use, next "
                  "try %s",
                  err, until);
        rc = -1;
    }
    if (agent_enrollment_save(&p, &e, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
#ifdef _WIN32
        /* the saved state still names the old entry: the new one goes */
        if (old_store[0] && e.cert_store && strcmp(old_store, e.cert_store) != 0)
            agent__enroll_store_remove(e.cert_store);
#endif
        rc = -1;
    } else if (st == OMADM_OK) {
        agent_format_time(e.cert_not_after, until, sizeof until);
        agent_log(OMADM_LOG_INFO, "certificate renewed: valid until %s", until);
        rc = adopt_renewed(cfg, &e, old_store);
    }
done:
    omadm_enroll_prov_clear(&prov);
    omadm_enroll_secret_free(new_key);
    agent_enrollment_clear(&e);
    agent__enroll_close_platform(&p);
    return rc;
}

int agent_enroll_maybe_renew(agent_config *cfg)
{
    char err[1024];
    int lock = -1, rc;

    if (!cfg->enrolled)
        return 0;
    if (agent_state_lock(cfg, &lock, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        return -1;
    }
    rc = renew_locked(cfg);
    agent_os_unlock_dir(lock);
    return rc < 0 ? -1 : 0;
}

void agent_enroll_renew_for_session(agent_config *cfg, omadm_transport **transport)
{
    omadm_transport *t = NULL;
    char err[1024];

    if (!cfg->enrolled || renew_locked(cfg) != 1)
        return;
    /* the next session (this one) presents the new certificate */
    if (agent_https_open(&t, cfg, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "the renewed certificate is not usable yet: %s", err);
        return;
    }
    omadm_transport_free(*transport);
    *transport = t;
}

/* ---- status ------------------------------------------------------------- */

static void json_str(FILE *f, const char *v)
{
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void agent_enroll_print_status(FILE *f, const omadm_platform *p, int json)
{
    agent_enrollment e;
    omadm_enroll_cert_info info;
    char why[512], machine[128], at[32] = "", until[32] = "";
    int rc = p ? agent_enrollment_load(p, &e, why, sizeof why) : 0;
    int cloned;

    if (rc <= 0) {
        if (json)
            fputs("null", f);
        else if (rc < 0)
            fprintf(f, "enrollment:      unreadable (%s)\n", why);
        else
            fprintf(f, "enrollment:      none\n");
        return;
    }
    memset(&info, 0, sizeof info);
    omadm_enroll_get_cert_info(e.cert_pem, &info);
    cloned = agent__enroll_machine_id(p, machine, sizeof machine, why, sizeof why) < 0 ||
             strcmp(machine, e.machine_id) != 0;
    agent_format_time(e.enrolled_at, at, sizeof at);
    agent_format_time(info.not_after, until, sizeof until);
    if (json) {
        fputs("{\"server\":", f);
        json_str(f, e.server);
        fputs(",\"provider\":", f);
        json_str(f, e.provider);
        fputs(",\"device_id\":", f);
        json_str(f, e.device_id);
        fputs(",\"auth\":", f);
        json_str(f, e.auth);
        fputs(",\"enrolled_at\":", f);
        json_str(f, at);
        fputs(",\"cert_subject\":", f);
        json_str(f, info.subject);
        fputs(",\"cert_issuer\":", f);
        json_str(f, info.issuer);
        fputs(",\"cert_not_after\":", f);
        json_str(f, until);
        fprintf(f, ",\"this_machine\":%s}", cloned ? "false" : "true");
    } else {
        fprintf(f, "enrollment:      %s, provider %s, %s, enrolled %s%s\n", e.server, e.provider,
                e.auth ? e.auth : "?", at,
                cloned ? "  (belongs to another machine: not used)" : "");
        fprintf(f, "                 device %s, certificate %s (issuer %s), until %s\n",
                e.device_id, info.subject, info.issuer, until);
    }
    agent_enrollment_clear(&e);
}
