/* SPDX-License-Identifier: Apache-2.0 */
/* Enrollment at the start of `run`, with back-off (see service_enroll.h). */
#include "agent/service_enroll.h"

#include <openssl/rand.h>

#include "agent/enroll.h"
#include "agent/log.h"
#include "agent/os.h"

int64_t agent_enroll_backoff_ms(unsigned failures, int64_t first_ms, int64_t cap_ms,
                                uint32_t random)
{
    int64_t delay = first_ms > 0 ? first_ms : 1;

    if (cap_ms < delay)
        cap_ms = delay;
    for (unsigned i = 1; i < failures && delay < cap_ms; i++)
        delay *= 2;
    if (delay > cap_ms)
        delay = cap_ms;
    /* "equal jitter": never sooner than half the delay, never later than it */
    return delay - delay / 2 + (int64_t)(random % (uint64_t)(delay / 2 + 1));
}

static uint32_t random_u32(void)
{
    unsigned char b[4] = { 0, 0, 0, 0 };

    /* jitter only: a failure leaves it 0 (no jitter), which is still correct */
    if (RAND_bytes(b, (int)sizeof b) != 1)
        return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

agent_enroll_start agent_enroll_at_start(agent_config *cfg)
{
    unsigned failures = 0;
    int64_t first_ms = (int64_t)cfg->enroll_retry * 1000;
    int64_t cap_ms = (int64_t)AGENT_ENROLL_RETRY_CAP_S * 1000;

    if (!cfg->enroll_pending)
        return AGENT_ENROLL_START_OK;
    for (;;) {
        int transient = 0;
        int64_t delay;

        if (agent_os_stop_requested())
            return AGENT_ENROLL_START_STOPPED;
        if (agent_enroll_attempt(cfg, &transient) == 0)
            return AGENT_ENROLL_START_OK;
        if (!transient) {
            agent_log(OMADM_LOG_ERROR,
                      "enrollment refused: not retrying; correct [enroll] in the configuration "
                      "and start the agent again");
            return AGENT_ENROLL_START_REFUSED;
        }
        failures++;
        delay = agent_enroll_backoff_ms(failures, first_ms, cap_ms, random_u32());
        agent_log(OMADM_LOG_WARN,
                  "the enrollment server cannot be reached (attempt %u); trying again in %lld s",
                  failures, (long long)((delay + 999) / 1000));
        switch (agent_os_wait(delay)) {
        case AGENT_WAKE_STOP:
            return AGENT_ENROLL_START_STOPPED;
        case AGENT_WAKE_ERROR:
            agent_log(OMADM_LOG_ERROR, "cannot wait for the next enrollment attempt");
            return AGENT_ENROLL_START_REFUSED;
        default: /* the delay elapsed, or a sync request: try now */
            break;
        }
    }
}
