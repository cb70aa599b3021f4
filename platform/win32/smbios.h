/* SPDX-License-Identifier: Apache-2.0 */
/* Device facts from the raw SMBIOS table that Windows returns for
 * GetSystemFirmwareTable('RSMB', 0): pure C, no OS header, so it can be
 * tested on crafted tables. The table is firmware data: every length and
 * string index is checked against the buffer. */
#ifndef OMADM_PLATFORM_WIN32_SMBIOS_H
#define OMADM_PLATFORM_WIN32_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"

#define OMADM__SMBIOS_STRING_MAX 128

/* Each member "" when the table does not carry it, carries an empty string
 * or a known placeholder ("To Be Filled By O.E.M.", "Default string"...).
 * Control bytes become spaces, surrounding spaces are trimmed, and a value
 * longer than 127 bytes is cut at a UTF-8 character boundary. */
typedef struct omadm__smbios_facts {
    char manufacturer[OMADM__SMBIOS_STRING_MAX]; /* type 1 (System) Manufacturer */
    char product[OMADM__SMBIOS_STRING_MAX];      /* type 1 Product Name */
    char version[OMADM__SMBIOS_STRING_MAX];      /* type 1 Version */
    char serial[OMADM__SMBIOS_STRING_MAX];       /* type 1 Serial Number */
    char bios_version[OMADM__SMBIOS_STRING_MAX]; /* type 0 (BIOS) BIOS Version */
} omadm__smbios_facts;

/* Size of the RawSMBIOSData header in front of the structures. */
#define OMADM__SMBIOS_RAW_HEADER 8

/* Parses `len` bytes at `data` (the RawSMBIOSData header, then the
 * structures) into *out (always initialised). The first structure of each
 * type counts. OMADM_ERR_PARSE when the header is short or announces more
 * bytes than `len` holds; a structure cut short ends the walk and keeps what
 * came before it (OMADM_OK). OMADM_ERR_INVALID for NULL arguments. */
omadm_status omadm__smbios_parse(const uint8_t *data, size_t len, omadm__smbios_facts *out);

#endif
