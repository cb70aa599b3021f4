/* SPDX-License-Identifier: Apache-2.0 */
/* Digits: one hexadecimal digit, for the percent-decoding of the key=value
 * state files (dmclient, push, reboot), and unsigned decimals for the
 * session's hot path, where snprintf cost more than the rest of an answer. */
#ifndef OMADM_CORE_HEX_H
#define OMADM_CORE_HEX_H

/* The value (0-15) of '0'-'9', 'A'-'F' or 'a'-'f'; -1 for any other char. */
int omadm__hex_digit(char c);

#include <stddef.h>
#include <stdint.h>

/* Longest decimal of a uint64_t plus its NUL. */
#define OMADM_DEC_U64_LEN 21

/* `v` in decimal into buf (at least OMADM_DEC_U64_LEN bytes), NUL-terminated;
 * returns its length. */
size_t omadm__dec_u64(uint64_t v, char *buf);

#endif
