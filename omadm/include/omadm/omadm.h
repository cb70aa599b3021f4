/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: the umbrella header. */
#ifndef OMADM_OMADM_H
#define OMADM_OMADM_H

#include "omadm/version.h"
#include "omadm/status.h"
#include "omadm/csp.h"
#include "omadm/log.h"
#include "omadm/device.h"
#include "omadm/plugin.h"
#include "omadm/enroll.h"
#include "omadm/cert.h"
#include "omadm/restart.h"
#include "omadm/dmclient.h"
#include "omadm/record.h"
#include "omadm/kv.h"
#include "omadm/notify.h"

#endif
