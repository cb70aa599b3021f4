/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment state file (see enroll_state.h). */
#include "agent/enroll_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MAGIC "omadm-enrollment 1"

enum kind { K_TEXT, K_PEM, K_INT };

typedef struct field {
    const char *key;
    enum kind kind;
    size_t offset;
    int required;
} field;

#define S(name, req)                                                                               \
    {                                                                                              \
#name, K_TEXT, offsetof(agent_enrollment, name), req                                       \
    }
#define P(name, req)                                                                               \
    {                                                                                              \
#name, K_PEM, offsetof(agent_enrollment, name), req                                        \
    }
#define I(name, req)                                                                               \
    {                                                                                              \
#name, K_INT, offsetof(agent_enrollment, name), req                                        \
    }

static const field fields[] = {
    S(server, 1),           S(discovery, 0),      S(enroll_url, 0),     S(provider, 1),
    S(device_id, 1),        S(machine_id, 1),     S(auth, 0),           S(user, 0),
    S(ent_dmid, 0),         S(aauth_name, 0),     S(aauth_secret, 0),   S(aauth_data, 0),
    S(srv_name, 0),         S(srv_secret, 0),     S(srv_data, 0),       P(cert_pem, 1),
    P(key_pem, 2),          P(ca_pem, 0),         P(root_pem, 0),       I(enrolled_at, 1),
    I(renewed_at, 0),       I(cert_not_after, 0), I(poll_minutes, 0),   I(renew_period_days, 0),
    I(renew_retry_days, 0), I(renew_next_try, 0), I(renew_failures, 0), S(cert_store, 0),
};

static char **str_at(agent_enrollment *e, const field *f)
{
    return (char **)(void *)((char *)e + f->offset);
}

static int is_int64(const field *f)
{
    return strcmp(f->key, "enrolled_at") == 0 || strcmp(f->key, "renewed_at") == 0 ||
           strcmp(f->key, "cert_not_after") == 0 || strcmp(f->key, "renew_next_try") == 0;
}

void agent_enrollment_clear(agent_enrollment *e)
{
    size_t i;

    if (!e)
        return;
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char **s;

        if (fields[i].kind == K_INT)
            continue;
        s = str_at(e, &fields[i]);
        if (*s) {
            OPENSSL_cleanse(*s, strlen(*s));
            free(*s);
        }
    }
    memset(e, 0, sizeof *e);
}

/* Appends to a malloc'd buffer; NULL on failure (the buffer is wiped and
 * freed). */
static char *append(char *buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (!buf)
        return NULL;
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *g = malloc(ncap);

        if (!g) {
            OPENSSL_cleanse(buf, *len);
            free(buf);
            return NULL;
        }
        memcpy(g, buf, *len);
        OPENSSL_cleanse(buf, *len);
        free(buf);
        buf = g;
        *cap = ncap;
    }
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return buf;
}

static int one_line(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

char *agent_enrollment_format(const agent_enrollment *e, size_t *len)
{
    size_t cap = 4096, i;
    char *buf = malloc(cap);

    *len = 0;
    if (!buf)
        return NULL;
    buf[0] = '\0';
    buf = append(buf, len, &cap, MAGIC "\n", strlen(MAGIC) + 1);
    for (i = 0; buf && i < sizeof fields / sizeof fields[0]; i++) {
        const field *f = &fields[i];

        buf = append(buf, len, &cap, f->key, strlen(f->key));
        buf = append(buf, len, &cap, "=", 1);
        if (f->kind == K_INT) {
            char num[32];
            int64_t v =
                is_int64(f)
                    ? *(const int64_t *)(const void *)((const char *)e + f->offset)
                    : (int64_t) * (const unsigned *)(const void *)((const char *)e + f->offset);
            int n = snprintf(num, sizeof num, "%" PRId64, v);

            buf = append(buf, len, &cap, num, (size_t)n);
        } else {
            const char *s = *(char *const *)(const void *)((const char *)e + f->offset);

            if (s && f->kind == K_TEXT) {
                if (!one_line(s)) {
                    if (buf) {
                        OPENSSL_cleanse(buf, *len);
                        free(buf);
                    }
                    return NULL;
                }
                buf = append(buf, len, &cap, s, strlen(s));
            } else if (s) {
                size_t n = strlen(s), m = 4 * ((n + 2) / 3) + 1;
                char *b = malloc(m);

                if (!b) {
                    if (buf) {
                        OPENSSL_cleanse(buf, *len);
                        free(buf);
                    }
                    return NULL;
                }
                EVP_EncodeBlock((unsigned char *)b, (const unsigned char *)s, (int)n);
                buf = append(buf, len, &cap, b, strlen(b));
                OPENSSL_cleanse(b, m);
                free(b);
            }
        }
        buf = append(buf, len, &cap, "\n", 1);
    }
    buf = append(buf, len, &cap, "end\n", 4);
    return buf;
}

static int set_err(char *err, size_t errsize, const char *msg, const char *key)
{
    snprintf(err, errsize, "%s%s%s", msg, key ? " " : "", key ? key : "");
    return -1;
}

static int decode_pem(const char *b64, size_t n, char **out)
{
    unsigned char *raw;
    int got;
    size_t pad = 0;

    if (n % 4 != 0 || n > AGENT_ENROLLMENT_MAX)
        return -1;
    raw = malloc(n / 4 * 3 + 1);
    if (!raw)
        return -1;
    got = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
    if (got < 0) {
        free(raw);
        return -1;
    }
    if (n >= 1 && b64[n - 1] == '=')
        pad++;
    if (n >= 2 && b64[n - 2] == '=')
        pad++;
    got -= (int)pad;
    raw[got] = '\0';
    if (strlen((char *)raw) != (size_t)got) { /* a NUL inside */
        OPENSSL_cleanse(raw, (size_t)got);
        free(raw);
        return -1;
    }
    *out = (char *)raw;
    return 0;
}

int agent_enrollment_parse(agent_enrollment *e, const char *text, size_t len, char *err,
                           size_t errsize)
{
    const char *p = text, *end = text + len;
    int seen_end = 0;
    size_t i;
    unsigned char seen[sizeof fields / sizeof fields[0]];

    memset(e, 0, sizeof *e);
    memset(seen, 0, sizeof seen);
    if (len < strlen(MAGIC) + 1 || strncmp(text, MAGIC "\n", strlen(MAGIC) + 1) != 0)
        return set_err(err, errsize, "not an enrollment file (format 1)", NULL);
    p += strlen(MAGIC) + 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
        size_t n;

        if (!nl)
            break;
        n = (size_t)(nl - p);
        if (n == 3 && strncmp(p, "end", 3) == 0) {
            seen_end = 1;
            break;
        }
        eq = memchr(p, '=', n);
        if (!eq)
            goto bad;
        for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            const field *f = &fields[i];
            const char *v = eq + 1;
            size_t vn = (size_t)(nl - v);

            if (strlen(f->key) != (size_t)(eq - p) || strncmp(f->key, p, (size_t)(eq - p)) != 0)
                continue;
            if (seen[i]++)
                goto bad;
            if (f->kind == K_INT) {
                char num[32], *stop;
                long long x;

                if (vn == 0 || vn >= sizeof num)
                    goto bad;
                memcpy(num, v, vn);
                num[vn] = '\0';
                x = strtoll(num, &stop, 10);
                if (*stop || x < 0)
                    goto bad;
                if (is_int64(f))
                    *(int64_t *)(void *)((char *)e + f->offset) = x;
                else if (x > 1000000000LL)
                    goto bad;
                else
                    *(unsigned *)(void *)((char *)e + f->offset) = (unsigned)x;
            } else if (vn > 0) {
                char **dst = str_at(e, f);

                if (f->kind == K_PEM) {
                    if (decode_pem(v, vn, dst) < 0)
                        goto bad;
                } else {
                    *dst = malloc(vn + 1);
                    if (!*dst)
                        goto bad;
                    memcpy(*dst, v, vn);
                    (*dst)[vn] = '\0';
                }
            }
            break;
        }
        if (i == sizeof fields / sizeof fields[0])
            goto bad;
        p = nl + 1;
    }
    if (!seen_end) {
        agent_enrollment_clear(e);
        return set_err(err, errsize, "enrollment file is truncated", NULL);
    }
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        /* required 2: unless the key is in a certificate store */
        if (fields[i].required && fields[i].kind != K_INT && !*str_at(e, &fields[i]) &&
            (fields[i].required == 1 || !e->cert_store)) {
            agent_enrollment_clear(e);
            return set_err(err, errsize, "enrollment file lacks", fields[i].key);
        }
    }
    return 0;
bad:
    agent_enrollment_clear(e);
    return set_err(err, errsize, "enrollment file is corrupt", NULL);
}

int agent_enrollment_load(const omadm_platform *p, agent_enrollment *e, char *err, size_t errsize)
{
    char *data = NULL;
    size_t len = 0;
    omadm_status st =
        p->file_read(p->ctx, AGENT_FILE_ENROLLMENT, AGENT_ENROLLMENT_MAX, &data, &len);
    int rc;

    memset(e, 0, sizeof *e);
    if (st == OMADM_ERR_NOT_FOUND)
        return 0;
    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot read the enrollment state: %s", omadm_status_str(st));
        return -1;
    }
    rc = agent_enrollment_parse(e, data, len, err, errsize);
    OPENSSL_cleanse(data, len);
    free(data);
    return rc < 0 ? -1 : 1;
}

int agent_enrollment_save(const omadm_platform *p, const agent_enrollment *e, char *err,
                          size_t errsize)
{
    size_t len = 0;
    char *text = agent_enrollment_format(e, &len);
    omadm_status st;

    if (!text) {
        snprintf(err, errsize,
                 "cannot encode the enrollment state (out of memory, or a value "
                 "with control characters)");
        return -1;
    }
    st = p->file_replace(p->ctx, AGENT_FILE_ENROLLMENT, text, len);
    OPENSSL_cleanse(text, len);
    free(text);
    if (st != OMADM_OK) {
        snprintf(err, errsize, "cannot write the enrollment state: %s", omadm_status_str(st));
        return -1;
    }
    return 0;
}

int agent_enrollment_remove(const omadm_platform *p, char *err, size_t errsize)
{
    omadm_status st = p->file_remove(p->ctx, AGENT_FILE_ENROLLMENT);

    if (st != OMADM_OK && st != OMADM_ERR_NOT_FOUND) {
        snprintf(err, errsize, "cannot remove the enrollment state: %s", omadm_status_str(st));
        return -1;
    }
    return 0;
}
