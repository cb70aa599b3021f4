/* SPDX-License-Identifier: Apache-2.0 */
/* Opens the platform layer a caller names: the build's native one (posix/
 * or win32/) or the simulation. For omadm_device_new (omadm/device.h), which
 * must not know which OS it was built for. */
#ifndef OMADM_PLATFORM_OPEN_H
#define OMADM_PLATFORM_OPEN_H

#include "platform/platform.h"

/* sim non-zero: platform/sim; else native, restarting the machine only
 * when allow_restart is non-zero. Same contract as the layers' _new. */
omadm_status omadm__platform_open(omadm_platform *out, int sim, const char *state_dir,
                                  int allow_restart);

#endif
