// Device entries: ids, drivers, links and unit ids, HAL grants, parameters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(ConfigTest, DuplicateDeviceIdNamesTheFirstPlace) {
  EXPECT_THAT(errors_of(R"(devices:
  - { id: grid, driver: dtsu666 }
  - { id: grid, driver: dtsu666 }
)"),
              ElementsAre(at(3, 11,
                             "devices[grid].id: duplicate device id 'grid'; first defined at " +
                                 path("main.yaml") + ":2:11")));
}

TEST_F(ConfigTest, UnknownDriverSuggestsOrListsTheKnownOnes) {
  EXPECT_THAT(
      errors_of(R"(devices:
  - { id: pv, driver: huawei-sun200 }
  - { id: x, driver: fronius }
)"),
      ElementsAre(
          at(2, 23,
             "devices[pv].driver: unknown driver 'huawei-sun200'; did you mean "
             "'huawei-sun2000'? known drivers: dtsu666, eebus, heating-rod, huawei-charger, "
             "huawei-sun2000, ocpp16, sg-ready, smart-switch"),
          at(3, 22,
             "devices[x].driver: unknown driver 'fronius'; known drivers: dtsu666, eebus, "
             "heating-rod, huawei-charger, huawei-sun2000, ocpp16, sg-ready, smart-switch")));
}

TEST_F(ConfigTest, LinksAndUnitIdsAreChecked) {
  EXPECT_THAT(errors_of(R"(links:
  bus: { type: rtu, device: /dev/ttyS1 }
  lan: { type: tcp, host: 10.0.0.2 }
devices:
  - { id: a, driver: dtsu666, link: buss, unit: 1 }
  - { id: b, driver: dtsu666, unit: 1 }
  - { id: c, driver: dtsu666, link: bus, unit: 0 }
  - { id: d, driver: dtsu666, link: bus, unit: 5 }
  - { id: e, driver: dtsu666, link: bus, unit: 5 }
  - { id: f, driver: dtsu666, link: lan, unit: 5 }
  - { id: g, driver: dtsu666, link: lan, unit: 0 }
)"),
              ElementsAre(at(5, 37, "devices[a].link: unknown link 'buss'; did you mean 'bus'?"),
                          at(6, 37, "devices[b].unit: a unit id needs a link; add 'link:'"),
                          at(7, 48, "devices[c].unit: unit 0 is not an RTU slave address (1..247)"),
                          at(9, 48,
                             "devices[e].unit: unit 5 on link 'bus' is already used by 'd' (" +
                                 path("main.yaml") + ":8:48)"),
                          // The driver's own range applies to the entry's unit too.
                          at(11, 48, "devices[g].unit: 0 is below the minimum of 1")));
}

TEST_F(ConfigTest, TheEntrysUnitFillsADriverParameterNamedUnit) {
  write("main.yaml", std::string(R"(links:
  bus: { type: rtu, device: /dev/ttyS1 }
devices:
  - { id: a, driver: dtsu666, link: bus, unit: 11 }
  - { id: b, driver: dtsu666, link: bus, params: { unit: 12 } }
)") + kSite);
  const auto loaded = load("main.yaml");
  ASSERT_THAT(messages(loaded), IsEmpty());
  EXPECT_EQ(std::get<int64_t>(loaded.config.devices[0].params.at("unit")), 11);
  EXPECT_EQ(std::get<int64_t>(loaded.config.devices[1].params.at("unit")), 12);

  EXPECT_THAT(errors_of(R"(links:
  bus: { type: rtu, device: /dev/ttyS1 }
devices:
  - { id: a, driver: dtsu666, link: bus, unit: 11, params: { unit: 12 } }
)"),
              ElementsAre(at(4, 68,
                             "devices[a].params.unit: the unit id is given twice; keep the "
                             "device's 'unit:' and drop this one")));
}

TEST_F(ConfigTest, DeviceEntryKeysAndIdsAreChecked) {
  EXPECT_THAT(errors_of(R"(devices:
  - { id: a, drvier: dtsu666 }
  - { id: inv/1, driver: dtsu666 }
  - { id: b, driver: dtsu666, unit: 256 }
  - just-a-name
)"),
              ElementsAre(at(2, 5, "devices[a]: missing required key 'driver'"),
                          at(2, 14, "devices[a]: unknown key 'drvier'; did you mean 'driver'?"),
                          at(3, 11,
                             "devices[1].id: 'inv/1' is not a valid device id: use "
                             "letters, digits, '-' and '_', at most 31 characters"),
                          at(4, 37, "devices[b].unit: 256 is above the maximum of 255"),
                          at(5, 5, "devices[3]: expected a map, got 'just-a-name'")));
}

TEST_F(ConfigTest, ParameterErrorsCarryTheDevicePath) {
  EXPECT_THAT(
      errors_of(R"(devices:
  - id: wallbox
    driver: ocpp16
    params: { max_current_a: 40, phasse: 3 }
  - { id: plug, driver: smart-switch }
)"),
      ElementsAre(
          at(4, 13, "devices[wallbox].params: missing required key 'charge_point_id'"),
          at(4, 30, "devices[wallbox].params.max_current_a: 40 A is above the maximum of 32 A"),
          at(4, 34, "devices[wallbox].params: unknown key 'phasse'; did you mean 'phases'?"),
          at(5, 5, "devices[plug].params: missing required key 'host'")));
}

TEST_F(ConfigTest, HalGrantsAreCheckedAndAnOutputGoesToOneDevice) {
  EXPECT_THAT(
      errors_of(R"(devices:
  - { id: hp, driver: sg-ready, hal: { do: [DO1] } }
  - { id: hp2, driver: sg-ready, hal: { do: [DO1, DO3], di: [DI1, DI1], dii: [DI2] } }
  - { id: meter, driver: dtsu666, hal: { ct: [CT1, CT2, CT3], di: [DI1] } }
)"),
      ElementsAre(at(3, 46,
                     "devices[hp2].hal.do: DO1 is already granted to 'hp' (" + path("main.yaml") +
                         ":2:45); an output drives one device only"),
                  at(3, 51, "devices[hp2].hal.do: 'DO3' is not a DO channel; the box has DO1, DO2"),
                  at(3, 67, "devices[hp2].hal.di: DI1 is listed twice"),
                  at(3, 73, "devices[hp2].hal: unknown key 'dii'; did you mean 'di'?")));
}

TEST_F(ConfigTest, HalGrantsReachTheDeviceConfig) {
  write("main.yaml", std::string(R"(devices:
  - { id: hp, driver: sg-ready, hal: { do: [DO1, DO2] } }
  - { id: meter, driver: dtsu666, hal: { ct: [CT1, CT2, CT3], di: [DI1] } }
  - { id: other, driver: dtsu666, hal: { di: [DI1, DI4] } }
)") + kSite);
  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_EQ(result.config.devices[0].hal.at("do"), (std::vector<std::string>{"DO1", "DO2"}));
  EXPECT_EQ(result.config.devices[1].hal.at("ct"), (std::vector<std::string>{"CT1", "CT2", "CT3"}));
  EXPECT_EQ(result.config.devices[2].hal.at("di"), (std::vector<std::string>{"DI1", "DI4"}));
}

// Reload keeps the devices whose fingerprint did not change.
class FingerprintTest : public ConfigTest {
 protected:
  std::map<std::string, std::string> fingerprints(const std::string &devices_and_links) {
    write("main.yaml", devices_and_links + kSite);
    const auto result = load("main.yaml");
    EXPECT_THAT(messages(result), IsEmpty());
    std::map<std::string, std::string> by_id;
    for (const auto &device : result.config.devices) by_id[device.id] = device.fingerprint;
    return by_id;
  }
};

constexpr const char *kTwoBuses = R"(links:
  bus: { type: rtu, device: /dev/ttyS1 }
  meter-bus: { type: rtu, device: /dev/ttyS2 }
devices:
  - { id: inv-1, driver: huawei-sun2000, link: bus, unit: 1 }
  - { id: inv-2, driver: huawei-sun2000, link: bus, unit: 2 }
  - { id: grid, driver: dtsu666, link: meter-bus, unit: 11 }
)";

TEST_F(FingerprintTest, SameEntryWrittenDifferentlyHasTheSameFingerprint) {
  const auto before = fingerprints(kTwoBuses);
  // Keys reordered, a default written out, the same timeout in another unit.
  const auto after = fingerprints(R"(links:
  bus: { device: /dev/ttyS1, type: rtu, timeout: 0.3s }
  meter-bus: { type: rtu, device: /dev/ttyS2, baud: 9600 }
devices:
  - { unit: 1, id: inv-1, link: bus, driver: huawei-sun2000, params: { grid_code: vde4105 } }
  - id: inv-2
    driver: huawei-sun2000
    link: bus
    unit: 2
  - { id: grid, driver: dtsu666, link: meter-bus, unit: 11 }
)");
  EXPECT_EQ(before, after);
  EXPECT_NE(before.at("inv-1"), before.at("inv-2"));
}

TEST_F(FingerprintTest, ChangesWithTheParametersAndTheLinkOfTheDevice) {
  const auto before = fingerprints(kTwoBuses);
  std::string param_changed = kTwoBuses;
  param_changed.replace(param_changed.find("unit: 2 }"), 9, "unit: 2, params: { rated_w: 5000 } }");
  const auto after_param = fingerprints(param_changed);
  EXPECT_EQ(before.at("inv-1"), after_param.at("inv-1"));
  EXPECT_NE(before.at("inv-2"), after_param.at("inv-2"));
  EXPECT_EQ(before.at("grid"), after_param.at("grid"));

  std::string baud_changed = kTwoBuses;
  baud_changed.replace(baud_changed.find("/dev/ttyS1 }"), 12, "/dev/ttyS1, baud: 19200 }");
  const auto after_baud = fingerprints(baud_changed);
  EXPECT_NE(before.at("inv-1"), after_baud.at("inv-1"));
  EXPECT_NE(before.at("inv-2"), after_baud.at("inv-2"));
  EXPECT_EQ(before.at("grid"), after_baud.at("grid"));
}

}  // namespace
}  // namespace hearth::config::testing
