/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the enrollment provisioning document (and, on the same
 * bytes, the SOAP answers' parsers: Discover, GetPolicies, RSTR).
 *
 * Checked: every result is a documented status; a document accepted has an
 * https management URL, a PROVIDER-ID, one client certificate in PEM and its
 * 40-hex-digit thumbprint; a document refused leaves the result zeroed; an
 * RSTR accepted gives a NUL-terminated document of the stated length. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "enroll/enroll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_enroll_provdoc: %s\n", what);
        abort();
    }
}

static int documented(omadm_status st)
{
    return st == OMADM_OK || st == OMADM_ERR_PARSE || st == OMADM_ERR_LIMIT ||
           st == OMADM_ERR_NOMEM || st == OMADM_ERR_PROTOCOL || st == OMADM_ERR_AUTH ||
           st == OMADM_ERR_UNSUPPORTED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    omadm_enroll_prov p;
    omadm_enroll_discovery d;
    omadm_enroll_policy pol;
    char err[300], *doc = NULL;
    size_t doc_len = 0;
    omadm_status st;

    st = omadm_enroll_parse_provdoc((const char *)data, size, &p, err, sizeof err);
    check(documented(st), "provdoc: undocumented status");
    if (st == OMADM_OK) {
        check(p.addr && strncmp(p.addr, "https://", 8) == 0, "accepted without https ADDR");
        check(p.provider_id && p.provider_id[0], "accepted without PROVIDER-ID");
        check(p.client_cert_pem && strstr(p.client_cert_pem, "-----BEGIN CERTIFICATE-----"),
              "accepted without a client certificate");
        check(p.client_thumbprint && strlen(p.client_thumbprint) == 40, "bad thumbprint");
    } else {
        check(!p.addr && !p.provider_id && !p.client_cert_pem && !p.root_pem &&
                  !p.device_auth_secret,
              "refused document left results behind");
        check(err[0] != '\0', "refused without a reason");
    }
    omadm_enroll_prov_clear(&p);

    st = omadm_enroll_parse_rstr((const char *)data, size, &doc, &doc_len, err, sizeof err);
    check(documented(st), "rstr: undocumented status");
    if (st == OMADM_OK)
        check(doc && doc[doc_len] == '\0' && doc_len > 0, "rstr document");
    else
        check(!doc, "rstr refused but returned a document");
    omadm__free(doc);

    st = omadm_enroll_parse_discover((const char *)data, size, &d, err, sizeof err);
    check(documented(st), "discover: undocumented status");
    if (st == OMADM_OK)
        check(d.enroll_url && strncmp(d.enroll_url, "https://", 8) == 0, "discover without URL");
    omadm_enroll_discovery_clear(&d);

    st = omadm_enroll_parse_policies((const char *)data, size, &pol, err, sizeof err);
    check(documented(st), "policies: undocumented status");
    return 0;
}
