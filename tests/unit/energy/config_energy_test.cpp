// The energy manager's keys in `hearthd --check` (core/config/src/energy.cpp).
#include <gtest/gtest.h>

#include <fstream>
#include <hearth/config/config.hpp>
#include <hearth/testing/child_process.hpp>

namespace hearth::energy {
namespace {

// An inverter driver whose fail-safe writes carry `failsafe_limit_w`, like huawei-sun2000.
constexpr hearth_param_desc kInverterParams[] = {
    {sizeof(hearth_param_desc), HEARTH_PARAM_INT, HEARTH_PARAM_HAS_MIN, 0, 0, 0, "failsafe_limit_w",
     "0", nullptr, "W", "the fail-safe cap", nullptr},
};
const hearth_driver_desc kInverter = {sizeof(hearth_driver_desc),
                                      1,
                                      "test-inverter",
                                      "pv_inverter",
                                      "",
                                      kInverterParams,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      nullptr};

class EnergyConfigTest : public ::testing::Test {
 protected:
  std::vector<std::string> errors_of(const std::string &energy) {
    const std::string file = dir.path() + "/site.yaml";
    std::ofstream(file)
        << "site:\n  name: T\n  grid: three-phase-4w\n  fuse_a: 35\n"
           "  pv_installed_wp: 10000\n"
           "  location: { lat: 48, lon: 11, timezone: Europe/Berlin }\n"
           "devices:\n"
           "  - { id: inv1, driver: test-inverter, params: { failsafe_limit_w: 800 } }\n"
           "  - { id: inv2, driver: test-inverter, params: { failsafe_limit_w: 400 } }\n"
           "energy:\n" +
               energy;
    config::DriverTable catalog;
    catalog.add(&kInverter, "test");
    const auto result = config::load_file(file, catalog);
    std::vector<std::string> errors;
    for (const auto &error : result.errors) errors.push_back(error.key + ": " + error.rule);
    if (result.ok()) {
      defaults = result.config.energy;
    }
    return errors;
  }

  testing::TempDir dir;
  YAML::Node defaults;
};

TEST_F(EnergyConfigTest, NewKeysAreCheckedAndDefaulted) {
  EXPECT_TRUE(errors_of("  feed_in_limit_w: 0\n  fail_safe: { pv_limit_w: 1200 }\n").empty());
  EXPECT_EQ(defaults["limits_trigger"].as<std::string>(), "event");
  EXPECT_EQ(defaults["control_cycle"].as<std::string>(), "1s");
  EXPECT_EQ(defaults["limit_deadband_w"].as<std::string>(), "50");
  EXPECT_EQ(defaults["limit_min_interval"].as<std::string>(), "5s");
  EXPECT_EQ(defaults["fail_safe"]["frozen_samples"].as<std::string>(), "10");
  EXPECT_EQ(defaults["fail_safe"]["recover_samples"].as<std::string>(), "3");

  const auto errors = errors_of(
      "  limits_trigger: sometimes\n  control_cycle: 10ms\n  grid_meter: metre\n"
      "  external_limit: { feed_in_point: lpp_w }\n  fail_safe: { pv_limit_w: 1200 }\n");
  ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("energy.limits_trigger"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("energy.control_cycle"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("energy.grid_meter: unknown device 'metre'"), std::string::npos)
      << errors[2];
  EXPECT_NE(errors[3].find("<device>/<point>"), std::string::npos) << errors[3];
}

TEST_F(EnergyConfigTest, DriversFailSafeLimitsMayNotExceedTheManagersOwn) {
  const auto errors = errors_of("  feed_in_limit_w: 0\n  fail_safe: { pv_limit_w: 1000 }\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "energy.fail_safe.pv_limit_w: the drivers' failsafe_limit_w (inv1, inv2) add up to "
            "1200 W, above pv_limit_w 1000 W; after a stop the inverters would allow more than "
            "the fail-safe state");
}

}  // namespace
}  // namespace hearth::energy
