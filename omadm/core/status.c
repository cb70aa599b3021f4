/* SPDX-License-Identifier: Apache-2.0 */
#include "omadm/status.h"
#include "omadm/version.h"

const char *omadm_status_name(omadm_status status)
{
    switch (status) {
#define OMADM_STATUS_NAME_(name, value, text)                                                      \
    case name:                                                                                     \
        return #name;
        OMADM_STATUS_TABLE(OMADM_STATUS_NAME_)
#undef OMADM_STATUS_NAME_
    }
    return "OMADM_UNKNOWN";
}

const char *omadm_status_str(omadm_status status)
{
    switch (status) {
#define OMADM_STATUS_STR_(name, value, text)                                                       \
    case name:                                                                                     \
        return text;
        OMADM_STATUS_TABLE(OMADM_STATUS_STR_)
#undef OMADM_STATUS_STR_
    }
    return "unknown status";
}

int omadm_version_number(void)
{
    return OMADM_VERSION_NUMBER;
}

const char *omadm_version_string(void)
{
    return OMADM_VERSION_STRING;
}
