/* hostile-major: built for ABI major 1 (1.0), which a 0.x host must refuse (plugin.h, VERSIONING).
 */
#include "hostile_common.h"

#define HOSTILE_ABI_1_0 ((uint32_t)(1u << 16))

HOSTILE_PLUGIN("hostile-major", "hostile-major", HOSTILE_ABI_1_0, HOSTILE_ABI_1_0);

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  (void)host_abi_version;
  (void)host;
  return &hostile_desc;
}
