/* SPDX-License-Identifier: Apache-2.0 */
#include "csp/reboot/rbtime.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Howard Hinnant's civil-date algorithms (public domain), proleptic
 * Gregorian, valid far beyond the years 0001-9999 we accept. */
int64_t omadm__reboot_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void omadm__reboot_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly `n` decimal digits at text[*pos]. */
static int digits(const char *text, size_t len, size_t *pos, size_t n, unsigned *value)
{
    unsigned v = 0;
    size_t i;

    if (len - *pos < n)
        return 0;
    for (i = 0; i < n; i++) {
        char c = text[*pos + i];

        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (unsigned)(c - '0');
    }
    *pos += n;
    *value = v;
    return 1;
}

static int literal(const char *text, size_t len, size_t *pos, char c)
{
    if (*pos >= len || text[*pos] != c)
        return 0;
    (*pos)++;
    return 1;
}

omadm_status omadm__reboot_iso_parse(const char *text, size_t len, omadm__reboot_iso *out)
{
    /* Zeroed for gcc -O3, which cannot see that digits() sets them. */
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, oh, om;
    size_t pos = 0, frac = 0;
    int sign;

    if (!text || !out)
        return OMADM_ERR_INVALID;
    if (!digits(text, len, &pos, 4, &y) || !literal(text, len, &pos, '-') ||
        !digits(text, len, &pos, 2, &mo) || !literal(text, len, &pos, '-') ||
        !digits(text, len, &pos, 2, &d) || !literal(text, len, &pos, 'T') ||
        !digits(text, len, &pos, 2, &h) || !literal(text, len, &pos, ':') ||
        !digits(text, len, &pos, 2, &mi) || !literal(text, len, &pos, ':') ||
        !digits(text, len, &pos, 2, &s))
        return OMADM_ERR_PARSE;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        s > 59)
        return OMADM_ERR_PARSE;
    if (pos < len && text[pos] == '.') {
        pos++;
        while (pos < len && text[pos] >= '0' && text[pos] <= '9' && frac < 10) {
            pos++;
            frac++;
        }
        if (frac < 1 || frac > 9)
            return OMADM_ERR_PARSE;
    }
    out->has_offset = 0;
    out->offset = 0;
    if (pos < len) {
        if (text[pos] == 'Z') {
            pos++;
            out->has_offset = 1;
        } else if (text[pos] == '+' || text[pos] == '-') {
            sign = text[pos] == '-' ? -1 : 1;
            pos++;
            if (!digits(text, len, &pos, 2, &oh))
                return OMADM_ERR_PARSE;
            literal(text, len, &pos, ':'); /* ±hh:mm or ±hhmm */
            if (!digits(text, len, &pos, 2, &om) || oh > 23 || om > 59)
                return OMADM_ERR_PARSE;
            /* "+hh:mm" and "+hhmm" only: "+hh:mmss" etc. fall through to
             * the trailing-garbage check below. */
            out->has_offset = 1;
            out->offset = sign * (int32_t)(oh * 3600 + om * 60);
        } else {
            return OMADM_ERR_PARSE;
        }
    }
    if (pos != len)
        return OMADM_ERR_PARSE;
    out->wall = omadm__reboot_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
                (int64_t)mi * 60 + (int64_t)s;
    return OMADM_OK;
}

int omadm__reboot_iso_is_clear(const char *text, size_t len)
{
    static const char zero[] = "0000-00-00T00:00:00";

    return len == 0 || (len == sizeof(zero) - 1 && memcmp(text, zero, len) == 0);
}

static void split(int64_t t, int64_t *y, unsigned *mo, unsigned *d, unsigned *h, unsigned *mi,
                  unsigned *s)
{
    int64_t days = t / 86400, rem = t % 86400;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    omadm__reboot_civil_from_days(days, y, mo, d);
    *h = (unsigned)(rem / 3600);
    *mi = (unsigned)(rem % 3600 / 60);
    *s = (unsigned)(rem % 60);
}

void omadm__reboot_format_utc(int64_t t, char *buf)
{
    int64_t y;
    unsigned mo, d, h, mi, s;

    split(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(buf, OMADM_REBOOT_TIME_LEN, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, mo, d, h, mi,
             s);
}

static char *put_2digits(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

void omadm__reboot_format_offset(int64_t wall, int32_t offset, char *buf)
{
    int64_t y;
    unsigned mo, d, h, mi, s;
    int32_t a = offset < 0 ? -offset : offset;
    char *p = buf;

    split(wall, &y, &mo, &d, &h, &mi, &s);
    if (y < 0 || y > 9999) {
        /* Years past 9999 do not fit: the text is cut (gcc -O3 sees the case). */
        if (snprintf(buf, OMADM_REBOOT_TIME_LEN,
                     "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u%c%02d:%02d", y, mo, d, h, mi, s,
                     offset < 0 ? '-' : '+', (int)(a / 3600 % 100),
                     (int)(a % 3600 / 60)) >= OMADM_REBOOT_TIME_LEN)
            buf[OMADM_REBOOT_TIME_LEN - 1] = '\0';
        return;
    }
    /* The common case by hand: this runs for every schedule written. */
    p = put_2digits(p, (unsigned)(y / 100));
    p = put_2digits(p, (unsigned)(y % 100));
    *p++ = '-';
    p = put_2digits(p, mo);
    *p++ = '-';
    p = put_2digits(p, d);
    *p++ = 'T';
    p = put_2digits(p, h);
    *p++ = ':';
    p = put_2digits(p, mi);
    *p++ = ':';
    p = put_2digits(p, s);
    *p++ = offset < 0 ? '-' : '+';
    p = put_2digits(p, (unsigned)(a / 3600 % 100));
    *p++ = ':';
    p = put_2digits(p, (unsigned)(a % 3600 / 60));
    *p = '\0';
}
