#pragma once
// The RST button's resets and the installer's API for the same (emma-functions.md, "Front
// panel"; core/accounts/include/hearth/accounts/resets.hpp says what each keeps and drops):
//
//   point box/button_event = "reset-passwords" (hold 10-60 s)  -> password reset
//   point box/button_event = "factory-reset"   (hold > 60 s)   -> factory reset, then restart
//
// The Board publishes the point when the button is released (core/host/src/board.cpp). A factory
// reset ends with request_restart(): hearthd stops and exits with kExitRestartRequested, which
// systemd's Restart=on-failure turns into a fresh start (packaging/systemd/hearthd.service) that
// reads the YAML baseline again without the dropped overrides.
//
// Core thread only (it uses the SettingsStore; the accounts' part is a plain UPDATE).
#include <cstdint>
#include <functional>
#include <hearth/accounts/accounts.hpp>
#include <hearth/accounts/resets.hpp>
#include <hearth/bus/point_store.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/store/settings_store.hpp>
#include <string>
#include <string_view>

namespace hearth::host {

// EX_TEMPFAIL: "try again"; any non-zero status makes systemd restart hearthd.
inline constexpr int kExitRestartRequested = 75;
inline constexpr char kButtonEventPoint[] = "box/button_event";

struct ResetOutcome {
  bool ok = false;
  std::string message;  // what was done, or why it was refused
  explicit operator bool() const { return ok; }
};

class BoxResets {
 public:
  BoxResets(bus::PointStore &points, accounts::Accounts &accounts, store::SettingsStore &settings,
            const Clock &clock, std::function<void()> request_restart);
  ~BoxResets();
  BoxResets(const BoxResets &) = delete;
  BoxResets &operator=(const BoxResets &) = delete;

  // The installer API: `token` must be a live installer session that owes no password change.
  ResetOutcome request(std::string_view token, accounts::ResetKind kind);
  // Runs a reset (the button's path; `by` goes to the audit trails).
  ResetOutcome perform(accounts::ResetKind kind, std::string_view by);

  uint64_t resets_done() const { return resets_done_; }
  // box/button_event values that name no reset ("wake-access-point" is not ours).
  uint64_t other_button_events() const { return other_button_events_; }

 private:
  void on_button_event(const bus::PointSample &sample);

  bus::PointStore &points_;
  accounts::Accounts &accounts_;
  store::SettingsStore &settings_;
  const Clock &clock_;
  std::function<void()> request_restart_;
  bus::SubscriptionId subscription_ = 0;
  uint64_t resets_done_ = 0;
  uint64_t other_button_events_ = 0;
};

}  // namespace hearth::host
