/*
 * The layout of every struct in hearth/plugin.h, pinned with C11 static asserts.
 *
 * Compiled (never run) for x86-64 and i386 by the build and by ctest, and for arm/aarch64 where a
 * cross compiler is installed. A change to plugin.h that moves a field breaks the build here:
 * after ABI 1.0 that is a new major version (architecture.md, "The C ABI", rules 1, 2 and 8).
 *
 * Two families of numbers: LP64 (x86-64, aarch64) and ILP32 (i386, armhf). They differ only in
 * pointer size, because plugin.h pads explicitly: i386 aligns 64-bit types to 4 inside structs,
 * armhf to 8, and the padding makes both land on the same offsets.
 */
#include <hearth/plugin.h>
#include <stddef.h>
#include <stdint.h>

/* Decided by the compiler, not by <stdint.h>: a cross compile without a sysroot may pick up the
 * build machine's headers, whose UINTPTR_MAX describes the wrong target. */
_Static_assert(sizeof(void *) == 8 || sizeof(void *) == 4, "pointers of neither 32 nor 64 bits");
#define LP64 (sizeof(void *) == 8)

#define SIZE(T, lp64, ilp32) \
  _Static_assert(sizeof(T) == (LP64 ? (lp64) : (ilp32)), "sizeof(" #T ") changed")
#define OFF(T, f, lp64, ilp32) \
  _Static_assert(offsetof(T, f) == (LP64 ? (lp64) : (ilp32)), "offsetof(" #T ", " #f ") changed")
/* A 64-bit field (int64_t, uint64_t, double, or a union holding one) must sit at an offset that
 * is a multiple of 8 on every target, or i386 and armhf would disagree about it. */
#define AT8(T, f) _Static_assert(offsetof(T, f) % 8 == 0, #T "." #f " is not at an 8-byte offset")
/* Structs used in arrays keep a size that is a multiple of 8, so element k+1 stays aligned. */
#define SIZE8(T) _Static_assert(sizeof(T) % 8 == 0, "sizeof(" #T ") is not a multiple of 8")

/* ---- Values --------------------------------------------------------------------------------- */
SIZE(hearth_value, 40, 40);
SIZE8(hearth_value);
OFF(hearth_value, type, 0, 0);
OFF(hearth_value, _pad0, 4, 4);
OFF(hearth_value, as, 8, 8);
AT8(hearth_value, as);
_Static_assert(sizeof(((hearth_value *)0)->as) == 32, "hearth_value.as changed size");

SIZE(hearth_arg, 72, 72);
SIZE8(hearth_arg);
OFF(hearth_arg, name, 0, 0);
OFF(hearth_arg, value, 32, 32);
AT8(hearth_arg, value);

/* ---- Parameters ----------------------------------------------------------------------------- */
SIZE(hearth_param_desc, 80, 56);
OFF(hearth_param_desc, struct_size, 0, 0);
OFF(hearth_param_desc, type, 4, 4);
OFF(hearth_param_desc, flags, 8, 8);
OFF(hearth_param_desc, _pad0, 12, 12);
OFF(hearth_param_desc, min, 16, 16);
OFF(hearth_param_desc, max, 24, 24);
OFF(hearth_param_desc, name, 32, 32);
OFF(hearth_param_desc, default_value, 40, 36);
OFF(hearth_param_desc, choices, 48, 40);
OFF(hearth_param_desc, unit, 56, 44);
OFF(hearth_param_desc, help, 64, 48);
OFF(hearth_param_desc, _reserved0, 72, 52);
AT8(hearth_param_desc, min);
AT8(hearth_param_desc, max);
SIZE8(hearth_param_desc);

/* ---- Commands ------------------------------------------------------------------------------- */
SIZE(hearth_command, 672, 672);
OFF(hearth_command, struct_size, 0, 0);
OFF(hearth_command, priority, 4, 4);
OFF(hearth_command, id, 8, 8);
OFF(hearth_command, deadline_mono_ns, 16, 16);
OFF(hearth_command, capability, 24, 24);
OFF(hearth_command, name, 56, 56);
OFF(hearth_command, arg_count, 88, 88);
OFF(hearth_command, _pad0, 92, 92);
OFF(hearth_command, args, 96, 96);
AT8(hearth_command, id);
AT8(hearth_command, deadline_mono_ns);
AT8(hearth_command, args);

/* ---- Modbus --------------------------------------------------------------------------------- */
SIZE(hearth_modbus_request, 552, 552);
SIZE8(hearth_modbus_request);
OFF(hearth_modbus_request, struct_size, 0, 0);
OFF(hearth_modbus_request, function, 4, 4);
OFF(hearth_modbus_request, unit, 8, 8);
OFF(hearth_modbus_request, priority, 12, 12);
OFF(hearth_modbus_request, address, 16, 16);
OFF(hearth_modbus_request, count, 20, 20);
OFF(hearth_modbus_request, deadline_mono_ns, 24, 24);
OFF(hearth_modbus_request, timeout_ms, 32, 32);
OFF(hearth_modbus_request, _pad0, 36, 36);
OFF(hearth_modbus_request, values, 40, 40);
OFF(hearth_modbus_request, raw_pdu, 296, 296);
AT8(hearth_modbus_request, deadline_mono_ns);

SIZE(hearth_modbus_result, 48, 40);
OFF(hearth_modbus_result, struct_size, 0, 0);
OFF(hearth_modbus_result, status, 4, 4);
OFF(hearth_modbus_result, request_id, 8, 8);
OFF(hearth_modbus_result, received_mono_ns, 16, 16);
OFF(hearth_modbus_result, exception_code, 24, 24);
OFF(hearth_modbus_result, count, 28, 28);
OFF(hearth_modbus_result, values, 32, 32);
OFF(hearth_modbus_result, raw_pdu, 40, 36);
AT8(hearth_modbus_result, request_id);
AT8(hearth_modbus_result, received_mono_ns);

/* ---- CT blocks ------------------------------------------------------------------------------ */
SIZE(hearth_ct_block, 56, 48);
OFF(hearth_ct_block, struct_size, 0, 0);
OFF(hearth_ct_block, channel, 4, 4);
OFF(hearth_ct_block, first_sample_mono_ns, 8, 8);
OFF(hearth_ct_block, sample_rate_hz, 16, 16);
OFF(hearth_ct_block, current_skew_s, 24, 24);
OFF(hearth_ct_block, count, 32, 32);
OFF(hearth_ct_block, _pad0, 36, 36);
OFF(hearth_ct_block, voltage_v, 40, 40);
OFF(hearth_ct_block, current_a, 48, 44);
AT8(hearth_ct_block, first_sample_mono_ns);
AT8(hearth_ct_block, sample_rate_hz);
AT8(hearth_ct_block, current_skew_s);

/* ---- The host table: two uint32_t, then one pointer per function, in this order -------------- */
#define FN(f, index)                                                           \
  _Static_assert(offsetof(hearth_host_api, f) == 8 + (index) * sizeof(void *), \
                 "hearth_host_api." #f " is not entry " #index " of the table")
OFF(hearth_host_api, struct_size, 0, 0);
OFF(hearth_host_api, abi_version, 4, 4);
FN(log, 0);
FN(now_mono_ns, 1);
FN(now_wall_ms, 2);
FN(post, 3);
FN(set_error, 4);
FN(device_id, 5);
FN(param_int, 6);
FN(param_double, 7);
FN(param_bool, 8);
FN(param_string, 9);
FN(param_list_count, 10);
FN(param_list_item, 11);
FN(identity_set, 12);
FN(timer_start, 13);
FN(timer_cancel, 14);
FN(fd_watch, 15);
FN(fd_unwatch, 16);
FN(work_submit, 17);
FN(point_declare, 18);
FN(point_publish, 19);
FN(capability_register, 20);
FN(command_complete, 21);
FN(alarm_raise, 22);
FN(alarm_clear, 23);
FN(kv_get, 24);
FN(kv_set, 25);
FN(modbus_submit, 26);
FN(failsafe_register, 27);
FN(hal_do_set, 28);
FN(hal_di_get, 29);
FN(hal_ct_subscribe, 30);
FN(health_set, 31);
SIZE(hearth_host_api, 8 + 32 * 8, 8 + 32 * 4); /* ABI 1.0: 32 functions */

/* ---- What a plugin describes ---------------------------------------------------------------- */
SIZE(hearth_driver_desc, 80, 44);
OFF(hearth_driver_desc, struct_size, 0, 0);
OFF(hearth_driver_desc, param_count, 4, 4);
OFF(hearth_driver_desc, name, 8, 8);
OFF(hearth_driver_desc, device_class, 16, 12);
OFF(hearth_driver_desc, summary, 24, 16);
OFF(hearth_driver_desc, params, 32, 20);
OFF(hearth_driver_desc, create, 40, 24);
OFF(hearth_driver_desc, start, 48, 28);
OFF(hearth_driver_desc, command, 56, 32);
OFF(hearth_driver_desc, stop, 64, 36);
OFF(hearth_driver_desc, destroy, 72, 40);

SIZE(hearth_plugin_desc, 64, 40);
OFF(hearth_plugin_desc, struct_size, 0, 0);
OFF(hearth_plugin_desc, abi_version, 4, 4);
OFF(hearth_plugin_desc, min_host_abi, 8, 8);
OFF(hearth_plugin_desc, driver_count, 12, 12);
OFF(hearth_plugin_desc, id, 16, 16);
OFF(hearth_plugin_desc, version, 24, 20);
OFF(hearth_plugin_desc, vendor, 32, 24);
OFF(hearth_plugin_desc, license, 40, 28);
OFF(hearth_plugin_desc, summary, 48, 32);
OFF(hearth_plugin_desc, drivers, 56, 36);

/* ---- Constants that are part of the ABI ----------------------------------------------------- */
_Static_assert(HEARTH_ABI_VERSION == ((HEARTH_ABI_MAJOR << 16) | HEARTH_ABI_MINOR),
               "version packing");
_Static_assert(HEARTH_VALUE_STRING_MAX == 32 && HEARTH_NAME_MAX == 32, "inline string sizes");
_Static_assert(HEARTH_COMMAND_ARGS_MAX == 8, "command argument count");
_Static_assert(HEARTH_MODBUS_VALUES_MAX == 125 && HEARTH_MODBUS_PDU_MAX == 253, "Modbus limits");

#ifdef HEARTH_LAYOUT_SELF_TEST
/* Proves the asserts bite: ctest compiles this and expects the compiler to refuse. */
OFF(hearth_command, id, 12, 12);
#endif

/* ISO C forbids an empty translation unit. */
typedef int hearth_layout_asserts_compiled;
