#include <gtest/gtest.h>

#include <hearth/bus/capability_registry.hpp>

#include "values.hpp"

namespace hearth::bus {
namespace {

using testing::arg;
using testing::double_value;
using testing::int_value;

TEST(CapabilityRegistry, QueriesDevicesByCapabilityAndTheirLimits) {
  CapabilityRegistry registry;
  const hearth_arg battery_limits[] = {arg("capacity_wh", double_value(10000.0)),
                                       arg("max_charge_w", double_value(5000.0))};
  ASSERT_EQ(registry.register_capability("battery-2", "battery", battery_limits), HEARTH_OK);
  ASSERT_EQ(registry.register_capability("battery-1", "battery", battery_limits), HEARTH_OK);
  const hearth_arg rated = arg("rated_w", int_value(10000));
  ASSERT_EQ(registry.register_capability("inverter-1", "pv_inverter", {&rated, 1}), HEARTH_OK);
  ASSERT_EQ(registry.register_capability("inverter-1", "power_limitable", {}), HEARTH_OK);

  EXPECT_EQ(registry.devices_with("battery"), (std::vector<std::string>{"battery-1", "battery-2"}));
  EXPECT_EQ(registry.devices_with("ev_charger"), std::vector<std::string>{});
  EXPECT_EQ(registry.capabilities_of("inverter-1"),
            (std::vector<std::string>{"power_limitable", "pv_inverter"}));
  EXPECT_TRUE(registry.has("inverter-1", "pv_inverter"));
  EXPECT_FALSE(registry.has("inverter-1", "battery"));

  const auto *limits = registry.limits("battery-1", "battery");
  ASSERT_NE(limits, nullptr);
  ASSERT_EQ(limits->size(), 2u);
  EXPECT_STREQ((*limits)[1].name, "max_charge_w");
  EXPECT_DOUBLE_EQ(registry.limit("battery-1", "battery", "max_charge_w")->as.d, 5000.0);
  EXPECT_EQ(registry.limit("inverter-1", "pv_inverter", "rated_w")->as.i, 10000);
  EXPECT_FALSE(registry.limit("inverter-1", "pv_inverter", "max_charge_w"));
  EXPECT_EQ(registry.limits("inverter-1", "power_limitable")->size(), 0u);
}

TEST(CapabilityRegistry, RegisteringAgainReplacesTheLimitsAndRemoveForgetsTheDevice) {
  CapabilityRegistry registry;
  const hearth_arg old_limit = arg("max_current_a", double_value(16.0));
  const hearth_arg new_limit = arg("max_current_a", double_value(32.0));
  registry.register_capability("ev-1", "ev_charger", {&old_limit, 1});
  registry.register_capability("ev-1", "ev_charger", {&new_limit, 1});
  EXPECT_EQ(registry.devices_with("ev_charger").size(), 1u);
  EXPECT_DOUBLE_EQ(registry.limit("ev-1", "ev_charger", "max_current_a")->as.d, 32.0);
  registry.remove_device("ev-1");
  EXPECT_FALSE(registry.has("ev-1", "ev_charger"));
}

TEST(CapabilityRegistry, RefusesUnknownCapabilitiesAndMalformedLimits) {
  CapabilityRegistry registry;
  EXPECT_EQ(registry.register_capability("inverter-1", "pv_invertor", {}), HEARTH_E_INVALID);
  EXPECT_NE(registry.last_error().find("unknown capability 'pv_invertor'"), std::string::npos)
      << registry.last_error();
  EXPECT_EQ(registry.register_capability("", "battery", {}), HEARTH_E_INVALID);
  EXPECT_EQ(registry.register_capability("meter", "x-", {}), HEARTH_E_INVALID);
  EXPECT_EQ(registry.register_capability("meter", "x-acme-tamper", {}), HEARTH_OK);
  hearth_arg unnamed = arg("", int_value(1));
  EXPECT_EQ(registry.register_capability("b", "battery", {&unnamed, 1}), HEARTH_E_INVALID);
  hearth_arg bad_value = arg("rated_w", int_value(1));
  bad_value.value.type = 42;
  EXPECT_EQ(registry.register_capability("b", "battery", {&bad_value, 1}), HEARTH_E_INVALID);
  EXPECT_NE(registry.last_error().find("rated_w"), std::string::npos);
  EXPECT_EQ(registry.refused_count(), 5u);  // the four above and "x-"
  EXPECT_FALSE(registry.has("b", "battery"));
  for (const auto name : kKnownCapabilities) {
    EXPECT_EQ(registry.register_capability("d", name, {}), HEARTH_OK) << name;
  }
}

}  // namespace
}  // namespace hearth::bus
