/*
 * c-counter: a driver plugin in plain C99 (built with -std=c99 -pedantic -Werror), proving that
 * hearth/plugin.h needs nothing but a C compiler. It counts on a timer, publishes the count,
 * keeps it in the per-device store across restarts, and answers a "reset" command.
 */
#include <hearth/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hearth_host_api *g_host;

typedef struct counter {
  hearth_device *dev;
  int64_t step;
  int64_t period_ms;
  int64_t count;
  int32_t point;
  int32_t timer;
} counter;

static void store_count(counter *c) {
  g_host->kv_set(c->dev, "count", &c->count, (uint32_t)sizeof c->count);
}

static void publish_count(counter *c) {
  hearth_value v;
  memset(&v, 0, sizeof v);
  v.type = HEARTH_VALUE_INT;
  v.as.i = c->count;
  g_host->point_publish(c->dev, c->point, &v, g_host->now_mono_ns(), HEARTH_QUALITY_GOOD);
}

static void tick(void *user) {
  counter *c = (counter *)user;
  c->count += c->step;
  publish_count(c);
  store_count(c);
}

static int32_t counter_create(hearth_device *dev, void **instance) {
  counter *c = (counter *)calloc(1, sizeof *c);
  if (c == NULL) return HEARTH_E_NO_MEMORY;
  c->dev = dev;
  if (g_host->param_int(dev, "step", &c->step) != HEARTH_OK ||
      g_host->param_int(dev, "period", &c->period_ms) != HEARTH_OK) {
    g_host->set_error(dev, "c-counter: parameters step and period are missing");
    free(c);
    return HEARTH_E_INVALID;
  }
  if (g_host->kv_get(dev, "count", &c->count, (uint32_t)sizeof c->count) !=
      (int32_t)sizeof c->count)
    c->count = 0;
  *instance = c;
  return HEARTH_OK;
}

static int32_t counter_start(void *instance) {
  counter *c = (counter *)instance;
  int32_t status;
  c->point = g_host->point_declare(c->dev, "count", HEARTH_VALUE_INT, "", 10000);
  if (c->point < 0) return c->point;
  /* Not one the energy manager drives: a vendor's own capability is named x-<vendor>-<name>. */
  status = g_host->capability_register(c->dev, "x-test-counter", NULL, 0);
  if (status != HEARTH_OK) {
    g_host->set_error(c->dev, "c-counter: capability_register refused x-test-counter");
    return status;
  }
  c->timer = g_host->timer_start(c->dev, (uint32_t)c->period_ms, (uint32_t)c->period_ms, tick, c);
  if (c->timer < 0) return c->timer;
  g_host->health_set(c->dev, 1, NULL);
  return HEARTH_OK;
}

static int32_t find_int_arg(const hearth_command *cmd, const char *name, int64_t *out) {
  uint32_t i;
  for (i = 0; i < cmd->arg_count && i < HEARTH_COMMAND_ARGS_MAX; ++i) {
    if (strncmp(cmd->args[i].name, name, HEARTH_NAME_MAX) == 0 &&
        cmd->args[i].value.type == HEARTH_VALUE_INT) {
      *out = cmd->args[i].value.as.i;
      return 1;
    }
  }
  return 0;
}

static int32_t counter_command(void *instance, const hearth_command *cmd) {
  counter *c = (counter *)instance;
  char message[96];
  if (strncmp(cmd->name, "reset", HEARTH_NAME_MAX) != 0) {
    snprintf(message, sizeof message, "c-counter: unknown command '%.32s'", cmd->name);
    g_host->set_error(c->dev, message);
    return HEARTH_E_NOT_SUPPORTED;
  }
  c->count = 0;
  find_int_arg(cmd, "value", &c->count);
  publish_count(c);
  store_count(c);
  return g_host->command_complete(c->dev, cmd->id, HEARTH_OK, "reset");
}

static void counter_stop(void *instance) {
  counter *c = (counter *)instance;
  g_host->timer_cancel(c->dev, c->timer);
}

static void counter_destroy(void *instance) {
  free(instance);
}

static const hearth_param_desc counter_params[] = {
    {sizeof(hearth_param_desc), HEARTH_PARAM_INT, HEARTH_PARAM_HAS_MIN, 0, 1.0, 0.0, "step", "1",
     NULL, NULL, "Added to the count on every tick.", NULL},
    {sizeof(hearth_param_desc), HEARTH_PARAM_DURATION, HEARTH_PARAM_HAS_MIN, 0, 1.0, 0.0, "period",
     "100ms", NULL, "ms", "Time between two ticks.", NULL},
};

static const hearth_driver_desc counter_drivers[] = {
    {sizeof(hearth_driver_desc), sizeof counter_params / sizeof counter_params[0], "c-counter",
     "test", "Counts on a timer (a plugin written in C99)", counter_params, counter_create,
     counter_start, counter_command, counter_stop, counter_destroy},
};

static const hearth_plugin_desc counter_plugin = {sizeof(hearth_plugin_desc),
                                                  HEARTH_ABI_VERSION,
                                                  HEARTH_ABI_VERSION,
                                                  1,
                                                  "c-counter",
                                                  "0.1.0",
                                                  "Hearth tests",
                                                  "Apache-2.0",
                                                  "A plugin in plain C",
                                                  counter_drivers};

HEARTH_EXPORT const hearth_plugin_desc *hearth_plugin_entry(uint32_t host_abi_version,
                                                            const hearth_host_api *host) {
  if (HEARTH_ABI_MAJOR_OF(host_abi_version) != HEARTH_ABI_MAJOR ||
      host_abi_version < HEARTH_ABI_VERSION || !HEARTH_HAS(host, health_set)) {
    host->log(NULL, HEARTH_LOG_ERROR, "c-counter: needs host ABI 1.0 or a newer 1.x");
    return NULL;
  }
  g_host = host;
  return &counter_plugin;
}
