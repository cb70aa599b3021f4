/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by agent/enroll.c and agent/enroll_renew.c. */
#ifndef AGENT_ENROLL_INT_H
#define AGENT_ENROLL_INT_H

#include <stddef.h>

#include "agent/config.h"
#include "platform/platform.h"
#include "transport/transport.h"

/* The platform cfg names, on cfg->state_dir. 0, or -1 with a message. */
int agent__enroll_open_platform(const agent_config *cfg, omadm_platform *p, char *err,
                                size_t errsize);
void agent__enroll_close_platform(omadm_platform *p);
/* The platform's machine identity. 0, or -1 with a message. */
int agent__enroll_machine_id(const omadm_platform *p, char *buf, size_t size, char *err,
                             size_t errsize);
/* What an RST's context says of the hardware: HWDevID (64 hex digits, ""
 * when the machine id is unreadable) and OSVersion as a dotted quad. */
void agent__enroll_hardware_facts(const omadm_platform *p, char hwdevid[65], char *os_quad,
                                  size_t os_size);
/* POSTs a SOAP message to url (traced at debug level, secrets elided). On
 * failure *transient (when non-NULL) says whether it is worth retrying. */
omadm_status agent__enroll_soap(const agent_config *cfg, omadm_transport *t, const char *url,
                                const char *what, const char *body, size_t body_len, char **resp,
                                size_t *resp_len, int *transient, char *err, size_t errsize);
/* Whether a failed request is worth retrying later: no answer at all
 * (connection refused, DNS, reset), a timeout, HTTP 5xx, 408 or 429. A SOAP
 * fault, a 4xx, a TLS failure or a malformed answer is a refusal. */
int agent__enroll_transient(omadm_status st, const omadm_transport_info *info);

#ifdef _WIN32
/* The enrollment's certificate and key into LocalMachine\MY
 * (agent/enroll_store_win32.c), the key non-exportable in the machine's key
 * set; `exportable` (wine only: see agent__enroll_store_on_wine) makes it
 * exportable, in the key set wine's PFX import records;
 * `path` receives "LocalMachine\MY\<thumbprint>", the transport's store
 * path. 0, or -1 with a reason. */
int agent__enroll_store_put(const char *cert_pem, const char *key_pem, int exportable, char *path,
                            size_t size, char *err, size_t errsize);
/* Non-zero under wine only: its Schannel exports the client key to hand it
 * to GnuTLS, so there the key must be exportable (Windows never needs it). */
int agent__enroll_store_on_wine(void);
/* Whether the store entry `path` exists with its private key. */
int agent__enroll_store_has_key(const char *path);
/* Removes it (when there): 0, or -1 when it could not be removed. */
int agent__enroll_store_remove(const char *path);

/* The PKCS#7 of a renewal (RequestType Renew): csr_b64 (base64 DER
 * PKCS#10) signed with the key of the store entry `path` (which never leaves
 * the store), as omadm_enroll_sign_renewal signs with a PEM key. *p7_b64:
 * base64 DER, free(). 0, or -1 with a reason. */
int agent__enroll_store_sign_renewal(const char *path, const char *csr_b64, char **p7_b64,
                                     char *err, size_t errsize);

struct agent_enrollment;
/* The enrollment's certificate and key into the store: e->cert_store set,
 * e->key_pem wiped and freed. 0, or -1 with a reason. */
int agent__enroll_store_key(struct agent_enrollment *e, char *err, size_t errsize);
/* A cloned image's old store entry: the one the state in `p` names now
 * (into `old`, "" when none), then, once the new state is saved, removed
 * unless it is the new one. */
void agent__enroll_previous_store_entry(const omadm_platform *p, char *old, size_t size);
void agent__enroll_forget_store_entry(const char *old, const struct agent_enrollment *e);
#endif

#endif
