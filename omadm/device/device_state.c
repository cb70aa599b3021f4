/* SPDX-License-Identifier: Apache-2.0 */
/* A device's restart lifecycle and DMClient state for agents
 * (omadm/restart.h, omadm/dmclient.h): the public face of the Reboot and
 * DMClient CSPs' internals, which stay free to change. */
#include "omadm/dmclient.h"
#include "omadm/restart.h"

#include <stdio.h>
#include <string.h>

#include "core/versioned.h"
#include "device/device_int.h"

/* The internal and public kinds name the same schedules. */
typedef char
    restart_kinds_agree[(int)OMADM_RESTART_SINGLE == (int)OMADM_REBOOT_SINGLE &&
                                (int)OMADM_RESTART_DAILY == (int)OMADM_REBOOT_DAILY &&
                                (int)OMADM_RESTART_WEEKLY == (int)OMADM_REBOOT_WEEKLY &&
                                (int)OMADM_RESTART_KIND_COUNT == (int)OMADM_REBOOT_KIND_COUNT
                            ? 1
                            : -1];

omadm_status omadm_device_restart_flush(omadm_device *d)
{
    if (!d)
        return OMADM_ERR_INVALID;
    if (!d->tree)
        return OMADM_ERR_STATE;
    return omadm__reboot_flush(d->reboot);
}

size_t omadm_device_restart_pending_count(const omadm_device *d)
{
    return d ? omadm__reboot_pending_count(d->reboot) : 0;
}

omadm_status omadm_device_restart_pending_at(const omadm_device *d, size_t index,
                                             omadm_restart_pending *out)
{
    omadm_reboot_pending p;
    omadm_status st;

    if (!d || !out || out->size < sizeof *out)
        return OMADM_ERR_INVALID;
    st = omadm__reboot_pending_at(d->reboot, index, &p);
    if (st != OMADM_OK)
        return st;
    omadm__versioned_clear(out, sizeof *out);
    out->trigger = p.trigger;
    out->uri = p.uri;
    out->cmdref = p.cmdref;
    out->state = p.state;
    out->requested = p.requested;
    out->deadline = p.deadline;
    out->earlier_boot = p.earlier_boot;
    return OMADM_OK;
}

omadm_status omadm_device_restart_schedule(const omadm_device *d, omadm_restart_kind kind,
                                           omadm_restart_schedule *out)
{
    omadm_reboot_schedule s;
    omadm_status st;

    if (!d || !out || out->size < sizeof *out || (int)kind < 0 ||
        (int)kind >= (int)OMADM_RESTART_KIND_COUNT)
        return OMADM_ERR_INVALID;
    st = omadm__reboot_schedule_get(d->reboot, (omadm_reboot_kind)kind, &s);
    if (st != OMADM_OK)
        return st;
    omadm__versioned_clear(out, sizeof *out);
    out->set = s.set;
    out->node = s.node;
    out->text = s.text;
    snprintf(out->value, sizeof out->value, "%s", s.value);
    out->instant = s.instant;
    out->next_fire = s.next_fire;
    return OMADM_OK;
}

const char *omadm_restart_outcome_type(void)
{
    return OMADM_REBOOT_OUTCOME_TYPE;
}

omadm_status omadm_device_poll_schedule(const omadm_device *d, omadm_poll_schedule_info *out)
{
    omadm_poll_schedule ps = OMADM_POLL_SCHEDULE_DEFAULT;
    omadm_status st = OMADM_OK;
    int has = 0;

    if (!d || !out || out->size < sizeof *out)
        return OMADM_ERR_INVALID;
    if (d->dmclient)
        omadm__dmclient_poll_get(d->dmclient, &ps, &has);
    else
        st = omadm__dmclient_load_schedule(&d->platform, &ps, &has);
    if (st != OMADM_OK)
        return st;
    omadm__versioned_clear(out, sizeof *out);
    out->interval_first = ps.interval_first;
    out->count_first = ps.count_first;
    out->interval_second = ps.interval_second;
    out->count_second = ps.count_second;
    out->interval_remaining = ps.interval_remaining;
    out->count_remaining = ps.count_remaining;
    out->poll_on_login = ps.poll_on_login;
    out->all_users_poll_on_first_login = ps.all_users_poll_on_first_login;
    out->from_server = has;
    return OMADM_OK;
}

omadm_status omadm_device_dmclient_provider(omadm_device *d, const char *id)
{
    if (!d || !id)
        return OMADM_ERR_INVALID;
    if (!d->dmclient)
        return OMADM_ERR_STATE;
    return omadm__dmclient_ensure_provider(d->dmclient, id);
}

omadm_status omadm_device_push_channel(omadm_device *d, const char *uri, int status)
{
    if (!d)
        return OMADM_ERR_INVALID;
    if (!d->dmclient)
        return OMADM_ERR_STATE;
    return omadm__dmclient_push_set_channel(d->dmclient, uri, status);
}
