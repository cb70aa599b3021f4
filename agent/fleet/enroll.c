/* SPDX-License-Identifier: Apache-2.0 */
/* omadm-fleet --enroll: each device gets its identity by MS-MDE2
 * enrollment (libomadm's omadm/enroll.h: Discover, GetPolicies, key and
 * PKCS#10, RequestSecurityToken, the provisioning document) instead of a
 * locally issued certificate. A bounded phase before the fleet starts:
 * at most --max-inflight enrollments at once over one libcurl multi
 * handle. A device's key and the certificate the server issued are kept
 * in its state directory (enroll-key.pem, then enroll-cert.pem, each
 * written atomically): a device that has both is not enrolled again.
 *
 * Like the agent's flow (agent/enroll.c) but without its GET reachability
 * probe, its trace and its enrollment record (the fleet keeps the
 * certificate and key only; the DM server is --server). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fleet.h"
#include "omadm/enroll.h"

#define SECRET_MAX 65536
#define PATH_LEN   4096

enum { EN_DISCOVER, EN_POLICIES, EN_TOKEN };

typedef struct en_dev {
    uint32_t index;
    int step;
    CURL *e;
    char *body;
    size_t body_len;
    char *resp;
    size_t resp_len, resp_cap;
    omadm_enroll_discovery disc;
    omadm_enroll_policy pol;
    char *key_pem, *csr;
    char id[33], hwdevid[65];
    char err[512];
} en_dev;

typedef struct en_run {
    const fleet_options *o;
    fleet_stats *st;
    CURLM *multi;
    struct curl_slist *headers;
    omadm_enroll_creds creds;
    char discovery[1100];
    unsigned reported;
} en_run;

void fleet_device_file(const fleet_options *o, uint32_t index, const char *name, char *out)
{
    snprintf(out, PATH_LEN, "%s/d%05" PRIu32 "/%s", o->state_dir, index, name);
}

int fleet_read_secret(const char *path, char **out, char *err, size_t errlen)
{
    struct stat sb;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = fopen(path, "rb");

    *out = NULL;
    if (!fp || fstat(fileno(fp), &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (sb.st_mode & 077) {
        snprintf(err, errlen, "%s: readable by others (chmod 600)", path);
        goto fail;
    }
    buf = malloc(SECRET_MAX + 1);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    len = fread(buf, 1, SECRET_MAX + 1, fp);
    if (ferror(fp) || len > SECRET_MAX) {
        snprintf(err, errlen, "%s: unreadable or over %d bytes", path, SECRET_MAX);
        goto fail;
    }
    buf[len] = '\0';
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    if (len == 0 || strlen(buf) != len) {
        snprintf(err, errlen, "%s: empty, or not text", path);
        goto fail;
    }
    fclose(fp);
    *out = buf;
    return 0;
fail:
    if (buf) {
        OPENSSL_cleanse(buf, SECRET_MAX + 1);
        free(buf);
    }
    if (fp)
        fclose(fp);
    return -1;
}

/* temp, write, fsync, rename, fsync the directory. 0, or -1 (errno). */
static int write_atomic(const char *path, const char *data, mode_t mode)
{
    char tmp[PATH_LEN + 8], dir[PATH_LEN];
    size_t len = strlen(data), off = 0;
    char *slash;
    int fd, dfd, ok;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    ok = off == len && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int enrolled(const en_run *r, uint32_t index)
{
    char cert[PATH_LEN], key[PATH_LEN];

    fleet_device_file(r->o, index, FLEET_ENROLL_CERT, cert);
    fleet_device_file(r->o, index, FLEET_ENROLL_KEY, key);
    return access(cert, R_OK) == 0 && access(key, R_OK) == 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    en_dev *d = user;
    size_t len = size * n;

    if (len > OMADM_ENROLL_MAX_MESSAGE || d->resp_len + len > OMADM_ENROLL_MAX_MESSAGE)
        return 0;
    if (d->resp_len + len + 1 > d->resp_cap) {
        size_t cap = d->resp_cap ? d->resp_cap : 8192;
        char *p;
        while (cap < d->resp_len + len + 1)
            cap *= 2;
        p = realloc(d->resp, cap);
        if (!p)
            return 0;
        d->resp = p;
        d->resp_cap = cap;
    }
    memcpy(d->resp + d->resp_len, data, len);
    d->resp_len += len;
    d->resp[d->resp_len] = '\0';
    return len;
}

/* POSTs d->body to url. 0, or -1 with d->err. */
static int post(en_run *r, en_dev *d, const char *url)
{
    CURL *e = curl_easy_init();

    if (!e) {
        snprintf(d->err, sizeof d->err, "no transfer handle");
        return -1;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CAINFO, r->o->ca);
    curl_easy_setopt(e, CURLOPT_CAPATH, (char *)NULL); /* --ca only (multi.c) */
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ENROLLClient (omadm-fleet)");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)d->body_len);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)OMADM_ENROLL_MAX_MESSAGE);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(e, CURLOPT_PRIVATE, d);
    d->resp_len = 0;
    if (curl_multi_add_handle(r->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        snprintf(d->err, sizeof d->err, "cannot start the transfer");
        return -1;
    }
    d->e = e;
    return 0;
}

/* 64 hex digits of SHA-256("fleet-hwdevid" + id). */
static void hwdevid(const char *id, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0, i;
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    memset(md, 0, sizeof md);
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, "fleet-hwdevid", 13) &&
        EVP_DigestUpdate(c, id, strlen(id)))
        EVP_DigestFinal_ex(c, md, &md_len);
    EVP_MD_CTX_free(c);
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
}

static int send_discover(en_run *r, en_dev *d)
{
    char msg_id[64];
    omadm_enroll_addr addr = { r->discovery, msg_id };
    omadm_enroll_discover_req req = { "", "10.0.19045.2965", "4", 0 };
    omadm_status st = omadm_enroll_message_id(msg_id, sizeof msg_id);

    if (r->creds.user && strchr(r->creds.user, '@'))
        req.email = r->creds.user;
    if (st == OMADM_OK)
        st = omadm_enroll_build_discover(&addr, &req, &d->body, &d->body_len);
    if (st != OMADM_OK) {
        snprintf(d->err, sizeof d->err, "Discover: %s", omadm_status_str(st));
        return -1;
    }
    d->step = EN_DISCOVER;
    return post(r, d, r->discovery);
}

static int send_policies(en_run *r, en_dev *d)
{
    char msg_id[64];
    omadm_enroll_addr addr = { d->disc.policy_url, msg_id };
    omadm_status st = omadm_enroll_message_id(msg_id, sizeof msg_id);

    if (st == OMADM_OK)
        st = omadm_enroll_build_get_policies(&addr, &r->creds, &d->body, &d->body_len);
    if (st != OMADM_OK) {
        snprintf(d->err, sizeof d->err, "GetPolicies: %s", omadm_status_str(st));
        return -1;
    }
    d->step = EN_POLICIES;
    return post(r, d, d->disc.policy_url);
}

static int send_token(en_run *r, en_dev *d)
{
    char msg_id[64], name[48];
    omadm_enroll_addr addr = { d->disc.enroll_url, msg_id };
    omadm_status st;

    if (omadm_enroll_make_key_csr(&d->pol, d->id, &d->key_pem, &d->csr, d->err, sizeof d->err) !=
        OMADM_OK)
        return -1;
    snprintf(name, sizeof name, "FLEET-%05" PRIu32, d->index);
    {
        /* The items a Windows device sends (reference/enrollment.md). */
        const omadm_enroll_context_item items[] = {
            { "UXInitiated", "false" },
            { "HWDevID", d->hwdevid },
            { "Locale", "en-US" },
            { "TargetedUserLoggedIn", "false" },
            { "OSEdition", "4" },
            { "DeviceName", name },
            { "DeviceID", d->id },
            { "EnrollmentType", "Full" },
            { "DeviceType", "CIMClient_Windows" },
            { "OSVersion", "10.0.19045.2965" },
            { "ApplicationVersion", "10.0.19045.2965" },
            { "NotInOobe", "true" },
        };
        st = omadm_enroll_message_id(msg_id, sizeof msg_id);
        if (st == OMADM_OK)
            st = omadm_enroll_build_rst(&addr, &r->creds, 0, d->csr, items,
                                        sizeof items / sizeof items[0], &d->body, &d->body_len);
    }
    if (st != OMADM_OK) {
        snprintf(d->err, sizeof d->err, "RequestSecurityToken: %s", omadm_status_str(st));
        return -1;
    }
    d->step = EN_TOKEN;
    return post(r, d, d->disc.enroll_url);
}

/* The provisioning document: keep the key, then the certificate. */
static int finish(en_run *r, en_dev *d)
{
    omadm_enroll_prov prov;
    char *doc = NULL, path[PATH_LEN];
    size_t doc_len = 0;
    omadm_status st;
    int rc = -1;

    memset(&prov, 0, sizeof prov);
    snprintf(path, sizeof path, "%s/d%05" PRIu32, r->o->state_dir, d->index);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(d->err, sizeof d->err, "%.300s: %s", path, strerror(errno));
        return -1;
    }
    st = omadm_enroll_parse_rstr(d->resp, d->resp_len, &doc, &doc_len, d->err, sizeof d->err);
    if (st == OMADM_OK)
        st = omadm_enroll_parse_provdoc(doc, doc_len, &prov, d->err, sizeof d->err);
    if (st == OMADM_OK)
        st = omadm_enroll_check_cert_key(prov.client_cert_pem, d->key_pem, d->err, sizeof d->err);
    if (st == OMADM_OK) {
        fleet_device_file(r->o, d->index, FLEET_ENROLL_KEY, path);
        if (write_atomic(path, d->key_pem, 0600) == 0) {
            fleet_device_file(r->o, d->index, FLEET_ENROLL_CERT, path);
            if (write_atomic(path, prov.client_cert_pem, 0644) == 0)
                rc = 0;
        }
        if (rc != 0)
            snprintf(d->err, sizeof d->err, "%.300s: %s", path, strerror(errno));
    }
    if (doc)
        OPENSSL_cleanse(doc, doc_len);
    omadm_free(doc);
    omadm_enroll_prov_clear(&prov);
    return rc;
}

/* An answer came: the next request, or the end (1: enrolled). 0: sent
 * the next request; -1: failed (d->err). */
static int step(en_run *r, en_dev *d, CURLcode rc)
{
    long code = 0;
    omadm_status st = OMADM_OK;

    curl_easy_getinfo(d->e, CURLINFO_RESPONSE_CODE, &code);
    curl_multi_remove_handle(r->multi, d->e);
    curl_easy_cleanup(d->e);
    d->e = NULL;
    omadm_free(d->body);
    d->body = NULL;
    if (rc != CURLE_OK) {
        snprintf(d->err, sizeof d->err, "%s", curl_easy_strerror(rc));
        return -1;
    }
    if (d->step == EN_DISCOVER)
        st = omadm_enroll_parse_discover(d->resp ? d->resp : "", d->resp_len, &d->disc, d->err,
                                         sizeof d->err);
    else if (d->step == EN_POLICIES)
        st = omadm_enroll_parse_policies(d->resp ? d->resp : "", d->resp_len, &d->pol, d->err,
                                         sizeof d->err);
    else if (code != 200) { /* the fault's text, when the answer is one */
        char *doc = NULL;
        size_t doc_len = 0;
        st = omadm_enroll_parse_rstr(d->resp ? d->resp : "", d->resp_len, &doc, &doc_len, d->err,
                                     sizeof d->err);
        if (doc)
            OPENSSL_cleanse(doc, doc_len);
        omadm_free(doc);
    }
    if (st != OMADM_OK)
        return -1;
    if (code != 200) {
        snprintf(d->err, sizeof d->err, "HTTP %ld", code);
        return -1;
    }
    if (d->step == EN_DISCOVER)
        return d->disc.policy_url ? send_policies(r, d) : send_token(r, d);
    if (d->step == EN_POLICIES)
        return send_token(r, d);
    return finish(r, d) == 0 ? 1 : -1;
}

static void dev_clear(en_dev *d)
{
    omadm_free(d->body);
    free(d->resp);
    omadm_enroll_discovery_clear(&d->disc);
    omadm_enroll_secret_free(d->key_pem);
    omadm_free(d->csr);
    memset(d, 0, sizeof *d);
}

static void start(en_run *r, en_dev *d, uint32_t index)
{
    memset(d, 0, sizeof *d);
    d->index = index;
    d->step = -1;
    snprintf(d->id, sizeof d->id, FLEET_ID_FORMAT, index);
    hwdevid(d->id, d->hwdevid);
    if (send_discover(r, d) != 0) {
        r->st->enroll_failed++;
        if (r->reported++ < 10)
            fprintf(stderr, "omadm-fleet: device %s: enrollment: %s\n", d->id, d->err);
        dev_clear(d);
    }
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

int fleet_enroll_all(const fleet_options *o, fleet_stats *st, volatile int *stop)
{
    en_run r;
    en_dev *slots;
    uint32_t next = 0;
    unsigned k, active = 0, cap = o->max_inflight ? o->max_inflight : 1;
    int running = 0, left;
    CURLMsg *m;

    memset(&r, 0, sizeof r);
    r.o = o;
    r.st = st;
    r.creds.auth = o->enroll_token ? OMADM_ENROLL_AUTH_FEDERATED : OMADM_ENROLL_AUTH_ONPREMISE;
    r.creds.user = o->enroll_user;
    r.creds.secret = o->enroll_token ? o->enroll_token : o->enroll_secret;
    if (strncmp(o->enroll, "https://", 8) != 0 ||
        discovery_url(o->enroll, r.discovery, sizeof r.discovery) != 0) {
        fprintf(stderr, "omadm-fleet: --enroll %s: not an https URL\n", o->enroll);
        return -1;
    }
    slots = calloc(cap, sizeof *slots);
    r.multi = curl_multi_init();
    r.headers = curl_slist_append(NULL, "Content-Type: " OMADM_ENROLL_SOAP_CONTENT_TYPE);
    if (!slots || !r.multi || !r.headers) {
        fprintf(stderr, "omadm-fleet: out of memory for enrollment\n");
        free(slots);
        if (r.multi)
            curl_multi_cleanup(r.multi);
        curl_slist_free_all(r.headers);
        return -1;
    }
    curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, (long)cap);
    for (;;) {
        for (k = 0; k < cap && next < o->devices && !*stop; k++) {
            if (slots[k].e)
                continue;
            if (enrolled(&r, next)) {
                st->enroll_reused++;
                next++;
                k--; /* the slot is still free */
                continue;
            }
            start(&r, &slots[k], next++);
            if (slots[k].e)
                active++;
        }
        if (active == 0 && (next >= o->devices || *stop))
            break;
        curl_multi_perform(r.multi, &running);
        while ((m = curl_multi_info_read(r.multi, &left)) != NULL) {
            en_dev *d = NULL;
            int res;
            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
            res = step(&r, d, m->data.result);
            if (res == 0)
                continue;
            if (res > 0) {
                st->enrolled++;
            } else {
                st->enroll_failed++;
                if (r.reported++ < 10)
                    fprintf(stderr, "omadm-fleet: device %s: enrollment: %s\n", d->id, d->err);
            }
            dev_clear(d);
            active--;
        }
        curl_multi_poll(r.multi, NULL, 0, 1000, NULL);
    }
    for (k = 0; k < cap; k++) {
        if (slots[k].e) {
            curl_multi_remove_handle(r.multi, slots[k].e);
            curl_easy_cleanup(slots[k].e);
        }
        dev_clear(&slots[k]);
    }
    free(slots);
    curl_multi_cleanup(r.multi);
    curl_slist_free_all(r.headers);
    return 0;
}
