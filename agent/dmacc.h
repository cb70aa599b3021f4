/* SPDX-License-Identifier: Apache-2.0 */
/* ./SyncML/DMAcc/<account>/AppAuth/(CLCRED|SRVCRED)/(AAuthName|AAuthSecret):
 * the DM account's credentials, as Fleet rotates them with Replace after an
 * enrollment. Registered for enrolled devices only; <account> is the
 * enrollment's provider id. A Replace is written to the enrollment state
 * at once (atomically) and used from the next message on (the session
 * picks it up: agent_dmacc_rotations, agent_dmacc_current). Secrets are
 * write-only (Get answers 405) and never logged. */
#ifndef AGENT_DMACC_H
#define AGENT_DMACC_H

#include "omadm/csp.h"
#include "platform/platform.h"

/* 0, or -1 when out of memory / the tree refuses. `platform` is borrowed
 * and outlives the tree. */
int agent_dmacc_register(omadm_tree *tree, const omadm_platform *platform, const char *account);

/* How many times this process stored device credentials (CLCRED) the
 * server replaced: a change means the session must take them up. */
unsigned agent_dmacc_rotations(void);

/* The device's DM credentials (CLCRED) as the enrollment state holds them
 * now: 0 with *name and *secret (malloc; wipe the secret), both NULL when
 * the state has none; -1 when it cannot be read. */
int agent_dmacc_current(const omadm_platform *platform, char **name, char **secret);

#endif
