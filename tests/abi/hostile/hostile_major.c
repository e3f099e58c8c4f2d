/* hostile-major: built for the next ABI major (2.0 for a 1.x host), which the host must refuse
 * (plugin.h, VERSIONING). */
#include "hostile_common.h"

#define HOSTILE_ABI_NEXT_MAJOR ((uint32_t)((HEARTH_ABI_MAJOR + 1u) << 16))

HOSTILE_PLUGIN("hostile-major", "hostile-major", HOSTILE_ABI_NEXT_MAJOR, HOSTILE_ABI_NEXT_MAJOR);

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  (void)host_abi_version;
  (void)host;
  return &hostile_desc;
}
