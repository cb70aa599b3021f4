/* SPDX-License-Identifier: Apache-2.0 */
/* The platform a caller names, native or simulated (platform/open.h). */
#include "platform/open.h"

#include "platform/sim/sim.h"
#if defined(_WIN32)
#include "platform/win32/win32.h"
#else
#include "platform/posix/posix.h"
#endif

omadm_status omadm__platform_open(omadm_platform *out, int sim, const char *state_dir,
                                  int allow_restart)
{
    if (sim)
        return omadm_platform_sim_new(out, state_dir);
#if defined(_WIN32)
    return omadm_platform_win32_new(out, state_dir, allow_restart);
#else
    return omadm_platform_posix_new(out, state_dir, allow_restart);
#endif
}
