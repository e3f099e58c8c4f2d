// The energy keys in the SettingsStore: baseline from the YAML, installer-only grid-safety keys,
// overrides read back into the manager's settings.
#include <gtest/gtest.h>

#include <hearth/energy/energy_settings.hpp>
#include <hearth/store/database.hpp>
#include <hearth/testing/child_process.hpp>

namespace hearth::energy {
namespace {

constexpr const char *kEnergyYaml = R"(
mode: self-consumption
feed_in_limit_pct: 60
import_limit: { w: 8000, hours: "17:00-21:00" }
surplus_priority: [inverter-1/battery, wallbox]
limits_trigger: cycle
control_cycle: 500ms
limit_min_interval: 10s
fail_safe: { meter_timeout_s: 2, pv_limit_w: 300, frozen_samples: 8 }
external_limit: { feed_in_point: eebus/lpp_w }
)";

config::SiteConfig site() {
  config::SiteConfig site;
  site.pv_installed_wp = 10000;
  site.fuse_a = 35;
  site.timezone = "Europe/Berlin";
  site.grid = "three-phase-4w";
  return site;
}

TEST(EnergySettings, FlattenedYamlReadsBack) {
  const auto flat = flatten_energy(YAML::Load(kEnergyYaml));
  EXPECT_EQ(flat.at("energy.import_limit.w"), "8000");
  EXPECT_EQ(flat.at("energy.surplus_priority"), "[inverter-1/battery, wallbox]");
  const auto parsed = parse_energy_settings(YAML::Load(kEnergyYaml), site());
  EXPECT_TRUE(parsed.problems.empty());
  const EnergySettings &s = parsed.settings;
  EXPECT_DOUBLE_EQ(*s.feed_in_limit_w, 6000);
  EXPECT_DOUBLE_EQ(*s.import_limit_w, 8000);
  ASSERT_TRUE(s.import_hours);
  EXPECT_EQ(s.import_hours->start_min, 17 * 60);
  EXPECT_EQ(s.limits_trigger, LimitsTrigger::cycle);
  EXPECT_EQ(s.control_cycle_ms, 500);
  EXPECT_EQ(s.limit_min_interval_ms, 10000);
  EXPECT_DOUBLE_EQ(s.limit_deadband_w, 50);  // default
  EXPECT_DOUBLE_EQ(s.fail_safe.meter_timeout_s, 2);
  EXPECT_DOUBLE_EQ(s.fail_safe.pv_limit_w, 300);
  EXPECT_EQ(s.fail_safe.frozen_samples, 8);
  EXPECT_DOUBLE_EQ(s.phase_current_limit_a, 35);  // the main fuse
  EXPECT_EQ(s.external_feed_in_point, "eebus/lpp_w");
}

TEST(EnergySettings, AValueThatDoesNotReadIsReportedAndItsDefaultKept) {
  const auto parsed =
      parse_energy_settings(YAML::Load("limit_deadband_w: lots\ncontrol_cycle: 5"), site());
  ASSERT_EQ(parsed.problems.size(), 2u);
  EXPECT_NE(parsed.problems[0].find("control_cycle"), std::string::npos);
  EXPECT_DOUBLE_EQ(parsed.settings.limit_deadband_w, 50);
  EXPECT_EQ(parsed.settings.control_cycle_ms, 1000);
}

class EnergySettingsStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  store::Database db{std::filesystem::path(dir.path()) / "hearth.db"};
  store::SettingsStore store{db};
};

TEST_F(EnergySettingsStoreTest, GridSafetyKeysAreInstallerOnly) {
  register_energy_keys(store);
  store.set_baseline(flatten_energy(YAML::Load(kEnergyYaml)), 1000);
  const auto refused = store.set_override("energy.feed_in_limit_w", "5000", "owner-anna",
                                          store::SettingRole::owner, 2000);
  EXPECT_FALSE(refused);
  EXPECT_NE(refused.message.find("installer"), std::string::npos) << refused.message;
  EXPECT_TRUE(
      store.set_override("energy.mode", "tou", "owner-anna", store::SettingRole::owner, 2000));
  for (const char *key :
       {"energy.feed_in_limit_w", "energy.import_limit.w", "energy.fail_safe.pv_limit_w",
        "energy.ripple_control.levels.00", "energy.limits_trigger", "energy.limit_min_interval"}) {
    EXPECT_TRUE(is_grid_safety_key(key)) << key;
  }
  EXPECT_FALSE(is_grid_safety_key("energy.mode"));
  EXPECT_FALSE(is_grid_safety_key("energy.surplus_priority"));
}

TEST_F(EnergySettingsStoreTest, InstallerOverridesReachTheSettingsAndBadValuesAreRefused) {
  register_energy_keys(store);
  store.set_baseline(flatten_energy(YAML::Load(kEnergyYaml)), 1000);
  EXPECT_FALSE(store.set_override("energy.fail_safe.meter_timeout_s", "9", "inst",
                                  store::SettingRole::installer, 2000));  // above 5 s
  EXPECT_FALSE(store.set_override("energy.import_limit.hours", "5pm-9pm", "inst",
                                  store::SettingRole::installer, 2000));
  ASSERT_TRUE(store.set_override("energy.feed_in_limit_w", "0", "inst",
                                 store::SettingRole::installer, 2000));
  ASSERT_TRUE(store.set_override("energy.import_limit.hours", "22:00-06:00", "inst",
                                 store::SettingRole::installer, 2000));
  const auto parsed = parse_energy_settings(store, site());
  EXPECT_TRUE(parsed.problems.empty());
  EXPECT_DOUBLE_EQ(*parsed.settings.feed_in_limit_w, 0);  // W wins over the YAML's pct
  EXPECT_EQ(parsed.settings.import_hours->start_min, 22 * 60);
  const auto audit = store.audit("energy.feed_in_limit_w");
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.front().author, "inst");
  // The map rebuilt from the store (what the dispatch layer reads) carries the overrides.
  const YAML::Node node = energy_node_from(store);
  EXPECT_EQ(node["feed_in_limit_w"].as<double>(), 0);
  EXPECT_EQ(node["import_limit"]["hours"].as<std::string>(), "22:00-06:00");
  EXPECT_EQ(node["surplus_priority"].size(), 2u);
}

}  // namespace
}  // namespace hearth::energy
