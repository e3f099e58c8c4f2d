/* hostile-no-entry: a shared library without the hearth_plugin_entry symbol (it exports a
 * misspelt one instead), which the host must refuse without crashing. */
#include "hostile_common.h"

HOSTILE_PLUGIN("hostile-no-entry", "hostile-no-entry", HEARTH_ABI_VERSION, HEARTH_ABI_VERSION);

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry_v0(uint32_t host_abi_version,
                                                               const hearth_host_api *host) {
  (void)host_abi_version;
  (void)host;
  return &hostile_desc;
}
