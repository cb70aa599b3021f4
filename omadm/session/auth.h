/* SPDX-License-Identifier: Apache-2.0 */
/* Application-level credentials for a SyncHdr Cred (syncml-dm.md §2):
 * syncml:auth-basic and syncml:auth-md5, computed with OpenSSL. */
#ifndef OMADM_SESSION_AUTH_H
#define OMADM_SESSION_AUTH_H

#include <stddef.h>

#include "omadm/status.h"

#define SYNCML_AUTH_BASIC "syncml:auth-basic"
#define SYNCML_AUTH_MD5   "syncml:auth-md5"

/* Basic: base64("name:secret"). *out (NUL-terminated) is owned by the
 * caller (omadm__free). */
omadm_status omadm__auth_basic(const char *name, const char *secret, char **out);

/* MD5 digest: base64(MD5(base64(MD5("name:secret")) ":" nonce)), the nonce
 * being the raw bytes of `nonce_b64` (as it travels in NextNonce).
 * OMADM_ERR_PARSE when nonce_b64 is not base64. *out owned by the caller. */
omadm_status omadm__auth_md5(const char *name, const char *secret, const char *nonce_b64,
                             char **out);

#endif
