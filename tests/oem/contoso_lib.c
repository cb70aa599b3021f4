/* SPDX-License-Identifier: Apache-2.0 */
/* The example CSP on your own tree, answering through libomadm. */
#include "contoso_settings.h"

contoso_settings *contoso_settings_new(void)
{
    contoso_io io = { omadm_csp_value_set, omadm_csp_children_add, NULL, NULL };

    return contoso_settings_new_io(&io);
}

omadm_status contoso_settings_register(omadm_tree *tree, contoso_settings *settings)
{
    size_t n;
    const omadm_node_def *nodes = contoso_settings_nodes(&n);

    return omadm_tree_register(tree, CONTOSO_ROOT, contoso_settings_ops(), nodes, n,
                               OMADM_CSP_SCOPE_DEVICE, settings);
}
