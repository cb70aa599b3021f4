/* SPDX-License-Identifier: Apache-2.0 */
/* Named crash points for the restart-lifecycle tests.
 *
 * In builds with OMADM_TEST_HOOKS, when the environment variable
 * OMADM_CRASH_AT equals `point` the process exits at once with status 86
 * (_Exit: no cleanup, no flush, as a kill). Otherwise a no-op. Points in use are listed in
 * tests/unit/reboot/test_reboot_session.c (intent-written, status-produced, restart-marked,
 * restart-requested,
 * boot-detected, alert-sent, ack-received, durable-write-*). */
#ifndef OMADM_CORE_CRASH_H
#define OMADM_CORE_CRASH_H

void omadm__crash_point(const char *point);

#endif
