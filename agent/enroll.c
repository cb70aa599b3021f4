/* SPDX-License-Identifier: Apache-2.0 */
/* `enroll` / `unenroll` and the enrollment's place in the configuration.
 * The messages come from omadm/enroll (no I/O); this file drives them over
 * the transport and keeps the result in the state directory. */
#include "agent/enroll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/device.h"
#include "agent/enroll_int.h"
#include "agent/enroll_state.h"
#include "agent/log.h"
#include "agent/os.h"
#include "agent/sync.h"
#include "omadm/enroll.h"
#include "platform/sim/sim.h"
#include "transport/transport.h"

#define SECRET_FILE_MAX 65536

/* ---- helpers ------------------------------------------------------------ */

int agent__enroll_open_platform(const agent_config *cfg, omadm_platform *p, char *err,
                                size_t errsize)
{
    omadm_status st;

    memset(p, 0, sizeof *p);
    if (cfg->platform == AGENT_PLATFORM_SIM)
        st = omadm_platform_sim_new(p, cfg->state_dir);
    else
        st = (omadm_status)agent_os_native_platform(p, cfg->state_dir, 0);
    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot open the %s platform on %s: %s",
                 agent_platform_name(cfg->platform), cfg->state_dir, omadm_status_str(st));
        return -1;
    }
    return 0;
}

void agent__enroll_close_platform(omadm_platform *p)
{
    if (p->destroy)
        p->destroy(p->ctx);
    memset(p, 0, sizeof *p);
}

int agent__enroll_machine_id(const omadm_platform *p, char *buf, size_t size, char *err,
                             size_t errsize)
{
    omadm_status st = p->machine_id ? p->machine_id(p->ctx, buf, size) : OMADM_ERR_UNSUPPORTED;

    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot read this machine's identity: %s", omadm_status_str(st));
        return -1;
    }
    return 0;
}

/* The device id: an app-specific hash of the machine id (the machine id
 * itself is not handed to servers), 32 upper-case hex digits as Windows'
 * DeviceID; HWDevID the same with another label, 64 digits. */
static void derive(const char *machine, const char *label, char *out, size_t digits)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0, i;
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    memset(md, 0, sizeof md);
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
        EVP_DigestUpdate(c, label, strlen(label)) && EVP_DigestUpdate(c, machine, strlen(machine)))
        EVP_DigestFinal_ex(c, md, &md_len);
    EVP_MD_CTX_free(c);
    for (i = 0; i < digits / 2 && i < sizeof md; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
}

/* Reads a secret or token file: owner-only, one value, trailing newline
 * removed. 0, or -1 with "--flag: FILE: why". */
static int read_secret(const char *path, const char *flag, char **out, char *err, size_t errsize)
{
    char why[300];
    size_t len = 0;

    *out = NULL;
    if (agent_os_check_private(path, why, sizeof why) < 0 ||
        agent_os_read_file(path, SECRET_FILE_MAX, out, &len, NULL, why, sizeof why) < 0) {
        snprintf(err, errsize, "%s: %s: %s", flag, path, why);
        return -1;
    }
    while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
        (*out)[--len] = '\0';
    if (len == 0 || strlen(*out) != len) {
        snprintf(err, errsize, "%s: %s: empty, or not text", flag, path);
        OPENSSL_cleanse(*out, len);
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* "https://host[:port]" alone gets the discovery path. */
static int discovery_url(const char *url, char *out, size_t size)
{
    const char *host = url + strlen("https://");
    const char *slash = strchr(host, '/');
    int n;

    if (!slash || slash[1] == '\0')
        n = snprintf(out, size, "%.*s%s", (int)(slash ? (size_t)(slash - url) : strlen(url)), url,
                     OMADM_ENROLL_DISCOVERY_PATH);
    else
        n = snprintf(out, size, "%s", url);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* "6.1.0" -> "6.1.0.0": Discover's ApplicationVersion is a dotted quad. */
static void dotted_quad(const char *v, char *out, size_t size)
{
    unsigned long part[4] = { 0, 0, 0, 0 };
    int i;

    for (i = 0; i < 4 && v && *v; i++) {
        char *end;

        part[i] = strtoul(v, &end, 10);
        if (end == v)
            break;
        v = *end == '.' ? end + 1 : "";
    }
    if (part[0] == 0 && part[1] == 0)
        part[0] = 10; /* nothing usable: Windows 10's */
    snprintf(out, size, "%lu.%lu.%lu.%lu", part[0] % 100000, part[1] % 100000, part[2] % 100000,
             part[3] % 100000);
}

void agent__enroll_hardware_facts(const omadm_platform *p, char hwdevid[65], char *os_quad,
                                  size_t os_size)
{
    char machine[128], why[256], os[64] = "";

    hwdevid[0] = '\0';
    if (agent__enroll_machine_id(p, machine, sizeof machine, why, sizeof why) == 0)
        derive(machine, "omadm-agent hardware id:", hwdevid, 64);
    p->device_fact(p->ctx, OMADM_FACT_OS_VERSION, os, sizeof os);
    dotted_quad(os, os_quad, os_size);
}

/* Replaces what follows each `after` up to `end` with "(elided)"; the
 * buffer has room for it (see trace). */
static void elide(char *s, const char *after, char end)
{
    static const char mark[] = "(elided)";
    char *p = s;

    while ((p = strstr(p, after)) != NULL) {
        char *v = p + strlen(after), *e = strchr(v, end);

        if (!e)
            break;
        memmove(v + sizeof mark - 1, e, strlen(e) + 1);
        memcpy(v, mark, sizeof mark - 1);
        p = v + sizeof mark - 1;
    }
}

/* Elides the content of the element whose start tag contains `marker`
 * (the base64 provisioning document: it holds the DM secrets). */
static void elide_content(char *s, const char *marker)
{
    static const char mark[] = "(elided)";
    char *p = s;

    while ((p = strstr(p, marker)) != NULL) {
        char *v = strchr(p, '>'), *e;

        if (!v || !(e = strchr(++v, '<')))
            break;
        memmove(v + sizeof mark - 1, e, strlen(e) + 1);
        memcpy(v, mark, sizeof mark - 1);
        p = v + sizeof mark - 1;
    }
}

/* --log-level debug: the wire messages on stderr, secrets elided. */
static void trace(const agent_config *cfg, const char *what, const char *body, size_t len)
{
    char *copy;

    if (cfg->log_level < OMADM_LOG_DEBUG || !body)
        return;
    /* room for every elision mark: at most one per 8 bytes of input */
    copy = malloc(2 * len + 16);
    if (!copy)
        return;
    memcpy(copy, body, len);
    copy[len] = '\0';
    elide(copy, "#PasswordText\">", '<');
    elide(copy,
          "DeviceEnrollmentUserToken\" EncodingType=\"http://docs.oasis-open.org/wss/2004/"
          "01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary\">",
          '<');
    elide(copy, "name=\"AAUTHSECRET\" value=\"", '"');
    elide_content(copy, "DeviceEnrollmentProvisionDoc\"");
    fprintf(stderr, "----- %s (%zu bytes) -----\n%s\n", what, len, copy);
    OPENSSL_cleanse(copy, strlen(copy));
    free(copy);
}

int agent__enroll_transient(omadm_status st, const omadm_transport_info *info)
{
    switch (st) {
    case OMADM_ERR_TIMEOUT:
    case OMADM_ERR_RETRY_LATER:
        return 1;
    case OMADM_ERR_TRANSPORT:
        /* no answer at all, or the server's own trouble; a 4xx is a refusal */
        return info->http_status == 0 || info->http_status >= 500 || info->http_status == 408;
    default:
        return 0;
    }
}

/* POSTs a SOAP message to url. OMADM_OK with the answer, else why. */
omadm_status agent__enroll_soap(const agent_config *cfg, omadm_transport *t, const char *url,
                                const char *what, const char *body, size_t body_len, char **resp,
                                size_t *resp_len, int *transient, char *err, size_t errsize)
{
    omadm_transport_info info;
    omadm_status st = omadm_transport_set_url(t, url);

    if (st != OMADM_OK) {
        snprintf(err, errsize, "%s: the server named a URL that is not https: %.200s", what, url);
        return OMADM_ERR_PROTOCOL;
    }
    trace(cfg, what, body, body_len);
    st = omadm_transport_post(t, body, body_len, resp, resp_len, &info);
    if (st != OMADM_OK) {
        snprintf(err, errsize, "%s at %.300s: %s", what, url, info.error);
        if (transient)
            *transient = agent__enroll_transient(st, &info);
    } else {
        trace(cfg, "answer", *resp, *resp_len);
    }
    return st;
}

/* ---- the flow ----------------------------------------------------------- */

typedef struct flow {
    const agent_config *cfg;
    omadm_platform *platform;
    omadm_transport *t;
    omadm_enroll_creds creds;
    char discovery[1100];
    char machine[128];
    char device_id[33], hwdevid[65];
    char err[1024];
    int transient; /* the failure is worth retrying (no answer, 5xx, 429) */
} flow;

static omadm_status discover(flow *f, omadm_enroll_discovery *d)
{
    char os[64] = "", app[64], msg_id[64], *resp = NULL;
    size_t resp_len = 0;
    omadm_enroll_addr addr = { f->discovery, msg_id };
    omadm_enroll_discover_req req;
    omadm_transport_info info;
    char *body = NULL;
    size_t body_len = 0;
    omadm_status st;

    /* Windows' reachability probe first: a GET of the discovery URL. */
    st = omadm_transport_set_url(f->t, f->discovery);
    if (st == OMADM_OK)
        st = omadm_transport_get(f->t, &resp, &resp_len, &info);
    omadm_free(resp);
    resp = NULL;
    if (st != OMADM_OK) {
        snprintf(f->err, sizeof f->err, "discovery probe (GET %.300s): %s", f->discovery,
                 info.error);
        f->transient = agent__enroll_transient(st, &info);
        return st;
    }
    f->platform->device_fact(f->platform->ctx, OMADM_FACT_OS_VERSION, os, sizeof os);
    dotted_quad(os, app, sizeof app);
    req.email = f->cfg->enroll_user && strchr(f->cfg->enroll_user, '@') ? f->cfg->enroll_user : "";
    req.app_version = app;
    req.os_edition = "4"; /* Enterprise */
    /* Both, as Windows sends them: Fleet refuses a Discover without
     * OnPremise (and takes a BinarySecurityToken under that policy). */
    req.auth_policies = 0;
    st = omadm_enroll_message_id(msg_id, sizeof msg_id);
    if (st == OMADM_OK)
        st = omadm_enroll_build_discover(&addr, &req, &body, &body_len);
    if (st == OMADM_OK)
        st = agent__enroll_soap(f->cfg, f->t, f->discovery, "Discover", body, body_len, &resp,
                                &resp_len, &f->transient, f->err, sizeof f->err);
    if (st == OMADM_OK)
        st = omadm_enroll_parse_discover(resp, resp_len, d, f->err, sizeof f->err);
    if (st == OMADM_OK &&
        strcmp(d->auth_policy,
               f->creds.auth == OMADM_ENROLL_AUTH_FEDERATED ? "Federated" : "OnPremise") != 0)
        agent_log(OMADM_LOG_INFO, "the server chose AuthPolicy %.64s; sending the %s we hold",
                  d->auth_policy,
                  f->creds.auth == OMADM_ENROLL_AUTH_FEDERATED ? "token" : "user and password");
    omadm_free(body);
    omadm_free(resp);
    return st;
}

static omadm_status policies(flow *f, const omadm_enroll_discovery *d, omadm_enroll_policy *pol)
{
    char msg_id[64], *resp = NULL;
    size_t resp_len = 0;
    omadm_enroll_addr addr = { d->policy_url, msg_id };
    char *body = NULL;
    size_t body_len = 0;
    omadm_status st;

    memset(pol, 0, sizeof *pol); /* RSA, SHA-256: Windows' own choice */
    if (!d->policy_url)
        return OMADM_OK;
    st = omadm_enroll_message_id(msg_id, sizeof msg_id);
    if (st == OMADM_OK)
        st = omadm_enroll_build_get_policies(&addr, &f->creds, &body, &body_len);
    if (st == OMADM_OK)
        st = agent__enroll_soap(f->cfg, f->t, d->policy_url, "GetPolicies", body, body_len, &resp,
                                &resp_len, &f->transient, f->err, sizeof f->err);
    if (st == OMADM_OK)
        st = omadm_enroll_parse_policies(resp, resp_len, pol, f->err, sizeof f->err);
    omadm_free(body);
    omadm_free(resp);
    return st;
}

static omadm_status request_token(flow *f, const omadm_enroll_discovery *d, const char *csr,
                                  omadm_enroll_prov *prov)
{
    char msg_id[64], *resp = NULL, *doc = NULL, os[64] = "", app[64], lang[32] = "en-US";
    char name[256] = "";
    size_t resp_len = 0, doc_len = 0;
    omadm_enroll_addr addr = { d->enroll_url, msg_id };
    char *body = NULL;
    size_t body_len = 0;
    omadm_status st;

    f->platform->device_fact(f->platform->ctx, OMADM_FACT_OS_VERSION, os, sizeof os);
    f->platform->device_fact(f->platform->ctx, OMADM_FACT_LANGUAGE, lang, sizeof lang);
    if (f->platform->device_fact(f->platform->ctx, OMADM_FACT_DEVICE_NAME, name, sizeof name) !=
        OMADM_OK)
        snprintf(name, sizeof name, "omadm-%.8s", f->device_id);
    dotted_quad(os, app, sizeof app);
    {
        /* The items a Windows device sends (reference/enrollment.md). */
        const omadm_enroll_context_item items[] = {
            { "UXInitiated", "false" },
            { "HWDevID", f->hwdevid },
            { "Locale", lang },
            { "TargetedUserLoggedIn", "false" },
            { "OSEdition", "4" },
            { "DeviceName", name },
            { "DeviceID", f->device_id },
            { "EnrollmentType", "Full" },
            { "DeviceType", "CIMClient_Windows" },
            { "OSVersion", app },
            { "ApplicationVersion", app },
            { "NotInOobe", "true" },
        };

        st = omadm_enroll_message_id(msg_id, sizeof msg_id);
        if (st == OMADM_OK)
            st = omadm_enroll_build_rst(&addr, &f->creds, 0, csr, items,
                                        sizeof items / sizeof items[0], &body, &body_len);
    }
    if (st == OMADM_OK)
        st = agent__enroll_soap(f->cfg, f->t, d->enroll_url, "RequestSecurityToken", body, body_len,
                                &resp, &resp_len, &f->transient, f->err, sizeof f->err);
    if (st == OMADM_OK)
        st = omadm_enroll_parse_rstr(resp, resp_len, &doc, &doc_len, f->err, sizeof f->err);
    if (st == OMADM_OK) {
        trace(f->cfg, "provisioning document (decoded)", doc, doc_len);
        st = omadm_enroll_parse_provdoc(doc, doc_len, prov, f->err, sizeof f->err);
    }
    if (doc)
        OPENSSL_cleanse(doc, doc_len);
    omadm_free(doc);
    omadm_free(body);
    omadm_free(resp);
    return st;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The state from the provisioning document. -1 when out of memory. */
static int fill_state(flow *f, const omadm_enroll_discovery *d, const omadm_enroll_prov *prov,
                      char *key_pem, const char *ca_pem, int64_t now, agent_enrollment *e)
{
    omadm_enroll_cert_info info;

    memset(e, 0, sizeof *e);
    e->server = dup_or_null(prov->addr);
    e->discovery = dup_or_null(f->discovery);
    e->enroll_url = dup_or_null(d->enroll_url);
    e->provider = dup_or_null(prov->provider_id);
    e->device_id = dup_or_null(f->device_id);
    e->machine_id = dup_or_null(f->machine);
    e->auth = dup_or_null(f->creds.auth == OMADM_ENROLL_AUTH_FEDERATED ? "Federated" : "OnPremise");
    e->user = dup_or_null(f->creds.user);
    e->ent_dmid = dup_or_null(prov->ent_dmid);
    e->aauth_name = dup_or_null(prov->device_auth_name);
    e->aauth_secret = dup_or_null(prov->device_auth_secret);
    e->aauth_data = dup_or_null(prov->device_auth_data);
    e->srv_name = dup_or_null(prov->server_auth_name);
    e->srv_secret = dup_or_null(prov->server_auth_secret);
    e->srv_data = dup_or_null(prov->server_auth_data);
    e->cert_pem = dup_or_null(prov->client_cert_pem);
    e->key_pem = dup_or_null(key_pem);
    e->ca_pem = dup_or_null(ca_pem);
    e->root_pem = dup_or_null(prov->root_pem);
    e->enrolled_at = now;
    e->poll_minutes = prov->poll.first_interval_min;
    e->renew_period_days = prov->renew_period_days;
    e->renew_retry_days = prov->renew_retry_days;
    if (omadm_enroll_get_cert_info(prov->client_cert_pem, &info) == OMADM_OK)
        e->cert_not_after = info.not_after;
    if (!e->server || !e->provider || !e->device_id || !e->machine_id || !e->cert_pem ||
        !e->key_pem || (ca_pem && !e->ca_pem))
        return -1;
    return 0;
}

/* The whole enrollment over `p`. Returns an exit code; prints nothing on
 * success but the summary (when `quiet` is 0). *transient (when non-NULL):
 * whether a failure is worth retrying (the server could not be reached). */
static int enroll_with(const agent_config *cfg, omadm_platform *p, int quiet, int *transient)
{
    flow f;
    omadm_transport_config tc = OMADM_TRANSPORT_CONFIG_INIT;
    omadm_enroll_discovery d;
    omadm_enroll_policy pol;
    omadm_enroll_prov prov;
    agent_enrollment e;
    char *secret = NULL, *key_pem = NULL, *csr = NULL, *ca_pem = NULL;
    const char *ca = cfg->enroll_ca ? cfg->enroll_ca : cfg->ca_file;
    omadm_status st = OMADM_OK;
    int rc = AGENT_EXIT_FAILURE;
    int64_t now = 0;
#ifdef _WIN32
    char old_store[64];
#endif

    memset(&f, 0, sizeof f);
    memset(&d, 0, sizeof d);
    memset(&prov, 0, sizeof prov);
    memset(&e, 0, sizeof e);
    f.cfg = cfg;
    f.platform = p;
    /* flags and files first: a usage error touches nothing */
    if (!cfg->enroll_url) {
        fprintf(stderr, "omadm-agent: enroll needs --url (or [enroll] url)\n");
        return AGENT_EXIT_USAGE;
    }
    if (discovery_url(cfg->enroll_url, f.discovery, sizeof f.discovery) < 0) {
        fprintf(stderr, "omadm-agent: --url: too long\n");
        return AGENT_EXIT_USAGE;
    }
    if (!!cfg->enroll_secret_file == !!cfg->enroll_token_file) {
        fprintf(stderr, "omadm-agent: enroll needs exactly one of --secret-file (with --user) "
                        "and --token-file\n");
        return AGENT_EXIT_USAGE;
    }
    if (cfg->enroll_secret_file && !cfg->enroll_user) {
        fprintf(stderr, "omadm-agent: --secret-file needs --user (OnPremise)\n");
        return AGENT_EXIT_USAGE;
    }
    if (read_secret(cfg->enroll_secret_file ? cfg->enroll_secret_file : cfg->enroll_token_file,
                    cfg->enroll_secret_file ? "--secret-file" : "--token-file", &secret, f.err,
                    sizeof f.err) < 0) {
        fprintf(stderr, "omadm-agent: %s\n", f.err);
        return AGENT_EXIT_USAGE;
    }
    if (ca) {
        char why[300];
        size_t len;

        if (agent_os_read_file(ca, 1048576, &ca_pem, &len, NULL, why, sizeof why) < 0) {
            fprintf(stderr, "omadm-agent: --ca: %s: %s\n", ca, why);
            rc = AGENT_EXIT_USAGE;
            goto out;
        }
    }
    f.creds.auth =
        cfg->enroll_secret_file ? OMADM_ENROLL_AUTH_ONPREMISE : OMADM_ENROLL_AUTH_FEDERATED;
    f.creds.user = cfg->enroll_user;
    f.creds.secret = secret;

    if (agent__enroll_machine_id(p, f.machine, sizeof f.machine, f.err, sizeof f.err) < 0)
        goto fail;
    derive(f.machine, "omadm-agent device id:", f.device_id, 32);
    derive(f.machine, "omadm-agent hardware id:", f.hwdevid, 64);
    p->now(p->ctx, &now);

    tc.url = f.discovery;
    tc.ca_file = ca;
    tc.user_agent = cfg->user_agent ? cfg->user_agent : "ENROLLClient";
    tc.proxy = cfg->proxy && strcmp(cfg->proxy, "none") == 0 ? "" : cfg->proxy;
    tc.content_type = OMADM_ENROLL_SOAP_CONTENT_TYPE;
    tc.max_response = OMADM_ENROLL_MAX_MESSAGE;
    st = omadm_transport_new(&f.t, &tc);
    if (st != OMADM_OK) {
        snprintf(f.err, sizeof f.err, "cannot set up HTTPS to %.300s: %s", f.discovery,
                 omadm_status_str(st));
        goto fail;
    }
    agent_log(OMADM_LOG_INFO, "enrolling at %s as device %s (%s)", f.discovery, f.device_id,
              f.creds.auth == OMADM_ENROLL_AUTH_FEDERATED ? "Federated" : "OnPremise");
    st = discover(&f, &d);
    if (st == OMADM_OK)
        st = policies(&f, &d, &pol);
    if (st == OMADM_OK)
        st = omadm_enroll_make_key_csr(&pol, f.device_id, &key_pem, &csr, f.err, sizeof f.err);
    if (st == OMADM_OK)
        st = request_token(&f, &d, csr, &prov);
    if (st == OMADM_OK)
        st = omadm_enroll_check_cert_key(prov.client_cert_pem, key_pem, f.err, sizeof f.err);
    if (st != OMADM_OK)
        goto fail;
    if (fill_state(&f, &d, &prov, key_pem, ca_pem, now, &e) < 0) {
        snprintf(f.err, sizeof f.err, "out of memory");
        goto fail;
    }
#ifdef _WIN32
    if (cfg->platform == AGENT_PLATFORM_NATIVE &&
        agent__enroll_store_key(&e, f.err, sizeof f.err) < 0)
        goto fail;
    agent__enroll_previous_store_entry(p, old_store, sizeof old_store);
#endif
    if (agent_enrollment_save(p, &e, f.err, sizeof f.err) < 0) {
#ifdef _WIN32
        if (e.cert_store)
            agent__enroll_store_remove(e.cert_store);
#endif
        goto fail;
    }
#ifdef _WIN32
    agent__enroll_forget_store_entry(old_store, &e);
#endif
    {
        omadm_enroll_cert_info info;
        char until[32] = "?";

        if (omadm_enroll_get_cert_info(e.cert_pem, &info) == OMADM_OK)
            agent_format_time(info.not_after, until, sizeof until);
        agent_log(OMADM_LOG_INFO, "enrolled with %s: provider %s, device %s, certificate until %s",
                  e.server, e.provider, e.device_id, until);
        if (!quiet)
            printf("enrolled\n  server: %s\n  provider: %s\n  device id: %s\n  certificate: %s, "
                   "until %s\n",
                   e.server, e.provider, e.device_id, info.subject, until);
    }
    rc = AGENT_EXIT_OK;
    goto out;
fail : {
    const char *why = st == OMADM_ERR_AUTH ? "the server refused the credentials: " : "";

    agent_log(OMADM_LOG_ERROR, "enrollment failed: %s%s (nothing was kept)", why, f.err);
    if (transient)
        *transient = f.transient;
    if (!quiet)
        fprintf(stderr, "omadm-agent: enrollment failed: %s%s\n", why, f.err);
}
out:
    agent_enrollment_clear(&e);
    omadm_enroll_prov_clear(&prov);
    omadm_enroll_discovery_clear(&d);
    omadm_enroll_secret_free(key_pem);
    omadm_free(csr);
    if (secret) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
    free(ca_pem);
    omadm_transport_free(f.t);
    return rc;
}

int agent_cmd_enroll(const agent_config *cfg)
{
    omadm_platform p;
    char err[1024];
    int lock = -1, rc;

    if (agent_state_lock(cfg, &lock, err, sizeof err) < 0) {
        fprintf(stderr, "omadm-agent: %s\n", err);
        return AGENT_EXIT_FAILURE;
    }
    if (agent__enroll_open_platform(cfg, &p, err, sizeof err) < 0) {
        fprintf(stderr, "omadm-agent: %s\n", err);
        agent_os_unlock_dir(lock);
        return AGENT_EXIT_FAILURE;
    }
    rc = enroll_with(cfg, &p, 0, NULL);
    agent__enroll_close_platform(&p);
    agent_os_unlock_dir(lock);
    return rc;
}

/* ---- the enrollment in the configuration -------------------------------- */

static int take(char **dst, char **src)
{
    if (*dst || !*src)
        return 0;
    *dst = *src;
    *src = NULL;
    return 1;
}

int agent_enroll_apply(agent_config *cfg, char *err, size_t errsize)
{
    omadm_platform p;
    agent_enrollment e;
    char machine[128], why[512];
    int rc;

    cfg->enroll_pending = 0;
    cfg->enrolled = 0;
    if (!agent_os_is_dir(cfg->state_dir))
        goto none;
    if (agent__enroll_open_platform(cfg, &p, why, sizeof why) < 0)
        goto none; /* the command itself reports it */
    rc = agent_enrollment_load(&p, &e, why, sizeof why);
    if (rc < 0) {
        agent__enroll_close_platform(&p);
        snprintf(err, errsize, "%s/%s: %s", cfg->state_dir, AGENT_FILE_ENROLLMENT, why);
        return -1;
    }
    if (rc == 0) {
        agent__enroll_close_platform(&p);
        goto none;
    }
    if (agent__enroll_machine_id(&p, machine, sizeof machine, why, sizeof why) < 0 ||
        strcmp(machine, e.machine_id) != 0) {
        agent_log(OMADM_LOG_WARN,
                  "the enrollment in %s belongs to another machine (a cloned image?): not used",
                  cfg->state_dir);
        agent_enrollment_clear(&e);
        agent__enroll_close_platform(&p);
        goto none;
    }
    agent__enroll_close_platform(&p);
    /* explicit settings win */
    take(&cfg->server_url, &e.server);
    take(&cfg->device_id, &e.device_id);
    if (!cfg->auth_name && !cfg->auth_secret) {
        take(&cfg->auth_name, &e.aauth_name);
        take(&cfg->auth_secret, &e.aauth_secret);
    }
    if (!cfg->cert && !cfg->key_file && e.cert_store) {
        take(&cfg->cert, &e.cert_store); /* Windows: the store entry */
    } else if (!cfg->cert && !cfg->key_file) {
        take(&cfg->enrolled_cert_pem, &e.cert_pem);
        take(&cfg->enrolled_key_pem, &e.key_pem);
    }
    if (!cfg->ca_file)
        take(&cfg->enrolled_ca_pem, &e.ca_pem);
    /* The provisioned first poll interval (DMClient Poll; Fleet: 1 minute)
     * until the server sets the DMClient schedule, unless [poll] says. */
    if (e.poll_minutes && !cfg->origin[AGENT_KEY_POLL_INTERVAL].line &&
        !cfg->origin[AGENT_KEY_POLL_INTERVAL].flag && e.poll_minutes <= 30u * 24 * 60)
        cfg->poll_interval = e.poll_minutes * 60;
    cfg->enrolled = 1;
    free(cfg->enrolled_provider);
    cfg->enrolled_provider = e.provider;
    e.provider = NULL;
    agent_enrollment_clear(&e);
    return 0;
none:
    if (cfg->enroll_url && (cfg->enroll_secret_file || cfg->enroll_token_file) && !cfg->server_url)
        cfg->enroll_pending = 1;
    return 0;
}

int agent_enroll_attempt(agent_config *cfg, int *transient)
{
    omadm_platform p;
    char err[1024];
    int lock = -1, rc;

    *transient = 0;
    if (agent_state_lock(cfg, &lock, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        return -1;
    }
    if (agent__enroll_open_platform(cfg, &p, err, sizeof err) < 0) {
        agent_log(OMADM_LOG_ERROR, "%s", err);
        agent_os_unlock_dir(lock);
        return -1;
    }
    agent_log(OMADM_LOG_INFO, "not enrolled here yet: enrolling at %s first", cfg->enroll_url);
    rc = enroll_with(cfg, &p, 1, transient);
    agent__enroll_close_platform(&p);
    agent_os_unlock_dir(lock);
    if (rc != AGENT_EXIT_OK)
        return -1;
    if (agent_enroll_apply(cfg, err, sizeof err) < 0 || !cfg->enrolled) {
        agent_log(OMADM_LOG_ERROR, "enrolled, but the state does not apply: %s", err);
        *transient = 0;
        return -1;
    }
    return 0;
}

int agent_enroll_before_session(agent_config *cfg)
{
    int transient;

    return agent_enroll_attempt(cfg, &transient);
}

int agent_cmd_unenroll(agent_config *cfg)
{
    omadm_platform p;
    char err[1024];
    int rc, lock = -1;

    if (!cfg->enrolled) {
        fprintf(stderr, "omadm-agent: not enrolled (no enrollment in %s)\n", cfg->state_dir);
        return AGENT_EXIT_FAILURE;
    }
    cfg->unenroll_request = 1;
    rc = agent_cmd_sync(cfg);
    if (rc != AGENT_EXIT_OK) {
        fprintf(stderr, "omadm-agent: unenroll: the server was not told (session failed); the "
                        "enrollment is kept\n");
        return AGENT_EXIT_FAILURE;
    }
    if (agent_state_lock(cfg, &lock, err, sizeof err) < 0 ||
        agent__enroll_open_platform(cfg, &p, err, sizeof err) < 0) {
        fprintf(stderr, "omadm-agent: %s\n", err);
        agent_os_unlock_dir(lock);
        return AGENT_EXIT_FAILURE;
    }
    rc = agent_enrollment_remove(&p, err, sizeof err) < 0 ? AGENT_EXIT_FAILURE : AGENT_EXIT_OK;
    agent__enroll_close_platform(&p);
    agent_os_unlock_dir(lock);
    if (rc != AGENT_EXIT_OK)
        fprintf(stderr, "omadm-agent: %s\n", err);
    else
        printf("unenrolled from %s\n", cfg->server_url);
    agent_log(OMADM_LOG_INFO, "unenrolled from %s", cfg->server_url);
    return rc;
}
