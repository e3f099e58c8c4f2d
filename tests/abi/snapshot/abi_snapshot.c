/*
 * The plugin ABI as a library abidw can read (tests/abi/README.md, "The 1.0 snapshot"): one
 * exported function takes every public type of plugin.h, so the layout of every struct, every
 * function-pointer signature of hearth_host_api and hearth_driver_desc, and the entry point's
 * type end up in the library's debug info. The numeric #defines (status codes, value and
 * parameter types, priorities, flags, limits) are carried as the enumerators of
 * hearth_abi_constants (abi_constants.h, generated from plugin.h by CMake), so a changed value
 * shows up in abidiff too.
 */
#include <hearth/plugin.h>

#include "abi_constants.h"

HEARTH_EXPORT void hearth_abi_snapshot(const hearth_plugin_desc *plugin,
                                       const hearth_driver_desc *driver,
                                       const hearth_param_desc *param, const hearth_host_api *host,
                                       const hearth_value *value, const hearth_arg *arg,
                                       const hearth_command *command,
                                       const hearth_modbus_request *request,
                                       const hearth_modbus_result *result,
                                       const hearth_ct_block *ct_block,
                                       hearth_plugin_entry_fn entry,
                                       enum hearth_abi_constants constants);

void hearth_abi_snapshot(const hearth_plugin_desc *plugin, const hearth_driver_desc *driver,
                         const hearth_param_desc *param, const hearth_host_api *host,
                         const hearth_value *value, const hearth_arg *arg,
                         const hearth_command *command, const hearth_modbus_request *request,
                         const hearth_modbus_result *result, const hearth_ct_block *ct_block,
                         hearth_plugin_entry_fn entry, enum hearth_abi_constants constants) {
  (void)plugin;
  (void)driver;
  (void)param;
  (void)host;
  (void)value;
  (void)arg;
  (void)command;
  (void)request;
  (void)result;
  (void)ct_block;
  (void)entry;
  (void)constants;
}
