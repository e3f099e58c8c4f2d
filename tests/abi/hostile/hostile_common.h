/*
 * A do-nothing driver and descriptor for the hostile plugins that misbehave only at load time,
 * so each of their sources states its one misbehaviour and nothing else.
 */
#ifndef HEARTH_TESTS_ABI_HOSTILE_COMMON_H
#define HEARTH_TESTS_ABI_HOSTILE_COMMON_H

#include <hearth/plugin.h>
#include <stddef.h>

static int32_t hostile_create(hearth_device *dev, void **instance) {
  (void)dev;
  *instance = NULL;
  return HEARTH_OK;
}
static int32_t hostile_start(void *instance) {
  (void)instance;
  return HEARTH_OK;
}
static int32_t hostile_command(void *instance, const hearth_command *command) {
  (void)instance;
  (void)command;
  return HEARTH_E_NOT_SUPPORTED;
}
static void hostile_stop(void *instance) {
  (void)instance;
}
static void hostile_destroy(void *instance) {
  (void)instance;
}

/* One driver named `driver_name` and a plugin descriptor `hostile_desc` with the given versions. */
#define HOSTILE_PLUGIN(plugin_id, driver_name, abi_version, min_host_abi)                       \
  static const hearth_driver_desc hostile_drivers[] = {                                         \
      {sizeof(hearth_driver_desc), 0, driver_name, "test", "A hostile plugin for loader tests", \
       NULL, hostile_create, hostile_start, hostile_command, hostile_stop, hostile_destroy}};   \
  static const hearth_plugin_desc hostile_desc = {sizeof(hearth_plugin_desc),                   \
                                                  abi_version,                                  \
                                                  min_host_abi,                                 \
                                                  1,                                            \
                                                  plugin_id,                                    \
                                                  "0.0.1",                                      \
                                                  "Hearth tests",                               \
                                                  "Apache-2.0",                                 \
                                                  "A hostile plugin for loader tests",          \
                                                  hostile_drivers}

#endif
