/* SPDX-License-Identifier: Apache-2.0 */
/* MS-MDE2 enrollment messages (internal side; the public API is
 * omadm/include/omadm/enroll.h). The builders here append to an omadm_buf,
 * as the rest of the library does; the public ones (enroll/public.c) hand
 * the result out as a string. */
#ifndef OMADM_ENROLL_ENROLL_H
#define OMADM_ENROLL_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "omadm/enroll.h"
#include "omadm/status.h"

/* Appends the Discover envelope (RequestVersion 4.0, DeviceType
 * CIMClient_Windows, AuthPolicies as asked) to out. */
omadm_status omadm__enroll_build_discover(omadm_buf *out, const omadm_enroll_addr *addr,
                                          const omadm_enroll_discover_req *req);

omadm_status omadm__enroll_build_get_policies(omadm_buf *out, const omadm_enroll_addr *addr,
                                              const omadm_enroll_creds *creds);

/* RequestType Issue (renew = 0) or Renew (renew = 1; creds may then be of
 * kind CERTIFICATE: no wsse:Security). See omadm_enroll_build_rst. */
omadm_status omadm__enroll_build_rst(omadm_buf *out, const omadm_enroll_addr *addr,
                                     const omadm_enroll_creds *creds, int renew,
                                     const char *csr_b64, const omadm_enroll_context_item *items,
                                     size_t n_items);

#endif
