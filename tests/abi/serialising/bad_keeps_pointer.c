/*
 * bad-keeps-pointer: breaks the rule "a pointer passed into a call is valid only for that call"
 * on purpose. It keeps the register array of a Modbus answer and the last command struct, and
 * reads both on every timer tick, publishing what it finds in the point "seen". Under the
 * serialising host it must read the poison pattern (or, with freed buffers under ASan, die with
 * heap-use-after-free): that is how tests/abi proves such a plugin is caught.
 */
#include <hearth/plugin.h>
#include <stdlib.h>
#include <string.h>

static const hearth_host_api *g_host;

typedef struct bad_plugin {
  hearth_device *dev;
  int32_t seen;
  const uint16_t *kept_registers;     /* the bug */
  const hearth_command *kept_command; /* the bug */
} bad_plugin;

static void publish_seen(bad_plugin *b, int64_t value) {
  hearth_value v;
  memset(&v, 0, sizeof v);
  v.type = HEARTH_VALUE_INT;
  v.as.i = value;
  g_host->point_publish(b->dev, b->seen, &v, g_host->now_mono_ns(), HEARTH_QUALITY_GOOD);
}

static void answered(void *user, const hearth_modbus_result *result) {
  bad_plugin *b = (bad_plugin *)user;
  if (result->status != HEARTH_OK || result->count < 1) return;
  b->kept_registers = result->values;
  publish_seen(b, b->kept_registers[0]); /* still valid here */
}

static void tick(void *user) {
  bad_plugin *b = (bad_plugin *)user;
  if (b->kept_registers != NULL) publish_seen(b, b->kept_registers[0]);
  if (b->kept_command != NULL) publish_seen(b, (uint8_t)b->kept_command->name[0]);
}

static int32_t bad_create(hearth_device *dev, void **instance) {
  bad_plugin *b = (bad_plugin *)calloc(1, sizeof *b);
  if (b == NULL) return HEARTH_E_NO_MEMORY;
  b->dev = dev;
  *instance = b;
  return HEARTH_OK;
}

static int32_t bad_start(void *instance) {
  bad_plugin *b = (bad_plugin *)instance;
  hearth_modbus_request read;
  uint64_t id = 0;
  memset(&read, 0, sizeof read);
  read.struct_size = sizeof read;
  read.function = HEARTH_MODBUS_READ_HOLDING_REGISTERS;
  read.unit = 1;
  read.count = 1;
  b->seen = g_host->point_declare(b->dev, "seen", HEARTH_VALUE_INT, "", 10000);
  if (b->seen < 0) return b->seen;
  g_host->timer_start(b->dev, 100, 100, tick, b);
  return g_host->modbus_submit(b->dev, &read, answered, b, &id);
}

static int32_t bad_command(void *instance, const hearth_command *command) {
  bad_plugin *b = (bad_plugin *)instance;
  b->kept_command = command;
  publish_seen(b, (uint8_t)command->name[0]); /* still valid here */
  return g_host->command_complete(b->dev, command->id, HEARTH_OK, NULL);
}

static void bad_stop(void *instance) {
  (void)instance;
}
static void bad_destroy(void *instance) {
  free(instance);
}

static const hearth_driver_desc bad_drivers[] = {
    {sizeof(hearth_driver_desc), 0, "bad-keeps-pointer", "test",
     "Reads pointers it kept past the call", NULL, bad_create, bad_start, bad_command, bad_stop,
     bad_destroy},
};

static const hearth_plugin_desc bad_desc = {sizeof(hearth_plugin_desc),
                                            HEARTH_ABI_VERSION,
                                            HEARTH_ABI_VERSION,
                                            1,
                                            "bad-keeps-pointer",
                                            "0.0.1",
                                            "Hearth tests",
                                            "Apache-2.0",
                                            "Keeps pointers past the call, on purpose",
                                            bad_drivers};

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  (void)host_abi_version;
  g_host = host;
  return &bad_desc;
}
