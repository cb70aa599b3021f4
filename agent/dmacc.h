/* ./SyncML/DMAcc/<account>/AppAuth/(CLCRED|SRVCRED)/(AAuthName|AAuthSecret):
 * the DM account's credentials, as Fleet rotates them with Replace after an
 * enrollment. Registered for enrolled devices only; <account> is the
 * enrollment's provider id. A Replace is written to the enrollment state
 * at once (atomically) and used from the next session on. Secrets are
 * write-only (Get answers 405) and never logged. */
#ifndef AGENT_DMACC_H
#define AGENT_DMACC_H

#include "omadm/csp.h"
#include "platform/platform.h"

/* 0, or -1 when out of memory / the tree refuses. `platform` is borrowed
 * and outlives the tree. */
int agent_dmacc_register(omadm_tree *tree, const omadm_platform *platform, const char *account);

#endif
