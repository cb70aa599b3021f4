/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the syncml codec's source files. */
#ifndef OMADM_SYNCML_SYNCML_INTERNAL_H
#define OMADM_SYNCML_SYNCML_INTERNAL_H

#include <stddef.h>

#include "syncml/syncml.h"

/* syncml_msg_new with the first arena block sized for about `hint` bytes
 * (the parser passes the input length so one block usually holds the
 * whole model). */
omadm_status omadm__syncml_msg_new_sized(syncml_msg **out, size_t hint);
/* Uninitialised, max-aligned arena memory; NULL on allocation failure. */
void *omadm__syncml_alloc_raw(syncml_msg *msg, size_t size);

#endif
