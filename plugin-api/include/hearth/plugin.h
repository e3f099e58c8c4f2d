/*
 * hearth/plugin.h — the contract between hearthd and a device-driver plugin.
 *
 * This header is the only thing a plugin and the host share. It is plain C99 so a driver can be
 * written in C, C++ or anything that speaks the C calling convention.
 *
 * VERSIONING
 *   HEARTH_ABI_VERSION = (major << 16) | minor. ABI 1.0 is frozen: its layout is recorded in
 *   tests/abi/snapshot/hearth-abi-1.abi and CI compares this header with it (abidiff). A minor
 *   release only appends fields to the end of structs that begin with struct_size and
 *   functions to the end of hearth_host_api, and never changes a constant's value; anything
 *   else is a new major. The host refuses a plugin built for another major, or whose
 *   min_host_abi is newer than the host.
 *
 * RULES THAT APPLY EVERYWHERE
 *   - Every struct that may grow begins with `uint32_t struct_size`, set by whoever fills it in
 *     (use sizeof). A reader checks HEARTH_HAS(ptr, field) before it reads a field that was added
 *     after the first release of that struct.
 *   - Arrays of growing structs (drivers, params) are stepped through by the struct_size of
 *     their first element: every element of one array has the same struct_size.
 *   - Strings are UTF-8 and NUL-terminated. A pointer passed into a call is valid only for that
 *     call: copy what you keep. Neither side ever frees memory the other side allocated.
 *   - The only pointers that live longer are the plugin's descriptors (hearth_plugin_desc and
 *     everything it points to): they must stay valid and unchanged while the process runs.
 *     The host never unloads a plugin library.
 *   - Status codes are int32_t: HEARTH_OK (0) or a negative HEARTH_E_* value. A plugin that fails
 *     a call may explain why with host->set_error() before it returns.
 *   - Layout: fixed-width types only, no bool, no enums in structs, no bitfields. Every 64-bit
 *     field sits at an 8-byte offset on every target (tests/abi checks x86-64, i386 and arm).
 *
 * THREADS
 *   The host calls every plugin function (entry, create, start, command, stop, destroy and every
 *   callback) on its single core thread. A call must return quickly (budget: 1 ms); the host
 *   measures each call and disables a device that keeps overrunning. Blocking work goes to
 *   host->work_submit().
 *   A plugin may start threads of its own. From those threads it may call only the functions
 *   marked [any thread] below; every other host function is [core thread] and is refused
 *   (HEARTH_E_WRONG_THREAD) from elsewhere.
 *
 * LIFETIME OF A DEVICE
 *   entry → create → start → (callbacks, commands)* → stop → destroy.
 *   The host never calls into a plugin while that plugin is inside a host call: every callback
 *   arrives later, from the core thread's event loop. After stop() returns, no callback for that
 *   device is delivered: timers, posts, work completions and Modbus completions that were still
 *   pending are dropped by the host. stop() must join any thread the plugin started.
 *
 * Everything here can be carried over a socket unchanged (data crosses by value or as copied
 * buffers), so a plugin can later run in a process of its own.
 */
#ifndef HEARTH_PLUGIN_H
#define HEARTH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------------------------ */

#define HEARTH_ABI_MAJOR 1
#define HEARTH_ABI_MINOR 0
#define HEARTH_ABI_VERSION ((uint32_t)((HEARTH_ABI_MAJOR << 16) | HEARTH_ABI_MINOR))
#define HEARTH_ABI_MAJOR_OF(version) ((uint32_t)(version) >> 16)
#define HEARTH_ABI_MINOR_OF(version) ((uint32_t)(version) & 0xffffu)

/* True when the struct behind ptr is large enough to hold `field` (it was filled in by a side
 * that knew about the field). Reads no field but struct_size. */
#define HEARTH_HAS(ptr, field)                                                            \
  ((size_t)((const char *)&(ptr)->field - (const char *)(ptr)) + sizeof((ptr)->field) <= \
   (size_t)(ptr)->struct_size)

/* ---- Status codes ------------------------------------------------------------------------- */

#define HEARTH_OK 0
#define HEARTH_E_INVALID -1          /* a bad argument; set_error says which */
#define HEARTH_E_NOT_SUPPORTED -2    /* not offered by this host, device or driver */
#define HEARTH_E_TIMEOUT -3          /* a deadline or I/O timeout passed */
#define HEARTH_E_IO -4               /* the link or device failed */
#define HEARTH_E_BUSY -5             /* try again later */
#define HEARTH_E_NO_MEMORY -6
#define HEARTH_E_STATE -7            /* not allowed in the current state */
#define HEARTH_E_DENIED -8           /* not granted to this device (HAL channel, link) */
#define HEARTH_E_NOT_FOUND -9
#define HEARTH_E_VERSION -10         /* incompatible ABI versions */
#define HEARTH_E_INTERNAL -11        /* a bug, or an exception caught at the boundary */
#define HEARTH_E_CANCELLED -12       /* dropped: the device stopped or a newer write replaced it */
#define HEARTH_E_MODBUS_EXCEPTION -13 /* the slave answered with an exception code */
#define HEARTH_E_WRONG_THREAD -14    /* a [core thread] function called from another thread */
#define HEARTH_E_TOO_SMALL -15       /* the caller's buffer is too small; nothing written */

/* ---- Values ------------------------------------------------------------------------------- */

#define HEARTH_VALUE_NONE 0
#define HEARTH_VALUE_DOUBLE 1
#define HEARTH_VALUE_INT 2
#define HEARTH_VALUE_BOOL 3
#define HEARTH_VALUE_STRING 4 /* short text or an enum name, at most 31 bytes + NUL */

#define HEARTH_VALUE_STRING_MAX 32

/* A typed value. Points and command arguments carry these by value. */
typedef struct hearth_value {
  int32_t type; /* HEARTH_VALUE_* */
  uint32_t _pad0;
  union {
    double d;
    int64_t i;
    int32_t b; /* 0 or 1 */
    char s[HEARTH_VALUE_STRING_MAX];
  } as;
} hearth_value;

#define HEARTH_NAME_MAX 32

/* A named value: a command argument or a capability limit ("rated_w", "max_current_a"). */
typedef struct hearth_arg {
  char name[HEARTH_NAME_MAX];
  hearth_value value;
} hearth_arg;

/* ---- Quality, severities, log levels, priorities ------------------------------------------ */

#define HEARTH_QUALITY_GOOD 0
#define HEARTH_QUALITY_STALE 1   /* older than its max age; the host sets this, not plugins */
#define HEARTH_QUALITY_INVALID 2 /* the device says the value is wrong (e.g. sensor fault) */

#define HEARTH_SEVERITY_WARNING 1
#define HEARTH_SEVERITY_MINOR 2
#define HEARTH_SEVERITY_MAJOR 3
#define HEARTH_SEVERITY_CRITICAL 4

#define HEARTH_LOG_DEBUG 0
#define HEARTH_LOG_INFO 1
#define HEARTH_LOG_WARN 2
#define HEARTH_LOG_ERROR 3

/* Link priorities: a queued frame of a higher priority overtakes lower ones; a frame already on
 * the wire is never cut. Command priorities use the same scale. */
#define HEARTH_PRIO_POLL 0
#define HEARTH_PRIO_METER 1
#define HEARTH_PRIO_CONTROL 2
#define HEARTH_PRIO_SAFETY 3

/* ---- Parameters (the declarative config map of a driver) ---------------------------------- */

#define HEARTH_PARAM_INT 1
#define HEARTH_PARAM_DOUBLE 2
#define HEARTH_PARAM_BOOL 3
#define HEARTH_PARAM_STRING 4
#define HEARTH_PARAM_ENUM 5     /* one of `choices` ("a|b|c") */
#define HEARTH_PARAM_DURATION 6 /* YAML "250ms", "1.5s", "10min", "2h"; served as milliseconds */
#define HEARTH_PARAM_LIST 7     /* a YAML sequence of strings */

#define HEARTH_PARAM_REQUIRED 0x1u
#define HEARTH_PARAM_HAS_MIN 0x2u
#define HEARTH_PARAM_HAS_MAX 0x4u

/* One YAML key under a device's `params:`. The host validates the YAML against this table before
 * create() (errors name file:line), fills in defaults, and generates the config reference. */
typedef struct hearth_param_desc {
  uint32_t struct_size;
  int32_t type;   /* HEARTH_PARAM_* */
  uint32_t flags; /* HEARTH_PARAM_REQUIRED | HAS_MIN | HAS_MAX */
  uint32_t _pad0;
  double min; /* INT, DOUBLE, DURATION (in ms), LIST (item count); with HAS_MIN */
  double max; /* same, with HAS_MAX */
  const char *name;
  const char *default_value; /* as YAML text; NULL when there is none */
  const char *choices;       /* ENUM only: "a|b|c" */
  const char *unit;          /* SI unit, or NULL */
  const char *help;          /* one sentence for the config reference */
  const char *_reserved0;
} hearth_param_desc;

/* ---- Commands ----------------------------------------------------------------------------- */

#define HEARTH_COMMAND_ARGS_MAX 8

/* A request from the energy manager (or an operator) to a device. The plugin answers with
 * host->command_complete() exactly once: HEARTH_OK, or a negative status with a message. A command
 * it cannot meet before deadline_mono_ns completes with HEARTH_E_TIMEOUT (the host completes it so
 * if the plugin has not by then; a later completion is ignored). Passed by pointer, valid only
 * for the call to command(). */
typedef struct hearth_command {
  uint32_t struct_size;
  int32_t priority; /* HEARTH_PRIO_* */
  uint64_t id;
  int64_t deadline_mono_ns;
  char capability[HEARTH_NAME_MAX]; /* "pv_inverter" */
  char name[HEARTH_NAME_MAX];       /* "set_active_power_limit_w" */
  uint32_t arg_count;
  uint32_t _pad0;
  hearth_arg args[HEARTH_COMMAND_ARGS_MAX];
} hearth_command;

/* ---- Modbus ------------------------------------------------------------------------------- */

#define HEARTH_MODBUS_READ_COILS 1
#define HEARTH_MODBUS_READ_DISCRETE_INPUTS 2
#define HEARTH_MODBUS_READ_HOLDING_REGISTERS 3
#define HEARTH_MODBUS_READ_INPUT_REGISTERS 4
#define HEARTH_MODBUS_WRITE_SINGLE_COIL 5
#define HEARTH_MODBUS_WRITE_SINGLE_REGISTER 6
#define HEARTH_MODBUS_WRITE_MULTIPLE_COILS 15
#define HEARTH_MODBUS_WRITE_MULTIPLE_REGISTERS 16
#define HEARTH_MODBUS_RAW 0x100 /* raw_pdu is sent as it is (e.g. 43/14 device identification) */

#define HEARTH_MODBUS_VALUES_MAX 125 /* registers per read; coils are one value each */
#define HEARTH_MODBUS_PDU_MAX 253

/* One transaction on the link named in the device's YAML entry. The host copies it on submit. */
typedef struct hearth_modbus_request {
  uint32_t struct_size;
  int32_t function; /* HEARTH_MODBUS_* */
  int32_t unit;     /* slave / unit id, 0–247 */
  int32_t priority; /* HEARTH_PRIO_* */
  uint32_t address; /* first register or coil */
  uint32_t count;   /* registers or coils to read or write; RAW: bytes in raw_pdu */
  int64_t deadline_mono_ns; /* 0: none. Not started by then: completes with HEARTH_E_TIMEOUT */
  uint32_t timeout_ms;      /* answer timeout; 0: the link's default */
  uint32_t _pad0;
  uint16_t values[HEARTH_MODBUS_VALUES_MAX + 3]; /* writes: registers, or coils as 0/1 */
  uint8_t raw_pdu[HEARTH_MODBUS_PDU_MAX + 3];    /* RAW: function code first, no unit, no CRC */
} hearth_modbus_request;

/* What a transaction gave. Passed by pointer, valid only for the call to the done callback. */
typedef struct hearth_modbus_result {
  uint32_t struct_size;
  int32_t status; /* OK, TIMEOUT, IO, MODBUS_EXCEPTION (see exception_code), CANCELLED */
  uint64_t request_id;
  int64_t received_mono_ns; /* when the answer's last byte arrived */
  int32_t exception_code;   /* the slave's exception code, when status is MODBUS_EXCEPTION */
  uint32_t count;           /* values read (registers or coils), or bytes in raw_pdu */
  const uint16_t *values;
  const uint8_t *raw_pdu; /* RAW: the answer PDU, function code first */
} hearth_modbus_result;

/* ---- CT sample blocks (built-in metering) ------------------------------------------------- */

/* A block of simultaneous voltage and current samples of one CT channel. Passed by pointer, valid
 * only for the call. Current is the primary current (the host applies the CT ratio). */
typedef struct hearth_ct_block {
  uint32_t struct_size;
  uint32_t channel;          /* 0, 1, 2 = phases A, B, C */
  int64_t first_sample_mono_ns;
  double sample_rate_hz;
  double current_skew_s;     /* current samples lag voltage samples by this much (0 if unknown) */
  uint32_t count;
  uint32_t _pad0;
  const float *voltage_v;
  const float *current_a;
} hearth_ct_block;

/* ---- Callbacks ---------------------------------------------------------------------------- */

typedef struct hearth_device hearth_device; /* opaque: one per configured device */

typedef void (*hearth_callback_fn)(void *user);
typedef void (*hearth_fd_fn)(void *user, int32_t fd, uint32_t ready_events);
typedef void (*hearth_modbus_done_fn)(void *user, const hearth_modbus_result *result);
typedef void (*hearth_ct_fn)(void *user, const hearth_ct_block *block);

#define HEARTH_FD_READ 0x1u
#define HEARTH_FD_WRITE 0x2u

/* ---- The host table ----------------------------------------------------------------------- */

/* Passed to hearth_plugin_entry() and valid for the life of the process. Every function takes the
 * calling device first, so the host can account, log and disable per device (entry may pass NULL
 * to log). New functions are only ever appended; check HEARTH_HAS(host, fn) before calling one
 * that is newer than the min_host_abi you declared. */
typedef struct hearth_host_api {
  uint32_t struct_size;
  uint32_t abi_version; /* the host's HEARTH_ABI_VERSION */

  /* -- since 1.0 ---------------------------------------------------------------------------- */

  /* [any thread] Copied; rate-limited per device; goes to the journal with the device id. */
  void (*log)(hearth_device *dev, int32_t level, const char *message);
  /* [any thread] CLOCK_MONOTONIC in ns, and wall-clock UTC in ms since 1970. */
  int64_t (*now_mono_ns)(void);
  int64_t (*now_wall_ms)(void);
  /* [any thread] Run fn(user) on the core thread soon. Dropped if the device stops first;
   * HEARTH_E_STATE once the device has stopped. */
  int32_t (*post)(hearth_device *dev, hearth_callback_fn fn, void *user);

  /* [core thread] Explains the failure the current call is about to return. Copied. */
  void (*set_error)(hearth_device *dev, const char *message);

  /* [core thread] Configuration. Strings are copied into buf (NUL-terminated); the return value is
   * the length without NUL, or HEARTH_E_TOO_SMALL, or HEARTH_E_NOT_FOUND for an unknown name.
   * Parameters absent from the YAML hold the default from the parameter table. DURATION values
   * are served by param_int in milliseconds. */
  int32_t (*device_id)(hearth_device *dev, char *buf, uint32_t size);
  int32_t (*param_int)(hearth_device *dev, const char *name, int64_t *out);
  int32_t (*param_double)(hearth_device *dev, const char *name, double *out);
  int32_t (*param_bool)(hearth_device *dev, const char *name, int32_t *out);
  int32_t (*param_string)(hearth_device *dev, const char *name, char *buf, uint32_t size);
  /* LIST parameters: the item count, and one item. */
  int32_t (*param_list_count)(hearth_device *dev, const char *name);
  int32_t (*param_list_item)(hearth_device *dev, const char *name, uint32_t index, char *buf,
                             uint32_t size);
  /* Model, serial number and firmware as read from the device (for the device registry and for
   * replacing a device). NULL leaves a field as it was. */
  int32_t (*identity_set)(hearth_device *dev, const char *model, const char *serial,
                          const char *firmware);

  /* [core thread] Timers. period_ms 0 fires once. Returns a timer id (> 0) or a status. After
   * timer_cancel (or fd_unwatch) returns, that callback never runs, even if it was already due. */
  int32_t (*timer_start)(hearth_device *dev, uint32_t first_ms, uint32_t period_ms,
                         hearth_callback_fn fn, void *user);
  int32_t (*timer_cancel)(hearth_device *dev, int32_t timer_id);
  /* [core thread] Watch a file descriptor the plugin owns; fn runs on the core thread. */
  int32_t (*fd_watch)(hearth_device *dev, int32_t fd, uint32_t events, hearth_fd_fn fn,
                      void *user);
  int32_t (*fd_unwatch)(hearth_device *dev, int32_t fd);
  /* [core thread] work(user) runs on a pool thread (it may block, and may call only [any thread]
   * functions); then done(user) runs on the core thread, unless the device stopped meanwhile.
   * stop() does not wait for a work() that is running: keep what it uses alive until it returns
   * (a work item that finds its device gone frees its own data). */
  int32_t (*work_submit)(hearth_device *dev, hearth_callback_fn work, hearth_callback_fn done,
                         void *user);

  /* [core thread] Points: "<device id>/<name>". unit is SI ("W", "Wh", "V", "A", "Hz", "%",
   * "degC", "" for none). A point not published again within max_age_ms turns stale. Signs: grid
   * power + import / - export; battery power + charge / - discharge; PV and loads >= 0.
   * Returns a point id (>= 0) or a status. */
  int32_t (*point_declare)(hearth_device *dev, const char *name, int32_t value_type,
                           const char *unit, uint32_t max_age_ms);
  /* sampled_mono_ns: when the value was measured (a Modbus answer's received_mono_ns). */
  int32_t (*point_publish)(hearth_device *dev, int32_t point_id, const hearth_value *value,
                           int64_t sampled_mono_ns, int32_t quality);

  /* [core thread] Declares that this device offers a capability with its limits ("rated_w", ...).
   * The energy manager drives grid_meter, pv_inverter, battery, ev_charger, sg_ready,
   * switchable_load, power_limitable, digital_input and digital_output (architecture.md); a
   * vendor's own capability is named "x-<vendor>-<name>". Other names are refused. Commands for
   * a capability arrive through the driver's command().
   * Text limits name the device's points that carry the capability's values ("power_point" =
   * "grid_power_w"); a limit left out means the default name (power_w, soc_pct, ...). The full
   * list per capability is docs/energy.md, "Point contract". */
  int32_t (*capability_register)(hearth_device *dev, const char *capability,
                                 const hearth_arg *limits, uint32_t limit_count);
  /* [core thread] Answers a command exactly once. message may be NULL when status is OK. A
   * command() that completes its command and then returns a negative status has answered twice. */
  int32_t (*command_complete)(hearth_device *dev, uint64_t command_id, int32_t status,
                              const char *message);

  /* [core thread] Alarms, deduplicated by (device, code). */
  int32_t (*alarm_raise)(hearth_device *dev, int32_t code, int32_t severity, const char *text);
  int32_t (*alarm_clear)(hearth_device *dev, int32_t code);

  /* [core thread] A small persistent store per device. kv_get copies the value and returns its
   * length, HEARTH_E_TOO_SMALL (nothing copied) when size is too small, or HEARTH_E_NOT_FOUND;
   * kv_get(dev, key, NULL, 0) returns the stored length without copying. Writes are coalesced: the last value written within a flush interval wins. */
  int32_t (*kv_get)(hearth_device *dev, const char *key, void *buf, uint32_t size);
  int32_t (*kv_set)(hearth_device *dev, const char *key, const void *data, uint32_t length);

  /* [core thread] Modbus on the device's link. The request is copied. done runs later on the core
   * thread, exactly once per accepted request (unless the device stopped first). Returns
   * HEARTH_OK and sets *request_id, or a status (no link, link not granted, bad request). */
  int32_t (*modbus_submit)(hearth_device *dev, const hearth_modbus_request *request,
                           hearth_modbus_done_fn done, void *user, uint64_t *request_id);

  /* [core thread] The writes that put this device in its safe state (e.g. output capped to the
   * fail-safe limit). Replaces any earlier set. The host persists them and executes them itself,
   * without the plugin, when the core loop stalls and after the process stops or crashes
   * (`hearthd --failsafe`). Only write functions are accepted. */
  int32_t (*failsafe_register)(hearth_device *dev, const hearth_modbus_request *writes,
                               uint32_t count);

  /* [core thread] HAL channels granted to this device in YAML (`hal: { do: [DO1] }`); any other
   * channel returns HEARTH_E_DENIED. Channel names as in YAML: "DO1", "DI2", "CT1". */
  int32_t (*hal_do_set)(hearth_device *dev, const char *channel, int32_t level);
  int32_t (*hal_di_get)(hearth_device *dev, const char *channel, int32_t *level);
  int32_t (*hal_ct_subscribe)(hearth_device *dev, const char *channel, hearth_ct_fn fn,
                              void *user);

  /* [core thread] Health: online or offline with a reason (shown to the installer). */
  int32_t (*health_set)(hearth_device *dev, int32_t online, const char *reason);

  /* -- appended in later minor versions go below this line ---------------------------------- */
} hearth_host_api;

/* ---- What a plugin describes -------------------------------------------------------------- */

/* One driver (a YAML `driver:` name). The vtable functions are called on the core thread. */
typedef struct hearth_driver_desc {
  uint32_t struct_size;
  uint32_t param_count;
  const char *name;         /* "huawei-sun2000" as in YAML */
  const char *device_class; /* "pv_inverter", "grid_meter", "ev_charger", ... */
  const char *summary;
  const hearth_param_desc *params; /* param_count entries */

  /* Parameters are validated and defaults filled in before create(). *instance is the plugin's
   * own pointer, handed back to every later call. create() must not start I/O. */
  int32_t (*create)(hearth_device *dev, void **instance);
  /* May begin I/O, start timers, declare points and register capabilities. */
  int32_t (*start)(void *instance);
  /* A command for one of the device's capabilities; complete it with host->command_complete. A
   * negative return completes it at once with that status. */
  int32_t (*command)(void *instance, const hearth_command *command);
  /* No callbacks for this device after stop() returns; join your threads here. */
  void (*stop)(void *instance);
  void (*destroy)(void *instance);
} hearth_driver_desc;

/* What hearth_plugin_entry() returns: static data, valid while the process runs. */
typedef struct hearth_plugin_desc {
  uint32_t struct_size;
  uint32_t abi_version;  /* HEARTH_ABI_VERSION the plugin was built against */
  uint32_t min_host_abi; /* the lowest host ABI it can work with */
  uint32_t driver_count;
  const char *id;      /* unique across plugins: "huawei-sun2000" */
  const char *version; /* the plugin's own version, "1.2.0" */
  const char *vendor;
  const char *license; /* SPDX identifier */
  const char *summary;
  const hearth_driver_desc *drivers; /* driver_count entries */
} hearth_plugin_desc;

/* The one exported symbol. Called once, on the core thread, before anything else in the plugin.
 * Return NULL (after host->log(NULL, ...) saying why) to refuse this host. */
#define HEARTH_PLUGIN_ENTRY_SYMBOL "hearth_plugin_entry"
typedef const hearth_plugin_desc *(*hearth_plugin_entry_fn)(uint32_t host_abi_version,
                                                            const hearth_host_api *host);

#if defined(_WIN32)
#define HEARTH_EXPORT __declspec(dllexport)
#else
#define HEARTH_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
}
#endif

#endif /* HEARTH_PLUGIN_H */
