/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS credentials of a configuration ([tls] ca, cert, key) read with
 * OpenSSL, whatever TLS backend libcurl has: that the CA file holds
 * certificates, that the certificate and the key can be loaded and belong
 * together, and (for `check`) their validity, the certificate's CN against
 * the device id and the key file's mode.
 *
 * Findings are whole sentences naming the file (and the config line or
 * flag it came from), one line each, never key material. */
#ifndef AGENT_CREDS_H
#define AGENT_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"
#include "transport/transport.h"

typedef enum agent_finding {
    AGENT_FINDING_OK = 0,
    AGENT_FINDING_WARN,
    AGENT_FINDING_ERROR
} agent_finding;

/* Receives one finding (text without level or newline). */
typedef void (*agent_finding_fn)(void *user, agent_finding level, const char *text);

/* Largest CA, certificate or key file read (a CA bundle can be large). */
#define AGENT_CREDS_MAX_FILE (4u * 1024 * 1024)

/* Days before a certificate's end that `check` warns about it. */
#define AGENT_CREDS_EXPIRY_WARN_DAYS 14

enum agent_creds_depth {
    /* Only what makes the files unusable: unreadable, no certificate, no
     * key, an encrypted key, a key that does not match its certificate. */
    AGENT_CREDS_USABLE = 0,
    /* And validity at `now`, CN against the device id, key file mode. */
    AGENT_CREDS_FULL
};

/* Reports each finding on cfg's CA, certificate and key to `fn`; a file
 * that is not configured is reported as such (OK). A certificate store
 * path (Windows) is reported and not opened. Returns the number of
 * AGENT_FINDING_ERROR findings. */
int agent_creds_inspect(const agent_config *cfg, enum agent_creds_depth depth, int64_t now,
                        agent_finding_fn fn, void *user);

/* Start-up check for run and sync (AGENT_CREDS_USABLE): 0, or -1 with the
 * first error in err, e.g.
 * "/etc/omadm-agent/agent.conf:12: [tls] key: /etc/.../key.pem does not
 * match /etc/.../cert.pem". */
int agent_creds_validate(const agent_config *cfg, char *err, size_t errsize);

/* The TLS credentials every HTTPS request uses (sessions and the push
 * channel): cfg's [tls] files, else the enrollment's CA and certificate.
 * Sets tc's ca_file, ca_pem, cert_file, key_file, cert_pem and key_pem to
 * strings borrowed from cfg; leaves the other fields alone. */
void agent_creds_tls(const agent_config *cfg, omadm_transport_config *tc);

#endif
