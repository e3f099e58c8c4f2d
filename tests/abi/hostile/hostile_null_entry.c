/* hostile-null-entry: refuses every host the documented way: logs why through host->log(NULL,
 * ...) and returns NULL from the entry function. */
#include <hearth/plugin.h>
#include <stddef.h>

#define HOSTILE_NULL_ENTRY_REASON "hostile-null-entry: refusing this host on purpose"

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  (void)host_abi_version;
  host->log(NULL, HEARTH_LOG_ERROR, HOSTILE_NULL_ENTRY_REASON);
  return NULL;
}
