#include <spdlog/spdlog.h>

#include <hearth/host/box_resets.hpp>

namespace hearth::host {

BoxResets::BoxResets(bus::PointStore &points, accounts::Accounts &accounts,
                     store::SettingsStore &settings, const Clock &clock,
                     std::function<void()> request_restart)
    : points_(points),
      accounts_(accounts),
      settings_(settings),
      clock_(clock),
      request_restart_(std::move(request_restart)) {
  // A prefix subscription also catches the point when the Board declares it after us.
  subscription_ = points_.subscribe_prefix(kButtonEventPoint,
                                           [this](bus::PointId id, const bus::PointSample &sample) {
                                             const auto *info = points_.info(id);
                                             if (info != nullptr && info->name == kButtonEventPoint)
                                               on_button_event(sample);
                                           });
}

BoxResets::~BoxResets() {
  points_.unsubscribe(subscription_);
}

void BoxResets::on_button_event(const bus::PointSample &sample) {
  if (!sample.has_value || sample.value.type != HEARTH_VALUE_STRING) return;
  const std::string_view action = sample.value.as.s;
  if (action == "reset-passwords") {
    perform(accounts::ResetKind::passwords, "rst-button");
  } else if (action == "factory-reset") {
    perform(accounts::ResetKind::factory, "rst-button");
  } else {
    ++other_button_events_;
  }
}

ResetOutcome BoxResets::request(std::string_view token, accounts::ResetKind kind) {
  const auto session = accounts_.check(token);
  if (!session) return {false, "not logged in"};
  if (session->role != accounts::Role::installer) {
    return {false, "only the installer may reset the box"};
  }
  if (session->password_change_required) return {false, "set a new password first"};
  return perform(kind, "installer");
}

ResetOutcome BoxResets::perform(accounts::ResetKind kind, std::string_view by) {
  try {
    if (kind == accounts::ResetKind::passwords) {
      accounts_.reset_passwords(by);
      ++resets_done_;
      spdlog::warn(
          "{} by {}: both passwords are the initial ones again; password-free login "
          "from the access point or a link-local address for {} s",
          to_string(kind), by, accounts_.settings().password_free_window.count());
      return {true, "passwords reset"};
    }
    const auto report = accounts::factory_reset(accounts_, settings_, by, clock_.wall_ms());
    ++resets_done_;
    spdlog::warn(
        "{} by {}: {} settings overrides dropped, {} networking overrides kept, "
        "accounts at factory state; restarting",
        to_string(kind), by, report.overrides_cleared.size(), report.overrides_kept.size());
    if (request_restart_) request_restart_();
    return {true, "factory settings restored; restarting"};
  } catch (const std::exception &error) {
    spdlog::error("{} by {} failed: {}", to_string(kind), by, error.what());
    return {false, std::string(to_string(kind)) + " failed: " + error.what()};
  }
}

}  // namespace hearth::host
