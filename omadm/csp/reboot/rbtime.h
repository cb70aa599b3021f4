/* SPDX-License-Identifier: Apache-2.0 */
/* Time helpers of the Reboot CSP: the ISO 8601 grammar of reboot-csp.md §2
 * and the UTC / offset formats it reports. Pure functions, no platform. */
#ifndef OMADM_CSP_REBOOT_RBTIME_H
#define OMADM_CSP_REBOOT_RBTIME_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"

/* A parsed schedule value. */
typedef struct omadm__reboot_iso {
    int64_t wall;   /* the date and time fields read as if they were UTC:
                       seconds since 1970-01-01T00:00:00 (fraction dropped) */
    int has_offset; /* Z, ±hh:mm or ±hhmm was given */
    int32_t offset; /* seconds east of UTC when has_offset, else 0 */
} omadm__reboot_iso;

/* Parses exactly `len` bytes as YYYY-MM-DDThh:mm:ss[.f{1,9}][Z|±hh:mm|±hhmm]
 * (year 0001-9999, real calendar dates with Gregorian leap years, hours
 * 00-23, minutes and seconds 00-59, offsets up to ±23:59). Everything else
 * (week and ordinal dates, date-only, time-only, basic format, 24:00, leap
 * seconds, spaces, a lower-case 't') is OMADM_ERR_PARSE. */
omadm_status omadm__reboot_iso_parse(const char *text, size_t len, omadm__reboot_iso *out);

/* Non-zero when the text is the "clear this schedule" value: empty or
 * 0000-00-00T00:00:00 (reboot-csp.md §2). */
int omadm__reboot_iso_is_clear(const char *text, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t omadm__reboot_days_from_civil(int64_t y, unsigned m, unsigned d);
void omadm__reboot_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#define OMADM_REBOOT_TIME_LEN 32
/* "YYYY-MM-DDThh:mm:ssZ" for unix time `t` into buf (OMADM_REBOOT_TIME_LEN). */
void omadm__reboot_format_utc(int64_t t, char *buf);
/* "YYYY-MM-DDThh:mm:ss±hh:mm" for wall-clock seconds `wall` (fields as if
 * UTC) at `offset` seconds east of UTC ("+00:00" for UTC). */
void omadm__reboot_format_offset(int64_t wall, int32_t offset, char *buf);

#endif
