// The reference product's site limits (emma-functions.md, "Site limits").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char *kLinks = R"(links:
  bus: { type: rtu, device: /dev/ttyS1 }
  bus-2: { type: rtu, device: /dev/ttyS2 }
  lan: { type: tcp, host: 10.0.0.2 }
)";
constexpr int kFirstDeviceLine = 6;  // after kLinks and "devices:"

// `count` devices "<prefix>1".. of one driver, one per line; `extra` is appended to each entry.
std::string devices(int count, const std::string &prefix, const std::string &driver,
                    const std::string &extra = "") {
  std::string text;
  for (int i = 1; i <= count; ++i) {
    text += "  - { id: " + prefix + std::to_string(i) + ", driver: " + driver + extra + " }\n";
  }
  return text;
}

// `count` inverters "<prefix>1".. on one link, with unit ids 1...
std::string inverters(int count, const std::string &prefix, const std::string &link) {
  std::string text;
  for (int i = 1; i <= count; ++i) {
    text += "  - { id: " + prefix + std::to_string(i) + ", driver: huawei-sun2000, link: " + link +
            ", unit: " + std::to_string(i) + " }\n";
  }
  return text;
}

class LimitsTest : public ConfigTest {
 protected:
  std::vector<std::string> errors_with(const std::string &device_lines) {
    return errors_of(std::string(kLinks) + "devices:\n" + device_lines);
  }
};

TEST_F(LimitsTest, FortyDevicesAreAcceptedAndTheFortyFirstIsNot) {
  EXPECT_THAT(errors_with(devices(40, "m", "dtsu666")), IsEmpty());
  EXPECT_THAT(errors_with(devices(42, "m", "dtsu666")),
              ElementsAre(at(kFirstDeviceLine + 40, 5,
                             "devices[m41]: 42 devices; the reference product allows at most 40")));
}

TEST_F(LimitsTest, AtMostThreeInvertersOnOneRtuLink) {
  EXPECT_THAT(errors_with(inverters(3, "inv", "bus")), IsEmpty());
  // Three more on another bus do not count towards the first.
  EXPECT_THAT(
      errors_with(inverters(4, "inv", "bus") + inverters(3, "b", "bus-2")),
      ElementsAre(at(kFirstDeviceLine + 3, 5,
                     "devices[inv4]: 4 pv_inverter devices on RTU link 'bus'; the reference "
                     "product allows at most 3")));
}

TEST_F(LimitsTest, InvertersOverTcpAreNotLimitedPerLink) {
  EXPECT_THAT(errors_with(inverters(4, "inv", "lan")), IsEmpty());
}

TEST_F(LimitsTest, AtMostTwoChargers) {
  EXPECT_THAT(errors_with(devices(2, "hc", "huawei-charger")), IsEmpty());
  EXPECT_THAT(errors_with(devices(3, "hc", "huawei-charger")),
              ElementsAre(at(kFirstDeviceLine + 2, 5,
                             "devices[hc3]: 3 chargers (ev_charger); the reference product allows "
                             "at most 2")));
}

TEST_F(LimitsTest, AtMostOneThirdPartyCharger) {
  const std::string ocpp = ", params: { charge_point_id: X }";
  EXPECT_THAT(errors_with(devices(1, "hc", "huawei-charger") + devices(1, "wb", "ocpp16", ocpp)),
              IsEmpty());
  EXPECT_THAT(errors_with(devices(2, "wb", "ocpp16", ocpp)),
              ElementsAre(at(kFirstDeviceLine + 1, 5,
                             "devices[wb2]: 2 third-party chargers (ev_charger with a driver other "
                             "than huawei-charger); the reference product allows at most 1")));
}

TEST_F(LimitsTest, AtMostTwentySmartSwitches) {
  const std::string host = ", params: { host: 10.0.0.9 }";
  EXPECT_THAT(errors_with(devices(20, "s", "smart-switch", host)), IsEmpty());
  EXPECT_THAT(errors_with(devices(21, "s", "smart-switch", host)),
              ElementsAre(at(kFirstDeviceLine + 20, 5,
                             "devices[s21]: 21 smart switches (switchable_load); the reference "
                             "product allows at most 20")));
}

TEST_F(LimitsTest, AtMostOneEebusHeatPumpAndOneHeatingRod) {
  EXPECT_THAT(errors_with(devices(1, "hp", "eebus") + devices(1, "rod", "heating-rod")), IsEmpty());
  EXPECT_THAT(
      errors_with(devices(2, "hp", "eebus") + devices(2, "rod", "heating-rod")),
      ElementsAre(
          at(kFirstDeviceLine + 1, 5,
             "devices[hp2]: 2 EEBUS heat pumps (driver eebus); the reference product allows "
             "at most 1"),
          at(kFirstDeviceLine + 3, 5,
             "devices[rod2]: 2 heating rods (driver heating-rod); the reference product "
             "allows at most 1")));
}

}  // namespace
}  // namespace hearth::config::testing
