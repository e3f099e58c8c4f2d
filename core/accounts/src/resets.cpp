#include <hearth/accounts/resets.hpp>
#include <stdexcept>

namespace hearth::accounts {

std::string_view to_string(ResetKind kind) {
  return kind == ResetKind::passwords ? "password reset" : "factory reset";
}

bool is_networking_setting(std::string_view key) {
  return key.starts_with("network.") || key.starts_with("links.");
}

FactoryResetReport factory_reset(Accounts &accounts, store::SettingsStore &settings,
                                 std::string_view by, int64_t wall_ms) {
  FactoryResetReport report;
  for (const auto &key : settings.keys()) {
    const auto value = settings.get(key);
    if (!value || value->source != store::SettingSource::override_value) continue;
    if (is_networking_setting(key)) {
      report.overrides_kept.push_back(key);
      continue;
    }
    const auto cleared = settings.clear_override(key, by, store::SettingRole::system, wall_ms);
    if (!cleared) {
      throw std::runtime_error("factory reset: cannot clear the override of " + key + ": " +
                               cleared.message);
    }
    report.overrides_cleared.push_back(key);
  }
  accounts.restore_factory_accounts(by);
  return report;
}

}  // namespace hearth::accounts
