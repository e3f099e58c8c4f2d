/* hostile-too-new: min_host_abi is one minor newer than the host's HEARTH_ABI_VERSION, so the
 * host must refuse it with a message naming both versions. */
#include "hostile_common.h"

HOSTILE_PLUGIN("hostile-too-new", "hostile-too-new", HEARTH_ABI_VERSION + 1,
               HEARTH_ABI_VERSION + 1);

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  (void)host_abi_version;
  (void)host;
  return &hostile_desc;
}
