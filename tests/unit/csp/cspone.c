/* SPDX-License-Identifier: Apache-2.0 */
#include "cspone.h"

void csp_one(omadm_tree *tree, syncml_cmd_type type, const char *target, const char *data,
             const char *format, const char *want)
{
    syncml_msg *in = dm_msg("1");

    dm_item(in, dm_cmd(in, &in->body, type, "1"), target, data, format);
    dm_expect(tree, in, want);
    syncml_msg_free(in);
}
