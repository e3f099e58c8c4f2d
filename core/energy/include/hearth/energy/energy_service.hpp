#pragma once
// The energy manager inside hearthd: owns the EnergyManager, drives its deadlines with one
// Boost.Asio timer on the core thread, keeps the energy keys in the SettingsStore (baseline from
// the YAML, overrides with author and time) and logs a status line. Core thread only.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <hearth/config/config.hpp>
#include <hearth/energy/dispatcher.hpp>
#include <hearth/energy/energy_manager.hpp>
#include <hearth/store/settings_store.hpp>
#include <memory>
#include <string>

namespace hearth::energy {

class EnergyService {
 public:
  // settings may be null (no store: the YAML alone decides).
  EnergyService(boost::asio::io_context &io, EnergyBus bus, const Clock &clock,
                store::SettingsStore *settings,
                std::chrono::seconds status_interval = std::chrono::seconds(10));
  ~EnergyService();
  EnergyService(const EnergyService &) = delete;
  EnergyService &operator=(const EnergyService &) = delete;

  // The checked configuration, at start and on every SIGHUP: the energy section becomes the
  // settings baseline, the settings in force go to the manager (started on the first call).
  void apply(const config::Config &config);
  // After an override was set or cleared in the store: the manager takes the values in force.
  void reload_settings();

  EnergyManager *manager() { return manager_.get(); }
  std::string status_line() const;

 private:
  void use_clock_check();
  EnergySettings read_settings();
  void apply_dispatch_settings();
  void arm();
  void schedule_status();

  boost::asio::io_context &io_;
  EnergyBus bus_;
  const Clock &clock_;
  store::SettingsStore *settings_;
  std::chrono::seconds status_interval_;
  config::SiteConfig site_;
  YAML::Node energy_node_;
  std::unique_ptr<Dispatcher> dispatcher_;  // the dispatch layer (core/energy/dispatch)
  std::unique_ptr<EnergyManager> manager_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer status_timer_;
  std::optional<int64_t> armed_ns_;
  ManagerState logged_state_ = ManagerState::starting;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace hearth::energy
