/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 with the digest fetched once per process. OpenSSL 3 looks the
 * algorithm up on every EVP_Digest(..., EVP_sha256(), ...) call (an
 * implicit fetch: about 100,000 instructions, more than hashing a record);
 * the fetched EVP_MD is kept for the life of the process. */
#ifndef OMADM_CORE_DIGEST_H
#define OMADM_CORE_DIGEST_H

#include <stddef.h>

#define OMADM_SHA256_LEN 32

/* out: OMADM_SHA256_LEN bytes. Returns 1 on success, 0 on failure. */
int omadm__sha256(const void *data, size_t len, unsigned char out[OMADM_SHA256_LEN]);

#endif
