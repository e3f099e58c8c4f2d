// The energy manager inside hearthd (energy_service.hpp).
#include <hearth/energy/clock_sync.hpp>
#include <hearth/energy/energy_service.hpp>

namespace hearth::energy {

EnergyService::EnergyService(boost::asio::io_context &io, EnergyBus bus, const Clock &clock,
                             store::SettingsStore *settings, std::chrono::seconds status_interval)
    : io_(io),
      bus_(bus),
      clock_(clock),
      settings_(settings),
      status_interval_(status_interval),
      timer_(io),
      status_timer_(io) {
  if (settings_ != nullptr) register_energy_keys(*settings_);
}

EnergyService::~EnergyService() {
  timer_.cancel();
  status_timer_.cancel();
}

EnergySettings EnergyService::read_settings() {
  ParsedSettings parsed = settings_ != nullptr ? parse_energy_settings(*settings_, site_)
                                               : parse_energy_settings(energy_node_, site_);
  for (const auto &problem : parsed.problems) {
    spdlog::error("energy: setting ignored, its default applies: {}", problem);
  }
  return parsed.settings;
}

void EnergyService::apply(const config::Config &config) {
  site_ = config.site;
  energy_node_ = config.energy;
  if (settings_ != nullptr) {
    // The store's baseline is the energy section; other sections do not keep keys there yet.
    const auto dropped = settings_->set_baseline(flatten_energy(config.energy), clock_.wall_ms());
    for (const auto &key : dropped) {
      spdlog::warn("energy: the override of {} was dropped: its YAML value changed", key);
    }
  }
  const EnergySettings settings = read_settings();
  apply_dispatch_settings();
  if (manager_) {
    use_clock_check();
    manager_->apply_settings(settings);
    spdlog::info("energy: settings reloaded ({})", manager_->status_line());
    return;
  }
  manager_ = std::make_unique<EnergyManager>(bus_, clock_, settings);
  manager_->set_dispatch([this](const SiteSnapshot &snapshot) {
    return dispatcher_ ? dispatcher_->step(snapshot) : DispatchPlan{};
  });
  use_clock_check();
  manager_->set_deadline_listener([this] { arm(); });
  manager_->start();
  spdlog::info("energy: started (limits on {}, control cycle {} ms, feed-in limit {})",
               settings.limits_trigger == LimitsTrigger::event ? "every meter sample" : "the cycle",
               settings.control_cycle_ms,
               settings.feed_in_limit_w
                   ? std::to_string(std::lround(*settings.feed_in_limit_w)) + " W"
                   : "none");
  arm();
  schedule_status();
}

void EnergyService::use_clock_check() {
  manager_->set_clock_check(site_.clock_needs_ntp ? std::function<bool()>(system_clock_synchronised)
                                                  : std::function<bool()>());
}

void EnergyService::reload_settings() {
  apply_dispatch_settings();
  if (manager_) manager_->apply_settings(read_settings());
}

void EnergyService::apply_dispatch_settings() {
  const YAML::Node energy = settings_ != nullptr ? energy_node_from(*settings_) : energy_node_;
  try {
    DispatchSettings dispatch = dispatch_settings_from(energy, site_.timezone);
    if (dispatcher_) {
      dispatcher_->update_settings(std::move(dispatch));
    } else {
      dispatcher_ = std::make_unique<Dispatcher>(std::move(dispatch));
    }
  } catch (const std::exception &error) {
    // The YAML was checked; an override the dispatch layer cannot read keeps the last settings.
    spdlog::error("energy: dispatch settings refused, the previous ones stay: {}", error.what());
  }
}

void EnergyService::arm() {
  if (!manager_) return;
  const ManagerState state = manager_->state();
  if (state != logged_state_) {
    const auto level = state == ManagerState::failsafe ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "energy: {}", manager_->status_line());
    logged_state_ = state;
  }
  const auto next = manager_->next_deadline_mono_ns();
  if (next == armed_ns_) return;
  armed_ns_ = next;
  if (!next) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::nanoseconds(std::max<int64_t>(0, *next - clock_.mono_ns())));
  std::weak_ptr<int> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code &error) {
    if (error || alive.expired()) return;
    armed_ns_.reset();
    manager_->on_timer();
    arm();
  });
}

void EnergyService::schedule_status() {
  status_timer_.expires_after(status_interval_);
  std::weak_ptr<int> alive = alive_;
  status_timer_.async_wait([this, alive](const boost::system::error_code &error) {
    if (error || alive.expired()) return;
    spdlog::info("energy: {}", status_line());
    schedule_status();
  });
}

std::string EnergyService::status_line() const {
  return manager_ ? manager_->status_line() : "not started";
}

}  // namespace hearth::energy
