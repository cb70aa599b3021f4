/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient CSP internals: the providers' poll state and its file
 * (dmclient.conf), shared by dmclient.c (the CSP) and state.c.
 *
 * State file (text, written whole through the platform's atomic replace):
 *     omadm-dmclient 1
 *     provider <percent-encoded id> <has-poll 0|1> <six decimals> <two 0|1>
 * one provider line per provider, in creation order. */
#ifndef OMADM_CSP_DMCLIENT_STATE_H
#define OMADM_CSP_DMCLIENT_STATE_H

#include "csp/dmclient/dmclient.h"

#define OMADM_DMCLIENT_VALUE_MAX 2147483647u

enum { N_INTS = 6, N_BOOLS = 2 };

typedef struct provider {
    char *id; /* owned, decoded */
    int has_poll;
    unsigned v[N_INTS]; /* schedule order of omadm_poll_schedule */
    int b[N_BOOLS];
} provider;

typedef struct state {
    provider p[OMADM_DMCLIENT_MAX_PROVIDERS];
    size_t n;
} state;

/* The Poll leaves' defaults, in omadm_poll_schedule order. */
extern const unsigned omadm__dmcstate_default_ints[N_INTS];

/* Frees the ids and empties *s. */
void omadm__dmcstate_clear(state *s);
/* Deep copy into *to (emptied first). 0, or -1 out of memory (*to empty). */
int omadm__dmcstate_clone(const state *from, state *to);
/* Non-zero when a and b hold the same providers and values, in order. */
int omadm__dmcstate_equal(const state *a, const state *b);
/* Sets p's schedule to the defaults (15 x 10, nothing else). */
void omadm__dmcstate_poll_defaults(provider *p);
/* 0 when a provider's Poll has all three intervals 0 (never polls). */
int omadm__dmcstate_valid(const state *s);
/* The provider with this id, or NULL. */
provider *omadm__dmcstate_find(state *s, const char *id);
/* Finds or creates (with the defaults) the provider. 0 or a negative DM
 * code (-420 full, -500 out of memory). */
int omadm__dmcstate_find_or_add(state *s, const char *id, provider **out);
/* Removes p (an element of s) and frees its id. */
void omadm__dmcstate_remove(state *s, provider *p);
/* Loads dmclient.conf into *s (empty when absent; defaults with a warning
 * when corrupt or too large). OMADM_ERR_NOMEM, or the platform's error. */
omadm_status omadm__dmcstate_load(const omadm_platform *platform, state *s);
/* Writes *s whole. 0, -420 (disk full) or -500, logged. */
int omadm__dmcstate_save(const omadm_platform *platform, const state *s);

#endif
