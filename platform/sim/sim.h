/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated platform (DESIGN.md §4 "Simulated platform"): deterministic,
 * scriptable through files, and it never restarts anything.
 *
 * Durable files live in <state-dir> (as on every platform); the simulation's
 * own files live in <state-dir>/sim/:
 *
 *   restarts.log    one line per accepted restart request, appended, not
 *                   fsynced (it stands for the OS's shutdown request):
 *                   "requested_at=<unix> deadline=<unix> reason=<text>"
 *                   (reason made one line: control bytes become spaces,
 *                   at most 200 bytes).
 *   boot-id         the boot identity (its text, trailing whitespace
 *                   removed); created with a random 32-hex-digit id at the
 *                   first start. A test "reboots" the device by stopping the
 *                   agent, writing a new boot-id and starting it again.
 *   boot-time       decimal unix time the current boot began. Written when
 *                   boot-id is created, and again at start-up when boot-id
 *                   changed since the last start but boot-time did not (the
 *                   test rebooted without setting a time): the boot began
 *                   "now". A test may write it itself.
 *   boot-seen       (managed by the sim) the boot-id and boot-time seen at
 *                   the last start, to detect the case above.
 *   now             if present, its decimal content is the current unix time
 *                   (re-read at every call); else the real clock.
 *   clock           if present at start-up: "<sim> <real> <scale>" (decimal
 *                   unix seconds of sim time at real unix time <real>, which
 *                   may have a fraction, and sim seconds per real second,
 *                   > 0): the clock is sim + floor((real now - real) *
 *                   scale), `now` is ignored, and the sim runs cached: it
 *                   reads clock, boot-id, boot-time, utc-offset and which
 *                   fact-<name> files exist once, at start-up, and never
 *                   again while open (omadm-fleet, which owns the sim clock
 *                   of thousands of devices in one process, writes it; a
 *                   test that moves the clock or reboots by writing files
 *                   while the agent runs does not).
 *   utc-offset      if present, seconds east of UTC; else 0.
 *   machine-id      the machine identity (32 hex digits, random at first
 *                   use); a test clones an image by writing another.
 *   refuse-restart  if present, request_restart fails with OMADM_ERR_ACCESS
 *                   and writes nothing.
 *   fact-<name>     if present, overrides a device fact; names: manufacturer,
 *                   model, language, os-version, os-platform,
 *                   firmware-version, hardware-version, device-name,
 *                   serial-number, total-ram-mb.
 *
 * Default facts: "Contoso Sim", "SIM-1", "en-US", "10.0.19045.2965",
 * "Windows 10 Enterprise (simulated)", "SIM-FW-1.0", "1.0", "SIM-DEVICE",
 * "SIM0001", "4096". */
#ifndef OMADM_PLATFORM_SIM_H
#define OMADM_PLATFORM_SIM_H

#include "platform/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills *out with the simulated platform on `state_dir` (created, mode 0700,
 * with its sim/ subdirectory, if missing; copied). Release with
 * out->destroy(out->ctx). On failure *out is left zeroed. */
omadm_status omadm_platform_sim_new(omadm_platform *out, const char *state_dir);

/* The sim's name for a fact ("manufacturer"...), NULL if out of range. */
const char *omadm_platform_sim_fact_name(omadm_fact fact);

#ifdef __cplusplus
}
#endif
#endif
