/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment state: one file in the state directory, written
 * atomically through the platform's file_replace (a crash leaves the device
 * unenrolled or fully enrolled, never half). Owner-only like every state
 * file; it holds the device key, so nothing of it is ever logged. */
#ifndef AGENT_ENROLL_STATE_H
#define AGENT_ENROLL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"

#define AGENT_FILE_ENROLLMENT "enrollment"
/* The largest enrollment file read back. */
#define AGENT_ENROLLMENT_MAX ((size_t)262144)

typedef struct agent_enrollment {
    /* every string owned (agent_enrollment_clear), NULL when absent */
    char *server;     /* management URL (w7 ADDR) */
    char *discovery;  /* where the device enrolled */
    char *enroll_url; /* EnrollmentServiceUrl (renewal) */
    char *provider;   /* PROVIDER-ID */
    char *device_id;  /* DeviceID sent at enrollment = SyncML Source */
    char *machine_id; /* the machine it belongs to */
    char *auth;       /* "OnPremise" / "Federated" */
    char *user;       /* the enrolling user (OnPremise), may be NULL */
    char *ent_dmid;
    char *aauth_name; /* the device's DM credentials (APPSRV / CLCRED) */
    char *aauth_secret;
    char *aauth_data;
    char *srv_name; /* the server's (CLIENT / SRVCRED) */
    char *srv_secret;
    char *srv_data;
    char *cert_pem; /* issued client certificate */
    char *key_pem;  /* its private key: secret; NULL when it is in cert_store */
    /* Windows: "LocalMachine\MY\<thumbprint>", the certificate and its
     * non-exportable key in the machine's store (agent__enroll_store_put);
     * NULL elsewhere */
    char *cert_store;
    char *ca_pem;   /* TLS trust for the server (enroll --ca), may be NULL */
    char *root_pem; /* the server's device CA (CertificateStore Root) */
    int64_t enrolled_at, renewed_at, cert_not_after;
    unsigned poll_minutes;      /* first poll interval (DMClient Poll) */
    unsigned renew_period_days; /* WSTEP RenewPeriod, 0 = Windows' default (42) */
    unsigned renew_retry_days;  /* WSTEP RetryInterval */
    int64_t renew_next_try;     /* unix; 0 = when due */
    unsigned renew_failures;    /* failed renewals in a row (back-off) */
} agent_enrollment;

/* Text form (format 1): "key=value" lines; PEM values base64 on one line.
 * Returns a malloc'd buffer (free() after wiping it) or NULL; *len. */
char *agent_enrollment_format(const agent_enrollment *e, size_t *len);
/* Parses it; -1 for anything malformed or incomplete (err says what). */
int agent_enrollment_parse(agent_enrollment *e, const char *text, size_t len, char *err,
                           size_t errsize);
void agent_enrollment_clear(agent_enrollment *e);

/* Through the platform: 1 = read, 0 = not enrolled, -1 = error (err). */
int agent_enrollment_load(const omadm_platform *p, agent_enrollment *e, char *err, size_t errsize);
int agent_enrollment_save(const omadm_platform *p, const agent_enrollment *e, char *err,
                          size_t errsize);
int agent_enrollment_remove(const omadm_platform *p, char *err, size_t errsize);

#endif
