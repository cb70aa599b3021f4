/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the enrollment unit tests: fixtures, a throw-away CA that signs
 * the device's request, and provisioning documents built around it. */
#ifndef ETEST_H
#define ETEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "enroll/enroll.h"

/* The fixture's text (free()); fails the test when absent. */
char *etest_fixture(const char *name, size_t *len);

/* Signs the base64 PKCS#10 with a fresh test CA: the certificate (DER,
 * base64, one line; free()), the CA certificate likewise, and the issued
 * certificate's SHA-1 thumbprint in hex (41 bytes). */
void etest_issue(const char *csr_b64, char **cert_b64, char **ca_b64, char *thumb);

/* A provisioning document in Fleet's and MS-MDE2's shape. NULL addr leaves
 * ADDR out; NULL cert_b64 leaves the client certificate out. free(). */
char *etest_provdoc(const char *addr, const char *cert_b64, const char *thumb, const char *ca_b64,
                    const char *ca_thumb);

/* The RSTR envelope carrying `doc` base64-encoded. free(). */
char *etest_rstr(const char *doc);

/* `src` with the first `from` replaced by `to` (which must occur). free(). */
char *etest_replace(const char *src, const char *from, const char *to);

/* A ready device key + CSR + issued cert (made once per process). */
typedef struct etest_enrolled {
    char *key_pem, *csr_b64, *cert_b64, *ca_b64;
    char thumb[41], ca_thumb[41];
} etest_enrolled;
const etest_enrolled *etest_enrolled_get(void);

#endif
