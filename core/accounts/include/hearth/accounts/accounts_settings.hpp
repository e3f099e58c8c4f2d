#pragma once
// The accounts' site settings, from an optional YAML file next to the site configuration
// (<config dir>/accounts.yaml; hearthd's main file has no `accounts:` section yet). Every key is
// optional; a missing file gives the defaults of AccountsSettings.
//
//   access_point_subnets: [192.168.8.0/24, "fd00:8::/64"]   # the box's own access point
//   lockout_failures: 5
//   lockout_window_s: 600
//   lockout_duration_s: 900
//   session_idle_s: 1800
//   session_max_s: 43200
#include <filesystem>
#include <hearth/accounts/accounts.hpp>

namespace hearth::accounts {

// Throws std::runtime_error "<file>:<line>: <key>: <problem>" for an unknown key, a malformed
// subnet or a number out of range.
AccountsSettings load_accounts_settings(const std::filesystem::path &file);

}  // namespace hearth::accounts
