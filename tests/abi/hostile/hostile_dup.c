/* hostile-dup-a and hostile-dup-b: two libraries built from this file with the same plugin id
 * "hostile-dup" and different driver names (HOSTILE_DUP_DRIVER). The host keeps the first it
 * loads and refuses the second as a duplicate. */
#include "hostile_common.h"

#ifndef HOSTILE_DUP_DRIVER
#error "build with -DHOSTILE_DUP_DRIVER=\"hostile-dup-a\" or \"hostile-dup-b\""
#endif

HOSTILE_PLUGIN("hostile-dup", HOSTILE_DUP_DRIVER, HEARTH_ABI_VERSION, HEARTH_ABI_VERSION);

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  (void)host_abi_version;
  (void)host;
  return &hostile_desc;
}
