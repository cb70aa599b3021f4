/* SPDX-License-Identifier: Apache-2.0 */
/* One hexadecimal digit, for the percent-decoding of the key=value state
 * files (dmclient, push, reboot). */
#ifndef OMADM_CORE_HEX_H
#define OMADM_CORE_HEX_H

/* The value (0-15) of '0'-'9', 'A'-'F' or 'a'-'f'; -1 for any other char. */
int omadm__hex_digit(char c);

#endif
