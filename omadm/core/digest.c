/* SPDX-License-Identifier: Apache-2.0 */
#include "core/digest.h"

#include <stdatomic.h>

#include <openssl/evp.h>

/* The fetched SHA-256, shared by all threads; NULL until the first call. */
static _Atomic(EVP_MD *) sha256_md;

static const EVP_MD *sha256_fetched(void)
{
    EVP_MD *md = atomic_load(&sha256_md), *expected = NULL;

    if (md)
        return md;
    md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!md)
        return EVP_sha256(); /* out of memory: the implicit fetch still works */
    if (!atomic_compare_exchange_strong(&sha256_md, &expected, md)) {
        /* Another thread was first: use its digest, drop ours. */
        EVP_MD_free(md);
        return expected;
    }
    return md;
}

int omadm__sha256(const void *data, size_t len, unsigned char out[OMADM_SHA256_LEN])
{
    unsigned int n = 0;

    return EVP_Digest(data, len, out, &n, sha256_fetched(), NULL) == 1 && n == OMADM_SHA256_LEN;
}
