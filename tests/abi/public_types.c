/* SPDX-License-Identifier: Apache-2.0 */
/* Makes every public struct that no libomadm function takes (the plugin
 * ABI: the host table and descriptor; the CSP tables reach the library
 * only through pointers) part of an ABI corpus: abi-check.sh compares this
 * module's exported function with tests/abi/public-types.abi. */
#include <omadm/omadm.h>
#include <omadm/plugin.h>

#if defined(__GNUC__)
#define ABI_EXPORT __attribute__((visibility("default")))
#else
#define ABI_EXPORT
#endif

ABI_EXPORT int omadm_abi_public_types(const omadm_plugin_host *host,
                                      const omadm_plugin_descriptor *descriptor,
                                      omadm_plugin_entry_fn entry, omadm_plugin_fact fact,
                                      const omadm_csp_ops *ops, const omadm_csp_request *req,
                                      const omadm_node_def *node, omadm_log_fn log,
                                      omadm_status status);

ABI_EXPORT int omadm_abi_public_types(const omadm_plugin_host *host,
                                      const omadm_plugin_descriptor *descriptor,
                                      omadm_plugin_entry_fn entry, omadm_plugin_fact fact,
                                      const omadm_csp_ops *ops, const omadm_csp_request *req,
                                      const omadm_node_def *node, omadm_log_fn log,
                                      omadm_status status)
{
    return host != NULL && descriptor != NULL && entry != NULL && ops != NULL && req != NULL &&
           node != NULL && log != NULL && (int)fact + (int)status != 0;
}
