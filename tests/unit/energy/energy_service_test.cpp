// EnergyService, as hearthd runs it: a real io_context and timer on the system clock, the
// settings store on SQLite, a reload. Short timeouts keep it well under a second.
#include <gtest/gtest.h>

#include <chrono>
#include <hearth/energy/energy_service.hpp>
#include <hearth/store/database.hpp>
#include <hearth/testing/child_process.hpp>

#include "test_site.hpp"

namespace hearth::energy::test {
namespace {

config::Config config_with(const std::string &energy_yaml) {
  config::Config config;
  config.site.pv_installed_wp = 10000;
  config.site.fuse_a = 35;
  config.site.grid = "three-phase-4w";
  config.site.timezone = "Europe/Berlin";
  config.energy = YAML::Load(energy_yaml);
  return config;
}

class EnergyServiceTest : public ::testing::Test {
 protected:
  // Runs the loop until `done` or the timeout (no sleeps: the timer wakes the loop).
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < end) {
      io.run_one_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  boost::asio::io_context io;
  SystemClock clock;
  bus::PointStore points{clock};
  bus::CommandBus commands{clock};
  bus::CapabilityRegistry capabilities;
  bus::AlarmRegistry alarms;
  bus::HealthRegistry health;
  testing::TempDir dir;
  store::Database db{std::filesystem::path(dir.path()) / "hearth.db"};
  store::SettingsStore settings{db};
  EnergyService service{io,
                        {points, commands, capabilities, alarms, health},
                        clock,
                        &settings,
                        std::chrono::seconds(60)};
};

TEST_F(EnergyServiceTest, TheTimerPutsASilentSiteInFailSafeAndAReloadTakesNewValues) {
  capabilities.register_capability("grid", "grid_meter", {});
  const bus::PointId meter = points.declare("grid/power_w", HEARTH_VALUE_DOUBLE, "W", 0);
  service.apply(config_with("feed_in_limit_w: 0\nfail_safe: { meter_timeout_s: 0.2 }"));
  ASSERT_NE(service.manager(), nullptr);
  hearth_value value{};
  value.type = HEARTH_VALUE_DOUBLE;
  value.as.d = 100;
  points.publish(meter, value, 0, HEARTH_QUALITY_GOOD);
  EXPECT_EQ(service.manager()->state(), ManagerState::normal);
  const auto silent_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return service.manager()->state() == ManagerState::failsafe; },
                        std::chrono::seconds(3)));
  EXPECT_GE(std::chrono::steady_clock::now() - silent_since, std::chrono::milliseconds(190));
  EXPECT_NE(alarms.find(kAlarmSource, kAlarmMeterStale), nullptr);
  EXPECT_NE(service.status_line().find("failsafe"), std::string::npos);

  // SIGHUP with a new YAML: the baseline changes, the manager takes it.
  service.apply(config_with("feed_in_limit_w: 700\nfail_safe: { meter_timeout_s: 0.2 }"));
  EXPECT_EQ(service.manager()->effective_feed_in_limit_w(), 700);
  EXPECT_EQ(settings.get("energy.feed_in_limit_w")->value_text, "700");
  // An installer's override, then reload_settings().
  ASSERT_TRUE(settings.set_override("energy.feed_in_limit_w", "300", "installer-jo",
                                    store::SettingRole::installer, clock.wall_ms()));
  service.reload_settings();
  EXPECT_EQ(service.manager()->effective_feed_in_limit_w(), 300);
}

}  // namespace
}  // namespace hearth::energy::test
