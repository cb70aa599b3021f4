/* SPDX-License-Identifier: Apache-2.0 */
/* DevInfo CSP (./DevInfo, dmclient-devinfo.md §2): DevId, Man, Mod, DmV,
 * Lang, all read-only (Replace answers 405). Also builds package 1's
 * DevInfo Replace for the session. */
#ifndef OMADM_CSP_DEVINFO_DEVINFO_H
#define OMADM_CSP_DEVINFO_DEVINFO_H

#include "omadm/csp.h"
#include "platform/platform.h"
#include "syncml/syncml.h"

/* Registers ./DevInfo on `tree`. `device_id` (DevId, from configuration)
 * is copied; `platform` is borrowed and must outlive the tree. The tree
 * owns the CSP's state. OMADM_ERR_INVALID for an empty device id. */
omadm_status omadm__devinfo_register(omadm_tree *tree, const omadm_platform *platform,
                                     const char *device_id);

/* The value of DevInfo node `name` ("DevId", "Man", "Mod", "DmV", "Lang")
 * into buf (size bytes). Man/Mod are "Unknown" and Lang "en-US" when the
 * platform cannot tell. OMADM_ERR_NOT_FOUND for another name,
 * OMADM_ERR_LIMIT when it does not fit. */
omadm_status omadm__devinfo_value(const omadm_platform *platform, const char *device_id,
                                  const char *name, char *buf, size_t size);

/* Builds package 1's Replace (syncml-dm §4): one Item per ./DevInfo/DevId,
 * Man, Mod, DmV, Lang, each with Source/LocURI and Data, no Meta. Allocated
 * in msg's arena; *out is not linked anywhere and its CmdID is NULL (the
 * session numbers it). OMADM_ERR_NOMEM, OMADM_ERR_INVALID (no device id). */
omadm_status omadm__devinfo_build_replace(const omadm_platform *platform, const char *device_id,
                                          syncml_msg *msg, syncml_cmd **out);

#endif
