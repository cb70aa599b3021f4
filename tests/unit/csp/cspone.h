/* SPDX-License-Identifier: Apache-2.0 */
/* One server command with one Item through the dispatcher, its answers
 * compared with `want` (dm_expect's notation), for the CSP tests. */
#ifndef OMADM_TESTS_CSPONE_H
#define OMADM_TESTS_CSPONE_H

#include "dmtest.h"
#include "tree/tree.h"

void csp_one(omadm_tree *tree, syncml_cmd_type type, const char *target, const char *data,
             const char *format, const char *want);

/* The tests' shorthand: `f` is a fixture with a `tree`. */
#define one(f, ...) csp_one((f)->tree, __VA_ARGS__)

#endif
