/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: MS-MDE2 enrollment messages, for agents that enroll a device
 * with an MDM server the way Windows does (version OMADM_ENROLL_API_VERSION).
 *
 * Nothing here does I/O: the functions build the SOAP requests a Windows
 * device sends (Discover, MS-XCEP GetPolicies, MS-WSTEP
 * RequestSecurityToken), parse the server's answers and the
 * wap-provisioningdoc it returns, and make the device key and its PKCS#10
 * request (OpenSSL). The caller POSTs each request over HTTPS with
 * Content-Type OMADM_ENROLL_SOAP_CONTENT_TYPE and hands the answer back:
 *
 *   Discover  -> omadm_enroll_parse_discover  (policy and enrollment URLs)
 *   GetPolicies -> omadm_enroll_parse_policies (key algorithm, length, hash)
 *   omadm_enroll_make_key_csr, then RequestSecurityToken
 *             -> omadm_enroll_parse_rstr -> omadm_enroll_parse_provdoc
 *             (management URL, client certificate, DM credentials, poll)
 *
 * Every answer is parsed with the library's hardened libxml2 setup (no
 * DTD, no entities, no network) under size, depth and count limits. A SOAP
 * fault becomes OMADM_ERR_AUTH (s:authentication, s:authorization,
 * a:invalidsecurity) or OMADM_ERR_PROTOCOL (any other code) with the
 * server's fault text in err. Strings in result structs are owned by the
 * struct (its _clear function frees them; _clear accepts a zeroed struct);
 * other strings returned are freed with omadm_free (secrets with
 * omadm_enroll_secret_free). Secrets (passwords, tokens, AAUTHSECRET, the
 * key) never reach the library's log.
 *
 * Versioning: the structs below are part of the ABI; a change to one is a
 * new OMADM_ENROLL_API_VERSION and a new soname. Functions are only ever
 * added. Thread-safe: no shared state. */
#ifndef OMADM_ENROLL_H
#define OMADM_ENROLL_H

#include "omadm/export.h"

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OMADM_ENROLL_API_VERSION 1

#define OMADM_ENROLL_SOAP_CONTENT_TYPE "application/soap+xml; charset=utf-8"
#define OMADM_ENROLL_DISCOVERY_PATH    "/EnrollmentServer/Discovery.svc"
/* The largest SOAP answer or provisioning document accepted. */
#define OMADM_ENROLL_MAX_MESSAGE ((size_t)262144)

typedef enum omadm_enroll_auth {
    OMADM_ENROLL_AUTH_ONPREMISE = 0, /* user + password: wsse:UsernameToken */
    OMADM_ENROLL_AUTH_FEDERATED,     /* token: wsse:BinarySecurityToken */
    OMADM_ENROLL_AUTH_CERTIFICATE    /* renewal: the TLS client certificate only */
} omadm_enroll_auth;

typedef struct omadm_enroll_creds {
    omadm_enroll_auth auth;
    const char *user;   /* OnPremise */
    const char *secret; /* OnPremise password, or the Federated token (raw) */
} omadm_enroll_creds;

/* Common WS-Addressing header fields of a request. */
typedef struct omadm_enroll_addr {
    const char *to;         /* the endpoint URL */
    const char *message_id; /* "urn:uuid:..." */
} omadm_enroll_addr;

/* ---- Discovery (MS-MDE2 3.1) -------------------------------------------- */

typedef struct omadm_enroll_discover_req {
    const char *email;       /* EmailAddress; "" allowed */
    const char *app_version; /* ApplicationVersion, dotted quad (the OS build) */
    const char *os_edition;  /* OSEdition, decimal */
    unsigned auth_policies;  /* AuthPolicies listed: OMADM_ENROLL_POLICY_* bits;
                                0 = both, as Windows sends */
} omadm_enroll_discover_req;

#define OMADM_ENROLL_POLICY_ONPREMISE 1u
#define OMADM_ENROLL_POLICY_FEDERATED 2u

/* The Discover envelope (RequestVersion 4.0, DeviceType CIMClient_Windows,
 * AuthPolicies as asked): *out (omadm_free), *out_len bytes,
 * NUL-terminated. OMADM_ERR_INVALID for NULL arguments or a value XML
 * cannot carry, OMADM_ERR_NOMEM. The other builders work alike. */
OMADM_API omadm_status omadm_enroll_build_discover(const omadm_enroll_addr *addr,
                                                   const omadm_enroll_discover_req *req, char **out,
                                                   size_t *out_len);

typedef struct omadm_enroll_discovery {
    char *auth_policy; /* "OnPremise", "Federated", "Certificate" */
    char *version;     /* EnrollmentVersion, may be NULL */
    char *policy_url;  /* EnrollmentPolicyServiceUrl (https) */
    char *enroll_url;  /* EnrollmentServiceUrl (https) */
    char *auth_url;    /* AuthenticationServiceUrl, may be NULL */
} omadm_enroll_discovery;

OMADM_API omadm_status omadm_enroll_parse_discover(const char *data, size_t len,
                                                   omadm_enroll_discovery *out, char *err,
                                                   size_t errsize);
OMADM_API void omadm_enroll_discovery_clear(omadm_enroll_discovery *d);

/* ---- Policies (MS-XCEP GetPolicies) ------------------------------------- */

/* MS-XCEP GetPolicies with the credentials in wsse:Security. */
OMADM_API omadm_status omadm_enroll_build_get_policies(const omadm_enroll_addr *addr,
                                                       const omadm_enroll_creds *creds, char **out,
                                                       size_t *out_len);

typedef enum omadm_enroll_key_alg {
    OMADM_ENROLL_KEY_RSA = 0,
    OMADM_ENROLL_KEY_EC
} omadm_enroll_key_alg;
typedef enum omadm_enroll_hash {
    OMADM_ENROLL_HASH_SHA256 = 0,
    OMADM_ENROLL_HASH_SHA1,
    OMADM_ENROLL_HASH_SHA384,
    OMADM_ENROLL_HASH_SHA512
} omadm_enroll_hash;

typedef struct omadm_enroll_policy {
    omadm_enroll_key_alg key_alg; /* RSA unless the policy names ECC */
    unsigned min_key_bits;        /* minimalKeyLength; 0 = not given */
    omadm_enroll_hash hash;       /* SHA-256 unless the policy names another */
    int64_t validity_s;           /* certificateValidity, 0 = not given */
    int64_t renewal_s;            /* renewalPeriodSeconds, 0 = not given */
} omadm_enroll_policy;

/* Unknown algorithm OIDs are an error (OMADM_ERR_UNSUPPORTED): the device
 * cannot honour a policy it does not understand. */
OMADM_API omadm_status omadm_enroll_parse_policies(const char *data, size_t len,
                                                   omadm_enroll_policy *out, char *err,
                                                   size_t errsize);

/* ---- Enrollment (MS-WSTEP RequestSecurityToken) ------------------------- */

typedef struct omadm_enroll_context_item {
    const char *name;
    const char *value;
} omadm_enroll_context_item;

/* RequestType Issue (renew = 0) or Renew (renew = 1; creds may then be of
 * kind CERTIFICATE: no wsse:Security). csr_b64: for Issue the PKCS#10
 * request, for Renew the PKCS#7 SignedData of it (omadm_enroll_sign_renewal,
 * ValueType #PKCS7, MS-MDE 3.5), base64.
 * The items become ac:AdditionalContext/ac:ContextItem, in order. */
OMADM_API omadm_status omadm_enroll_build_rst(const omadm_enroll_addr *addr,
                                              const omadm_enroll_creds *creds, int renew,
                                              const char *csr_b64,
                                              const omadm_enroll_context_item *items,
                                              size_t n_items, char **out, size_t *out_len);

/* The RequestSecurityTokenResponseCollection: *doc is the decoded
 * provisioning document (omadm_free), *doc_len bytes, NUL-terminated. */
OMADM_API omadm_status omadm_enroll_parse_rstr(const char *data, size_t len, char **doc,
                                               size_t *doc_len, char *err, size_t errsize);

/* ---- The wap-provisioningdoc -------------------------------------------- */

typedef struct omadm_enroll_poll {
    unsigned first_retries, first_interval_min;
    unsigned second_retries, second_interval_min;
    unsigned remaining_retries, remaining_interval_min;
    int poll_on_login; /* -1 = not given */
} omadm_enroll_poll;

typedef struct omadm_enroll_prov {
    char *addr;            /* w7 ADDR: the management URL (https) */
    char *provider_id;     /* w7 PROVIDER-ID */
    char *name;            /* w7 NAME, may be NULL */
    char *client_cert_pem; /* CertificateStore/My/(User|System)/<thumbprint> */
    char *client_thumbprint;
    char *root_pem; /* CertificateStore/Root/System certificates, PEM, may be NULL */
    /* w7 CSP: AAUTHLEVEL APPSRV = the client authenticates itself to the
     * server (the device's credentials, DMAcc AppAuth CLCRED); CLIENT = the
     * server authenticates itself to the client (SRVCRED). */
    char *device_auth_name, *device_auth_secret, *device_auth_data; /* APPAUTH APPSRV */
    char *server_auth_name, *server_auth_secret, *server_auth_data; /* APPAUTH CLIENT */
    char *ent_dmid;                               /* DMClient/Provider/<id>/EntDMID, may be NULL */
    omadm_enroll_poll poll;                       /* zero when not given */
    unsigned renew_period_days, renew_retry_days; /* WSTEP/Renew, 0 = not given */
} omadm_enroll_prov;

/* Parses and checks the document: a w7 APPLICATION with an https ADDR and a
 * PROVIDER-ID, exactly one client certificate (valid DER, its thumbprint
 * matching), root certificates that parse. OMADM_ERR_PARSE/LIMIT/NOMEM,
 * OMADM_ERR_PROTOCOL for a document missing what enrollment needs. */
OMADM_API omadm_status omadm_enroll_parse_provdoc(const char *data, size_t len,
                                                  omadm_enroll_prov *out, char *err,
                                                  size_t errsize);
OMADM_API void omadm_enroll_prov_clear(omadm_enroll_prov *p);

/* ---- Keys and certificates (OpenSSL) ------------------------------------ */

/* Makes a key honouring the policy (RSA: max(2048, min_key_bits) up to 8192;
 * EC: P-256, or P-384 when min_key_bits > 256) and a PKCS#10 request whose
 * subject is CN=<common_name>, signed with the policy's hash. *key_pem
 * (PKCS#8, unencrypted: owner-only at rest) and *csr_b64 (DER, base64, one
 * line) are owned by the caller (omadm_free; wipe key_pem with
 * omadm_enroll_secret_free). */
OMADM_API omadm_status omadm_enroll_make_key_csr(const omadm_enroll_policy *policy,
                                                 const char *common_name, char **key_pem,
                                                 char **csr_b64, char *err, size_t errsize);

/* A renewal request: a new PKCS#10 for the same subject and key. */
OMADM_API omadm_status omadm_enroll_make_csr(const char *key_pem, const char *common_name,
                                             omadm_enroll_hash hash, char **csr_b64, char *err,
                                             size_t errsize);

/* Renewal: the PKCS#7 SignedData (DER, base64, one line) of the new
 * PKCS#10 `csr_b64`, signed with the current certificate and key (PEM). */
OMADM_API omadm_status omadm_enroll_sign_renewal(const char *csr_b64, const char *cert_pem,
                                                 const char *key_pem, char **p7_b64, char *err,
                                                 size_t errsize);

/* Whether the PEM certificate's public key is the PEM key's: OMADM_OK, or
 * OMADM_ERR_PROTOCOL "certificate does not match the key". */
OMADM_API omadm_status omadm_enroll_check_cert_key(const char *cert_pem, const char *key_pem,
                                                   char *err, size_t errsize);

typedef struct omadm_enroll_cert_info {
    char subject[256]; /* one line, RFC 2253 */
    char issuer[256];
    int64_t not_before, not_after; /* unix seconds */
} omadm_enroll_cert_info;

OMADM_API omadm_status omadm_enroll_get_cert_info(const char *cert_pem,
                                                  omadm_enroll_cert_info *out);

/* Zeroes then frees a secret string (NULL accepted). */
OMADM_API void omadm_enroll_secret_free(char *s);

/* "urn:uuid:" + a random version-4 UUID (buf >= 46 bytes). */
OMADM_API omadm_status omadm_enroll_message_id(char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
