#pragma once
// The two resets of the RST button (emma-functions.md, "Front panel"), also reachable by the
// installer through the API. docs/accounts.md lists, table by table, what each keeps and drops.
//
// - Password reset (hold 10-60 s): Accounts::reset_passwords() - both accounts back to their
//   initial passwords, locks cleared, sessions ended, 3 minutes of password-free login from the
//   access point or a link-local address. Nothing else changes.
// - Factory reset (hold > 60 s): factory_reset() below, then hearthd restarts. It drops every
//   run-time settings override except the networking ones, and puts the accounts back to their
//   factory state. It keeps the YAML files (the installer's device list and the communication
//   parameters), the settings baseline and audit trail, the alarm history and performance data
//   (every history table), the device registry, the per-device key-value store, the fail-safe
//   writes and the keys.
#include <hearth/accounts/accounts.hpp>
#include <hearth/store/settings_store.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::accounts {

enum class ResetKind { passwords, factory };
std::string_view to_string(ResetKind kind);  // "password reset", "factory reset"

// Settings keys that are networking/communication parameters, kept by a factory reset:
// "network." (addresses, access point, Wi-Fi) and "links." (RS485 and Modbus TCP links).
bool is_networking_setting(std::string_view key);

struct FactoryResetReport {
  std::vector<std::string> overrides_cleared;
  std::vector<std::string> overrides_kept;  // networking keys
};

// The store's part of a factory reset (core thread: it uses `settings`). Each cleared override
// is audited as a "clear" by `by` with the system role. The caller restarts hearthd afterwards.
FactoryResetReport factory_reset(Accounts &accounts, store::SettingsStore &settings,
                                 std::string_view by, int64_t wall_ms);

}  // namespace hearth::accounts
